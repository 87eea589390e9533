"""Claude's explanations in the window: Planogram → Explain slot and Check a cabinet photo…, and their dock.

One owner for the Claude client (with its ledger on the open database, following it when another opens) and
the Explanation panel, both built when first wanted: the anthropic SDK takes over a second to import, so it is
imported in a worker after the first paint. The numbers always come from the local model; Claude adds words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox

from designer.planograms import slot_to_dict
from designer.positions import Position, PositionError
from widgets.canvas.cabinet_view import DropHint
from widgets.workers import MODULE_LOADING, JobState

if TYPE_CHECKING:
    from ai.llm.client import ClaudeClient
    from ai.llm.compliance import ComplianceCheck
    from ai.placement_scoring import PlacementScorer
    from storage.database import Engine
    from widgets.canvas.cabinet_editing import EditableCabinetView
    from widgets.panels.explain_panel import ExplainPanel
    from widgets.window.services import OnScreen, WindowServices

# The Claude side (the anthropic SDK and its types), imported in a worker after the first paint and built on the
# GUI thread when that is done (or at once when needed sooner).
CLAUDE_MODULES = (
    "ai.llm.client",
    "storage.keys",
    "ai.llm.compliance",
    "storage.llm_ledger",
    "widgets.panels.explain_panel",
)


class ClaudeExplanations(QObject):
    """Owns the Claude client, the Explanation dock (the window places :attr:`dock`) and the two actions."""

    def __init__(
        self, window: WindowServices, on_screen: OnScreen, scorer: Callable[[], PlacementScorer | None]
    ) -> None:
        super().__init__(window.parent)
        self.window = window
        self.on_screen = on_screen
        self.scorer = scorer
        self._claude: ClaudeClient | None = None
        self._panel: ExplainPanel | None = None
        self._photo_view: EditableCabinetView | None = None
        self.dock = QDockWidget("Explanation", window.parent)
        self.dock.setObjectName("Explanation")
        self.dock.setWidget(QLabel("Explanations are getting ready…"))
        self.explain_action = QAction("E&xplain slot", window.parent)
        self.explain_action.setShortcut(QKeySequence("Ctrl+E"))
        self.explain_action.triggered.connect(lambda _checked=False: self.explain_slot())
        self.photo_action = QAction("Check a cabinet &photo…", window.parent)
        self.photo_action.triggered.connect(lambda _checked=False: self.check_photo())

    # --- Claude, built when first wanted ---------------------------------------------------------

    def warm_up(self) -> None:
        """Import the Claude side in a worker, so opening the Explanation panel later never freezes the window."""
        import importlib

        def job(_state: JobState) -> None:
            with MODULE_LOADING:
                for module in CLAUDE_MODULES:
                    importlib.import_module(module)

        self.window.jobs.start("prepare explanations", job, on_success=lambda _none: self.panel)

    @property
    def claude(self) -> ClaudeClient:
        if self._claude is None:
            self._claude = self._new_client(self.window.repository().engine)
        return self._claude

    def _new_client(self, engine: Engine) -> ClaudeClient:
        """A client on the run's settings and key store, its calls and cache in ``engine``'s ledger."""
        from ai.llm.client import ClaudeClient
        from storage.llm_ledger import LlmLedger

        context = self.window.context()
        return ClaudeClient(context.settings, context.keys, LlmLedger(engine), user_id=self.window.user_id())

    @property
    def panel(self) -> ExplainPanel:
        if self._panel is None:
            from widgets.panels.explain_panel import ExplainPanel

            self._panel = ExplainPanel(self.claude, self.window.jobs)
            self._panel.notice.connect(lambda text: self.window.say(text, 8000))
            self._panel.photo_checked.connect(self._show_photo_differences)
            self.dock.setWidget(self._panel)
        return self._panel

    # --- the database and the user change --------------------------------------------------------

    def database_changed(self, engine: Engine) -> None:
        if self._claude is None:
            return  # built on the new database when first wanted
        self._claude.close()
        self._claude = self._new_client(engine)
        if self._panel is not None:
            self._panel.set_client(self._claude)

    def user_known(self, user_id: int | None) -> None:
        if self._claude is not None:
            self._claude.user_id = user_id

    def stop_explaining(self) -> None:
        if self._panel is not None:
            self._panel.shutdown()

    def shutdown(self) -> None:
        if self._claude is not None:
            self._claude.close()

    # --- actions -----------------------------------------------------------------------------

    def explain_slot(self) -> None:
        """Explain the selected slot's score: the numbers from the local model, the prose from Claude."""
        view = self.on_screen.editable_view()
        scorer = self.scorer()
        positions = view.selected_positions() if view is not None else []
        if view is None or len(positions) != 1 or view.editor.planogram.slot_at(positions[0]).is_empty:
            self.window.say("Select one filled slot to explain", 5000)
            return
        if scorer is None:
            QMessageBox.information(
                self.window.parent, "Explain", "The placement model is still learning; try again shortly."
            )
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
            "zone_analysis": analysis.zone_analysis_to_explain(),
        }
        self._show_dock()
        self.panel.explain_slot(facts, position.label, editor.context.catalogue[product_id].name)

    def check_photo(self, path: str | None = None) -> None:
        """Compare a photo of the cabinet with its active planogram; differing slots are outlined on the grid."""
        from ai.llm.compliance import planogram_facts

        view = self.on_screen.editable_view()
        if view is None:
            self.window.say("Choose a cabinet first", 4000)
            return
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self.window.parent, "Cabinet photo", "", "Images (*.jpg *.jpeg *.png)"
            )
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
        self._show_dock()
        self.panel.check_photo(Path(path), facts)

    def _show_photo_differences(self, check: ComplianceCheck) -> None:
        view = self._photo_view
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
        self.window.say(
            f"Photo check: {count} slot{'s' if count != 1 else ''} differ from the planogram (outlined in red)", 10_000
        )

    def explain_comparison(self, body: dict[str, Any] | None) -> None:
        """Claude's words on a revenue comparison the manager asked to have explained."""
        if body is None:
            return
        self._show_dock()
        self.panel.explain_comparison(body)

    def _show_dock(self) -> None:
        """Show the explanation, given half the window's height when its dock is shorter: a paragraph needs room."""
        self.dock.show()
        self.dock.raise_()
        window = self.window.parent
        if isinstance(window, QMainWindow) and not self.dock.isFloating() and self.dock.height() < window.height() // 2:
            window.resizeDocks([self.dock], [window.height() // 2], Qt.Orientation.Vertical)
