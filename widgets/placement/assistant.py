"""Instant placement feedback in the window: the model trained in a worker, heat maps and scores while dragging.

Training, the hovered slot's analysis and fills run in workers with latest-request-wins (a newer drag or hover
drops stale answers), so the grid never waits for them. The heat map itself is scored on the GUI thread: a
fraction of a millisecond of numpy (DESIGN's budget is 5 ms), where the hop to a worker and back cost more than
a frame on a busy laptop. Before the model is ready the panel says so and editing goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from designer.planograms import Planogram
from designer.positions import Position
from designer.products import Catalogue
from designer.suggestions import Decision, Measure, Suggestion, SuggestionKind, Verdict
from widgets.placement.score_panel import ScorePanel
from widgets.workers import MODULE_LOADING, BackgroundJobs, JobState

if TYPE_CHECKING:  # the models (scipy, scikit-learn, pandas) are imported by the workers that use them
    from ai.auto_fill import FillProposal
    from ai.placement_feedback import PlacementAnalysis
    from ai.placement_scoring import PlacementGrid, PlacementScorer
    from designer.cabinets import Cabinet
    from storage.database import Engine
    from widgets.canvas.cabinet_editing import EditableCabinetView

TRAIN = "placement model"
SCORE = "placement score"
FILL = "auto-fill"
BEST_SLOTS = 3


def snapshot(planogram: Planogram) -> Planogram:
    """A copy a worker may read while the user goes on editing the original."""
    return Planogram(planogram.device_id, planogram.cabinet_index, dict(planogram.slots))


class PlacementAssistant(QObject):
    ready = Signal()
    progress = Signal(int, str)
    heat_map_shown = Signal(object)  # the PlacementGrid on screen
    analysis_shown = Signal(object)  # the PlacementAnalysis in the panel
    failed = Signal(str)
    suggestion_decided = Signal(object)  # designer.suggestions.Decision: dropped on a best slot, or elsewhere

    def __init__(
        self, jobs: BackgroundJobs, panel: ScorePanel, model_folder: Path, parent: QObject | None = None
    ) -> None:
        """``model_folder`` keeps the fitted models (the application context's ``DataFolders.models``)."""
        super().__init__(parent)
        self.jobs = jobs
        self.panel = panel
        self.model_folder = model_folder
        self.scorer: PlacementScorer | None = None
        self._engine: Engine | None = None  # the database the model was trained on: "Why?" reads its period
        self._grid: PlacementGrid | None = None
        self._view: EditableCabinetView | None = None
        self._product_id: int | None = None
        self._position: Position | None = None
        # a fast drag crosses several slots between two frames: one analysis, of the last, per turn of the loop
        self._analysis_due = QTimer(self)
        self._analysis_due.setSingleShot(True)
        self._analysis_due.setInterval(0)
        self._analysis_due.timeout.connect(self._analyse_hovered)

    # --- the model ---------------------------------------------------------------------------

    def train(self, engine: Engine, database_url: str, catalogue: Catalogue, *, fresh: bool = False) -> None:
        """Load the saved model when the data has not changed, otherwise fit one; both in a worker.

        ``fresh`` (another database) drops the current model at once; otherwise it serves until replaced.
        """
        if fresh:
            self.scorer = None
        self._engine = engine
        if self.scorer is None:  # a retrain after a data change keeps scoring with the model it replaces
            self.panel.show_idle("Learning from the sales history… scores appear when it is done.")

        folder = self.model_folder

        def job(state: JobState) -> PlacementScorer:
            # pandas and scikit-learn load here, off the GUI thread (about a second on a cold start)
            with MODULE_LOADING:
                from ai.model_store import ModelStore, load_or_train_placement_model
                from ai.placement_scoring import PlacementScorer

            model = load_or_train_placement_model(
                engine, database_url, ModelStore(folder), progress=state.report_progress, should_stop=state.should_stop
            )
            scorer = PlacementScorer(model, catalogue)
            from ai.placement_explanation import explainer_for

            explainer_for(scorer, engine)  # its one query (the period of the sales) here, not under a hovered slot
            return scorer

        self.jobs.start(TRAIN, job, on_success=self._trained, on_failure=self._training_failed,
                        on_progress=self.progress.emit)  # fmt: skip

    def _trained(self, scorer: PlacementScorer) -> None:
        self.scorer = scorer
        self.panel.show_idle()
        self.ready.emit()

    def _training_failed(self, error: Exception) -> None:
        self.panel.show_idle(f"Placement scores are unavailable: {error}")
        self.failed.emit(str(error))

    # --- dragging ------------------------------------------------------------------------------

    def attach(self, view: EditableCabinetView) -> None:
        view.drag_product_entered.connect(lambda product_id: self.drag_started(view, product_id))
        view.drag_hovered.connect(lambda position: self.hovered(view, position))
        view.drag_finished.connect(lambda: self.drag_finished(view))
        view.selection_changed.connect(lambda positions: self.selected(view, positions))

    def drag_started(self, view: EditableCabinetView, product_id: int) -> None:
        """Show the dragged product's heat map in the frame the drag enters (scored here: see the module notes)."""
        self._view, self._grid, self._product_id = view, None, product_id
        scorer = self.scorer
        if scorer is None or product_id not in scorer.catalogue:
            return  # no model yet, or a product newer than it: the drag goes on without a heat map
        grid = scorer.placement_grid(view.editor.cabinet, view.editor.planogram, product_id)
        self._grid = grid
        view.heat_layer.show_scores(grid.scores, grid.best_positions(BEST_SLOTS))
        self.heat_map_shown.emit(grid)

    def hovered(self, view: EditableCabinetView, position: Position) -> None:
        self._position = position
        if self.scorer is not None and view is self._view:
            self._analysis_due.start()

    def _analyse_hovered(self) -> None:
        """Explain the slot under the cursor now, in a worker; an older explanation still running is dropped."""
        view, position, scorer = self._view, self._position, self.scorer
        if scorer is None or view is None or position is None:
            return
        cabinet, planogram = view.editor.cabinet, snapshot(view.editor.planogram)
        product_id = self._product_id
        if product_id is None or product_id not in scorer.catalogue:
            return
        name = scorer.catalogue[product_id].name

        def job(_state: JobState) -> tuple[PlacementAnalysis, dict | None]:
            return self._analyse(scorer, cabinet, planogram, product_id, position)

        def show(outcome: tuple[PlacementAnalysis, dict | None]) -> None:
            analysis, explanation = outcome
            self.panel.show_analysis(analysis, name, explanation)
            self.analysis_shown.emit(analysis)

        self.jobs.start(SCORE, job, on_success=show)

    def _analyse(
        self, scorer: PlacementScorer, cabinet: Cabinet, planogram: Planogram, product_id: int, position: Position
    ) -> tuple[PlacementAnalysis, dict | None]:
        """The slot's analysis and its explanation (in a worker; the explainer was built when the model was)."""
        from ai.placement_explanation import explainer_for
        from ai.placement_feedback import analyse_placement

        analysis = analyse_placement(scorer, cabinet, planogram, product_id, position)
        engine = self._engine
        explanation = None
        if engine is not None:
            explanation = explainer_for(scorer, engine).slot_json(cabinet, planogram, product_id, position)
        return analysis, explanation

    def selected(self, view: EditableCabinetView, positions: list[Position]) -> None:
        """The panel follows the selection: one filled slot shows its product's score there, anything else clears it
        (a score left from an earlier drag would describe a slot no longer looked at)."""
        if view is self._view:
            return  # a drag is under way: the hovered slot's score is the one to show
        self.jobs.abandon(SCORE)
        slot = view.editor.planogram.slot_at(positions[0]) if len(positions) == 1 else None
        scorer = self.scorer
        if slot is None or slot.product_id is None:
            empty = "" if slot is None else f"{slot.position.label} is empty. "
            self.panel.show_idle(empty + ScorePanel.IDLE)
            return
        if scorer is None or slot.product_id not in scorer.catalogue:
            self.panel.show_idle(f"{slot.position.label}: no score yet, the placement model is not ready.")
            return
        cabinet, planogram = view.editor.cabinet, snapshot(view.editor.planogram)
        product_id, position = slot.product_id, slot.position
        name = scorer.catalogue[product_id].name

        def job(_state: JobState) -> tuple[PlacementAnalysis, dict | None]:
            return self._analyse(scorer, cabinet, planogram, product_id, position)

        self.jobs.start(SCORE, job, on_success=lambda outcome: self.panel.show_analysis(outcome[0], name, outcome[1]))

    def drag_finished(self, view: EditableCabinetView) -> None:
        if view is self._view and self._grid is not None and self._product_id is not None and self._position:
            product, position, grid = self._product_id, self._position, self._grid
            before = view.editor.planogram.slot_at(position).product_id
            # the drop (if this was one) is applied right after the drag ends: judge it then
            QTimer.singleShot(0, self, lambda: self._judge_drop(view, grid, product, position, before))
        if view is self._view:
            self._analysis_due.stop()
            self.jobs.abandon(SCORE)
            self._view, self._grid, self._product_id = None, None, None

    def _judge_drop(
        self, view: EditableCabinetView, grid: PlacementGrid, product: int, position: Position, before: int | None
    ) -> None:
        """A product placed where the heat map pointed accepts the hint; placed elsewhere, it modifies it."""
        if before == product or view.editor.planogram.slot_at(position).product_id != product:
            return  # no drop, a refused drop, or nothing changed: no decision was made
        best = grid.best_positions(BEST_SLOTS)
        cabinet, sales = view.editor.cabinet, grid.expected_daily_sales
        details = {"best_slots": [p.label for p in best], "placed_at": position.label,
                   "best_units_per_day": round(float(sales[best[0].row, best[0].column]), 3)}  # fmt: skip
        # the prediction checked later is the model's for the slot actually used
        suggestion = Suggestion(SuggestionKind.PLACEMENT, cabinet.device_id, Measure.PRODUCT_UNITS,
                                float(sales[position.row, position.column]), cabinet_index=cabinet.index,
                                product_id=product, details=details)  # fmt: skip
        verdict = Verdict.ACCEPTED if position in best else Verdict.MODIFIED
        self.suggestion_decided.emit(Decision(suggestion, verdict, None if position in best else position.label))

    # --- auto-fill -----------------------------------------------------------------------------

    def propose_fill(self, view: EditableCabinetView, on_ready: object) -> bool:
        """Start a fill proposal for the view's empty slots; False when the model is not ready yet."""
        scorer = self.scorer
        if scorer is None:
            return False
        cabinet, planogram = view.editor.cabinet, snapshot(view.editor.planogram)

        def job(state: JobState) -> FillProposal:
            from ai.auto_fill import propose_fill

            return propose_fill(scorer, cabinet, planogram, should_stop=state.should_stop)

        self.jobs.start(FILL, job, on_success=on_ready)  # type: ignore[arg-type]
        return True
