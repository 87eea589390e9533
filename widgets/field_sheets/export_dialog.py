"""The Export dialog (sheets, images, planogram files, route PDFs, printing) and the Import action's helper.

Every export and print runs in a :class:`BackgroundJobs` worker with progress, so the window never freezes
on a long route; the dialog only gathers the choices into an :class:`ExportRequest` and shows the outcome.
It names the version it exports (the active one unless a manager picks the draft on screen), offers the folder
of the last export (kept in the settings), and creates the default folder when it does not exist yet.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from designer.local_time import local_text
from designer.planogram_files import PlanogramFileInvalid, import_planogram_file, not_approved_stamp, version_label
from designer.planograms import Planogram, PlanogramStatus
from designer.products import Catalogue
from designer.roles import Action
from designer.validation import Problem
from storage.app_context import Clock, utc_now
from storage.fleet import DeviceSummary, FleetRepository
from storage.settings import SettingsStore
from storage.users import SignedInUser
from storage.versions import PlanogramVersions, VersionInfo
from widgets.field_sheets.export_cli import (
    ExportFormat,
    ExportRefused,
    ExportRequest,
    ExportResult,
    document_pages,
    export_sheets,
    not_active_refusal,
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
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OnScreenVersion:
    """The cabinet document the designer shows, offered to a manager as the version to export."""

    planogram: Planogram
    unsaved: bool = False  # edits not saved yet: a sheet names a stored version, so these cannot be exported


@dataclass(frozen=True, slots=True)
class _Fleet:
    devices: list[DeviceSummary]
    cabinets: list[Cabinet]
    versions: dict[int, list[VersionInfo]]  # cabinet index → its versions, newest first


def documents_folder() -> Path:
    """Where exports go until the user picks a folder: the user's Documents (it may not exist yet)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


def saved_text(info: VersionInfo) -> str:
    return f"saved {local_text(info.created_at, '%d %b %Y %H:%M')} by {info.created_by}"


