"""The worker bridge: results come back on the GUI thread, the latest request wins, nothing outlives shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread, QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from widgets.workers import BackgroundJobs, JobCancelled, JobState, run_while_responsive


@pytest.fixture
def jobs() -> Iterator[BackgroundJobs]:
    jobs = BackgroundJobs()
    yield jobs
    jobs.shutdown()


def test_a_result_arrives_on_the_gui_thread(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    threads: list[QThread] = []
    results: list[int] = []

    def job(_state: JobState) -> int:
        threads.append(QThread.currentThread())
        return 42

    def success(result: int) -> None:
        threads.append(QThread.currentThread())
        results.append(result)

    jobs.start("answer", job, on_success=success)
    qtbot.waitUntil(lambda: results == [42], timeout=5_000)
    gui_thread = QApplication.instance().thread()  # type: ignore[union-attr]
    assert threads[0] is not gui_thread
    assert threads[1] is gui_thread


def test_a_failure_arrives_with_its_exception(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    errors: list[Exception] = []

    def job(_state: JobState) -> None:
        raise LookupError("device 99 is not in this database")

    jobs.start("fail", job, on_success=lambda _r: pytest.fail("no result expected"), on_failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert isinstance(errors[0], LookupError)
    assert "device 99" in str(errors[0])
    assert not jobs.is_busy("fail")


def test_progress_reaches_the_gui_thread_in_order(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    progress: list[tuple[int, str]] = []
    done: list[bool] = []

    def job(state: JobState) -> None:
        for device in range(1, 4):
            state.report_progress(device * 25, f"Simulating device {device} of 3")

    jobs.start("build", job, on_success=lambda _r: done.append(True), on_progress=lambda p, m: progress.append((p, m)))
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert progress == [
        (25, "Simulating device 1 of 3"),
        (50, "Simulating device 2 of 3"),
        (75, "Simulating device 3 of 3"),
    ]


def test_the_worker_drops_stale_results(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    release = threading.Event()
    old_state: list[JobState] = []
    shown: list[str] = []

    def old(state: JobState) -> str:
        old_state.append(state)
        release.wait(5)
        return "device 2"

    def new(_state: JobState) -> str:
        return "device 3"

    jobs.start("layout", old, on_success=shown.append)
    qtbot.waitUntil(lambda: bool(old_state), timeout=5_000)
    jobs.start("layout", new, on_success=shown.append)
    assert old_state[0].should_stop()  # the superseded job is asked to stop
    release.set()
    qtbot.waitUntil(lambda: shown == ["device 3"], timeout=5_000)
    QThreadPool.globalInstance().waitForDone(5_000)
    qtbot.wait(50)
    assert shown == ["device 3"]


def test_jobs_of_different_purposes_do_not_cancel_each_other(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    shown: list[str] = []
    jobs.start("fleet", lambda _s: "fleet", on_success=shown.append)
    jobs.start("layout", lambda _s: "layout", on_success=shown.append)
    qtbot.waitUntil(lambda: sorted(shown) == ["fleet", "layout"], timeout=5_000)
    assert sorted(shown) == ["fleet", "layout"]


def test_cancelling_stops_a_cooperative_job_and_reports_it(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    started = threading.Event()
    errors: list[Exception] = []

    def job(state: JobState) -> None:
        started.set()
        while True:
            state.raise_if_stopped()
            time.sleep(0.001)

    jobs.start("build", job, on_success=lambda _r: pytest.fail("no result expected"), on_failure=errors.append)
    assert started.wait(5)
    jobs.cancel("build")
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert isinstance(errors[0], JobCancelled)


def test_shutdown_waits_for_running_jobs_and_drops_their_results(qtbot: QtBot) -> None:
    jobs = BackgroundJobs()
    started = threading.Event()

    def job(state: JobState) -> str:
        started.set()
        while not state.should_stop():
            time.sleep(0.001)
        return "too late"

    jobs.start("slow", job, on_success=lambda _r: pytest.fail("a result after shutdown"))
    assert started.wait(5)
    assert jobs.shutdown(5_000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    qtbot.wait(50)
    assert jobs.closed
    with pytest.raises(RuntimeError):
        jobs.start("late", lambda _s: None, on_success=lambda _r: None)


def test_repeated_progress_is_not_flooding_the_gui(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    progress: list[tuple[int, str]] = []
    done: list[bool] = []

    def job(state: JobState) -> None:
        for _ in range(10_000):
            state.report_progress(10, "Simulating device 1 of 12")

    jobs.start("build", job, on_success=lambda _r: done.append(True), on_progress=lambda p, m: progress.append((p, m)))
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert progress == [(10, "Simulating device 1 of 12")]


def test_waiting_for_a_job_keeps_the_gui_thread_serving_events(qtbot: QtBot) -> None:
    def refuse(_state: JobState) -> None:
        raise ValueError("not a database")

    assert run_while_responsive(lambda _state: 7) == 7
    with pytest.raises(ValueError, match="not a database"):
        run_while_responsive(refuse)
