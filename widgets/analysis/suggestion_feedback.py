"""The designer's side of suggestion feedback: decisions the widgets report are stored off the GUI thread.

The suggestion widgets only emit a :class:`designer.suggestions.Decision`; this records it (and scores old ones
after a database opens), so no widget touches the database and none waits for it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from designer.suggestions import Decision, Verdict
from storage.database import Engine
from widgets.workers import BackgroundJobs, JobState

if TYPE_CHECKING:
    from storage.feedback import Recorded
    from widgets.editing.undo import DeviceUndo

SCORE = "score suggestion outcomes"
UNDONE_NOTE = "opened, then undone before it was kept"


class SuggestionFeedback(QObject):
    recorded = Signal(object)  # storage.feedback.Recorded
    failed = Signal(str)

    def __init__(
        self, engine: Callable[[], Engine], user_id: Callable[[], int | None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._user_id = user_id
        self.jobs = BackgroundJobs(self)
        self._numbers = itertools.count(1)

    def record(self, decision: Decision, on_recorded: Callable[[Recorded], None] | None = None) -> None:
        """Store one decision; each gets its own job so a quick second decision never drops the first."""
        from storage.feedback import record_feedback

        engine, user_id = self._engine(), self._user_id()

        def job(_state: JobState):  # type: ignore[no-untyped-def]
            return record_feedback(engine, decision.suggestion, decision.verdict, user_id=user_id, note=decision.note)

        def done(recorded: Recorded) -> None:
            if on_recorded is not None:
                on_recorded(recorded)
            self.recorded.emit(recorded)

        self.jobs.start(f"feedback {next(self._numbers)}", job, on_success=done,
                        on_failure=lambda error: self.failed.emit(f"Feedback not recorded: {error}"))  # fmt: skip

    def record_undoable(self, decision: Decision, device: DeviceUndo, steps_with_it: int) -> None:
        """Store an accepted suggestion that was applied as the device's undo step number ``steps_with_it``, and
        keep its verdict true to the designer: undone, it is recorded as rejected; redone, as accepted again."""
        kept = [True]
        steps = device.stack.history()[:steps_with_it]  # an undone step replaced by a new edit is gone for good

        def follow(recorded: Recorded) -> None:
            def check() -> None:
                applied = device.stack.index >= steps_with_it and device.stack.history()[:steps_with_it] == steps
                if applied != kept[0]:
                    kept[0] = applied
                    self._revise(recorded.feedback_id, decision.verdict if applied else Verdict.REJECTED,
                                 decision.note if applied else UNDONE_NOTE)  # fmt: skip

            device.changed.connect(check)
            check()  # undone already, while the decision was being stored

        self.record(decision, on_recorded=follow)

    def _revise(self, feedback_id: int, verdict: Verdict, note: str | None) -> None:
        from storage.feedback import revise_feedback

        engine = self._engine()

        def job(_state: JobState) -> int:
            revise_feedback(engine, feedback_id, verdict, note=note)
            return feedback_id

        self.jobs.start(f"feedback {next(self._numbers)}", job, on_success=lambda _id: None,
                        on_failure=lambda error: self.failed.emit(f"Feedback not updated: {error}"))  # fmt: skip

    def score_outcomes(self) -> None:
        """Fill in how earlier suggestions turned out, now that the sales may cover their horizon."""
        from storage.feedback import score_outcomes

        engine = self._engine()

        def failed(error: Exception) -> None:
            self.failed.emit(f"Suggestion outcomes not scored: {error}")

        self.jobs.start(SCORE, lambda _state: score_outcomes(engine), on_success=lambda _count: None, on_failure=failed)
