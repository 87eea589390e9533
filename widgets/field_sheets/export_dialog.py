"""The Export dialog (sheets, images, planogram files, route PDFs, printing) and the Import action's helper.

Every export and print runs in a :class:`BackgroundJobs` worker with progress, so the window never freezes
on a long route; the dialog only gathers the choices into an :class:`ExportRequest` and shows the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QThreadPool
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from designer.cabinets import Cabinet
from designer.planogram_files import PlanogramFileInvalid, import_planogram_file
from designer.planograms import Planogram
from designer.products import Catalogue
from storage.fleet import DeviceSummary, FleetRepository
from widgets.field_sheets.export_cli import (
    ExportFormat,
    ExportRefused,
    ExportRequest,
    ExportResult,
    document_pages,
    export_sheets,
    read_sheets,
)
from widgets.field_sheets.sheets import print_pages
from widgets.workers import BackgroundJobs, JobCancelled, JobState


@dataclass(frozen=True, slots=True)
class _Choice:
    label: str
    format: ExportFormat
    route: bool = False


CHOICES = (
    _Choice("Field sheets (PDF)", ExportFormat.PDF),
    _Choice("Sheet image (PNG), one cabinet", ExportFormat.PNG),
    _Choice("Planogram for re-import (CSV), one cabinet", ExportFormat.CSV),
    _Choice("Planogram with details (JSON), one cabinet", ExportFormat.JSON),
    _Choice("Route sheets with totals (PDF)", ExportFormat.PDF, route=True),
)
_FILTERS = {
    ExportFormat.PDF: "PDF documents (*.pdf)",
    ExportFormat.PNG: "PNG images (*.png)",
    ExportFormat.CSV: "CSV files (*.csv)",
    ExportFormat.JSON: "JSON files (*.json)",
}


_PURPOSES = ("fleet", "export", "print")


@dataclass(frozen=True, slots=True)
class _Fleet:
    devices: list[DeviceSummary]
    cabinets: list[Cabinet]


class ExportDialog(QDialog):
    """Export or print what was approved for a device, one of its cabinets, or a route of devices."""

    def __init__(
        self, repository: FleetRepository, device_id: int, cabinet_index: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.repository = repository
        self.device_id = device_id
        self.cabinet_index = cabinet_index
        # Its own pool: closing the dialog waits for its export only, never for the main window's long jobs.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self.jobs = BackgroundJobs(self, self._pool)
        self.last_result: ExportResult | None = None
        self.user_id: int | None = None  # who exports: the service refuses a role that may not
        self._printer: QPrinter | None = None
        self._cabinets: list[Cabinet] = []
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)

        self.what = QComboBox()
        for choice in CHOICES:
            self.what.addItem(choice.label)
        self.one_cabinet = QRadioButton("This cabinet")
        self.whole_device = QRadioButton("Every cabinet of the machine")
        scope_group = QButtonGroup(self)
        scope_group.addButton(self.one_cabinet)
        scope_group.addButton(self.whole_device)
        (self.one_cabinet if cabinet_index is not None else self.whole_device).setChecked(True)
        scope = QHBoxLayout()
        scope.addWidget(self.one_cabinet)
        scope.addWidget(self.whole_device)
        scope.addStretch()

        self.route_devices = QListWidget()
        self.route_devices.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)  # drag into driving order
        self.route_devices.setToolTip("Tick the machines on today's route; drag them into driving order")
        self.route_devices.addItem("Loading machines…")

        self.path = QLineEdit()
        self.path.setPlaceholderText("Where to save the export")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_path)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(choose)

        form = QFormLayout()
        form.addRow("Export", self.what)
        form.addRow("Cabinets", scope)
        form.addRow("Route", self.route_devices)
        form.addRow("Save to", where)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.print_button = QPushButton("Print…")
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        close = QPushButton("Close")
        self.print_button.clicked.connect(self.print_sheets)
        self.export_button.clicked.connect(self.export)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch()
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.what.currentIndexChanged.connect(self._choice_changed)
        self._set_busy(True, "Reading the fleet…")
        self.jobs.start("fleet", self._read_fleet, on_success=self._show_fleet, on_failure=self._show_failure)
        self._choice_changed()

    # --- choices ---------------------------------------------------------------------------------

    @property
    def choice(self) -> _Choice:
        return CHOICES[self.what.currentIndex()]

    def choose(self, export_format: ExportFormat, *, route: bool = False) -> None:
        """Select an export kind (used by tests and by menu actions that open the dialog pre-set)."""
        for index, choice in enumerate(CHOICES):
            if choice.format is export_format and choice.route == route:
                self.what.setCurrentIndex(index)
                return

    def route_ids(self) -> tuple[int, ...]:
        """Ticked machines in the list's (driving) order."""
        ids = []
        for row in range(self.route_devices.count()):
            item = self.route_devices.item(row)
            device_id = item.data(Qt.ItemDataRole.UserRole)
            if device_id is not None and item.checkState() == Qt.CheckState.Checked:
                ids.append(int(device_id))
        return tuple(ids)

    def set_route(self, device_ids: list[int]) -> None:
        """Tick exactly these machines."""
        for row in range(self.route_devices.count()):
            item = self.route_devices.item(row)
            ticked = item.data(Qt.ItemDataRole.UserRole) in device_ids
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def request(self, *, for_print: bool = False) -> ExportRequest:
        """The choices as a request; raises :class:`ExportRefused` when they are incomplete."""
        choice = self.choice
        if choice.route:
            ids = self.route_ids()
            if not ids:
                raise ExportRefused("tick at least one machine for the route")
            request = ExportRequest(choice.format, ids, route=True)
        else:
            needs_cabinet = choice.format.needs_one_cabinet or self.one_cabinet.isChecked()
            cabinet = self.cabinet_index if needs_cabinet else None
            if needs_cabinet and cabinet is None and len(self._cabinets) != 1:
                raise ExportRefused("this export holds one cabinet; select a cabinet in the designer first")
            request = ExportRequest(choice.format, (self.device_id,), cabinet)
        if for_print:
            return ExportRequest(ExportFormat.PDF, request.device_ids, request.cabinet_index, request.route)
        text = self.path.text().strip()
        if not text:
            raise ExportRefused("choose where to save the export")
        path = Path(text).expanduser()
        if not path.suffix:
            path = path.with_suffix(f".{choice.format.value}")
        return ExportRequest(request.format, request.device_ids, request.cabinet_index, request.route, path)

    def _choice_changed(self) -> None:
        choice = self.choice
        self.one_cabinet.setEnabled(not choice.route and self.cabinet_index is not None)
        self.whole_device.setEnabled(not choice.route and not choice.format.needs_one_cabinet)
        if choice.format.needs_one_cabinet and self.cabinet_index is not None:
            self.one_cabinet.setChecked(True)
        self.route_devices.setEnabled(choice.route)
        self.print_button.setEnabled(choice.format is ExportFormat.PDF)
        self.path.setText(self._suggested_path())

    def _suggested_path(self) -> str:
        choice = self.choice
        current = self.path.text().strip()
        if current:
            return str(Path(current).with_suffix(f".{choice.format.value}"))
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        if choice.route:
            name = "route-sheets"
        elif self.cabinet_index is not None and (choice.format.needs_one_cabinet or self.one_cabinet.isChecked()):
            name = f"device-{self.device_id}-cabinet-{self.cabinet_index}"
        else:
            name = f"device-{self.device_id}-sheets"
        return str(Path(folder) / f"{name}.{choice.format.value}")

    def _choose_path(self) -> None:
        export_format = self.choice.format
        path, _filter = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), _FILTERS[export_format])
        if path:
            self.path.setText(path)

    # --- the fleet, read off the GUI thread ---------------------------------------------------------

    def _read_fleet(self, state: JobState) -> _Fleet:
        return _Fleet(self.repository.devices(), self.repository.cabinets(self.device_id))

    def _show_fleet(self, fleet: _Fleet) -> None:
        self._cabinets = fleet.cabinets
        self.route_devices.clear()
        for device in fleet.devices:
            item = QListWidgetItem(f"{device.id}  {device.name} · {device.asset_number} · {device.location_name}")
            item.setData(Qt.ItemDataRole.UserRole, device.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(Qt.CheckState.Checked if device.id == self.device_id else Qt.CheckState.Unchecked)
            self.route_devices.addItem(item)
        self._set_busy(False, "")

    # --- export and print ------------------------------------------------------------------------

    def export(self) -> None:
        """Write the chosen export in a worker; the outcome shows in the status line."""
        try:
            request = self.request()
        except ExportRefused as refusal:
            self._show_failure(refusal)
            return
        engine, user_id = self.repository.engine, self.user_id
        self._set_busy(True, "Exporting…")
        self.jobs.start(
            "export",
            lambda state: export_sheets(engine, request, state.report_progress, state.should_stop, user_id=user_id),
            on_success=self._exported,
            on_failure=self._show_failure,
            on_progress=self._show_progress,
        )

    def print_sheets(self) -> None:
        """Ask the system print dialog for a printer, then print the PDF's pages to it in a worker."""
        try:
            request = self.request(for_print=True)
        except ExportRefused as refusal:
            self._show_failure(refusal)
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print field sheets")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._printer = printer  # the job paints on it: it must outlive the dialog
        engine, user_id = self.repository.engine, self.user_id

        def job(state: JobState) -> int:
            state.report_progress(10, "Preparing pages")
            pages = document_pages(request, read_sheets(engine, request, user_id=user_id))
            state.report_progress(40, f"Printing {len(pages)} pages")
            return print_pages(printer, pages, state.should_stop)

        self._set_busy(True, "Printing…")
        self.jobs.start(
            "print", job, on_success=self._printed, on_failure=self._show_failure, on_progress=self._show_progress
        )

    def _exported(self, result: ExportResult) -> None:
        self.last_result = result
        self.progress.setValue(100)
        self._set_busy(False, f"{result.describe()}.")

    def _printed(self, pages: int) -> None:
        self.progress.setValue(100)
        self._set_busy(False, f"Sent {pages} page{'s' * (pages != 1)} to the printer.")

    def _show_progress(self, percent: int, message: str) -> None:
        self.progress.setValue(percent)
        if message:
            self.status.setText(message)

    def _show_failure(self, error: Exception) -> None:
        if isinstance(error, JobCancelled):
            text = "Stopped; nothing was written."
        elif isinstance(error, ExportRefused | OSError | LookupError):
            text = f"Not exported: {error}."
        else:
            text = f"Not exported: an unexpected {type(error).__name__} ({error})."
        self.progress.setValue(0)
        self._set_busy(False, text)
        self.status.setStyleSheet("color: #b3261e;")

    def _set_busy(self, busy: bool, message: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(message)
        self.export_button.setEnabled(not busy)
        self.print_button.setEnabled(not busy and self.choice.format is ExportFormat.PDF)

    # --- closing ---------------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Stop any export before the dialog goes (Close, Esc or the window's ×), so no worker outlives it."""
        for purpose in _PURPOSES:
            self.jobs.abandon(purpose)
        self._pool.waitForDone()
        self._set_busy(False, "")
        super().done(result)

    def is_busy(self) -> bool:
        return any(self.jobs.is_busy(purpose) for purpose in _PURPOSES)


def import_planogram(
    parent: QWidget | None, cabinet: Cabinet, catalogue: Catalogue, path: str | None = None
) -> Planogram | None:
    """The Import action: choose a CSV or JSON file and get a validated planogram for ``cabinet``.

    A refused file shows every problem (line by line) and returns None, so nothing is half-imported.
    """
    if path is None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _filter = QFileDialog.getOpenFileName(
            parent, "Import a planogram", folder, "Planogram files (*.csv *.json);;All files (*)"
        )
        if not path:
            return None
    try:
        return import_planogram_file(path, cabinet, catalogue)
    except PlanogramFileInvalid as refusal:
        box = import_problems_box(parent, refusal)
        box.exec()
        return None


def import_problems_box(parent: QWidget | None, refusal: PlanogramFileInvalid) -> QMessageBox:
    """A message naming the file and its first problems; the full list is under "Show Details"."""
    shown = refusal.problems[:8]
    more = len(refusal.problems) - len(shown)
    lines = "\n".join(f"• {problem}" for problem in shown)
    if more:
        lines += f"\n… and {more} more (see details)"
    box = QMessageBox(QMessageBox.Icon.Warning, "Planogram not imported", "", QMessageBox.StandardButton.Ok, parent)
    box.setText(f"{refusal.source} was not imported; nothing changed.")
    box.setInformativeText(lines)
    box.setDetailedText(str(refusal))
    return box
