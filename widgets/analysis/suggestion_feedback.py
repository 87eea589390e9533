"""The designer's side of suggestion feedback: decisions the widgets report are stored off the GUI thread.

The suggestion widgets only emit a :class:`designer.suggestions.Decision`; this records it (and scores old ones
after a database opens), so no widget touches the database and none waits for it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from designer.suggestions import Decision
from storage.database import Engine
from widgets.workers import BackgroundJobs, JobState

SCORE = "score suggestion outcomes"


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

    def record(self, decision: Decision) -> None:
        """Store one decision; each gets its own job so a quick second decision never drops the first."""
        from storage.feedback import record_feedback

        engine, user_id = self._engine(), self._user_id()

        def job(_state: JobState):  # type: ignore[no-untyped-def]
            return record_feedback(engine, decision.suggestion, decision.verdict, user_id=user_id, note=decision.note)

        self.jobs.start(f"feedback {next(self._numbers)}", job, on_success=self.recorded.emit,
                        on_failure=lambda error: self.failed.emit(f"Feedback not recorded: {error}"))  # fmt: skip

    def score_outcomes(self) -> None:
        """Fill in how earlier suggestions turned out, now that the sales may cover their horizon."""
        from storage.feedback import score_outcomes

        engine = self._engine()

        def failed(error: Exception) -> None:
            self.failed.emit(f"Suggestion outcomes not scored: {error}")

        self.jobs.start(SCORE, lambda _state: score_outcomes(engine), on_success=lambda _count: None, on_failure=failed)
