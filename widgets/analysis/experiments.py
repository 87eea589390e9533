"""The experiments tab: the list, a form to start one, each group's daily revenue, and completing it.

Thin over :mod:`ai.experiment_tracking`; every read and write runs in a worker. Only managers and admins may
create or complete an experiment: the service refuses anyone else and the refusal is shown here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pyqtgraph as pg
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ai.experiment_tracking import ExperimentPlan
from ai.experiments import Assignment, Metric
from designer.local_time import local
from storage.database import Engine
from widgets import style
from widgets.workers import BackgroundJobs, JobState

CONTROL_COLOUR, TREATMENT_COLOUR = "#9aa5b1", "#2f6fb0"
METRIC_LABELS = {Metric.REVENUE: "Revenue / day", Metric.UNITS: "Units / day", Metric.STOCKOUTS: "Stock-outs / day"}
NOTHING_SELECTED = "Select an experiment, or start a new one: each group's daily figures appear here."


@dataclass(frozen=True)
class SavedVersion:
    """A saved planogram version the treatment may activate: how the chooser lists it."""

    id: int
    device_id: int
    device_name: str
    cabinet_index: int
    zone: str
    version: int
    status: str
    saved: datetime


def read_devices(engine: Engine) -> tuple[list[tuple[int, str, str]], date | None, list[SavedVersion]]:
    """The devices, their latest sale day and every saved planogram version, for the experiment form (a worker)."""
    from ai.experiment_tracking import latest_sale_day
    from storage.fleet import FleetRepository
    from storage.versions import PlanogramVersions

    repository, history = FleetRepository(engine), PlanogramVersions(engine)
    found = repository.devices()
    devices = [(d.id, d.name, d.location_type) for d in found]
    versions = []
    for device in found:
        for cabinet in repository.cabinets(device.id):
            for info in history.history(device.id, cabinet.index):
                versions.append(SavedVersion(info.id, device.id, device.name, cabinet.index, cabinet.zone.value,
                                             info.version, info.status.value, info.created_at))  # fmt: skip
    latest = latest_sale_day(engine, [d[0] for d in devices]) if devices else None
    return devices, latest, versions


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise ValueError(f"{text!r} is not a list of ids; write them like 3, 7, 12") from None


class ExperimentForm(QDialog):
    """Name, devices, split, treatment planograms, metrics and dates; :meth:`plan` reads it."""

    def __init__(
        self,
        devices: list[tuple[int, str, str]],
        latest: date | None,
        versions: list[SavedVersion] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New A/B experiment")
        self.resize(640, 720)
        self.name = QLineEdit()
        self.name.setPlaceholderText("what is tested, e.g. snacks at eye level")
        self.devices = QListWidget()
        for device_id, name, location in devices:
            item = QListWidgetItem(f"{device_id} · {name} · {location}")
            item.setData(Qt.ItemDataRole.UserRole, device_id)
            item.setCheckState(Qt.CheckState.Checked)
            self.devices.addItem(item)
        self.devices.setMaximumHeight(140)
        self.split = QComboBox()
        for assignment, text in ((Assignment.STRATIFIED, "Random within each location type"),
                                 (Assignment.RANDOMISED, "Random"), (Assignment.CHOSEN, "I choose")):  # fmt: skip
            self.split.addItem(text, assignment)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.treatment_devices = QLineEdit()
        self.treatment_devices.setPlaceholderText("ids, for 'I choose'")
        self.treatment_devices.setEnabled(False)
        self.split.currentIndexChanged.connect(
            lambda: self.treatment_devices.setEnabled(self.split.currentData() == Assignment.CHOSEN.value)
        )
        self.planograms = self._version_chooser(versions or [])
        self.metrics = {metric: QCheckBox(text) for metric, text in METRIC_LABELS.items()}
        metric_row = QHBoxLayout()
        for box in self.metrics.values():
            box.setChecked(True)
            metric_row.addWidget(box)
        first_day = (latest or date.today()) + timedelta(days=1)
        self.start = QDateEdit(QDate(first_day.year, first_day.month, first_day.day))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.has_end = QCheckBox("ends on")
        self.end = QDateEdit(self.start.date().addDays(28))
        self.end.setDisplayFormat("yyyy-MM-dd")
        self.end.setEnabled(False)
        self.has_end.toggled.connect(self.end.setEnabled)
        end_row = QHBoxLayout()
        end_row.addWidget(self.has_end)
        end_row.addWidget(self.end, 1)
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {style.DROP_REFUSE.name()}")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Devices", self.devices)
        form.addRow("Split", self.split)
        form.addRow("Seed", self.seed)
        form.addRow("Treatment devices", self.treatment_devices)
        form.addRow("Treatment planograms", self.planograms)
        form.addRow("Metrics (first decides)", metric_row)
        form.addRow("Starts", self.start)
        form.addRow("", end_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start experiment")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def plan(self) -> ExperimentPlan:
        """The experiment as filled in; ValueError names what is missing or wrong."""
        chosen = [
            int(self.devices.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.devices.count())
            if self.devices.item(i).checkState() == Qt.CheckState.Checked
        ]
        metrics = [metric for metric, box in self.metrics.items() if box.isChecked()]
        assignment = Assignment(self.split.currentData())  # Qt hands enum data back as plain text
        treatment = _ids(self.treatment_devices.text()) if assignment is Assignment.CHOSEN else []
        if assignment is Assignment.CHOSEN and not treatment:
            raise ValueError("name the treatment devices (ids) when you choose the split yourself")
        return ExperimentPlan(
            name=self.name.text().strip(),
            device_ids=chosen,
            start=self.start.date().toPython(),
            end=self.end.date().toPython() if self.has_end.isChecked() else None,
            assignment=assignment,
            treatment_devices=treatment,
            treatment_planograms=self.chosen_versions(),
            metrics=metrics,
            seed=self.seed.value(),
        )

    @staticmethod
    def _version_chooser(versions: list[SavedVersion]) -> QTreeWidget:
        """Saved planogram versions by device and cabinet, ticked to be activated on the treatment devices: no one
        has to know a version's database id."""
        tree = QTreeWidget()
        tree.setHeaderLabels(["Use", "Version", "Status", "Saved"])  # device and cabinet head each group
        tree.setToolTip("Tick the planogram versions to activate on the treatment devices (optional)")
        tree.setRootIsDecorated(True)
        parents: dict[tuple[int, int], QTreeWidgetItem] = {}
        for saved in sorted(versions, key=lambda v: (v.device_id, v.cabinet_index, -v.version)):
            key = (saved.device_id, saved.cabinet_index)
            if key not in parents:
                parents[key] = QTreeWidgetItem(tree, [f"{saved.device_name} · cabinet {saved.cabinet_index} "
                                                      f"({saved.zone})"])  # fmt: skip
                parents[key].setFirstColumnSpanned(True)
            shown = local(saved.saved)
            item = QTreeWidgetItem(
                parents[key], ["", f"v{saved.version}", saved.status, shown.strftime("%Y-%m-%d %H:%M")]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, saved.id)
            item.setCheckState(0, Qt.CheckState.Unchecked)
        tree.expandAll()
        tree.setColumnWidth(0, 64)
        tree.resizeColumnToContents(1)
        tree.resizeColumnToContents(2)
        tree.setMinimumHeight(200)
        return tree

    def chosen_versions(self) -> list[int]:
        """The ids of the ticked planogram versions."""
        chosen = []
        for top in range(self.planograms.topLevelItemCount()):
            cabinet = self.planograms.topLevelItem(top)
            for row in range(cabinet.childCount()):
                item = cabinet.child(row)
                if item.checkState(0) == Qt.CheckState.Checked:
                    chosen.append(int(item.data(0, Qt.ItemDataRole.UserRole)))
        return chosen

    def _check(self) -> None:
        from ai.experiment_tracking import check_plan

        try:
            check_plan(self.plan())
        except ValueError as error:  # designer.command_outcomes.RequestInvalid is one
            self.problem.setText(str(error))
            return
        self.accept()


