"""No worker may outlive its test: a thread still running after its window closed can call into deleted widgets.

One check for every GUI test folder's ``no_leaked_threads`` fixture. A job's last instructions may still run just
after its result was delivered, so the pool gets a moment to finish; a job that is stuck, or ignores
``should_stop``, is still running after it, and fails the test.
"""

from __future__ import annotations

from PySide6.QtCore import QThreadPool


def assert_no_worker_left(wait_ms: int = 5_000) -> None:
    pool = QThreadPool.globalInstance()
    pool.waitForDone(wait_ms)
    assert pool.activeThreadCount() == 0, f"{pool.activeThreadCount()} worker thread(s) outlived the test"
