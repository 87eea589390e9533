"""Running work off the GUI thread: the one bridge every background job goes through.

Modelled on Anki's ``Op`` (success and failure callbacks run on the GUI thread) and Orange's concurrent
mixin (a job is a plain function given a :class:`JobState` for progress and interruption; a newer request
for the same purpose makes the older one stale, and stale results are dropped unseen).

A small ``QRunnable`` rather than superqt's ``FunctionWorker``: that one has no progress channel for plain
functions, and its ``run`` swaps the process-wide warning filters from the worker thread
(``warnings.catch_warnings`` is not thread-safe), which fights the test suite's ``filterwarnings = error``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QRunnable, QThreadPool, Signal, Slot

T = TypeVar("T")
Job = Callable[["JobState"], T]
log = logging.getLogger(__name__)

MODULE_LOADING = threading.RLock()
"""Held by a worker while it imports a stack of packages (the model's pandas and scikit-learn, Claude's SDK and
pydantic). When two threads import interlinked packages at once, Python breaks the import deadlock by handing
one of them a half-initialised module ("partially initialized module 'pydantic…'", seen at start-up when the
model's training and Claude's warm-up began together), so the workers that load packages take turns."""

# Progress with an unchanged message is passed on at most this often, so a chatty job cannot flood the GUI.
_PROGRESS_INTERVAL = 0.05


class JobCancelled(Exception):
    """A job stopped because it was asked to, before it produced a result."""


class JobState:
    """What a running job sees: a way to report progress and to learn that it should stop. Thread-safe."""

    def __init__(self, report: Callable[[int, str], None]) -> None:
        self._stop = threading.Event()
        self._report = report
        self._lock = threading.Lock()
        self._last: tuple[int, str] | None = None
        self._last_time = 0.0

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        self._stop.set()

    def raise_if_stopped(self) -> None:
        """For jobs made of steps: call between steps to end promptly once stopping was requested."""
        if self._stop.is_set():
            raise JobCancelled("the job was stopped")

    def report_progress(self, percent: int, message: str = "") -> None:
        """Pass progress to the GUI thread; repeats and rapid-fire updates of one message are skipped."""
        if self._stop.is_set():
            return
        now = time.monotonic()
        with self._lock:
            last = self._last
            if last == (percent, message):
                return
            if last is not None and last[1] == message and now - self._last_time < _PROGRESS_INTERVAL:
                return
            self._last = (percent, message)
            self._last_time = now
        self._report(percent, message)


class _Relay(QObject):
    """Lives in the GUI thread; signals emitted from pool threads are therefore queued to it."""

    progressed = Signal(int, int, str)  # ticket, percent, message
    finished = Signal(int, bool, object)  # ticket, succeeded, result or exception


class _Runner(QRunnable):
    def __init__(self, ticket: int, job: Job[Any], state: JobState, relay: _Relay) -> None:
        super().__init__()
        self._ticket = ticket
        self._job = job
        self._state = state
        self._relay = relay

    def run(self) -> None:
        if self._state.should_stop():
            self._finish(False, JobCancelled("the job was stopped before it started"))
            return
        try:
            result = self._job(self._state)
        except Exception as error:
            self._finish(False, error)
        else:
            self._finish(True, result)

    def _finish(self, succeeded: bool, outcome: object) -> None:
        # RuntimeError: the owner (and its relay) was deleted while the job ran; nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            self._relay.finished.emit(self._ticket, succeeded, outcome)


@dataclass(slots=True)
class _Pending:
    purpose: str
    state: JobState
    on_success: Callable[[Any], None]
    on_failure: Callable[[Exception], None] | None
    on_progress: Callable[[int, str], None] | None


class BackgroundJobs(QObject):
    """Runs plain functions on a thread pool and calls back on the GUI thread.

    Each job has a *purpose* ("device layout", "open database"): starting a job asks the previous one of the
    same purpose to stop and drops whatever it returns, so the screen only ever shows the latest request.
    """

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._deliver_progress)
        self._relay.finished.connect(self._deliver_outcome)
        self._tickets = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._latest: dict[str, int] = {}
        self._closed = False

    def start(
        self,
        purpose: str,
        job: Job[T],
        *,
        on_success: Callable[[T], None],
        on_failure: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, str], None] | None = None,
    ) -> JobState:
        """Run ``job(state)`` in the pool; the callbacks run on the GUI thread unless a newer job supersedes it."""
        if self._closed:
            raise RuntimeError("background jobs were shut down; no new job can start")
        self.abandon(purpose)
        ticket = next(self._tickets)
        relay = self._relay

        def report(percent: int, message: str) -> None:
            with contextlib.suppress(RuntimeError):
                relay.progressed.emit(ticket, percent, message)

        state = JobState(report)
        self._pending[ticket] = _Pending(purpose, state, on_success, on_failure, on_progress)
        self._latest[purpose] = ticket
        self._pool.start(_Runner(ticket, job, state, relay))
        return state

    @property
    def closed(self) -> bool:
        """True after :meth:`shutdown`: the owner is going away and takes no more work."""
        return self._closed

    def is_busy(self, purpose: str) -> bool:
        return purpose in self._latest

    def cancel(self, purpose: str) -> None:
        """Ask the current job of ``purpose`` to stop; its outcome (often :class:`JobCancelled`) still arrives."""
        ticket = self._latest.get(purpose)
        if ticket is not None:
            self._pending[ticket].state.request_stop()

    def abandon(self, purpose: str) -> None:
        """Ask the current job of ``purpose`` to stop and drop its outcome unseen."""
        ticket = self._latest.pop(purpose, None)
        if ticket is not None:
            self._pending.pop(ticket).state.request_stop()

    def shutdown(self, msecs: int = -1) -> bool:
        """Stop every job, drop every outcome and wait for the threads, so nothing calls into a closing window."""
        self._closed = True
        for purpose in list(self._latest):
            self.abandon(purpose)
        return self._pool.waitForDone(msecs)

    @Slot(int, int, str)
    def _deliver_progress(self, ticket: int, percent: int, message: str) -> None:
        pending = self._pending.get(ticket)
        if pending is not None and pending.on_progress is not None:
            pending.on_progress(percent, message)

    @Slot(int, bool, object)
    def _deliver_outcome(self, ticket: int, succeeded: bool, outcome: object) -> None:
        pending = self._pending.pop(ticket, None)
        if pending is None:
            return  # stale: superseded or abandoned
        if self._latest.get(pending.purpose) == ticket:
            del self._latest[pending.purpose]
        if succeeded:
            pending.on_success(outcome)
        elif pending.on_failure is not None:
            assert isinstance(outcome, Exception)
            pending.on_failure(outcome)
        else:
            log.error("background job %r failed", pending.purpose, exc_info=outcome)  # type: ignore[arg-type]


def run_while_responsive(job: Job[T], *, purpose: str = "run while responsive") -> T:
    """Run ``job`` in the pool and wait for it while the GUI thread goes on handling events.

    For steps that must finish before any window exists (opening the database at start): the app stays
    responsive to the desktop, and the job's exception, if any, is raised here.
    """
    loop = QEventLoop()
    outcome: list[tuple[bool, object]] = []

    def finish(succeeded: bool, value: object) -> None:
        outcome.append((succeeded, value))
        loop.quit()

    jobs = BackgroundJobs()
    jobs.start(
        purpose,
        job,
        on_success=lambda value: finish(True, value),
        on_failure=lambda error: finish(False, error),
    )
    if not outcome:
        loop.exec()
    jobs.shutdown()
    jobs.deleteLater()
    succeeded, value = outcome[0]
    if not succeeded:
        assert isinstance(value, Exception)
        raise value
    return value  # type: ignore[return-value]
