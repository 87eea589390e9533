"""The AI analyses of the device on screen: personalise it for its location, compare with the active planogram,
forecast demand and par levels, products bought together, and the AI performance dashboard.

Each opens in its own window, computed in a worker while editing goes on; what one proposes (a personalised
planogram, par levels, products placed side by side) comes back as one undoable edit of the open documents.
Starting any of them is refused with the reason for a role that may not, and audited for one that may.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from designer.editing import place_together, replace_layout, set_par_levels
from designer.planograms import Planogram
from designer.roles import Action
from designer.suggestions import Decision, Verdict
from widgets.analysis.screen_fit import fit_to_screen
from widgets.menu_actions import menu_action
from widgets.workers import JobState

if TYPE_CHECKING:
    from ai.placement_scoring import PlacementScorer
    from ai.services import Services
    from storage.database import Engine
    from widgets.analysis.comparison import ComparisonWindow
    from widgets.analysis.dashboard import AiDashboard
    from widgets.analysis.personalization import PersonalizationWizard
    from widgets.analysis.suggestion_feedback import SuggestionFeedback
    from widgets.editing.session import EditingSession
    from widgets.window.services import OnScreen, WindowServices


class AnalysisActions(QObject):
    """Owns the analysis actions; the window places them in its Planogram and Tools menus."""

    explain_requested = Signal(object)  # a comparison's predict-revenue answer, for Claude's narrative

    def __init__(
        self,
        window: WindowServices,
        on_screen: OnScreen,
        session: EditingSession,
        scorer: Callable[[], PlacementScorer | None],
        feedback: SuggestionFeedback,
    ) -> None:
        super().__init__(window.parent)
        self.window = window
        self.on_screen = on_screen
        self.session = session
        self.scorer = scorer
        self.feedback = feedback
        self.wizard: PersonalizationWizard | None = None
        self._personalised: tuple[int, int] | None = None  # (device, undo steps with it) of the last proposal opened
        self.comparison: ComparisonWindow | None = None
        self.dashboard: AiDashboard | None = None
        self.personalize_action = menu_action(window.parent, "&Personalise for this location…", "", self.personalize)
        self.compare_action = menu_action(window.parent, "&Compare with the active planogram…", "Ctrl+R", self.compare)
        self.forecast_action = menu_action(
            window.parent, "Demand &forecast and par levels…", "Ctrl+Shift+D", self.show_forecast
        )
        self.affinity_action = menu_action(
            window.parent, "Products bought &together…", "Ctrl+Shift+T", self.show_affinity
        )
        self.dashboard_action = menu_action(
            window.parent, "&AI performance and experiments…", "Ctrl+Shift+A", self.show_ai_dashboard
        )

    def services(self) -> Services:
        """The AI services on the open database: its engine, model and signed-in user, the Settings' labour cost."""
        from ai.model_store import ModelStore
        from ai.services import Services

        context = self.window.context()
        return Services(
            context.database_url,
            ModelStore(context.folders.models),
            engine=self.window.repository().engine,
            placement_scorer=self.scorer(),
            user=self.window.roles.user,
            labour_cost_per_slot=context.settings.current.labour_cost_per_slot,
        )

    def ai_started(self, feature: str, device_id: int, cabinet_index: int | None = None) -> bool:
        """Refuse an AI feature the user may not run (saying why); else audit ``ai.<feature>`` in a worker."""
        roles = self.window.roles
        reason = roles.why_not(Action.RUN_AI)
        if reason is not None or roles.user is None:
            self.window.say(f"Not started: {reason}", 8000)
            return False
        from storage.audit import record_ai_run

        engine, user_id = self.window.repository().engine, roles.user.id
        cabinets = [] if cabinet_index is None else [cabinet_index]

        def job(_state: JobState) -> None:
            record_ai_run(engine, user_id, feature, [device_id], cabinets, source="designer")

        self.window.jobs.start(f"audit {feature}", job, on_success=lambda _none: None)
        return True

    # --- personalise and compare ---------------------------------------------------------------

    def personalize(self) -> None:
        """Propose a planogram for every cabinet from the location's goals; accepting loads them as edits."""
        from widgets.analysis.personalization import PersonalizationWizard

        layout = self.on_screen.layout()
        if layout is None:
            self.window.say("Choose a device first", 4000)
            return
        if not self.ai_started("personalize-location", layout.device.id):
            return
        wizard = PersonalizationWizard(self.services(), layout.device.id, self.window.parent)
        wizard.proposal_ready.connect(lambda proposals: self.apply_proposals(layout.device.id, proposals))
        wizard.decided.connect(self.personalisation_decided)
        self.wizard = wizard
        wizard.exec()

    def apply_proposals(self, device_id: int, proposals: dict[int, Planogram]) -> None:
        """The proposals load into the device's open documents as ONE undo step (Ctrl+Z takes back every cabinet)."""
        applied = 0
        device = self.session.devices.get(device_id)
        if device is not None:
            text = "Apply personalised planogram"
            makes = {
                index: lambda c, p, proposed=proposed: replace_layout(c, p, proposed, text)
                for index, proposed in proposals.items()
                if index in device.editors
            }
            applied = sum(reason is None for reason in device.attempt_together(text, makes).values())
            self._personalised = (device_id, device.stack.index) if applied else None
        self.window.say(f"Personalised planogram loaded into {applied} cabinet(s): review, compare and save", 8000)
        if applied and self.on_screen.editor() is not None:
            self.compare()  # the proposal opens against today's planogram, in revenue

    def personalisation_decided(self, decision: Decision) -> None:
        """Record what was done with a shown personalisation; opened into the designer, it stays "accepted" only
        while its undo step stands (undone before saving, it was not taken after all)."""
        applied, self._personalised = self._personalised, None
        device = self.session.devices.get(applied[0]) if applied is not None else None
        if decision.verdict is Verdict.ACCEPTED and applied is not None and device is not None:
            self.feedback.record_undoable(decision, device, applied[1])
        else:
            self.feedback.record(decision)

    def compare(self) -> None:
        """Today's (active) planogram against the document on screen, in revenue with intervals and payback."""
        from widgets.analysis.comparison import ComparisonWindow

        editor = self.on_screen.editor()
        if editor is None:
            self.window.say("Choose a cabinet first", 4000)
            return
        repository, cabinet = self.window.repository(), editor.cabinet
        if not self.ai_started("predict-revenue", cabinet.device_id, cabinet.index):
            return
        proposed = Planogram(cabinet.device_id, cabinet.index, dict(editor.planogram.slots), name="On screen")

        def job(_state: JobState) -> Planogram:
            return repository.active_planogram(cabinet.device_id, cabinet.index) or Planogram(
                cabinet.device_id, cabinet.index
            )

        def open_window(baseline: Planogram) -> None:
            comparison = ComparisonWindow(self.services(), cabinet.device_id, cabinet, baseline, proposed,
                                          editor.context.catalogue, self.window.parent,
                                          jobs=self.window.jobs)  # fmt: skip
            comparison.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            comparison.explain_requested.connect(self.explain_requested.emit)
            self.comparison = comparison
            comparison.show()

        self.window.jobs.start("compare", job, on_success=open_window)

    # --- the device's analyses in their own windows ----------------------------------------------

    def _open_view(self, title: str, make: Callable[[Engine, int, QWidget], QWidget], feature: str) -> QDialog | None:
        """A device's analysis in its own (non-modal) window, computed in a worker, while editing goes on."""
        layout = self.on_screen.layout()
        if layout is None:
            self.window.say("Choose a device first", 4000)
            return None
        if not self.ai_started(feature, layout.device.id):
            return None
        dialog = QDialog(self.window.parent)
        dialog.setWindowTitle(f"{title} — {layout.device.name}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fit_to_screen(dialog, 1000, 680)
        view = make(self.window.repository().engine, layout.device.id, dialog)
        box = QVBoxLayout(dialog)
        box.addWidget(view)
        dialog.view = view  # type: ignore[attr-defined]
        dialog.show()
        return dialog

    def show_forecast(self) -> QDialog | None:
        from widgets.analysis.forecast import ForecastView

        dialog = self._open_view("Demand forecast", ForecastView, "demand-forecast")
        if dialog is not None:
            device_id = self.on_screen.layout().device.id  # type: ignore[union-attr]
            dialog.view.par_levels_changed.connect(lambda levels: self.apply_par_levels(device_id, levels))  # type: ignore[attr-defined]
            dialog.view.decided.connect(self.feedback.record)  # type: ignore[attr-defined]
        return dialog

    def show_affinity(self) -> QDialog | None:
        from widgets.analysis.affinity import AffinityView

        dialog = self._open_view("Products bought together", AffinityView, "affinity-analysis")
        if dialog is not None:
            view = dialog.view  # type: ignore[attr-defined]
            view.place_together.connect(lambda ids: view.show_placement(self.place_products_together(ids)))
        return dialog

    def show_ai_dashboard(self) -> None:
        """Prediction accuracy, suggestions taken, AI-designed against hand-designed, Claude spend; experiments."""
        from widgets.analysis.dashboard import AiDashboard

        refusal = self.window.roles.why_not(Action.RUN_EXPERIMENTS)
        dashboard = AiDashboard(
            self.window.repository().engine, self.window.parent, user_id=self.window.user_id(), refusal=refusal
        )
        dashboard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dashboard = dashboard
        dashboard.show()

    # --- what the analyses propose, back in the designer ------------------------------------------

    def apply_par_levels(self, device_id: int, levels: dict[int, int]) -> None:
        """The forecast's par levels go onto the device's open cabinets as ONE undo step (pick lists follow on save)."""
        changed = 0
        device = self.session.devices.get(device_id)
        if device is not None:
            makes = {index: lambda c, p: set_par_levels(c, p, levels) for index in device.editors}
            changed = sum(reason is None for reason in device.attempt_together("Set par levels", makes).values())
        self.window.say(f"Par levels updated in {changed} cabinet(s); save to use them", 6000)

    def place_products_together(self, product_ids: list[int]) -> str:
        """Bring the products side by side in the cabinet of the device on screen that holds most of them (not
        only the tab on screen); returns what was done, or why not, for the asking view to show."""
        view = self.on_screen.editable_view()
        if view is None:
            return "Not placed: choose the device in the designer first"
        editors = view.editor.device.editors  # the open cabinets of the device on screen
        held = {index: len(set(product_ids) & editor.planogram.product_ids()) for index, editor in editors.items()}
        best = max(held, key=lambda index: (held[index], index == view.editor.cabinet.index), default=None)
        editor = editors[best] if best is not None and held[best] >= 2 else view.editor
        where = f"cabinet {editor.cabinet.index} ({editor.cabinet.zone.value})"
        if editor is view.editor:
            reason = view.attempt_edit(lambda c, p: place_together(c, p, product_ids))
        else:
            reason = editor.attempt(lambda c, p: place_together(c, p, product_ids))
        if reason is not None:
            return f"Not placed in {where}: {reason}"
        self.window.say(f"Placed side by side in {where}; undo with Ctrl+Z", 5000)
        return f"Placed side by side in {where}; undo with Ctrl+Z"
