"""Settings: the Anthropic API key (keyring), Claude's model table and prices, the spending cap, labour cost.

The key field is masked and never pre-filled: a saved key stays in the keyring and the dialog only says
where it is. Testing a key sends one token through the LLM client in a worker, so the dialog never freezes.
Where the computer has no keyring, the dialog says so plainly: the key then lasts for this session only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ai.llm.client import KeyCheck
from ai.llm.costs import money
from designer.claude_tasks import AnswerFormat, ModelChoice, Task
from designer.data_protection import DataProtection
from designer.rate_limits import RateLimits
from designer.roles import Action, PermissionDenied
from storage.keys import ApiKey, KeyLocation, KeyProblem, KeyStatus, KeyStore
from storage.settings import AppSettings, SettingsProblem, SettingsStore
from widgets.workers import BackgroundJobs

if TYPE_CHECKING:
    from storage.database import Engine
    from storage.users import SignedInUser

TASK_NAMES: dict[Task, str] = {
    Task.SLOT_EXPLANATION: "Slot explanation",
    Task.CABINET_EXPLANATIONS: "Cabinet explanations (one call)",
    Task.ANALYSIS_NARRATIVE: "Analysis narrative",
    Task.WHAT_IF: "What-if question",
    Task.PHOTO_COMPLIANCE: "Photo compliance",
}
FORMAT_NAMES: dict[AnswerFormat, str] = {
    AnswerFormat.FORCED_TOOL: "Forced tool",
    AnswerFormat.JSON_SCHEMA: "JSON schema",
}
COLUMNS = (
    "Task",
    "Model id",
    "Input\n$/M tokens",
    "Output\n$/M tokens",
    "Time\nlimit (s)",
    "Max answer\ntokens",
    "Answer as",
)
"""Two-line headers keep the number columns narrow: every column fits the dialog without a scrollbar."""
WARNING_STYLE = "background: #fff4d6; color: #6b4a00; border: 1px solid #e8c46a; border-radius: 4px; padding: 6px;"
ERROR_STYLE = "color: #b3261e;"


def _days(value: int, suffix: str, most: int = 3650) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, most)
    box.setSuffix(suffix)
    box.setValue(value)
    return box


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class SettingsDialog(QDialog):
    """Edits :class:`storage.settings.AppSettings` and the key; OK saves the settings file."""

    key_tested = Signal(object)  # the KeyCheck, once a test finished

    def __init__(
        self,
        settings: SettingsStore,
        keys: KeyStore,
        test_key: Callable[[ApiKey], KeyCheck],
        *,
        month_spent: Callable[[], float] | None = None,
        jobs: BackgroundJobs | None = None,
        user: SignedInUser | None = None,
        engine: Engine | None = None,
        parent: QWidget | None = None,
        confirm: Callable[[str], bool] | None = None,
    ) -> None:
        """With ``user`` and ``engine``, saving checks the role (AI settings: admin) and is audited; ``confirm``
        (the window's, on a protected database) asks an admin's password again before an admin's save."""
        super().__init__(parent)
        self._confirm = confirm
        self.setWindowTitle("Settings")
        self._settings = settings
        self._user = user
        self._engine = engine
        self._keys = keys
        self._test_key = test_key
        self._jobs = jobs or BackgroundJobs(self)
        current = settings.current

        tabs = QTabWidget()
        tabs.addTab(self._claude_page(current, month_spent), "Claude")
        tabs.addTab(self._models_page(current), "Models and prices")
        tabs.addTab(self._costs_page(current), "Costs")
        tabs.addTab(self._data_protection_page(current), "Access and data")
        self.error = _plain()
        self.error.setStyleSheet(ERROR_STYLE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._show_key_status(keys.status())
        self._lock_ai_settings(user.why_not(Action.AI_SETTINGS) if user is not None else None)
        self.resize(max(760, self._models_width() + 60), 460)

    def _models_width(self) -> int:
        """The width the models table needs to show every column whole (the model id column stretches)."""
        table, header = self.models, self.models.horizontalHeader()
        widths = [table.columnWidth(column) for column in range(len(COLUMNS))]
        widths[1] = max(table.sizeHintForColumn(1), header.sectionSizeHint(1))
        return sum(widths) + 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()

    def _lock_ai_settings(self, reason: str | None) -> None:
        """A non-admin sees Claude's settings but cannot change them; the fields say why."""
        self.ai_locked = reason
        if reason is None:
            return
        protection = (self.predictions_days, self.llm_log_days, self.idle_lock)
        for widget in (
            self.key_field,
            self.save_key_button,
            self.remove_key_button,
            self.cap,
            self.models,
            *protection,
        ):
            widget.setEnabled(False)
            widget.setToolTip(reason)
        self.key_status.setText(f"{self.key_status.text()}\n{reason}.".strip())

    # --- pages ----------------------------------------------------------------------------------------

    def _claude_page(self, current: AppSettings, month_spent: Callable[[], float] | None) -> QWidget:
        page = QWidget()
        key_box = QGroupBox("Anthropic API key")
        self.key_field = QLineEdit()
        self.key_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_field.setPlaceholderText("Paste a key (sk-ant-…) to save or test it")
        self.key_field.setClearButtonEnabled(True)
        self.save_key_button = QPushButton("Save to keyring")
        self.test_key_button = QPushButton("Test")
        self.remove_key_button = QPushButton("Remove")
        self.save_key_button.clicked.connect(self.save_key)
        self.test_key_button.clicked.connect(self.test_key)
        self.remove_key_button.clicked.connect(self.remove_key)
        row = QHBoxLayout()
        row.addWidget(self.key_field, 1)
        row.addWidget(self.save_key_button)
        row.addWidget(self.test_key_button)
        row.addWidget(self.remove_key_button)
        self.key_status = _plain()
        self.keyring_notice = _plain()
        self.keyring_notice.setStyleSheet(WARNING_STYLE)
        self.test_result = _plain()
        key_layout = QVBoxLayout(key_box)
        key_layout.addLayout(row)
        key_layout.addWidget(self.key_status)
        key_layout.addWidget(self.keyring_notice)
        key_layout.addWidget(self.test_result)

        spending = QGroupBox("Spending")
        self.cap = QDoubleSpinBox()
        self.cap.setRange(0, 100_000)
        self.cap.setDecimals(2)
        self.cap.setPrefix("$ ")
        self.cap.setValue(current.llm.monthly_cap_usd)
        form = QFormLayout(spending)
        form.addRow("Monthly cap (0 stops all calls)", self.cap)
        if month_spent is not None:
            form.addRow("Spent this month", _plain(money(month_spent())))
        form.addRow(_plain("Claude only explains; every number comes from the local models, with or without it."))

        layout = QVBoxLayout(page)
        layout.addWidget(key_box)
        layout.addWidget(spending)
        layout.addStretch(1)
        return page

    def _models_page(self, current: AppSettings) -> QWidget:
        page = QWidget()
        self.models = QTableWidget(len(Task), len(COLUMNS))
        self.models.setHorizontalHeaderLabels(list(COLUMNS))
        self.models.verticalHeader().hide()
        self.models.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for row, task in enumerate(Task):
            choice = current.llm.model_for(task)
            name = QTableWidgetItem(TASK_NAMES[task])
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            name.setData(Qt.ItemDataRole.UserRole, task.value)
            self.models.setItem(row, 0, name)
            self.models.setItem(row, 1, QTableWidgetItem(choice.model))
            for column, value in (
                (2, choice.input_per_mtok),
                (3, choice.output_per_mtok),
                (4, choice.timeout_s),
                (5, choice.max_output_tokens),
            ):
                self.models.setItem(row, column, QTableWidgetItem(f"{value:g}"))
            formats = QComboBox()
            for answer_format, label in FORMAT_NAMES.items():
                formats.addItem(label, answer_format.value)
            formats.setCurrentIndex(formats.findData(choice.answer_format.value))
            self.models.setCellWidget(row, 6, formats)
        self.models.setWordWrap(False)  # a model id on one line
        header = self.models.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # a cell widget's width is not part of its column's contents: the answer-format box sets its own
        answer_as = len(COLUMNS) - 1
        boxes = [self.models.cellWidget(row, answer_as) for row in range(self.models.rowCount())]
        header.setSectionResizeMode(answer_as, QHeaderView.ResizeMode.Fixed)
        self.models.setColumnWidth(answer_as, max(box.sizeHint().width() for box in boxes) + 8)
        self.models.resizeColumnsToContents()
        layout = QVBoxLayout(page)
        layout.addWidget(self.models)
        layout.addWidget(
            _plain(
                "Prices are list prices in US dollars per million tokens; prompt-cache writes cost 1.25× and "
                "reads 0.1× the input price. Models that refuse forced tool use (Opus 5.5) answer as JSON schema."
            )
        )
        return page

    def _costs_page(self, current: AppSettings) -> QWidget:
        page = QWidget()
        self.labour = QDoubleSpinBox()
        self.labour.setRange(0, 10_000)
        self.labour.setDecimals(2)
        self.labour.setPrefix("$ ")
        self.labour.setValue(current.labour_cost_per_slot)
        form = QFormLayout(page)
        form.addRow("Labour cost per slot changed", self.labour)
        form.addRow(_plain("Used to work out when a planogram change pays for itself (break-even)."))
        return page

    def _data_protection_page(self, current: AppSettings) -> QWidget:
        """Retention, the idle lock, where the key that seals the AI data lives, and the per-user rate limits."""
        from storage.sealed_columns import ai_data_key_location

        page = QWidget()
        keep = current.data_protection
        self.predictions_days = _days(keep.predictions_days, " days")
        self.llm_log_days = _days(keep.llm_log_days, " days")
        self.idle_lock = _days(keep.idle_lock_minutes, " min", most=24 * 60)
        where = ai_data_key_location()
        self.ai_key_where = _plain(
            "The AI data (predictions, experiments, feedback, Claude's cached answers) is encrypted in the database; "
            + (
                "its key is in this computer's keyring."
                if where == "the system keyring"
                else f"this computer has no keyring, so its key is the file {where}, readable only by you. "
                "Back it up: without it the AI data cannot be read (python main.py privacy reset-ai-data clears it)."
            )
        )
        form = QFormLayout(page)
        form.addRow("Keep predictions and feedback", self.predictions_days)
        form.addRow("Keep Claude's usage log and answers", self.llm_log_days)
        form.addRow("Lock after no input for (0: never)", self.idle_lock)
        form.addRow(_plain("Older rows are deleted when the app starts. The lock applies to password-protected "
                           "databases."))  # fmt: skip
        form.addRow(self.ai_key_where)
        limits = current.rate_limits
        self.realtime_limit = _days(limits.realtime_per_minute, " a minute", most=1_000_000)
        self.predictions_limit = _days(limits.predictions_per_minute, " a minute", most=1_000_000)
        self.training_limit = _days(limits.training_per_hour, " an hour", most=1_000_000)
        form.addRow(_plain("Rate limits per user, for scripts and other programs (python main.py api and serve); "
                           "the designer's own scoring, previews and back-tests are never limited."))  # fmt: skip
        form.addRow("Realtime scores", self.realtime_limit)
        form.addRow("Predictions and forecasts", self.predictions_limit)
        form.addRow("Model trainings", self.training_limit)
        return page

    # --- the key --------------------------------------------------------------------------------------

    def _typed_key(self) -> ApiKey | None:
        """The key in the field, or None (with the reason shown) if it is empty or unusable."""
        try:
            return ApiKey(self.key_field.text())
        except KeyProblem as problem:
            self.test_result.setText(f"That key cannot be used: {problem}.")
            return None

    def save_key(self) -> None:
        key = self._typed_key()
        if key is None:
            return
        status = self._keys.save(key)
        self.key_field.clear()
        self.test_result.clear()
        self._show_key_status(status)

    def remove_key(self) -> None:
        self.key_field.clear()
        self.test_result.clear()
        self._show_key_status(self._keys.remove())

    def test_key(self) -> None:
        """Test the key in the field, or else the saved one, with a one-token request in a worker."""
        key = self._typed_key() if self.key_field.text().strip() else self._keys.load()
        if key is None:
            if not self.key_field.text().strip():
                self.test_result.setText("There is no key to test: paste one first.")
            return
        self.test_key_button.setEnabled(False)
        self.test_result.setText("Testing…")
        test = self._test_key
        self._jobs.start("test key", lambda _state: test(key), on_success=self._tested, on_failure=self._test_failed)

    def _tested(self, check: KeyCheck) -> None:
        self.test_key_button.setEnabled(True)
        self.test_result.setText(check.message)
        self.key_tested.emit(check)

    def _test_failed(self, error: Exception) -> None:
        self._tested(KeyCheck(False, f"The test could not run ({type(error).__name__})."))

    def _show_key_status(self, status: KeyStatus) -> None:
        where = {
            KeyLocation.KEYRING: "A key is saved in this computer's keyring.",
            KeyLocation.SESSION: "A key is set for this session only.",
            KeyLocation.NONE: "No key is set: explanations come from the built-in rules.",
        }[status.location]
        self.key_status.setText(where)
        self.remove_key_button.setEnabled(status.has_key)
        no_keyring = not self._keys.keyring_available()
        self.keyring_notice.setVisible(no_keyring)
        if no_keyring and status.notice:
            self.keyring_notice.setText(status.notice)
        self.save_key_button.setText("Keep for this session" if no_keyring else "Save to keyring")

    # --- saving ---------------------------------------------------------------------------------------

    def edited_settings(self) -> AppSettings:
        """The settings as the dialog shows them; :class:`SettingsProblem` names a cell that cannot be read."""
        current = self._settings.current
        models: dict[Task, ModelChoice] = {}
        for row in range(self.models.rowCount()):
            task = Task(self.models.item(row, 0).data(Qt.ItemDataRole.UserRole))

            def cell(column: int, row: int = row, task: Task = task) -> float:
                text = self.models.item(row, column).text().strip().lstrip("$")
                try:
                    return float(text)
                except ValueError:
                    raise SettingsProblem(
                        f"{TASK_NAMES[task]}: '{text}' in '{COLUMNS[column]}' is not a number"
                    ) from None

            formats = self.models.cellWidget(row, 6)
            assert isinstance(formats, QComboBox)
            models[task] = ModelChoice(
                model=self.models.item(row, 1).text().strip(),
                input_per_mtok=cell(2),
                output_per_mtok=cell(3),
                timeout_s=cell(4),
                max_output_tokens=int(cell(5)),
                answer_format=AnswerFormat(formats.currentData()),
            )
        llm = dataclasses.replace(current.llm, models=models, monthly_cap_usd=round(self.cap.value(), 2))
        keep = DataProtection(self.predictions_days.value(), self.llm_log_days.value(), self.idle_lock.value())
        limits = RateLimits(self.realtime_limit.value(), self.predictions_limit.value(), self.training_limit.value())
        return dataclasses.replace(
            current,
            llm=llm,
            labour_cost_per_slot=round(self.labour.value(), 2),
            data_protection=keep,
            rate_limits=limits,
        )

    def accept(self) -> None:
        admin = self._user is not None and self._user.why_not(Action.AI_SETTINGS) is None
        if admin and self._confirm is not None and not self._confirm("Changing the settings"):
            self.error.setText("Not saved: the password was not confirmed.")
            return
        try:
            if self._engine is None:
                self._settings.save(self.edited_settings())
            else:
                self._settings.save_as(self.edited_settings(), self._user.id if self._user else None, self._engine)
        except PermissionDenied as refused:
            self.error.setText(f"Not saved: {refused}.")
            return
        except SettingsProblem as problem:
            self.error.setText(f"Not saved: {problem}.")
            return
        except OSError as error:
            self.error.setText(f"The settings file could not be written ({error.strerror}); nothing was changed.")
            return
        self._jobs.abandon("test key")
        super().accept()

    def reject(self) -> None:
        self._jobs.abandon("test key")
        super().reject()
