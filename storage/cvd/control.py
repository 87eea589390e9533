"""Progress and cancel for a sync run: the same plain callables from the command line and from a GUI worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class SyncCancelled(Exception):
    """The user stopped the sync; every batch already written is committed on both sides, nothing half-done."""


class SyncProblem(RuntimeError):
    """A sync that cannot go on; the message names the problem and what to do."""


def _silent(_percent: int, _message: str) -> None:
    return None


def _never() -> bool:
    return False


@dataclass(slots=True)
class SyncControl:
    progress: Callable[[int, str], None] = field(default=_silent)
    should_stop: Callable[[], bool] = field(default=_never)
    user_id: int | None = None  # who runs the sync (working-copy user id), named in the audit rows

    def step(self, percent: int, message: str) -> None:
        """Report progress; between batches, so stopping here leaves only whole batches behind."""
        if self.should_stop():
            raise SyncCancelled(f"sync stopped by the user at {percent}% ({message}); run it again to finish")
        self.progress(max(0, min(100, percent)), message)