class ExperimentsView(QWidget):
    """The list on the left; the selected experiment's daily chart and results on the right."""

    changed = Signal()
    status_shown = Signal(object)  # the status dict

    def __init__(
        self, engine: Engine, parent: QWidget | None = None, *, user_id: int | None = None, refusal: str | None = None
    ) -> None:
        """``refusal``: why this user may not create or complete experiments (None: they may)."""
        super().__init__(parent)
        self.engine = engine
        self.user_id = user_id
        self.refusal = refusal
        self.jobs = BackgroundJobs(self)
        self.shown: dict | None = None  # type: ignore[type-arg]
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["#", "Experiment", "Status", "Winner"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.currentCellChanged.connect(lambda row, *_: self._selected(row))
        self.new_button = QPushButton("New experiment…")
        self.new_button.clicked.connect(self.new_experiment)
        self.new_button.setEnabled(refusal is None)
        self.new_button.setToolTip(refusal or "")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.new_button)

        self.metric_choice = QComboBox()
        for metric, text in METRIC_LABELS.items():
            self.metric_choice.addItem(text, metric)
        self.metric_choice.currentIndexChanged.connect(lambda _i: self._draw())
        self.complete_button = QPushButton("Complete experiment")
        self.complete_button.setEnabled(False)
        self.complete_button.setToolTip(refusal or "")
        self.complete_button.clicked.connect(self.complete_selected)
        self.results = QLabel("Select an experiment, or start a new one.")
        self.results.setWordWrap(True)
        self.results.setTextFormat(Qt.TextFormat.RichText)
        self.results.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.plot = pg.PlotWidget(background="w", axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.addLegend(offset=(10, 5), brush=pg.mkBrush(255, 255, 255, 220))
        # an empty date axis labels itself "00.100 … 00.900": with nothing to draw, a sentence says why instead
        self.empty_chart = QLabel(NOTHING_SELECTED)
        self.empty_chart.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_chart.setWordWrap(True)
        self.empty_chart.setStyleSheet(f"color: {style.MUTED_TEXT.name()}; background: white; font-size: 13px;")
        self.chart = QStackedWidget()
        self.chart.addWidget(self.plot)
        self.chart.addWidget(self.empty_chart)
        self.chart.setCurrentWidget(self.empty_chart)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Daily, per device:"))
        controls.addWidget(self.metric_choice)
        controls.addStretch(1)
        controls.addWidget(self.complete_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.chart, 3)
        right_layout.addWidget(self.results, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([360, 860])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.refresh()

    # --- the list --------------------------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        from ai.experiment_tracking import list_experiments

        engine = self.engine
        self.jobs.start("experiments", lambda _state: list_experiments(engine),
                        on_success=lambda rows: self._list(rows, select_id), on_failure=self._fail)  # fmt: skip

    def _list(self, rows: list[dict], select_id: int | None) -> None:  # type: ignore[type-arg]
        self.rows = rows
        self.table.setRowCount(len(rows))
        for row, experiment in enumerate(rows):
            texts = [str(experiment["id"]), str(experiment["name"]), str(experiment["status"]),
                     str(experiment["winner"] or "—")]  # fmt: skip
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if rows:
            ids = [r["id"] for r in rows]
            row = ids.index(select_id) if select_id in ids else 0
            self.table.selectRow(row)
            self._selected(row)  # also when the row was already current (its figures changed)

    def _selected(self, row: int) -> None:
        if not 0 <= row < len(getattr(self, "rows", [])):
            return
        from ai.experiment_tracking import experiment_status

        engine, experiment_id = self.engine, int(self.rows[row]["id"])
        self.results.setText("Reading the daily figures…")
        self.jobs.start("status", lambda _state: experiment_status(engine, experiment_id),
                        on_success=self.show_status, on_failure=self._fail)  # fmt: skip

    # --- one experiment --------------------------------------------------------------------------

    def show_status(self, status: dict) -> None:  # type: ignore[type-arg]
        self.shown = status
        self.complete_button.setEnabled(status["status"] == "active" and self.refusal is None)
        results = status["results"]
        lines = [
            f"<b>{status['name']}</b> · {status['status']} since {status['start_date']}"
            f" · {len(status['control_group']['device_ids'])} control, "
            f"{len(status['treatment_group']['device_ids'])} treatment devices ({status['assignment']} split)"
            f" · figures to {results['as_of']}"
        ]
        if results.get("note"):
            lines.append(results["note"])
        primary = results.get("metrics", {}).get(results.get("primary", ""))
        if primary:
            undecided = "no winner yet" if results["interim"] else "inconclusive, no winner at the 5 % level"
            verdict = {"treatment": "the treatment wins", "control": "the control wins",
                       "inconclusive": undecided}[primary["winner"]]  # fmt: skip
            lines.append(f"<b>{'Interim: ' if results['interim'] else 'Result: '}{verdict}</b>")
            if results["interim"]:
                lines.append("Looking early and stopping at the first good p-value inflates false alarms: "
                             "decide when the planned days are in (see the power line).")  # fmt: skip
            for name, result in results["metrics"].items():
                lines.append(self._effect_line(Metric(name), result))
            if primary.get("power"):
                lines.append(primary["power"]["message"])
            lines.append(f"<span style='color:{style.MUTED_TEXT.name()}'>{primary['test']}</span>")
        self.results.setText("<br>".join(lines))
        self._draw()
        self.status_shown.emit(status)

    @staticmethod
    def _effect_line(metric: Metric, result: dict) -> str:  # type: ignore[type-arg]
        def shown(value: float | None) -> str:
            if value is None:
                return "unbounded"
            return f"{value:+.1%}" if metric.relative else f"{value:+.2f}"

        return (
            f"{METRIC_LABELS[metric]}: <b>{shown(result['effect'])}</b> "
            f"(95 % CI {shown(result['ci_low'])} to {shown(result['ci_high'])}, p = {result['p_value']:.3f}) "
            f"over {result['days_after']} days against the {result['days_before']} before"
        )

    def _show_empty(self, why: str) -> None:
        self.empty_chart.setText(why)
        self.chart.setCurrentWidget(self.empty_chart)

    def _draw(self) -> None:
        plot = self.plot
        plot.clear()
        if self.shown is None:
            self._show_empty(NOTHING_SELECTED)
            return
        metric = Metric(self.metric_choice.currentData())
        daily = self.shown["results"]["daily"].get(metric.value)
        if not daily:
            self._show_empty(f"{METRIC_LABELS[metric]} is not tracked in this experiment.")
            return
        no_sales = metric is not Metric.STOCKOUTS and not any(daily["control"]) and not any(daily["treatment"])
        if not daily["dates"] or no_sales:  # no stock-outs is a figure; no sales at all is not
            self._show_empty(f"No {METRIC_LABELS[metric].lower()} figures yet: the experiment's devices have no "
                             f"sales in the days around its start ({self.shown['start_date']}).")  # fmt: skip
            return
        self.chart.setCurrentWidget(plot)
        plot.setTitle(f"{METRIC_LABELS[metric]} per device, each group", size="10pt", color=style.TEXT.name())
        x = [pg_time(day) for day in daily["dates"]]
        for group, colour in (("control", CONTROL_COLOUR), ("treatment", TREATMENT_COLOUR)):
            if daily[group]:
                plot.plot(x, daily[group], pen=pg.mkPen(colour, width=2), name=group)
        start = pg_time(self.shown["start_date"])
        pen = pg.mkPen(style.MUTED_TEXT, style=Qt.PenStyle.DashLine)
        label = {"position": 0.95, "color": style.MUTED_TEXT}
        plot.addItem(pg.InfiniteLine(start, angle=90, pen=pen, label="start", labelOpts=label))

    # --- actions ---------------------------------------------------------------------------------

    def new_experiment(self) -> None:
        engine = self.engine
        self.jobs.start("devices", lambda _state: read_devices(engine), on_success=self._open_form,
                        on_failure=self._fail)  # fmt: skip

    def _open_form(self, found: tuple[list[tuple[int, str, str]], date | None, list[SavedVersion]]) -> None:
        form = ExperimentForm(*found, parent=self)
        self.form = form
        if form.exec() == QDialog.DialogCode.Accepted:
            self.create(form.plan())

    def create(self, plan: ExperimentPlan) -> None:
        from ai.experiment_tracking import create_experiment

        engine, user_id = self.engine, self.user_id
        self.results.setText("Starting the experiment…")
        self.jobs.start("create", lambda _state: create_experiment(engine, plan, user_id=user_id),
                        on_success=self._created, on_failure=self._fail)  # fmt: skip

    def _created(self, made: dict) -> None:  # type: ignore[type-arg]
        self.changed.emit()
        self.refresh(select_id=int(made["id"]))

    def complete_selected(self) -> None:
        from ai.experiment_tracking import complete_experiment

        if self.shown is None:
            return
        engine, user_id, experiment_id = self.engine, self.user_id, int(self.shown["id"])
        self.complete_button.setEnabled(False)

        def job(_state: JobState) -> dict:  # type: ignore[type-arg]
            return complete_experiment(engine, experiment_id, user_id=user_id)

        self.jobs.start("complete", job, on_success=lambda done: self._created(done), on_failure=self._fail)

    def _fail(self, error: Exception) -> None:
        self.results.setText(f"<span style='color:{style.DROP_REFUSE.name()}'>{error}</span>")
        if self.shown is not None:
            self.complete_button.setEnabled(self.shown["status"] == "active" and self.refusal is None)

    def shutdown(self) -> None:
        self.jobs.shutdown(3000)


def pg_time(day: str | date) -> float:
    """A day as the seconds pyqtgraph's date axis wants (noon, so no time zone moves it to another day)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(day, time(12)).timestamp()
