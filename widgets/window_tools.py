"""The window's tools around the designer: export and print, import, settings, and Claude's explanations.

Kept apart from the main window so the window composes, and these actions (and their services: settings,
keys, the Claude client with its ledger) have one owner that follows the open database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QLabel, QMessageBox, QVBoxLayout

from designer.editing import import_layout, place_together, replace_layout, set_par_levels
from designer.planograms import Planogram, slot_to_dict
from designer.positions import Position, PositionError
from designer.roles import Action
from widgets.cabinet_view import DropHint
from widgets.experiments_feedback import SuggestionFeedback
from widgets.workers import JobState

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ai.llm.client import ClaudeClient
    from ai.llm.compliance import ComplianceCheck
    from ai.services import Services
    from widgets.explain_panel import ExplainPanel
    from widgets.main_window import MainWindow

# The Claude side (the anthropic SDK and its types) takes over a second to import: it is imported in a
# worker after the first paint, and built on the GUI thread when that is done (or at once when needed sooner).
CLAUDE_MODULES = ("ai.llm.client", "storage.keys", "ai.llm.compliance", "storage.llm_tables", "widgets.explain_panel")


class WindowTools(QObject):
    """Owns the tool actions and the Explain panel of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.settings = window.context.settings  # the run's own, shared with every window and command
        self.keys = window.context.keys
        self._claude: ClaudeClient | None = None
        self._panel: ExplainPanel | None = None
        self._user_id: int | None = None
        self.feedback = SuggestionFeedback(lambda: window.repository.engine, lambda: self._user_id, self)
        self.feedback.failed.connect(lambda text: window.statusBar().showMessage(text, 6000))
        window.assistant.suggestion_decided.connect(self.feedback.record)
        self.explain_dock = QDockWidget("Explanation", window)
        self.explain_dock.setObjectName("Explanation")
        self.explain_dock.setWidget(QLabel("Explanations are getting ready…"))
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.explain_dock)
        window.tabifyDockWidget(window.history_dock, self.explain_dock)
        window.inspector_dock.raise_()

        self.export_action = self._action("&Export sheets or planogram…", "Ctrl+Shift+E", self.export)
        self.route_action = self._action("&Route sheets…", "", lambda: self.export(route=True))
        self.import_action = self._action("&Import planogram file…", "Ctrl+I", self.import_file)
        self.settings_action = self._action("&Settings…", QKeySequence.StandardKey.Preferences, self.open_settings)
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.explain_action = self._action("E&xplain slot", "Ctrl+E", self.explain_slot)
        self.photo_action = self._action("Check a cabinet &photo…", "", self.check_photo)
        self.personalize_action = self._action("&Personalise for this location…", "", self.personalize)
        self.compare_action = self._action("&Compare with the active planogram…", "Ctrl+R", self.compare)
        self.forecast_action = self._action("Demand &forecast and par levels…", "Ctrl+Shift+D", self.show_forecast)
        self.affinity_action = self._action("Products bought &together…", "Ctrl+Shift+T", self.show_affinity)
        self.dashboard_action = self._action("&AI performance and experiments…", "Ctrl+Shift+A", self.show_ai_dashboard)
        if self.settings.problem:
            window.statusBar().showMessage(self.settings.problem, 10_000)

    def _action(self, text: str, shortcut: str | QKeySequence.StandardKey, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def install_menus(self) -> None:
        window = self.window
        file_menu = window.file_menu
        file_menu.insertActions(window.quit_action, [self.export_action, self.route_action, self.import_action])
        file_menu.insertSeparator(window.quit_action)
        window.planogram_menu.addSeparator()
        window.planogram_menu.addAction(self.compare_action)
        window.planogram_menu.addAction(self.explain_action)
        window.planogram_menu.addAction(self.photo_action)
        window.planogram_menu.addAction(self.personalize_action)
        tools = self.tools_menu = window.menuBar().addMenu("&Tools")
        tools.addAction(self.forecast_action)
        tools.addAction(self.affinity_action)
        tools.addAction(self.dashboard_action)
        tools.addSeparator()
        tools.addAction(self.settings_action)
        window.view_menu.addAction(self.explain_dock.toggleViewAction())

    # --- Claude, built when first wanted ---------------------------------------------------------

    def warm_up(self) -> None:
        """Import the Claude side in a worker, so opening the Explanation panel later never freezes the window."""
        import importlib

        def job(_state: JobState) -> None:
            for module in CLAUDE_MODULES:
                importlib.import_module(module)

        self.window.jobs.start("prepare explanations", job, on_success=lambda _none: self.explain_panel)
        self.feedback.score_outcomes()  # how earlier suggestions turned out, now that sales may cover them

    @property
    def claude(self) -> ClaudeClient:
        if self._claude is None:
            from ai.llm.client import ClaudeClient
            from storage.llm_tables import LlmLedger

            self._claude = ClaudeClient(self.settings, self.keys, LlmLedger(self.window.repository.engine),
                                        user_id=self._user_id)  # fmt: skip
        return self._claude

    @property
    def explain_panel(self) -> ExplainPanel:
        if self._panel is None:
            from widgets.explain_panel import ExplainPanel

            self._panel = ExplainPanel(self.claude, self.window.jobs)
            self._panel.notice.connect(lambda text: self.window.statusBar().showMessage(text, 8000))
            self._panel.photo_checked.connect(self._show_photo_differences)
            self.explain_dock.setWidget(self._panel)
        return self._panel

    # --- the database changes ------------------------------------------------------------------

    def database_changed(self, engine: Engine) -> None:
        self.feedback.score_outcomes()  # how earlier suggestions turned out, now that sales may cover them
        if self._claude is None:
            return  # built on the new database when first wanted
        from ai.llm.client import ClaudeClient
        from storage.llm_tables import LlmLedger

        self._claude.close()
        self._claude = ClaudeClient(self.settings, self.keys, LlmLedger(engine), user_id=self._user_id)
        if self._panel is not None:
            self._panel.set_client(self._claude)

    def user_known(self, user_id: int | None) -> None:
        self._user_id = user_id
        if self._claude is not None:
            self._claude.user_id = user_id

    def stop_explaining(self) -> None:
        if self._panel is not None:
            self._panel.shutdown()

    def shutdown(self) -> None:
        if self._claude is not None:
            self._claude.close()

    # --- actions -----------------------------------------------------------------------------

    def export(self, *, route: bool = False) -> None:
        from widgets.export_cli import ExportFormat
        from widgets.export_dialog import ExportDialog

        window = self.window
        layout = window.layout_on_screen
        if layout is None:
            window.statusBar().showMessage("Choose a device first", 4000)
            return
        editor = window.current_editor()
        if editor is not None and editor.is_modified:
            note = "Sheets show the stored active planogram; your unsaved edits are not on them"
            window.statusBar().showMessage(note, 8000)
        dialog = ExportDialog(window.repository, layout.device.id, editor.cabinet.index if editor else None, window)
        dialog.user_id = window.session.user_id
        if route:
            dialog.choose(ExportFormat.PDF, route=True)
        dialog.exec()

    def import_file(self) -> None:
        from widgets.export_dialog import import_planogram

        window = self.window
        editor = window.current_editor()
        if editor is None:
            window.statusBar().showMessage("Choose a cabinet to import into first", 4000)
            return
        imported = import_planogram(window, editor.cabinet, editor.context.catalogue)
        if imported is not None:
            reason = editor.attempt(lambda context, document: import_layout(context, document, imported))
            window.statusBar().showMessage(reason or "Imported; save to keep it as a new version", 6000)

    def open_settings(self) -> None:
        from widgets.settings_dialog import SettingsDialog

        claude = self.claude

        dialog = SettingsDialog(self.settings, self.keys, claude.test_key, month_spent=claude.month_spent,
                                jobs=self.window.jobs, user=self.window.roles.user,
                                engine=self.window.repository.engine, parent=self.window)  # fmt: skip
        dialog.exec()

    def explain_slot(self) -> None:
        """Explain the selected slot's score: the numbers from the local model, the prose from Claude."""
        window = self.window
        view = window.current_editable_view()
        scorer = window.assistant.scorer
        positions = view.selected_positions() if view is not None else []
        if view is None or len(positions) != 1 or view.editor.planogram.slot_at(positions[0]).is_empty:
            window.statusBar().showMessage("Select one filled slot to explain", 5000)
            return
        if scorer is None:
            QMessageBox.information(window, "Explain", "The placement model is still learning; try again shortly.")
            return
        from ai.placement_feedback import analyse_placement

        position = positions[0]
        editor = view.editor
        product_id = editor.planogram.slot_at(position).product_id
        assert product_id is not None
        analysis = analyse_placement(scorer, editor.cabinet, editor.planogram, product_id, position)
        facts = {
            "success": True,
            "placement_score": round(analysis.placement_score, 1),
            "confidence": round(analysis.confidence, 2),
            "feedback": analysis.feedback(),
            "zone_analysis": analysis.zone_analysis(),
        }
        self.explain_dock.show()
        self.explain_dock.raise_()
        self.explain_panel.explain_slot(facts, position.label, editor.context.catalogue[product_id].name)

    def check_photo(self, path: str | None = None) -> None:
        """Compare a photo of the cabinet with its active planogram; differing slots are outlined on the grid."""
        from ai.llm.compliance import planogram_facts

        window = self.window
        view = window.current_editable_view()
        if view is None:
            window.statusBar().showMessage("Choose a cabinet first", 4000)
            return
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(window, "Cabinet photo", "", "Images (*.jpg *.jpeg *.png)")
            if not path:
                return
        editor = view.editor
        catalogue = editor.context.catalogue
        slots = []
        for slot in editor.planogram.filled_slots():
            entry = slot_to_dict(slot)
            entry["product_name"] = catalogue[slot.product_id].name if slot.product_id in catalogue else ""
            slots.append(entry)
        facts = planogram_facts(editor.cabinet.rows, editor.cabinet.columns, slots, editor.cabinet.zone.value)
        self._photo_view = view
        self.explain_dock.show()
        self.explain_dock.raise_()
        self.explain_panel.check_photo(Path(path), facts)

    def _show_photo_differences(self, check: ComplianceCheck) -> None:
        view = getattr(self, "_photo_view", None)
        if view is None or not check.checked:
            return
        for difference in check.differences:
            try:
                item = view.slot_item(Position.parse(difference.position))
            except PositionError:
                continue
            if item is not None:
                item.set_drop_hint(DropHint.REFUSE)
                item.setToolTip(f"{item.toolTip()}\nPhoto: {difference.issue.replace('_', ' ')} — {difference.seen}")
        count = len(check.differences)
        self.window.statusBar().showMessage(
            f"Photo check: {count} slot{'s' if count != 1 else ''} differ from the planogram (outlined in red)", 10_000
        )

    def services(self) -> Services:
        """The AI services on the window's database: its engine, model and signed-in user, the Settings' labour cost."""
        from ai.model_store import ModelStore
        from ai.services import Services

        window = self.window
        return Services(
            window.database_url,
            ModelStore(window.context.folders.models),
            engine=window.repository.engine,
            placement_scorer=window.assistant.scorer,
            user=window.roles.user,
            labour_cost_per_slot=self.settings.current.labour_cost_per_slot,
        )

    def personalize(self) -> None:
        """Propose a planogram for every cabinet from the location's goals; accepting loads them as edits."""
        from widgets.personalization_wizard import PersonalizationWizard

        window = self.window
        layout = window.layout_on_screen
        if layout is None:
            window.statusBar().showMessage("Choose a device first", 4000)
            return
        if not self.ai_started("personalize-location", layout.device.id):
            return
        services = self.services()
        wizard = PersonalizationWizard(services, layout.device.id, window)
        wizard.proposal_ready.connect(lambda proposals: self.apply_proposals(layout.device.id, proposals))
        wizard.decided.connect(self.feedback.record)
        self.wizard = wizard
        wizard.exec()

    def apply_proposals(self, device_id: int, proposals: dict) -> None:  # type: ignore[type-arg]
        """The proposals load into the device's open documents as ONE undo step (Ctrl+Z takes back every cabinet)."""
        applied = 0
        device = self.window.session.devices.get(device_id)
        if device is not None:
            text = "Apply personalised planogram"
            makes = {
                index: lambda c, p, proposed=proposed: replace_layout(c, p, proposed, text)
                for index, proposed in proposals.items()
                if index in device.editors
            }
            applied = sum(reason is None for reason in device.attempt_together(text, makes).values())
        self.window.statusBar().showMessage(
            f"Personalised planogram loaded into {applied} cabinet(s): review, compare and save", 8000
        )
        if applied and self.window.current_editor() is not None:
            self.compare()  # the proposal opens against today's planogram, in revenue

    def ai_started(self, feature: str, device_id: int, cabinet_index: int | None = None) -> bool:
        """Refuse an AI feature the user may not run (saying why); else audit ``ai.<feature>`` in a worker."""
        window = self.window
        reason = window.roles.why_not(Action.RUN_AI)
        if reason is not None or window.roles.user is None:
            window.statusBar().showMessage(f"Not started: {reason}", 8000)
            return False
        from storage.audit import record_ai_run

        engine, user_id = window.repository.engine, window.roles.user.id
        cabinets = [] if cabinet_index is None else [cabinet_index]

        def job(_state: JobState) -> None:
            record_ai_run(engine, user_id, feature, [device_id], cabinets, source="designer")

        window.jobs.start(f"audit {feature}", job, on_success=lambda _none: None)
        return True

    def _open_view(self, title: str, make, feature: str) -> QDialog | None:  # type: ignore[no-untyped-def]
        """A device's analysis in its own (non-modal) window, computed in a worker, while editing goes on."""
        window = self.window
        layout = window.layout_on_screen
        if layout is None:
            window.statusBar().showMessage("Choose a device first", 4000)
            return None
        if not self.ai_started(feature, layout.device.id):
            return None
        dialog = QDialog(window)
        dialog.setWindowTitle(f"{title} — {layout.device.name}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resize(1000, 680)
        view = make(window.repository.engine, layout.device.id, dialog)
        box = QVBoxLayout(dialog)
        box.addWidget(view)
        dialog.view = view  # type: ignore[attr-defined]
        dialog.show()
        return dialog

    def show_forecast(self) -> QDialog | None:
        from widgets.forecast_view import ForecastView

        dialog = self._open_view("Demand forecast", ForecastView, "demand-forecast")
        if dialog is not None:
            device_id = self.window.layout_on_screen.device.id  # type: ignore[union-attr]
            dialog.view.par_levels_changed.connect(lambda levels: self.apply_par_levels(device_id, levels))
            dialog.view.decided.connect(self.feedback.record)
        return dialog

    def show_affinity(self) -> QDialog | None:
        from widgets.affinity_view import AffinityView

        dialog = self._open_view("Products bought together", AffinityView, "affinity-analysis")
        if dialog is not None:
            dialog.view.place_together.connect(self.place_products_together)
        return dialog

    def show_ai_dashboard(self) -> None:
        """Prediction accuracy, suggestions taken, AI-designed against hand-designed, Claude spend; experiments."""
        from widgets.ai_dashboard import AiDashboard

        refusal = self.window.roles.why_not(Action.RUN_EXPERIMENTS)
        dashboard = AiDashboard(self.window.repository.engine, self.window, user_id=self._user_id, refusal=refusal)
        dashboard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dashboard = dashboard
        dashboard.show()

    def apply_par_levels(self, device_id: int, levels: dict) -> None:  # type: ignore[type-arg]
        """The forecast's par levels go onto the device's open cabinets as ONE undo step (pick lists follow on save)."""
        changed = 0
        device = self.window.session.devices.get(device_id)
        if device is not None:
            makes = {index: lambda c, p: set_par_levels(c, p, levels) for index in device.editors}
            changed = sum(reason is None for reason in device.attempt_together("Set par levels", makes).values())
        self.window.statusBar().showMessage(f"Par levels updated in {changed} cabinet(s); save to use them", 6000)

    def place_products_together(self, product_ids: list) -> None:  # type: ignore[type-arg]
        view = self.window.current_editable_view()
        if view is None:
            return
        reason = view.attempt_edit(lambda c, p: place_together(c, p, product_ids))
        if reason is None:
            self.window.statusBar().showMessage("Placed side by side; undo with Ctrl+Z", 5000)

    def compare(self) -> None:
        """Today's (active) planogram against the document on screen, in revenue with intervals and payback."""
        from widgets.comparison_view import ComparisonWindow

        window = self.window
        editor = window.current_editor()
        if editor is None:
            window.statusBar().showMessage("Choose a cabinet first", 4000)
            return
        repository, cabinet = window.repository, editor.cabinet
        if not self.ai_started("predict-revenue", cabinet.device_id, cabinet.index):
            return
        proposed = Planogram(cabinet.device_id, cabinet.index, dict(editor.planogram.slots), name="On screen")

        def job(_state: JobState) -> Planogram:
            return repository.active_planogram(cabinet.device_id, cabinet.index) or Planogram(
                cabinet.device_id, cabinet.index
            )

        def open_window(baseline: Planogram) -> None:
            services = self.services()
            comparison = ComparisonWindow(services, cabinet.device_id, cabinet, baseline, proposed,
                                          editor.context.catalogue, window, jobs=window.jobs)  # fmt: skip
            comparison.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            comparison.explain_requested.connect(self.explain_comparison)
            self.comparison = comparison
            comparison.show()

        window.jobs.start("compare", job, on_success=open_window)

    def explain_comparison(self, body: dict | None) -> None:  # type: ignore[type-arg]
        if body is None:
            return
        self.explain_dock.show()
        self.explain_dock.raise_()
        self.explain_panel.explain_comparison(body)
