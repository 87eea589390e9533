"""The designer's main window: the fleet on the left, the chosen device's cabinets on the right.

It composes the device list and one cabinet view per cabinet, the side panels, and the collaborators that own
the rest (field sheets, Claude's explanations, the AI analyses, the CVD sync): each is given the window's
services (:mod:`widgets.window.services`), never the window, and the window places the actions and docks they
expose. Every database read goes through :class:`~widgets.workers.BackgroundJobs`, so a slow disk or server
never freezes the window.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.cabinets import Cabinet
from designer.editing import (
    KEEP_PRICE,
    copy_planogram,
    fill_empty_slots,
    revert_to,
    set_capacity,
    set_slot_details,
)
from designer.planograms import Planogram, PlanogramStatus
from designer.products import Catalogue
from designer.recovery import RecoveryJournal
from designer.roles import Action
from designer.validation import Problem, selection_code_clashes
from widgets import style
from widgets.analysis.actions import AnalysisActions
from widgets.analysis.suggestion_feedback import SuggestionFeedback
from widgets.audits.actions import AuditActions
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.canvas.cabinet_view import CabinetView
from widgets.canvas.history_overlay import HistoryOverlay, Overlay
from widgets.dialogs.versions import VersionHistoryDialog
from widgets.editing.session import EditingSession
from widgets.editing.undo import CabinetEditor
from widgets.editing.undo_history import UndoHistoryView
from widgets.field_sheets.actions import FieldSheetActions
from widgets.menu_actions import menu_action
from widgets.panels.device_list import DeviceList, location_type_text
from widgets.panels.explanations import ClaudeExplanations
from widgets.panels.inspector import SlotInspector
from widgets.panels.palette import ProductPalette
from widgets.placement.assistant import PlacementAssistant
from widgets.placement.score_panel import ScorePanel
from widgets.sync.actions import SyncActions
from widgets.templates.actions import TemplateActions
from widgets.window.access_guard import AccessGuard
from widgets.window.first_paint import after_next_paint
from widgets.window.services import OnScreen, WindowServices
from widgets.window.sign_in import RoleGate
from widgets.window.start_window import APP_TITLE, DEFAULT_SIZE, LIST_WIDTH
from widgets.workers import BackgroundJobs, JobState

if TYPE_CHECKING:
    from ai.placement_scoring import PlacementScorer
    from storage.app_context import AppContext
    from storage.fleet import DeviceLayout, DeviceSummary, FleetRepository
    from storage.users import SignedInUser
    from storage.versions import VersionInfo


# Job purposes: a newer job of the same purpose supersedes the older one.
READ_FLEET = "read fleet"
LOAD_DEVICE = "load device"
OPEN_DATABASE = "open database"
SALES_VELOCITY = "sales velocity"
DATA_QUALITY = "data quality"
VERSIONS = "versions"


@dataclass(frozen=True, slots=True)
class FleetOverview:
    """What the window needs before it can show any device."""

    devices: list[DeviceSummary]
    location_types: list[str]
    catalogue: Catalogue
    user_id: int | None = None
    user: SignedInUser | None = None


def read_fleet(repository: FleetRepository, login: str, *, audit: bool = True) -> FleetOverview:
    """Runs in a worker: the device list, its location types, the catalogue and ``login`` signed in.

    ``audit`` False reads the same person again (their role may have changed in CVD) without a new sign-in.
    """
    from storage.users import sign_in

    user = sign_in(repository.engine, login, audit=audit)
    return FleetOverview(repository.devices(), repository.location_types(), repository.catalogue(), user.id, user)


def open_repository(context: AppContext) -> FleetRepository:
    """Runs in a worker: open (and if needed upgrade) the context's database; ``DatabaseProblem`` for foreign files."""
    from storage.fleet import FleetRepository

    return FleetRepository(context.engine)


def database_names(database_url: str) -> tuple[str, str]:
    """The short name for the title bar (the file name) and the full one for the status bar."""
    from storage.engine import display_url, sqlite_file

    shown = display_url(database_url)
    file = sqlite_file(database_url)
    return (file.name if file is not None else shown), shown


def cabinet_tab_text(cabinet: Cabinet) -> str:
    return f"Cabinet {cabinet.index} · {cabinet.zone.value} · {cabinet.rows}×{cabinet.columns}"


def draft_note(document: Planogram, active_version: int | None) -> str:
    """A draft on screen says so, and which version the machine runs: "draft v3 — active is v2"."""
    if document.status is not PlanogramStatus.DRAFT:
        return ""
    runs = f"active is v{active_version}" if active_version is not None else "none active yet"
    return f"draft v{document.version} — {runs}"


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
        # what the device's figures rest on that the data cannot vouch for (ai.data_quality), hidden when nothing
        self.quality = QLabel("")
        self.quality.setObjectName("dataQuality")
        self.quality.setWordWrap(True)
        self.quality.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.quality.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 6)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.quality)

    def show_data_quality(self, warnings: list[str]) -> None:
        """Say, above the cabinets, what the scores and revenue figures of this device assume (nothing: hidden)."""
        self.quality.setText("\n".join(style.warning_line(warning) for warning in warnings))
        self.quality.setToolTip("The placement scores, revenue and forecasts of this device are computed anyway; "
                                "these are the data they rest on that CVD does not record.")  # fmt: skip
        self.quality.setVisible(bool(warnings))

    def show_device(self, device: DeviceSummary) -> None:
        self.title.setText(device.name)
        parts = [f"Asset {device.asset_number}", location_type_text(device.location_type)]
        if device.location_name:
            parts.append(device.location_name)
        cabinets = "1 cabinet" if device.cabinet_count == 1 else f"{device.cabinet_count} cabinets"
        parts.append(cabinets)
        if device.removed:
            parts.append("deleted in CVD (read-only)")
        self.details.setText(" · ".join(parts))
        self.show_data_quality([])  # the new device's are read after its cabinets paint

    def show_message(self, title: str, details: str = "") -> None:
        self.title.setText(title)
        self.details.setText(details)
        self.show_data_quality([])