class ExportDialog(QDialog):
    """Export or print what was approved for a device, one of its cabinets, or a route of devices."""

    def __init__(
        self,
        repository: FleetRepository,
        device_id: int,
        cabinet_index: int | None,
        parent: QWidget | None = None,
        *,
        settings: SettingsStore | None = None,
        user: SignedInUser | None = None,
        on_screen: OnScreenVersion | None = None,
        default_folder: Path | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(parent)
        self.repository = repository
        self.device_id = device_id
        self.cabinet_index = cabinet_index
        self.settings = settings  # remembers the last export's folder
        self.user = user
        self.on_screen = on_screen
        self.default_folder = default_folder or documents_folder()
        self.clock = clock
        self._versions: dict[int, list[VersionInfo]] = {}
        self._suggestion = ""  # the path last suggested: replaced whole while the user has not typed their own
        self._folder_note = ""
        # Its own pool: closing the dialog waits for its export only, never for the main window's long jobs.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self.jobs = BackgroundJobs(self, self._pool)
        self.last_result: ExportResult | None = None
        self.user_id: int | None = user.id if user is not None else None  # the service refuses a role that may not
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
        self.route_devices.itemChanged.connect(lambda _item: self._refresh_path())
        self.route_devices.model().rowsMoved.connect(lambda *_args: self._refresh_path())

        self.active_version = QRadioButton("Active version")
        self.draft_version = QRadioButton("The draft on screen")
        version_group = QButtonGroup(self)
        version_group.addButton(self.active_version)
        version_group.addButton(self.draft_version)
        self.active_version.setChecked(True)  # what was approved, unless a manager asks otherwise
        self.version_note = QLabel("")
        self.version_note.setWordWrap(True)
        self.version_note.setStyleSheet("color: #5f6b7a;")
        versions = QVBoxLayout()
        versions.addWidget(self.active_version)
        versions.addWidget(self.draft_version)
        versions.addWidget(self.version_note)

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
        form.addRow("Version", versions)
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
        self.one_cabinet.toggled.connect(lambda _on: self._describe_versions())
        self.one_cabinet.toggled.connect(lambda _on: self._refresh_path())
        self.draft_version.toggled.connect(lambda _on: self._choice_changed())
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
        elif self.exports_on_screen_version():
            assert self.on_screen is not None
            planogram = self.on_screen.planogram
            request = ExportRequest(
                choice.format, (self.device_id,), planogram.cabinet_index, version=planogram.version
            )
        else:
            needs_cabinet = choice.format.needs_one_cabinet or self.one_cabinet.isChecked()
            cabinet = self.cabinet_index if needs_cabinet else None
            if needs_cabinet and cabinet is None and len(self._cabinets) != 1:
                raise ExportRefused("this export holds one cabinet; select a cabinet in the designer first")
            request = ExportRequest(choice.format, (self.device_id,), cabinet)
        if for_print:
            return request.printing()
        text = self.path.text().strip()
        if not text:
            raise ExportRefused("choose where to save the export")
        path = Path(text).expanduser()
        if not path.suffix:
            path = path.with_suffix(f".{choice.format.value}")
        return replace(request, out=path)

    def exports_on_screen_version(self) -> bool:
        """True when the manager chose the version on screen (a draft) over the active one."""
        return self.draft_version.isChecked() and self.draft_version.isEnabled()

    def why_not_on_screen(self) -> str | None:
        """Why the version on screen cannot be exported now (None: it can)."""
        if self.user is not None and not self.user.can(Action.EDIT):
            return not_active_refusal(self.user.role)
        on_screen = self.on_screen
        if on_screen is None:
            return "No cabinet is open in the designer"
        if self.choice.route:
            return "A route holds each machine's active version"
        if on_screen.unsaved:
            return "Save the draft first (Ctrl+S): a sheet names a stored version, and your edits are not stored yet"
        if on_screen.planogram.status is PlanogramStatus.ACTIVE or on_screen.planogram.id is None:
            return "The designer shows the active version; there is no draft on screen"
        return None

    def _choice_changed(self) -> None:
        choice = self.choice
        reason = self.why_not_on_screen()
        self.draft_version.setEnabled(reason is None)
        if reason is not None and self.draft_version.isChecked():
            self.active_version.setChecked(True)
        on_screen = self.exports_on_screen_version()
        self.one_cabinet.setEnabled(not choice.route and self.cabinet_index is not None)
        self.whole_device.setEnabled(not choice.route and not choice.format.needs_one_cabinet and not on_screen)
        if (choice.format.needs_one_cabinet or on_screen) and self.cabinet_index is not None:
            self.one_cabinet.setChecked(True)
        self.route_devices.setEnabled(choice.route)
        self.print_button.setEnabled(choice.format is ExportFormat.PDF)
        self._describe_versions()
        self._refresh_path()

    def _describe_versions(self) -> None:
        """Name the version that will be written: the active one (when and by whom it was saved), or the draft."""
        self.active_version.setText(self._active_text())
        on_screen = self.on_screen
        reason = self.why_not_on_screen()
        if on_screen is not None and on_screen.planogram.status is not PlanogramStatus.ACTIVE:
            planogram = on_screen.planogram
            info = self._info(planogram.cabinet_index, planogram.version)
            saved = f", {saved_text(info)}" if info is not None else ""
            what = "draft" if planogram.status is PlanogramStatus.DRAFT else "version"
            self.draft_version.setText(f"The {what} on screen, {version_label(planogram)}{saved}")
            stamp = not_approved_stamp(planogram)
            note = f'Every page and file says "{stamp}".' if reason is None else f"{reason}."
        else:
            self.draft_version.setText("The draft on screen")
            note = f"{reason}." if reason else ""
        self.draft_version.setToolTip(reason or "")
        self.version_note.setText(note)

    def _active_text(self) -> str:
        if self.choice.route:
            return "Each machine's active version"
        if self.cabinet_index is not None and (self.choice.format.needs_one_cabinet or self.one_cabinet.isChecked()):
            indexes: Sequence[int] = [self.cabinet_index]
        else:
            indexes = sorted(self._versions) or ([self.cabinet_index] if self.cabinet_index is not None else [])
        if not self._versions:
            return "Active version"
        if len(indexes) == 1:
            info = self._active_info(indexes[0])
            if info is None:
                return f"Active version: none (nothing approved for cabinet {indexes[0]}; the sheet says so)"
            return f"Active version v{info.version}, {saved_text(info)}"
        parts = []
        for index in indexes:
            info = self._active_info(index)
            parts.append(f"cabinet {index} v{info.version}" if info is not None else f"cabinet {index} none")
        return f"Active versions: {', '.join(parts)}"

    def _active_info(self, cabinet_index: int) -> VersionInfo | None:
        versions = self._versions.get(cabinet_index, [])
        return next((info for info in versions if info.status is PlanogramStatus.ACTIVE), None)

    def _info(self, cabinet_index: int, version: int) -> VersionInfo | None:
        return next((info for info in self._versions.get(cabinet_index, []) if info.version == version), None)

    # --- where the file goes ---------------------------------------------------------------------

    def start_folder(self) -> Path:
        """The last export's folder while it still exists, else the default folder (Documents)."""
        remembered = self.settings.current.export_folder if self.settings is not None else None
        if remembered and Path(remembered).is_dir():
            return Path(remembered)
        return self.default_folder

    def _refresh_path(self) -> None:
        current = self.path.text().strip()
        suggested = not current or current == self._suggestion
        if suggested:
            folder = Path(current).parent if current else self.start_folder()
            self._suggestion = str(folder / self._suggested_name())
            self.path.setText(self._suggestion)
        else:
            self.path.setText(str(Path(current).with_suffix(f".{self.choice.format.value}")))

    def _suggested_name(self) -> str:
        """A name that says what the file holds, so one export never overwrites another of something else."""
        choice = self.choice
        if choice.route:
            ids = "-".join(str(device_id) for device_id in self.route_ids())
            today = self.clock().astimezone().date().isoformat()
            name = f"route-{ids}-{today}" if ids else f"route-{today}"
        elif self.exports_on_screen_version() and self.on_screen is not None:
            planogram = self.on_screen.planogram
            name = f"device-{self.device_id}-cabinet-{planogram.cabinet_index}-v{planogram.version}-{planogram.status}"
        elif self.cabinet_index is not None and (choice.format.needs_one_cabinet or self.one_cabinet.isChecked()):
            name = f"device-{self.device_id}-cabinet-{self.cabinet_index}"
        else:
            name = f"device-{self.device_id}-sheets"
        return f"{name}.{choice.format.value}"

    def _prepare_folder(self, request: ExportRequest) -> ExportRequest:
        """Create the default folder on the first export; if it cannot be made, save in the home folder instead."""
        assert request.out is not None
        folder = request.out.parent
        self._folder_note = ""
        if folder.exists() or folder != self.default_folder:
            return request  # a folder the user chose must exist: the export refuses a missing one and says so
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            fallback = Path.home()
            self._folder_note = f" ({folder} could not be created: {error.strerror or error}; saved in {fallback})"
            request = replace(request, out=fallback / request.out.name)
            self.path.setText(str(request.out))
            self._suggestion = str(request.out)
            return request
        self._folder_note = f" (the folder {folder} was created for it)"
        return request

    def _remember_folder(self, folder: Path) -> None:
        if self.settings is None or self.settings.current.export_folder == str(folder):
            return
        try:
            self.settings.save(replace(self.settings.current, export_folder=str(folder)))
        except OSError as error:  # only a convenience: the export itself succeeded
            log.warning("could not remember the export folder: %s", error)

    def _choose_path(self) -> None:
        export_format = self.choice.format
        path, _filter = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), _FILTERS[export_format])
        if path:
            self.path.setText(path)

    # --- the fleet, read off the GUI thread ---------------------------------------------------------

    def _read_fleet(self, state: JobState) -> _Fleet:
        cabinets = self.repository.cabinets(self.device_id)
        history = PlanogramVersions(self.repository.engine)
        versions = {cabinet.index: history.history(self.device_id, cabinet.index) for cabinet in cabinets}
        return _Fleet(self.repository.devices(), cabinets, versions)

    def _show_fleet(self, fleet: _Fleet) -> None:
        self._cabinets = fleet.cabinets
        self._versions = fleet.versions
        self._describe_versions()
        self.route_devices.blockSignals(True)  # ticking the list as read is not a change of route
        self.route_devices.clear()
        for device in fleet.devices:
            item = QListWidgetItem(f"{device.id}  {device.name} · {device.asset_number} · {device.location_name}")
            item.setData(Qt.ItemDataRole.UserRole, device.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(Qt.CheckState.Checked if device.id == self.device_id else Qt.CheckState.Unchecked)
            self.route_devices.addItem(item)
        self.route_devices.blockSignals(False)
        self._refresh_path()
        self._set_busy(False, "")

    # --- export and print ------------------------------------------------------------------------

    def export(self) -> None:
        """Write the chosen export in a worker; the outcome shows in the status line."""
        try:
            request = self._prepare_folder(self.request())
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
        self._set_busy(False, f"{result.describe()}{self._folder_note}.")
        self._remember_folder(result.files[0].parent)

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
    from widgets.dialogs.job_progress import Cancelled, run_with_progress

    chosen = path

    def job(state: JobState) -> Planogram:
        def progress(share: float) -> None:
            state.raise_if_stopped()
            state.report_progress(round(share * 100), f"Reading {Path(chosen).name}…")

        return import_planogram_file(chosen, cabinet, catalogue, progress=progress)

    try:
        return run_with_progress(parent, "Import a planogram", f"Reading {Path(chosen).name}…", job)
    except Cancelled:
        return None
    except PlanogramFileInvalid as refusal:
        import_problems_box(parent, refusal).exec()
        return None
    except Exception as error:  # an import must never end the app: the person is told, and nothing changes
        import_problems_box(parent, unreadable(Path(chosen).name, error)).exec()
        return None


def unreadable(source: str, error: Exception) -> PlanogramFileInvalid:
    """A failure the file rules did not foresee, as a refusal the dialog can show (never a traceback)."""
    detail = str(error)[:200] or type(error).__name__
    return PlanogramFileInvalid(
        source,
        [Problem(None, f"the file could not be read ({type(error).__name__}: {detail})", "check the file's contents")],
    )


def import_problems_box(parent: QWidget | None, refusal: PlanogramFileInvalid) -> QMessageBox:
    """A message naming the file and its first problems; the full list is under "Show Details"."""
    shown = refusal.problems[:8]
    more = len(refusal.problems) + refusal.more - len(shown)
    lines = "\n".join(f"• {problem}" for problem in shown)
    if more:
        lines += f"\n… and {more} more (see details)"
    box = QMessageBox(QMessageBox.Icon.Warning, "Planogram not imported", "", QMessageBox.StandardButton.Ok, parent)
    box.setText(f"{refusal.source} was not imported; nothing changed.")
    box.setInformativeText(lines)
    box.setDetailedText(str(refusal))
    return box
