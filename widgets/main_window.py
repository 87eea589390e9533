"""The designer's main window: the fleet on the left, the chosen device's cabinets on the right.

It composes the device list and one cabinet view per cabinet; every database read goes through
:class:`~widgets.workers.BackgroundJobs`, so a slow disk or server never freezes the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.cabinets import Cabinet
from designer.products import Catalogue
from widgets.cabinet_view import CabinetView
from widgets.device_list import DeviceList, location_type_text
from widgets.workers import BackgroundJobs, JobState

if TYPE_CHECKING:
    from storage.fleet import DeviceLayout, DeviceSummary, FleetRepository

APP_TITLE = "Planogram Studio"
DEFAULT_SIZE = (1280, 800)
LIST_WIDTH = 420

# Job purposes: a newer job of the same purpose supersedes the older one.
READ_FLEET = "read fleet"
LOAD_DEVICE = "load device"
OPEN_DATABASE = "open database"


@dataclass(frozen=True, slots=True)
class FleetOverview:
    """What the window needs before it can show any device."""

    devices: list[DeviceSummary]
    location_types: list[str]
    catalogue: Catalogue


def read_fleet(repository: FleetRepository) -> FleetOverview:
    """Runs in a worker: the device list, its location types and the catalogue in one go."""
    return FleetOverview(repository.devices(), repository.location_types(), repository.catalogue())


def open_repository(database_url: str) -> FleetRepository:
    """Runs in a worker: open (and if needed upgrade) a database; raises ``DatabaseProblem`` for foreign files."""
    from storage.fleet import FleetRepository
    from storage.schema import prepare_database

    return FleetRepository(prepare_database(database_url))


def database_names(database_url: str) -> tuple[str, str]:
    """The short name for the title bar (the file name) and the full one for the status bar."""
    from storage.engine import display_url, sqlite_file

    shown = display_url(database_url)
    file = sqlite_file(database_url)
    return (file.name if file is not None else shown), shown


def cabinet_tab_text(cabinet: Cabinet) -> str:
    return f"Cabinet {cabinet.index} · {cabinet.zone.value} · {cabinet.rows}×{cabinet.columns}"


class DeviceHeader(QWidget):
    """Which device the cabinets belong to: its name, asset number and where it stands."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("No device selected")
        self.title.setObjectName("deviceTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel("")
        self.details.setObjectName("deviceDetails")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 6)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.details)

    def show_device(self, device: DeviceSummary) -> None:
        self.title.setText(device.name)
        parts = [f"Asset {device.asset_number}", location_type_text(device.location_type)]
        if device.location_name:
            parts.append(device.location_name)
        cabinets = "1 cabinet" if device.cabinet_count == 1 else f"{device.cabinet_count} cabinets"
        parts.append(cabinets)
        self.details.setText(" · ".join(parts))

    def show_message(self, title: str, details: str = "") -> None:
        self.title.setText(title)
        self.details.setText(details)


