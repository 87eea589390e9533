"""A job the person waits for (an import): run in a worker behind a progress dialog with Cancel.

The window stays responsive and repaints; a quick job shows no dialog at all (it appears only after
:data:`SHOW_AFTER_MS`), a long one shows how far it got and stops promptly on Cancel.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from widgets.workers import BackgroundJobs, Job, JobCancelled

T = TypeVar("T")
SHOW_AFTER_MS = 400
_PURPOSE = "job with progress"


class Cancelled(Exception):
    """The person pressed Cancel; nothing the job did was kept."""


def run_with_progress(parent: QWidget | None, title: str, label: str, job: Job[T]) -> T:
    """``job(state)``'s result; :class:`Cancelled` when the person cancelled, the job's own error when it failed."""
    dialog = QProgressDialog(label, "Cancel", 0, 100, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    jobs = BackgroundJobs(dialog)
    loop = QEventLoop()
    outcome: list[tuple[bool, object]] = []

    def finish(succeeded: bool, value: object) -> None:
        outcome.append((succeeded, value))
        loop.quit()

    def progressed(percent: int, message: str) -> None:
        dialog.setValue(percent)
        if message:
            dialog.setLabelText(message)

    jobs.start(
        _PURPOSE,
        job,
        on_success=lambda value: finish(True, value),
        on_failure=lambda error: finish(False, error),
        on_progress=progressed,
    )
    cancelled: list[bool] = []

    def cancel() -> None:
        cancelled.append(True)
        jobs.cancel(_PURPOSE)

    dialog.canceled.connect(cancel)
    if not outcome:
        loop.exec()
    dialog.canceled.disconnect(cancel)  # closing a progress dialog emits canceled too
    jobs.shutdown()
    dialog.close()
    dialog.deleteLater()
    succeeded, value = outcome[0]
    if cancelled or isinstance(value, JobCancelled):  # Cancel wins even over a result that arrived just after it
        raise Cancelled(label) from None
    if succeeded:
        return value  # type: ignore[return-value]
    assert isinstance(value, Exception)
    raise value
