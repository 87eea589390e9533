"""Planogram → Apply template… (and the fleet-wide edits): choose machines, preview, apply, undo.

The manager chooses what changes (a template, a product replaced, a price, par levels from the forecast) and which
machines (filters by location type, model, route, shape and tag pre-tick the machines; ticks refine them by hand),
then previews: a table per cabinet with the slots that change, refusals with their reasons and the predicted daily
revenue change with its 90 % interval, and the totals. Preview, apply and undo run in a worker behind a progress
dialog with Cancel. What is applied is what was previewed, as one operation; "Undo this operation" takes it back in
one step (and Planogram → Fleet operations… does so later). The rules all live in ``designer``/``storage``/``ai``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
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
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.fleet_changes import MachineFacts, MachineFilter
from designer.roles import Action
from designer.wording import counted
from widgets.dialogs.job_progress import Cancelled, run_with_progress
from widgets.style import DROP_REFUSE, MUTED_TEXT, tint

if TYPE_CHECKING:
    from ai.fleet_preview import FleetPreview, MachinePreview
    from ai.services import Services
    from designer.products import Catalogue
    from designer.templates import Template
    from storage.fleet_operations import OperationResult
    from widgets.window.services import WindowServices
    from widgets.workers import JobState

ANY = "any"
KINDS = (
    ("template", "Apply a template"),
    ("replace_product", "Replace a product everywhere"),
    ("price", "Change a product's price"),
    ("par_levels", "Set par levels from the forecast"),
)
COLUMNS = ("Machine", "Cabinet", "Slots that change", "Daily revenue change (90 % interval)", "Status")
COLUMN_WIDTHS = (180, 64, 480, 290)
"""The status column takes the rest."""
SHOWN_DIFFERENCES = 3
"""Slot changes written out in a row; the rest are counted (all of them are in the row's tooltip)."""
REFUSED_TINT = tint(DROP_REFUSE, 0.82)


def money(value: float) -> str:
    return f"{'−' if value < 0 else '+'}${abs(value):,.2f}"


def change_text(line: MachinePreview) -> str:
    """``+$3.09 (−$0.31 to +$6.49)``: the change and its interval, each with its sign."""
    predicted = line.prediction
    if predicted is None:
        return ""
    return f"{money(predicted.change)} ({money(predicted.lower)} to {money(predicted.upper)})"


class FleetChangeDialog(QDialog):
    """One fleet change from choice to undo; built from plain services so a test can drive it."""

    def __init__(
        self,
        window: WindowServices,
        services: Callable[[], Services],
        templates: list[Template],
        machines: list[MachineFacts],
        catalogue: Catalogue,
        *,
        kind: str = "template",
        template: Template | None = None,
    ) -> None:
        super().__init__(window.parent)
        self.window = window
        self.services = services
        self.templates = templates
        self.machines = machines
        self.catalogue = catalogue
        self.preview: FleetPreview | None = None
        self.applied: OperationResult | None = None
        self.setWindowTitle("Apply template and fleet changes")
        self.setObjectName("fleetChangeDialog")
        self._build()
        self.kind.setCurrentIndex(next(i for i, (k, _t) in enumerate(KINDS) if k == kind))
        if template is not None:
            self.template.setCurrentIndex(max(self.template.findText(template.label), 0))
        self._refilter()

    # --- building -----------------------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        layout.addLayout(top)
        top.addWidget(self._what_box(), 2)
        top.addWidget(self._machines_box(), 3)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("previewTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        self._size_columns()  # headers read whole before the first preview too
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.totals = QLabel("Choose the change and the machines, then Preview.")
        self.totals.setObjectName("previewTotals")
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.totals)
        buttons = QDialogButtonBox()
        self.preview_button = buttons.addButton("&Preview", QDialogButtonBox.ButtonRole.ActionRole)
        self.draft_button = buttons.addButton("Apply as &drafts", QDialogButtonBox.ButtonRole.ActionRole)
        self.activate_button = buttons.addButton("Apply and &activate", QDialogButtonBox.ButtonRole.ActionRole)
        self.undo_button = buttons.addButton("&Undo this operation", QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.preview_button.clicked.connect(self.run_preview)
        self.draft_button.clicked.connect(lambda: self.apply(activate=False))
        self.activate_button.clicked.connect(lambda: self.apply(activate=True))
        self.undo_button.clicked.connect(self.undo)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self._enable()
        self.resize(1180, 640)

    def _what_box(self) -> QGroupBox:
        box = QGroupBox("What changes")
        form = QFormLayout(box)
        self.kind = QComboBox()
        for _kind, text in KINDS:
            self.kind.addItem(text)
        form.addRow("Change", self.kind)
        self.fields = QStackedWidget()
        form.addRow(self.fields)
        self.template = QComboBox()
        self.template.setObjectName("templateChoice")
        for template in self.templates:
            self.template.addItem(template.label)
        self.fields.addWidget(_form(("Template", self.template)))
        self.old_product, self.new_product = self._product_choice(), self._product_choice()
        self.fields.addWidget(_form(("Discontinued", self.old_product), ("Successor", self.new_product)))
        self.price_product = self._product_choice()
        self.price_how = QComboBox()
        self.price_how.addItems(["New price", "Change by %"])
        self.price_value = QDoubleSpinBox()
        self.price_value.setRange(-90.0, 100.0)
        self.price_value.setDecimals(2)
        self.price_value.setValue(5.0)
        self.price_how.setCurrentIndex(1)
        self.fields.addWidget(
            _form(("Product", self.price_product), ("How", self.price_how), ("Value", self.price_value))
        )
        note = QLabel("Each slot's par level becomes the forecast's suggested par level, shared over the product's "
                      "slots by capacity (never above a slot's capacity). Choose a route on the right.")  # fmt: skip
        note.setWordWrap(True)
        self.fields.addWidget(note)
        self.kind.currentIndexChanged.connect(self.fields.setCurrentIndex)
        self.kind.currentIndexChanged.connect(lambda _i: self._changed())
        for widget in (self.template, self.old_product, self.new_product, self.price_product, self.price_how):
            widget.currentIndexChanged.connect(lambda _i: self._changed())
        self.price_value.valueChanged.connect(lambda _v: self._changed())
        return box

    def _product_choice(self) -> QComboBox:
        choice = QComboBox()
        choice.setEditable(True)
        choice.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for product_id in sorted(self.catalogue, key=lambda p: self.catalogue[p].name):
            choice.addItem(f"{self.catalogue[product_id].name} (#{product_id})", product_id)
        return choice

    def _machines_box(self) -> QGroupBox:
        box = QGroupBox("Machines (filters tick them; untick to leave one out)")
        layout = QVBoxLayout(box)
        filters = QHBoxLayout()
        self.location = self._filter_combo("Location", sorted({m.location_type for m in self.machines}))
        self.model = self._filter_combo("Model", sorted({m.model for m in self.machines if m.model}))
        self.route = self._filter_combo(
            "Route", [str(r) for r in sorted({m.route_id for m in self.machines if m.route_id})]
        )
        self.shape = self._filter_combo("Shape", sorted({s for m in self.machines for s in m.shapes}))
        self.tag = QLineEdit()
        self.tag.setPlaceholderText("tag")
        self.tag.setMaximumWidth(110)
        self.tag.textChanged.connect(lambda _t: self._refilter())
        for combo in (self.location, self.model, self.route, self.shape):
            filters.addWidget(combo)
        filters.addWidget(self.tag)
        layout.addLayout(filters)
        self.machine_list = QListWidget()
        self.machine_list.setObjectName("machineList")
        self.machine_list.setMaximumHeight(130)
        self.machine_list.itemChanged.connect(lambda _item: self._changed())
        layout.addWidget(self.machine_list)
        self.chosen_label = QLabel()
        self.chosen_label.setStyleSheet(f"color: {MUTED_TEXT.name()}")
        layout.addWidget(self.chosen_label)
        return box

    def _filter_combo(self, name: str, values: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(f"{name}: {ANY} or one value")
        combo.addItem(f"{name}: {ANY}", None)
        for value in values:
            combo.addItem(f"{name}: {value}", value)
        combo.currentIndexChanged.connect(lambda _i: self._refilter())
        return combo

    # --- choosing -----------------------------------------------------------------------------------------------

    def machine_filter(self) -> MachineFilter:
        """What the filters say (before the ticks)."""

        def one(combo: QComboBox) -> frozenset[str]:
            value = combo.currentData()
            return frozenset() if value is None else frozenset({str(value)})

        routes = one(self.route)
        tag = self.tag.text().strip().lower()
        return MachineFilter(
            location_types=one(self.location),
            models=one(self.model),
            routes=frozenset(int(r) for r in routes),
            shapes=one(self.shape),
            tags=frozenset({tag}) if tag else frozenset(),
        )

    def set_filter(self, *, location_type: str | None = None, route: int | None = None) -> None:
        """Choose a filter value (as a person picks it from the combo)."""
        if location_type is not None:
            self.location.setCurrentIndex(self.location.findData(location_type))
        if route is not None:
            self.route.setCurrentIndex(self.route.findData(str(route)))

    def _refilter(self) -> None:
        selection = self.machine_filter()
        self.machine_list.blockSignals(True)
        self.machine_list.clear()
        for machine in self.machines:
            if not selection.chooses(machine):
                continue
            details = ", ".join(
                part
                for part in (
                    machine.location_type,
                    machine.model or "",
                    f"route {machine.route_id}" if machine.route_id else "",
                    " ".join(sorted(machine.shapes)),
                )
                if part
            )
            item = QListWidgetItem(f"{machine.name} ({machine.asset_number}) — {details}")
            item.setData(Qt.ItemDataRole.UserRole, machine.device_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.machine_list.addItem(item)
        self.machine_list.blockSignals(False)
        self._changed()

    def chosen_ids(self) -> list[int]:
        return [
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in (self.machine_list.item(row) for row in range(self.machine_list.count()))
            if item.checkState() == Qt.CheckState.Checked
        ]

    def selection(self) -> MachineFilter | None:
        """The filter as chosen, narrowed to the ticked machines when some were unticked (None: none ticked)."""
        ticked = frozenset(self.chosen_ids())
        if not ticked:
            return None
        chosen = self.machine_filter()
        if len(ticked) == self.machine_list.count():
            return chosen
        return replace(chosen, device_ids=ticked)

    def _changed(self) -> None:
        """A new choice: the old preview no longer says what would be applied."""
        self.preview = None
        count = len(self.chosen_ids())
        self.chosen_label.setText(f"{count} of {len(self.machines)} machines chosen")
        if self.applied is None:
            self.table.setRowCount(0)
            self.totals.setText("Preview to see what would change.")
        self._enable()

    def _enable(self) -> None:
        roles = self.window.roles
        edit, activate = roles.why_not(Action.EDIT), roles.why_not(Action.ACTIVATE)
        self.preview_button.setEnabled(edit is None)
        self.preview_button.setToolTip(edit or "Predict what would change, machine by machine")
        for button, reason in ((self.draft_button, edit), (self.activate_button, activate)):
            button.setEnabled(reason is None and self.preview is not None and bool(self.preview.changing))
            button.setToolTip(reason or ("Preview first" if self.preview is None else "Write what the preview shows"))
        self.undo_button.setEnabled(self.applied is not None and edit is None)

    # --- preview, apply, undo -----------------------------------------------------------------------------------

    def run_preview(self) -> FleetPreview | None:
        from ai import fleet_preview

        selection = self.selection()
        if selection is None:
            self.totals.setText("No machine is chosen: tick at least one.")
            return None
        kind = KINDS[self.kind.currentIndex()][0]
        services = self.services()
        template = self.templates[self.template.currentIndex()] if self.templates else None
        if kind == "template" and template is None:
            self.totals.setText("There are no templates yet: save a cabinet as a template first.")
            return None
        old, new, product = (
            self.old_product.currentData(),
            self.new_product.currentData(),
            self.price_product.currentData(),
        )
        percent = self.price_how.currentIndex() == 1
        value = float(self.price_value.value())

        def job(state: JobState) -> FleetPreview:
            if kind == "template":
                return fleet_preview.preview_template(services, template, selection, state)  # type: ignore[arg-type]
            if kind == "replace_product":
                return fleet_preview.preview_replace_product(services, selection, int(old), int(new), state)
            if kind == "price":
                amount = {"percent": value} if percent else {"absolute": value}
                return fleet_preview.preview_price(services, selection, int(product), progress=state, **amount)
            return fleet_preview.preview_par_levels(
                services, selection, fleet_preview.forecast_par_levels(services), state
            )

        try:
            preview = run_with_progress(self, "Preview", "Predicting each machine's revenue", job)
        except Cancelled:
            self.totals.setText("Preview cancelled; nothing was changed.")
            return None
        except (ValueError, LookupError) as problem:
            self.totals.setText(f"Cannot preview: {problem}")
            return None
        self.applied = None
        self.show_preview(preview)
        return preview

    def show_preview(self, preview: FleetPreview) -> None:
        self.preview = preview
        self.table.setRowCount(len(preview.machines))
        for row, line in enumerate(preview.machines):
            change = line.change
            if change.refused:
                status, slots = f"Refused: {change.refusal}", ""
            elif not change.changed:
                status, slots = "Unchanged: already as asked", ""
            else:
                status = f"{len(change.changed)} slots change"
                slots = "; ".join(line.differences[:SHOWN_DIFFERENCES])
                if len(line.differences) > SHOWN_DIFFERENCES:
                    slots += f"; and {len(line.differences) - SHOWN_DIFFERENCES} more"
            cells = (change.machine.name, str(change.cabinet_index + 1), slots, change_text(line), status)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip("\n".join(line.differences) if column == 2 and line.differences else text)
                if change.refused:
                    item.setBackground(QBrush(QColor(REFUSED_TINT)))
                self.table.setItem(row, column, item)
        self._size_columns()
        self.table.resizeRowsToContents()
        summary = preview.summary()
        total = preview.total()
        self.totals.setText(
            f"<b>{preview.title}</b><br>Totals: {counted(summary['cabinets_changing'], 'cabinet')} of "
            f"{counted(summary['machines_changing'], 'machine')} change ({counted(summary['slots_changed'], 'slot')}); "
            f"{summary['machines_refused']} refused, {summary['unchanged']} unchanged. Predicted daily revenue "
            f"change {money(total.change)} (90 % interval {money(total.lower)} to {money(total.upper)})."
        )
        self._enable()

    def _size_columns(self) -> None:
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)

    def apply(self, *, activate: bool) -> OperationResult | None:
        from ai.fleet_preview import apply_preview

        preview, services, user_id = self.preview, self.services(), self.window.user_id()
        if preview is None:
            return None

        def job(state: JobState) -> OperationResult:
            state.report_progress(10, f"Writing {len(preview.changing)} cabinets")
            return apply_preview(services, preview, activate=activate, user_id=user_id)

        try:
            result = run_with_progress(self, "Apply", "Writing the new versions", job)
        except Cancelled:
            self.totals.setText("Apply cancelled; nothing was written.")
            return None
        except PermissionError as refused:
            QMessageBox.warning(self, "Apply", str(refused))
            return None
        self.applied = result
        how = "activated" if activate else "saved as drafts"
        refused = f" {len(result.refused)} refused (listed in the operation)." if result.refused else ""
        self.totals.setText(
            f"{self.totals.text()}<br><b>Applied as fleet operation {result.operation_id}</b>: "
            f"{counted(result.written, 'cabinet')} {how}.{refused} Undo it here, from Planogram → Fleet operations…, "
            "or with "
            f"<tt>python main.py template undo {result.operation_id}</tt>."
        )
        self.window.say(f"Fleet operation {result.operation_id}: {counted(result.written, 'cabinet')} {how}", 8000)
        self.preview = None
        self._enable()
        return result

    def undo(self) -> OperationResult | None:
        if self.applied is None:
            return None
        result = undo_with_progress(self, self.window, self.applied.operation_id)
        if result is not None:
            self.applied = None
            self.totals.setText(
                f"Fleet operation {result.operation_id} undone: {counted(result.written, 'cabinet')} restored."
            )
            self.table.setRowCount(0)
            self._enable()
        return result


def undo_with_progress(parent: QWidget, window: WindowServices, operation_id: int) -> OperationResult | None:
    """Undo one operation in a worker; conflicts are listed in a message and nothing changes."""
    from storage.fleet_operations import UndoConflicts, undo_operation

    engine, user_id = window.repository().engine, window.user_id()

    def job(state: JobState) -> OperationResult:
        state.report_progress(10, "Restoring the slots the operation changed")
        return undo_operation(engine, operation_id, user_id=user_id)

    try:
        result = run_with_progress(parent, "Undo", f"Undoing fleet operation {operation_id}", job)
    except Cancelled:
        return None
    except UndoConflicts as conflicts:
        listed = "\n".join(f"• {problem}" for problem in conflicts.problems)
        QMessageBox.warning(
            parent,
            "Undo refused",
            f"Nothing was undone: these slots changed after fleet operation {operation_id}.\n\n{listed}\n\n"
            "Change them back, or edit those machines by hand.",
        )
        return None
    except (ValueError, PermissionError) as refused:
        QMessageBox.warning(parent, "Undo refused", str(refused))
        return None
    window.say(f"Fleet operation {operation_id} undone: {counted(result.written, 'cabinet')} restored", 8000)
    return result


def _form(*rows: tuple[str, QWidget]) -> QWidget:
    holder = QWidget()
    form = QFormLayout(holder)
    form.setContentsMargins(0, 0, 0, 0)
    for label, widget in rows:
        form.addRow(label, widget)
    return holder