class MainWindow(QMainWindow):
    """Composes the device list, the device header and the cabinet tabs; owns the repository's engine."""

    fleet_loaded = Signal(int)  # number of devices
    layout_shown = Signal(int)  # device id
    database_opened = Signal(str)  # database URL

    def __init__(self, repository: FleetRepository, database_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.repository = repository
        self.database_url = database_url
        self.catalogue = Catalogue()
        self.devices: list[DeviceSummary] = []
        self.layout_on_screen: DeviceLayout | None = None
        self.jobs = BackgroundJobs(self)

        self.device_list = DeviceList()
        self.header = DeviceHeader()
        self.cabinet_tabs = QTabWidget()
        self.cabinet_tabs.setDocumentMode(True)
        self.notice = QLabel()
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.setObjectName("deviceDetails")
        self.cabinet_area = QStackedWidget()
        self.cabinet_area.addWidget(self.cabinet_tabs)
        self.cabinet_area.addWidget(self.notice)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 8, 8, 4)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.cabinet_area, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.device_list)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([LIST_WIDTH, DEFAULT_SIZE[0] - LIST_WIDTH])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)

        self.database_label = QLabel()
        self.device_count_label = QLabel()
        self.statusBar().addPermanentWidget(self.device_count_label)
        self.statusBar().addPermanentWidget(self.database_label)
        self._build_menus()
        self._show_database_names()
        self.resize(*DEFAULT_SIZE)
        self.device_list.device_selected.connect(self.load_device)
        self._show_notice("Reading the fleet…")

    # --- menus -------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        self.open_action = QAction("&Open database…", self)
        self.open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        self.open_action.triggered.connect(self.choose_database)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.fit_action = QAction("&Fit to window", self)
        self.fit_action.setShortcut(QKeySequence("Ctrl+0"))
        self.fit_action.triggered.connect(lambda: self._with_current_view(CabinetView.fit_to_window))
        self.zoom_in_action = QAction("Zoom &in", self)
        self.zoom_in_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")])
        self.zoom_in_action.triggered.connect(lambda: self._with_current_view(CabinetView.zoom_in))
        self.zoom_out_action = QAction("Zoom &out", self)
        self.zoom_out_action.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut))
        self.zoom_out_action.triggered.connect(lambda: self._with_current_view(CabinetView.zoom_out))
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.fit_action)
        view_menu.addAction(self.zoom_in_action)
        view_menu.addAction(self.zoom_out_action)

    def _with_current_view(self, action: Callable[[CabinetView], None]) -> None:
        view = self.current_cabinet_view()
        if view is not None:
            action(view)

    # --- what is on screen -------------------------------------------------------------------

    def cabinet_views(self) -> list[CabinetView]:
        """One view per tab, in tab order."""
        views = (self.cabinet_tabs.widget(i) for i in range(self.cabinet_tabs.count()))
        return [view for view in views if isinstance(view, CabinetView)]

    def current_cabinet_view(self) -> CabinetView | None:
        view = self.cabinet_tabs.currentWidget()
        return view if isinstance(view, CabinetView) else None

    def tab_texts(self) -> list[str]:
        return [self.cabinet_tabs.tabText(i) for i in range(self.cabinet_tabs.count())]

    # --- loading -----------------------------------------------------------------------------

    def load_fleet(self) -> None:
        """Read devices and catalogue in a worker, then select device 1 (or the first device)."""
        if self.jobs.closed:
            return
        repository = self.repository
        self.statusBar().showMessage("Reading the fleet…")

        def job(_state: JobState) -> FleetOverview:
            return read_fleet(repository)

        self.jobs.start(READ_FLEET, job, on_success=self._show_fleet, on_failure=self._fleet_failed)

    def load_device(self, device_id: int) -> None:
        """Read one device's cabinets and active planograms in a worker; a newer choice wins."""
        if self.jobs.closed:
            return
        repository = self.repository
        name = next((device.name for device in self.devices if device.id == device_id), f"device {device_id}")
        self.statusBar().showMessage(f"Loading {name}…")

        def job(_state: JobState) -> DeviceLayout:
            return repository.device_layout(device_id)

        self.jobs.start(LOAD_DEVICE, job, on_success=self._show_layout, on_failure=self._device_failed)

    def _show_fleet(self, overview: FleetOverview) -> None:
        self.catalogue = overview.catalogue
        self.devices = overview.devices
        self.device_list.set_devices(overview.devices, overview.location_types)
        count = len(overview.devices)
        self.device_count_label.setText("1 device" if count == 1 else f"{count} devices")
        self.statusBar().showMessage("Ready", 3000)
        self.fleet_loaded.emit(count)
        if not overview.devices:
            self._clear_tabs()
            self.header.show_message("No devices", "This database has no devices yet.")
            self._show_notice("Open another database, or build the demo fleet with “main.py demo”.")
            return
        first = 1 if any(device.id == 1 for device in overview.devices) else overview.devices[0].id
        if not self.device_list.select_device(first):
            self.load_device(first)

    def _show_layout(self, layout: DeviceLayout) -> None:
        self.layout_on_screen = layout
        self.header.show_device(layout.device)
        self._clear_tabs()
        for cabinet in layout.cabinets:
            planogram = layout.planogram_for(cabinet)
            view = CabinetView()
            view.show_cabinet(cabinet, planogram, self.catalogue)
            index = self.cabinet_tabs.addTab(view, cabinet_tab_text(cabinet))
            if planogram.id is None:
                tip = "No active planogram: every slot is shown empty"
            else:
                tip = f"Active planogram {planogram.name or planogram.planogram_id}, version {planogram.version}"
            self.cabinet_tabs.setTabToolTip(index, tip)
        if layout.cabinets:
            self.cabinet_area.setCurrentWidget(self.cabinet_tabs)
        else:
            self._show_notice(f"{layout.device.name} has no cabinets.")
        self.statusBar().showMessage(f"Showing {layout.device.name}", 3000)
        self.layout_shown.emit(layout.device.id)

    def _clear_tabs(self) -> None:
        while self.cabinet_tabs.count():
            view = self.cabinet_tabs.widget(0)
            self.cabinet_tabs.removeTab(0)
            view.deleteLater()

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.cabinet_area.setCurrentWidget(self.notice)

    def _fleet_failed(self, error: Exception) -> None:
        self.statusBar().showMessage("The fleet could not be read")
        self._show_notice(f"The fleet could not be read: {error}")
        QMessageBox.warning(self, APP_TITLE, f"The fleet could not be read from {self._shown_url()}:\n\n{error}")

    def _device_failed(self, error: Exception) -> None:
        self.statusBar().showMessage(f"The device could not be loaded: {error}")
        self._clear_tabs()
        self.header.show_message("Device not loaded", str(error))
        self._show_notice("Pick another device, or reopen the database.")

    # --- opening another database ------------------------------------------------------------

    def choose_database(self) -> None:
        from storage.engine import sqlite_file

        current = sqlite_file(self.database_url)
        start = str(current.parent) if current is not None else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open database", start, "Planogram databases (*.sqlite *.sqlite3 *.db);;All files (*)"
        )
        if path:
            self.open_database(f"sqlite:///{Path(path).resolve()}")

    def open_database(self, database_url: str) -> None:
        """Open ``database_url`` in a worker; on failure the current database stays open."""
        if self.jobs.closed:
            return
        self.statusBar().showMessage(f"Opening {database_names(database_url)[1]}…")

        def job(_state: JobState) -> FleetRepository:
            return open_repository(database_url)

        self.jobs.start(
            OPEN_DATABASE,
            job,
            on_success=lambda repository: self._database_opened(repository, database_url),
            on_failure=lambda error: self._open_failed(error, database_url),
        )

    def _database_opened(self, repository: FleetRepository, database_url: str) -> None:
        self.jobs.abandon(LOAD_DEVICE)
        self.jobs.abandon(READ_FLEET)
        previous = self.repository
        self.repository = repository
        self.database_url = database_url
        previous.engine.dispose()
        self._show_database_names()
        self.layout_on_screen = None
        self._clear_tabs()
        self.header.show_message("Opening…")
        self._show_notice("Reading the fleet…")
        self.database_opened.emit(database_url)
        self.load_fleet()

    def _open_failed(self, error: Exception, database_url: str) -> None:
        from storage.schema import DatabaseProblem

        if isinstance(error, DatabaseProblem):
            text = str(error)
        else:
            text = f"{database_names(database_url)[1]} could not be opened ({error}); open another file."
        self.statusBar().showMessage(f"Still using {self._shown_url()}", 5000)
        QMessageBox.warning(self, "Cannot open database", text)

    def _show_database_names(self) -> None:
        short, shown = database_names(self.database_url)
        self.setWindowTitle(f"{APP_TITLE} — {short}")
        self.database_label.setText(f"Database: {shown}")
        self.database_label.setToolTip(shown)

    def _shown_url(self) -> str:
        return database_names(self.database_url)[1]

    # --- closing -----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop and wait for every worker before the widgets they report to go away."""
        self.jobs.shutdown()
        self.repository.engine.dispose()
        super().closeEvent(event)