def settle_long_lived_objects() -> None:
    """Exempt what is alive once the model is loaded (modules, the model, the catalogue) from cyclic GC scans.

    Connected by the application (``widgets.app.run_designer``), not by every window a test opens.

    Python's full collections walk every tracked object: with pandas, scikit-learn and the model loaded that
    took 235 ms, landing now and then in the middle of opening a device (its tail went over 300 ms). Frozen,
    a full collection takes 25–50 ms. Objects are still freed by reference counting as usual.
    """
    gc.freeze()


class MainWindow(QMainWindow):
    """Composes the device list, the device header and the cabinet tabs; owns the repository's engine.

    Everything it shares with the rest of the run comes from the application context it is given: the database
    (opened by the context), who signs in, the settings and key store, the recovery and models folders.
    """

    fleet_loaded = Signal(int)  # number of devices
    layout_shown = Signal(int)  # device id
    database_opened = Signal(str)  # database URL

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.repository = open_repository(context)  # at once when the context's engine is already open
        self.database_url = context.database_url
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
        self.roles = RoleGate(self, self.jobs)
        self.access = AccessGuard(self, context, self.repository.engine)  # passwords, idle lock (issue 22)
        self.roles.access = self.access
        self.access.current_login = lambda: self.roles.user.username if self.roles.user else None
        self.access.start_idle_lock()
        right_layout.addWidget(self.roles.banner)
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
        self.session = self._new_session(self.repository, self.database_url)
        self._recovery_offered = False
        self._model_wanted = False
        self.palette = ProductPalette()
        self.inspector = SlotInspector()
        self.undo_view = UndoHistoryView(self.session.undo_group, empty_label="As stored")
        self.palette_dock = self._dock("Products", self.palette, Qt.DockWidgetArea.RightDockWidgetArea)
        self.inspector_dock = self._dock("Slot", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_dock = self._dock("Undo history", self.undo_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.score_panel = ScorePanel()
        self.score_dock = self._dock("Placement score", self.score_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.inspector_dock, self.score_dock)
        self.tabifyDockWidget(self.score_dock, self.history_dock)
        self.inspector_dock.raise_()
        self.assistant = PlacementAssistant(self.jobs, self.score_panel, context.folders.models, self)
        self.history = HistoryOverlay(self.jobs, self)
        self.history.shown.connect(
            lambda name: self.statusBar().showMessage(
                f"{name}: last 28 days of sales, green = best slot in the cabinet" if name != Overlay.NONE else "", 6000
            )
        )
        self.assistant.progress.connect(self._model_progress)
        self.assistant.ready.connect(lambda: self.statusBar().showMessage("Placement model ready", 4000))
        self.assistant.analysis_shown.connect(lambda _analysis: self.score_dock.raise_())
        self.resizeDocks([self.palette_dock], [440], Qt.Orientation.Horizontal)
        self.resizeDocks([self.palette_dock, self.inspector_dock], [560, 240], Qt.Orientation.Vertical)

        self._compose_collaborators()
        self._build_menus()
        self._gate_actions()
        if context.settings.problem:
            self.statusBar().showMessage(context.settings.problem, 10_000)
        self._show_database_names()
        self.resize(*DEFAULT_SIZE)
        self.device_list.device_selected.connect(self.load_device)
        self.cabinet_tabs.currentChanged.connect(self._cabinet_tab_changed)
        self.inspector.details_requested.connect(self._inspector_details)
        self.inspector.capacity_requested.connect(self._inspector_capacity)
        self.inspector.price_reset_requested.connect(self._inspector_price_reset)
        self.inspector.card_price_reset_requested.connect(self._inspector_card_price_reset)
        self.inspector.clear_requested.connect(self.clear_selected_slots)
        self.palette.product_activated.connect(self._place_into_selection)
        self._show_notice("Reading the fleet…")

    def _compose_collaborators(self) -> None:
        """The window's services go to each collaborator; their docks and signals are placed and answered here."""
        services = WindowServices(
            parent=self,
            jobs=self.jobs,
            roles=self.roles,
            say=self.statusBar().showMessage,
            context=lambda: self.context,
            repository=lambda: self.repository,
        )
        on_screen = OnScreen(layout=lambda: self.layout_on_screen, editable_view=self.current_editable_view)

        def scorer() -> PlacementScorer | None:
            return self.assistant.scorer  # trained, and retrained, after the window opens

        self.feedback = SuggestionFeedback(lambda: self.repository.engine, services.user_id, self)
        self.feedback.failed.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.assistant.suggestion_decided.connect(self.feedback.record)
        self.field_sheets = FieldSheetActions(services, on_screen)
        self.audits = AuditActions(services, on_screen)
        self.device_list.files_dropped.connect(self._files_dropped_on_device)
        self.explanations = ClaudeExplanations(services, on_screen, scorer)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.explanations.dock)
        self.tabifyDockWidget(self.history_dock, self.explanations.dock)
        self.inspector_dock.raise_()
        self.analysis = AnalysisActions(services, on_screen, self.session, scorer, self.feedback)
        self.analysis.explain_requested.connect(self.explanations.explain_comparison)
        self.templates = TemplateActions(services, on_screen, self.analysis.services)
        self.sync = SyncActions(services, lambda: self.catalogue)
        self.statusBar().addPermanentWidget(self.sync.progress)
        self.statusBar().addPermanentWidget(self.sync.result)
        self.sync.pulled.connect(self.open_database)
        self.sync.synced.connect(self.load_fleet)
        self.sync.synced.connect(self.feedback.score_outcomes)  # the new sales may cover earlier suggestions
        self.database_opened.connect(lambda _url: self.sync.refresh_source())

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        # closable, or Qt greys out the dock's toggle in the View menu (it is how a closed panel comes back)
        features = QDockWidget.DockWidgetFeature
        dock.setFeatures(features.DockWidgetMovable | features.DockWidgetFloatable | features.DockWidgetClosable)
        widget.setContentsMargins(6, 4, 6, 6)
        self.addDockWidget(area, dock)
        return dock

    def _new_session(self, repository: FleetRepository, database_url: str) -> EditingSession:
        from storage.versions import PlanogramVersions

        session = EditingSession(
            PlanogramVersions(repository.engine),
            RecoveryJournal(self.context.folders.recovery, database_url),
            self.jobs,
            self,
        )
        session.modified_changed.connect(self._modified_changed)
        session.saved.connect(self._saved)
        session.failed.connect(lambda text: QMessageBox.warning(self, APP_TITLE, f"Saving failed: {text}"))
        return session

    # --- menus -------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        """The menus, in the order the user reads them; the collaborators' actions are placed among the window's."""
        self.open_action = QAction("&Open database…", self)
        self.open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        self.open_action.triggered.connect(self.choose_database)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_actions = [self.roles.sign_in_action, self.open_action, *self.sync.actions(), None]
        self.import_sales_action = QAction("Import &sales…", self)
        self.import_sales_action.triggered.connect(self.import_sales)
        imports = [*self.field_sheets.actions(), self.audits.import_action, self.import_sales_action]
        self.file_menu = self._menu("&File", [*file_actions, *imports, None, self.quit_action])

        group = self.session.undo_group
        self.undo_action = group.create_undo_action(self, "Undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo_action = group.create_redo_action(self, "Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.clear_action = self._action("&Clear selected slots", "Del", self.clear_selected_slots, scoped=True)
        self.inspect_action = self._action("&Inspect slot", "Return", self.inspect_selection, scoped=True)
        self.copy_action = self._action("Copy planogram &from another cabinet…", "", self.copy_from_cabinet)
        self.fill_action = self._action("&Fill empty slots…", "Ctrl+Shift+F", self.fill_empty_slots)
        undoing = [self.undo_action, self.redo_action, None]
        slots = [self.clear_action, self.inspect_action, None, self.copy_action, self.fill_action]
        self.edit_menu = self._menu("&Edit", [*undoing, *slots])

        self.save_action = self._action("&Save as draft", QKeySequence.StandardKey.Save, self.save_drafts)
        self.activate_action = self._action("Save and &activate", "Ctrl+Shift+S", self.activate_current)
        self.history_action = self._action("Version &history…", "Ctrl+H", self.show_version_history)
        self.discard_action = self._action("&Discard unsaved changes", "", self.discard_current)
        analysis, explanations = self.analysis, self.explanations
        saving = [self.save_action, self.activate_action, None, self.history_action, self.discard_action, None]
        asking = [analysis.compare_action, self.audits.check_action, explanations.explain_action,
                  explanations.photo_action]  # fmt: skip
        fleet = [None, *self.templates.actions()]  # templates and fleet-wide changes
        self.planogram_menu = self._menu("&Planogram", [*saving, *asking, analysis.personalize_action, *fleet])

        self.fit_action = QAction("&Fit to window", self)
        self.fit_action.setShortcut(QKeySequence("Ctrl+0"))
        self.fit_action.triggered.connect(lambda: self._with_current_view(CabinetView.fit_to_window))
        self.zoom_in_action = QAction("Zoom &in", self)
        self.zoom_in_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")])
        self.zoom_in_action.triggered.connect(lambda: self._with_current_view(CabinetView.zoom_in))
        self.zoom_out_action = QAction("Zoom &out", self)
        self.zoom_out_action.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut))
        self.zoom_out_action.triggered.connect(lambda: self._with_current_view(CabinetView.zoom_out))
        view_menu = self.view_menu = self._menu("&View", [self.fit_action, self.zoom_in_action, self.zoom_out_action])
        overlay_menu = view_menu.addMenu("History &overlay")
        self.overlay_group = QActionGroup(self)
        self.overlay_actions: dict[Overlay, QAction] = {}
        for number, mode in enumerate(Overlay):
            action = QAction(mode.value, self, checkable=True)
            action.setShortcut(QKeySequence(f"Alt+{number}"))
            action.setChecked(mode is Overlay.NONE)
            action.triggered.connect(lambda _checked=False, m=mode: self.show_history_overlay(m))
            self.overlay_group.addAction(action)
            overlay_menu.addAction(action)
            self.overlay_actions[mode] = action
        view_menu.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.score_dock, self.history_dock, explanations.dock):
            view_menu.addAction(dock.toggleViewAction())

        self.settings_action = self._action("&Settings…", QKeySequence.StandardKey.Preferences, self.open_settings)
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        analyses = [analysis.forecast_action, analysis.affinity_action, analysis.dashboard_action, None]
        self.tools_menu = self._menu("&Tools", [*analyses, self.settings_action, self.roles.users_action])

    def _menu(self, title: str, actions: list[QAction | None]) -> QMenu:
        """A menu bar menu of ``actions``, ``None`` marking a separator."""
        menu = self.menuBar().addMenu(title)
        for action in actions:
            menu.addSeparator() if action is None else menu.addAction(action)
        return menu

    def _gate_actions(self) -> None:
        """Actions the signed-in user's role may not take are disabled and say why (see widgets.window.sign_in)."""
        roles, sheets, analysis, explanations = self.roles, self.field_sheets, self.analysis, self.explanations
        editing = (self.clear_action, self.copy_action, self.fill_action, self.save_action, sheets.import_action)
        for action in (*editing, self.audits.import_action):
            roles.gate(action, Action.EDIT)
        roles.gate(self.activate_action, Action.ACTIVATE)
        for action in (sheets.export_action, sheets.route_action):
            roles.gate(action, Action.EXPORT)
        for action in (explanations.explain_action, explanations.photo_action, analysis.personalize_action,
                       analysis.compare_action, analysis.forecast_action, analysis.affinity_action):  # fmt: skip
            roles.gate(action, Action.RUN_AI)
        self.statusBar().addPermanentWidget(roles.label)
        roles.user_changed.connect(self._user_changed)

    def _files_dropped_on_device(self, device_id: int, paths: list[str]) -> None:
        """Machine audits dropped on a device's row are imported for that device; anything else is named."""
        from widgets.audits.actions import is_audit_file

        audits = [path for path in paths if is_audit_file(path)]
        others = [Path(path).name for path in paths if not is_audit_file(path)]
        if others:
            self.statusBar().showMessage(f"Not a machine audit (.txt, .dex, .eva_dts): {', '.join(others[:3])}", 8000)
        if audits and not self.roles.why_not(Action.EDIT):
            self.audits.import_files(audits, device_id)
        elif audits:
            self.statusBar().showMessage(f"Importing audits: {self.roles.why_not(Action.EDIT)}", 8000)

    def import_sales(self) -> None:
        """File → Import sales…: a telemetry export (Seed/ePort CSV, or any CSV/XLSX by its columns)."""
        from PySide6.QtWidgets import QFileDialog

        from designer.sales_exports.saved_mappings import SavedMappings
        from widgets.sales_import.dialog import SalesImportDialog

        path, _ = QFileDialog.getOpenFileName(self, "Import sales", "", "Sales exports (*.csv *.xlsx);;All files (*)")
        if path:
            mappings = SavedMappings(self.context.folders.sales_mappings)
            SalesImportDialog(self.repository.engine, Path(path), user_id=self.roles.user.id, mappings=mappings,
                              parent=self).exec()  # fmt: skip

    def open_settings(self) -> None:
        """Tools → Settings…: the run's settings and key store, Claude's key test and this month's spend."""
        from widgets.dialogs.settings import SettingsDialog

        claude = self.explanations.claude
        dialog = SettingsDialog(self.context.settings, self.context.keys, claude.test_key,
                                month_spent=claude.month_spent, jobs=self.jobs, user=self.roles.user,
                                engine=self.repository.engine, parent=self,
                                confirm=lambda what: self.access.confirm(self.roles.user.username, what))  # fmt: skip
        dialog.exec()

    def _user_changed(self, user: SignedInUser) -> None:
        self.session.user_id = user.id
        self.explanations.user_known(user.id)
        for view in self.cabinet_views():
            if isinstance(view, EditableCabinetView):
                view.read_only = self._why_read_only()
        view = self.current_editable_view()
        if view is not None:
            self._selection_changed(view, view.selected_positions())

    def _why_read_only(self) -> str | None:
        """The device's own reason (deleted in CVD) first, then the signed-in role's."""
        device = self.layout_on_screen.device if self.layout_on_screen is not None else None
        return (device.why_read_only if device is not None else None) or self.roles.why_not(Action.EDIT)

    def _action(
        self, text: str, shortcut: str | QKeySequence.StandardKey, slot: Callable[[], object], *, scoped: bool = False
    ) -> QAction:
        """An action; ``scoped`` ones only fire while the cabinet grid has focus (Del must still edit text)."""
        action = menu_action(self, text, shortcut, slot)
        if scoped:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.cabinet_tabs.addAction(action)
        return action

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

    def shown_title(self) -> str:
        """The title bar as the user reads it: ``*`` marks unsaved changes."""
        return self.windowTitle().replace("[*]", "*" if self.isWindowModified() else "")

    def tab_texts(self) -> list[str]:
        return [self.cabinet_tabs.tabText(i) for i in range(self.cabinet_tabs.count())]

    # --- loading -----------------------------------------------------------------------------

    def load_fleet(self) -> None:
        """Read devices and catalogue in a worker, then select device 1 (or the first device)."""
        if self.jobs.closed:
            return
        repository = self.repository
        # The same database read again (after a sync) keeps whoever is signed in; a newly opened one signs in
        # the run's login.
        signed_in = self.roles.signed_in_on(repository.engine)
        login = signed_in.username if signed_in is not None else self.context.login
        self.statusBar().showMessage("Reading the fleet…")

        def job(_state: JobState) -> FleetOverview:
            return read_fleet(repository, login, audit=signed_in is None)

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
        self.palette.show_catalogue(overview.catalogue)
        self.session.user_id = overview.user_id
        self.explanations.user_known(overview.user_id)
        if overview.user is not None:
            self.roles.show_user(overview.user, self.repository.engine)
        self._model_wanted = bool(overview.devices)  # trained once the first device is on screen
        restored = self._offer_recovery()
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
        if restored and any(device.id == restored for device in overview.devices):
            first = restored
        if not self.device_list.select_device(first):
            self.load_device(first)

    def _show_layout(self, layout: DeviceLayout) -> None:
        self.layout_on_screen = layout
        self.header.show_device(layout.device)
        self._clear_tabs()
        for cabinet in layout.cabinets:
            editor = self.session.editor_for(cabinet, layout.designed_planogram_for(cabinet), self.catalogue)
            view = EditableCabinetView(editor)
            view.selection_changed.connect(lambda positions, v=view: self._selection_changed(v, positions))
            view.inspect_requested.connect(self.inspect_selection)
            view.refused.connect(lambda reason: self.statusBar().showMessage(f"Not changed: {reason}", 6000))
            view.read_only = self._why_read_only()
            self.assistant.attach(view)
            self.history.attach(view)
            self.cabinet_tabs.addTab(view, cabinet_tab_text(cabinet))
        self._update_tabs()
        self._cabinet_tab_changed(self.cabinet_tabs.currentIndex())
        model_wanted, self._model_wanted = self._model_wanted, False
        view, repository = self.current_cabinet_view(), self.repository
        # after the cabinet's paint: these workers never delay the window becoming usable
        after_next_paint(view.viewport() if view is not None else self, lambda: self._after_layout_painted(
            repository, layout.device.id, train=model_wanted))  # fmt: skip
        if self.history.mode is not Overlay.NONE:
            self.show_history_overlay(self.history.mode)
        if layout.cabinets:
            self.cabinet_area.setCurrentWidget(self.cabinet_tabs)
        else:
            self._show_notice(f"{layout.device.name} has no cabinets.")
        self.statusBar().showMessage(f"Showing {layout.device.name}", 3000)
        self.layout_shown.emit(layout.device.id)

    def _after_layout_painted(self, repository: FleetRepository, device_id: int, *, train: bool) -> None:
        """The device's sales velocity and, for the first device, the model, Claude's warm-up and the outcomes."""
        if self.jobs.closed or repository is not self.repository:  # closed, or another database opened since
            return
        if self.layout_on_screen is not None and self.layout_on_screen.device.id == device_id:
            self._load_velocity(device_id)
            self._load_data_quality(device_id)
        if train:
            self.assistant.train(self.repository.engine, self.database_url, self.catalogue, fresh=True)
            self.explanations.warm_up()
            self.feedback.score_outcomes()  # how earlier suggestions turned out, now that sales may cover them

    def _load_velocity(self, device_id: int) -> None:
        from storage.sales_history import velocity_by_product

        engine = self.repository.engine

        def job(_state: JobState) -> dict[int, float]:
            return velocity_by_product(engine, device_id)

        self.jobs.start(SALES_VELOCITY, job, on_success=self.palette.show_velocity)

    def _load_data_quality(self, device_id: int) -> None:
        from ai.data_quality import device_warnings

        engine = self.repository.engine

        def job(_state: JobState) -> list[str]:
            return device_warnings(engine, device_id)

        def show(warnings: list[str]) -> None:
            if self.layout_on_screen is not None and self.layout_on_screen.device.id == device_id:
                self.header.show_data_quality(warnings)

        self.jobs.start(DATA_QUALITY, job, on_success=show)

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
        """Open ``database_url`` in a worker (the same person and settings on it); on failure the current one stays."""
        if self.jobs.closed or not self._settle_unsaved("Open another database"):
            return
        self.statusBar().showMessage(f"Opening {database_names(database_url)[1]}…")
        opened = self.context.with_database(database_url)

        def job(_state: JobState) -> FleetRepository:
            return open_repository(opened)

        self.jobs.start(
            OPEN_DATABASE,
            job,
            on_success=lambda repository: self._database_opened(repository, opened),
            on_failure=lambda error: self._open_failed(error, database_url),
        )

    def _database_opened(self, repository: FleetRepository, context: AppContext) -> None:
        admitted = self.access.admit(repository.engine, context)  # its password, when the database is protected
        if admitted is None:
            repository.engine.dispose()
            self.statusBar().showMessage(f"Still using {self._shown_url()}", 5000)
            return
        context = admitted
        self.jobs.abandon(LOAD_DEVICE)
        self.jobs.abandon(READ_FLEET)
        previous = self.repository
        self.repository = repository
        self.context = context
        self.database_url = database_url = context.database_url
        previous.engine.dispose()
        self.session.close_all()
        self.feedback.score_outcomes()  # how earlier suggestions turned out, now that sales may cover them
        self.explanations.database_changed(repository.engine)
        self.session.versions = self._new_session_versions(repository)
        self.session.journal = RecoveryJournal(context.folders.recovery, database_url)
        self._recovery_offered = False
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

    @staticmethod
    def _new_session_versions(repository: FleetRepository):  # type: ignore[no-untyped-def]
        from storage.versions import PlanogramVersions

        return PlanogramVersions(repository.engine)

    def _show_database_names(self) -> None:
        short, shown = database_names(self.database_url)
        # ending with the application's display name, so the platform does not append it a second time
        self.setWindowTitle(f"{short}[*]{self.access.title_note} — {APP_TITLE}")
        self.database_label.setText(f"Database: {shown}{self.access.title_note}")
        self.database_label.setToolTip(shown)

    def _shown_url(self) -> str:
        return database_names(self.database_url)[1]

    # --- editing -----------------------------------------------------------------------------

    def current_editor(self) -> CabinetEditor | None:
        view = self.current_cabinet_view()
        return view.editor if isinstance(view, EditableCabinetView) else None

    def current_editable_view(self) -> EditableCabinetView | None:
        view = self.current_cabinet_view()
        return view if isinstance(view, EditableCabinetView) else None

    def _cabinet_tab_changed(self, _index: int) -> None:
        view = self.current_editable_view()
        if view is None:
            self.session.undo_group.set_active(None)
            self.inspector.show_selection([], self.catalogue)
            return
        self.session.undo_group.set_active(view.editor.device)  # undo belongs to the device on screen
        self._selection_changed(view, view.selected_positions())

    def _selection_changed(self, view: EditableCabinetView, positions: list) -> None:  # type: ignore[type-arg]
        if view is self.current_cabinet_view():
            slots = [view.editor.planogram.slot_at(position) for position in positions]
            self.inspector.show_selection(slots, self.catalogue, view.read_only, view.editor.cabinet.index)

    def _modified_changed(self, modified: bool) -> None:
        self.setWindowModified(modified)
        self._update_tabs()

    def _update_tabs(self) -> None:
        """Tab text marks unsaved cabinets; the tooltip says which version the edits start from."""
        for index in range(self.cabinet_tabs.count()):
            view = self.cabinet_tabs.widget(index)
            if not isinstance(view, EditableCabinetView) or view.editor not in self.session.editors.values():
                continue
            editor = view.editor
            document = editor.planogram
            layout = self.layout_on_screen
            active = layout.active_version(editor.cabinet) if layout is not None else None
            note = draft_note(document, active) if editor.base_id is not None else ""
            text = cabinet_tab_text(editor.cabinet) + (f" · {note}" if note else "")
            self.cabinet_tabs.setTabText(index, f"{text} •" if editor.is_modified else text)
            if editor.base_id is None:
                tip = "No stored planogram yet: drag products from the palette, then save"
            else:
                tip = f"{document.status.value.capitalize()} planogram, version {document.version}"
                if note:
                    tip += " — not what the machine runs until it is activated (Ctrl+Shift+S)"
            if editor.is_modified:
                tip += " — unsaved changes (Ctrl+S saves a draft)"
            self.cabinet_tabs.setTabToolTip(index, tip)

    def inspect_selection(self) -> None:
        view = self.current_editable_view()
        if view is not None and view.selected_positions():
            self.inspector_dock.show()
            self.inspector_dock.raise_()
            self.inspector.focus_first_field()

    def clear_selected_slots(self) -> None:
        view = self.current_editable_view()
        if view is not None and view.selected_positions():
            view.clear_selected()

    def _inspector_details(
        self, quantity: int, capacity: int, par_level: int, price: float | None, card: float | None, code: str | None
    ) -> None:
        view = self.current_editable_view()
        if view is None or len(view.selected_positions()) != 1:
            return
        (position,) = view.selected_positions()
        kept = KEEP_PRICE if price is None else price  # an empty slot has no price to set
        view.attempt_edit(
            lambda c, p: set_slot_details(
                c, p, position, quantity=quantity, capacity=capacity, par_level=par_level, price=kept,
                card_price=KEEP_PRICE if card is None else card, selection_code=KEEP_PRICE if code is None else code,
            )
        )  # fmt: skip

    def _inspector_card_price_reset(self) -> None:
        view = self.current_editable_view()
        if view is not None and len(view.selected_positions()) == 1:
            (position,) = view.selected_positions()
            view.attempt_edit(lambda c, p: set_slot_details(c, p, position, card_price=None))

    def _inspector_price_reset(self) -> None:
        view = self.current_editable_view()
        if view is not None and len(view.selected_positions()) == 1:
            (position,) = view.selected_positions()
            view.attempt_edit(lambda c, p: set_slot_details(c, p, position, price=None))

    def _inspector_capacity(self, capacity: int) -> None:
        view = self.current_editable_view()
        if view is not None and view.selected_positions():
            positions = view.selected_positions()
            view.attempt_edit(lambda c, p: set_capacity(c, p, positions, capacity))

    def _place_into_selection(self, product_id: int) -> None:
        """Double-clicking a product places it in the selected slot: the keyboard path to a drop."""
        view = self.current_editable_view()
        if view is None or not view.selected_positions():
            self.statusBar().showMessage("Select a slot first, then double-click a product to place it", 5000)
            return
        view.drop_product(view.selected_positions()[0], product_id)

    # --- saving, versions, copying -----------------------------------------------------------

    def save_drafts(self) -> None:
        """Ctrl+S: every changed cabinet of the device on screen becomes a new draft version."""
        editors = [view.editor for view in self.cabinet_views() if isinstance(view, EditableCabinetView)]
        changed = [editor for editor in editors if editor.is_modified]
        if not changed:
            self.statusBar().showMessage("Nothing to save: no unsaved changes on this device", 4000)
            return
        for editor in changed:
            self.session.save(editor, activate=False)

    def activate_current(self) -> None:
        """Save the cabinet on screen and make it what the machine runs, if it passes validation."""
        editor = self.current_editor()
        if editor is None:
            return
        problems = self.session.problems(editor)
        problems += [problem for problem in self._selection_code_clashes(editor) if problem not in problems]
        if problems:
            listed = "\n".join(f"• {problem}" for problem in problems[:12])
            more = f"\n… and {len(problems) - 12} more" if len(problems) > 12 else ""
            QMessageBox.warning(self, "Cannot activate", f"Fix these first:\n\n{listed}{more}")
            return
        self.session.save(editor, activate=True)

    def _selection_code_clashes(self, editor: CabinetEditor) -> list[Problem]:
        """The device's cabinets share one keypad: codes this cabinet would share with another's active version
        (the store refuses them too; said here first, with the rest of what to fix)."""
        layout = self.layout_on_screen
        if layout is None or layout.device.id != editor.cabinet.device_id:
            return []
        others = [(layout.planogram_for(cabinet), cabinet) for cabinet in layout.cabinets]
        return selection_code_clashes(editor.planogram, editor.cabinet, others)

    def _saved(self, key: object) -> None:
        editor = self.session.editors.get(key)  # type: ignore[arg-type]
        if editor is not None and editor.planogram.status is PlanogramStatus.ACTIVE:
            # What the machine runs changed: the placement model learns from activations, so it is refreshed.
            self.assistant.train(self.repository.engine, self.database_url, self.catalogue)
            layout = self.layout_on_screen
            if layout is not None and layout.device.id == editor.cabinet.device_id:
                layout.planograms[editor.cabinet.index] = editor.planogram  # later drafts name it as the active one
        if editor is not None:
            document = editor.planogram
            self.statusBar().showMessage(
                f"Saved cabinet {editor.cabinet.index} as version {document.version} ({document.status.value})", 5000
            )
        self._update_tabs()
        for view in self.cabinet_views():
            if isinstance(view, EditableCabinetView) and view.editor is editor:
                view.refresh_banner(editor.planogram)

    def discard_current(self) -> None:
        editor = self.current_editor()
        if editor is None or not editor.is_modified:
            return
        answer = QMessageBox.question(
            self, APP_TITLE, "Discard the unsaved changes to this cabinet? Undo history keeps them until you close."
        )
        if answer == QMessageBox.StandardButton.Yes:
            editor.discard_unsaved()

    def show_version_history(self) -> None:
        editor = self.current_editor()
        if editor is None:
            return
        versions = self.session.versions
        cabinet = editor.cabinet

        def job(_state: JobState) -> list[VersionInfo]:
            return versions.history(cabinet.device_id, cabinet.index)

        self.jobs.start(VERSIONS, job, on_success=lambda history: self._show_history(editor, history))

    def _show_history(self, editor: CabinetEditor, history: list[VersionInfo]) -> None:
        device = self.layout_on_screen.device.name if self.layout_on_screen else ""
        dialog = VersionHistoryDialog(f"{device}, {cabinet_tab_text(editor.cabinet)}", history, self)
        dialog.revert_requested.connect(lambda planogram_id: self._revert(editor, planogram_id))
        dialog.activate_requested.connect(lambda planogram_id: self._activate_version(editor, planogram_id))
        dialog.exec()

    def _revert(self, editor: CabinetEditor, planogram_id: int) -> None:
        if self._refused(Action.EDIT):
            return
        versions = self.session.versions

        def job(_state: JobState) -> Planogram:
            return versions.load(planogram_id)

        def loaded(version: Planogram) -> None:
            reason = editor.attempt(lambda context, document: revert_to(context, document, version))
            self.statusBar().showMessage(reason or f"Reverted to version {version.version}; save to keep it", 6000)

        self.jobs.start(VERSIONS, job, on_success=loaded)

    def _refused(self, action: Action) -> bool:
        """Say in the status bar why the signed-in user may not do ``action`` (the services refuse it too)."""
        reason = self.roles.why_not(action)
        if reason is not None:
            self.statusBar().showMessage(f"Not changed: {reason}", 8000)
        return reason is not None

    def _activate_version(self, editor: CabinetEditor, planogram_id: int) -> None:
        if self._refused(Action.ACTIVATE):
            return
        versions, user_id = self.session.versions, self.session.user_id

        def job(_state: JobState) -> Planogram:
            return versions.activate(planogram_id, user_id=user_id)

        def activated(version: Planogram) -> None:
            self.statusBar().showMessage(f"Version {version.version} is now active", 6000)
            if not editor.is_modified:  # show what the machine now runs
                editor.attempt(lambda context, document: revert_to(context, document, version))
                editor.mark_saved(version)
                self._update_tabs()

        def failed(error: Exception) -> None:
            self.statusBar().showMessage(f"Not activated: {error}", 8000)

        self.jobs.start(VERSIONS, job, on_success=activated, on_failure=failed)

    def copy_from_cabinet(self) -> None:
        editor = self.current_editor()
        if editor is None:
            return
        repository, cabinet = self.repository, editor.cabinet

        def job(_state: JobState) -> list[tuple[DeviceSummary, Cabinet]]:
            return repository.cabinets_of_shape(cabinet.rows, cabinet.columns)

        self.jobs.start("copy sources", job, on_success=lambda found: self._choose_copy_source(editor, found))

    def _choose_copy_source(self, editor: CabinetEditor, found: list[tuple[DeviceSummary, Cabinet]]) -> None:
        choices = [
            (device, cabinet) for device, cabinet in found if cabinet.planogram_id != editor.cabinet.planogram_id
        ]
        if not choices:
            QMessageBox.information(
                self, APP_TITLE, f"No other cabinet is {editor.cabinet.rows}×{editor.cabinet.columns}; nothing to copy."
            )
            return
        labels = [f"{device.name} · {cabinet_tab_text(cabinet)}" for device, cabinet in choices]
        label, chosen = QInputDialog.getItem(self, "Copy planogram", "Copy the active planogram of:", labels, 0, False)
        if not chosen:
            return
        _device, source_cabinet = choices[labels.index(label)]
        repository = self.repository

        def job(_state: JobState) -> Planogram | None:
            return repository.active_planogram(source_cabinet.device_id, source_cabinet.index)

        def loaded(source: Planogram | None) -> None:
            if source is None:
                self.statusBar().showMessage(f"{label} has no active planogram to copy", 6000)
                return
            reason = editor.attempt(lambda context, document: copy_planogram(context, document, source, source_cabinet))
            if reason:
                QMessageBox.warning(self, "Cannot copy", reason)

        self.jobs.start("copy planogram", job, on_success=loaded)

    def show_history_overlay(self, mode: Overlay) -> None:
        """Colour the device's cabinets by what their slots did lately (or switch the overlay off)."""
        self.overlay_actions[mode].setChecked(True)
        views = [view for view in self.cabinet_views() if isinstance(view, EditableCabinetView)]
        self.history.show(mode, self.repository.engine, views)

    def _model_progress(self, percent: int, message: str) -> None:
        self.statusBar().showMessage(f"Placement model: {message} ({percent}%)", 3000)

    def fill_empty_slots(self) -> None:
        """Propose products for the empty slots of the cabinet on screen; the user previews and accepts."""
        view = self.current_editable_view()
        if view is None:
            return
        if not any(item.is_empty for item in view.slot_items()):
            self.statusBar().showMessage("This cabinet has no empty slots to fill", 5000)
            return
        if not self.assistant.propose_fill(view, lambda proposal: self._preview_fill(view, proposal)):
            self.statusBar().showMessage("The placement model is still learning; try Fill again in a moment", 5000)

    def _preview_fill(self, view: EditableCabinetView, proposal) -> None:  # type: ignore[no-untyped-def]
        editor = view.editor
        if not proposal.slots:
            self.statusBar().showMessage("No suitable products to fill this cabinet with", 5000)
            return
        from widgets.placement.fill_preview import FillPreviewDialog

        dialog = FillPreviewDialog(editor.cabinet, editor.planogram, proposal, self.catalogue, self)
        self.fill_preview = dialog
        dialog.decided.connect(self.feedback.record)
        if dialog.exec() == FillPreviewDialog.DialogCode.Accepted:
            view.attempt_edit(lambda context, document: fill_empty_slots(context, document, proposal.slots))

    # --- unsaved work ------------------------------------------------------------------------

    def _offer_recovery(self) -> int | None:
        """After a crash: offer the journaled edits back; returns the first restored device."""
        if self._recovery_offered:
            return None
        self._recovery_offered = True
        works = self.session.pending_recovery()
        if not works:
            return None
        names = {device.id: device.name for device in self.devices}
        lines = [
            f"• {names.get(w.planogram.device_id, f'device {w.planogram.device_id}')}, cabinet "
            f"{w.planogram.cabinet_index}: {w.edit_count} edit{'s' if w.edit_count != 1 else ''}, "
            f"last at {w.written_at.astimezone():%H:%M:%S}"
            for w in works
        ]
        answer = QMessageBox.question(
            self,
            "Restore unsaved edits?",
            "Planogram Studio closed without saving these edits:\n\n"
            + "\n".join(lines)
            + "\n\nRestore them? (No discards them.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.session.restore(works)
            self.statusBar().showMessage(f"Restored unsaved edits to {len(works)} cabinet(s)", 8000)
            return works[0].planogram.device_id
        self.session.discard_recovery(works)
        return None

    def _settle_unsaved(self, doing: str) -> bool:
        """Before leaving: save, discard or stay. Returns False to stay."""
        if not self.session.any_modified():
            return True
        count = len(self.session.modified_editors()) + len(self.session.recovered)
        answer = QMessageBox.question(
            self,
            doing,
            f"{count} cabinet(s) have unsaved changes. Save them as drafts first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            return self._save_everything_now()
        self.session.discard_all()
        return True

    def _save_everything_now(self) -> bool:
        """Save every unsaved document as a draft and wait (keeping the window painted) before leaving."""
        from widgets.workers import run_while_responsive

        editors = self.session.modified_editors()
        pending = [editor.planogram for editor in editors] + [w.planogram for w in self.session.recovered.values()]
        versions, user_id = self.session.versions, self.session.user_id

        def job(_state: JobState) -> list[Planogram]:
            return [versions.save(document, user_id=user_id) for document in pending]

        try:
            stored = run_while_responsive(job, purpose="save before leaving")
        except Exception as error:
            QMessageBox.critical(self, APP_TITLE, f"Saving failed, nothing was closed: {error}")
            return False
        for editor, document in zip(editors, stored, strict=False):
            editor.mark_saved(document)
        self.session.discard_recovery(list(self.session.recovered.values()))
        self.session.recovered.clear()
        return True

    # --- closing -----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved edits, then stop and wait for every worker before the widgets go away."""
        if not self.jobs.closed and not self._settle_unsaved("Quit"):
            event.ignore()
            return
        self.session.modified_changed.disconnect(self._modified_changed)  # stacks go away with the window
        self.explanations.stop_explaining()
        self.access.stop()
        self.jobs.shutdown()
        self.explanations.shutdown()  # after the workers are done: none of them is mid-call when the client closes
        self.repository.engine.dispose()
        super().closeEvent(event)
