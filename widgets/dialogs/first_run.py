"""First run: build the demo fleet behind a progress dialog the user can cancel.

The simulator runs in a worker and reports "Simulating device 3 of 12"; Cancel asks it to stop, and it
promises to leave no file behind, so the app can say plainly that nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QPaintEvent
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

from widgets.workers import BackgroundJobs, JobCancelled, JobState

TITLE = "Building the demo fleet…"
BUILD_DEMO_FLEET = "build demo fleet"
START_UNPAINTED_AFTER_MS = 1_000
"""The build starts once the dialog has painted, or after this long if the platform never paints it."""


def build_demo_fleet(database_url: str, **options: object) -> object:
    """The simulator, imported only when a demo fleet is really built (it is large and rarely needed)."""
    from storage.simulator import build_demo_fleet as build

    return build(database_url, **options)


class FirstRunOutcome(StrEnum):
    BUILT = "built"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FirstRunResult:
    outcome: FirstRunOutcome
    message: str = ""


class DemoFleetDialog(QProgressDialog):
    """A modal progress dialog around the simulator; Cancel stops the build instead of hiding the dialog."""

    def __init__(
        self,
        database_url: str,
        *,
        build: Callable[..., object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database_url = database_url
        self._build = build
        self.result_: FirstRunResult | None = None
        self._stopping = False
        self._build_started = False
        self.jobs = BackgroundJobs(self)
        self.setWindowTitle("Planogram Studio")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setLabelText(f"{TITLE}\nPreparing the simulation")
        self.setRange(0, 100)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(420)
        self.cancel_button = QPushButton("Cancel")
        self.setCancelButton(self.cancel_button)
        # QProgressDialog hides itself on Cancel; we keep it up until the simulator has really stopped.
        self.canceled.disconnect(self.cancel)
        self.canceled.connect(self.request_stop)

    def start(self) -> None:
        """Show the dialog without blocking and start the build once it is on screen (tests and embedding use this).

        The build's worker imports the simulator (numpy, SQLAlchemy's ORM) and computes, holding the interpreter
        for long stretches; started before the dialog's first paint, it kept the screen blank for seconds.
        """
        self.setValue(0)
        self.open()
        QTimer.singleShot(START_UNPAINTED_AFTER_MS, self, self._start_build)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._build_started:
            QTimer.singleShot(0, self, self._start_build)  # the next turn of the event loop: the paint is on screen

    def _start_build(self) -> None:
        if self._build_started or self._stopping or self.result_ is not None:
            return
        self._build_started = True
        build = self._build or build_demo_fleet
        url = self.database_url

        def job(state: JobState) -> object:
            return build(url, progress=state.report_progress, should_stop=state.should_stop)

        self.jobs.start(
            BUILD_DEMO_FLEET, job, on_success=self._built, on_failure=self._failed, on_progress=self._progressed
        )

    def run(self) -> FirstRunResult:
        """Build the fleet while the dialog is up; returns once the build finished, failed or was cancelled."""
        self.start()
        self.exec()
        assert self.result_ is not None
        return self.result_

    def request_stop(self) -> None:
        if self._stopping or self.result_ is not None:
            return
        self._stopping = True
        self.cancel_button.setEnabled(False)
        self.setLabelText(f"{TITLE}\nStopping — nothing will be written")
        if self._build_started:
            self.jobs.cancel(BUILD_DEMO_FLEET)
        else:  # cancelled before the build began: there is nothing to wait for
            QTimer.singleShot(0, self, lambda: self._failed(JobCancelled()))

    def reject(self) -> None:
        """Escape means Cancel; the dialog closes when the build has stopped."""
        self.request_stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.result_ is None:
            event.ignore()
            self.request_stop()
        else:
            super().closeEvent(event)

    def done(self, result: int) -> None:
        """Closing ends the dialog's only job; wait for its thread so none outlives the dialog."""
        super().done(result)
        self.jobs.shutdown()

    def _progressed(self, percent: int, message: str) -> None:
        if not self._stopping:
            self.setValue(max(0, min(100, percent)))
            self.setLabelText(f"{TITLE}\n{message}" if message else TITLE)

    def _built(self, _summary: object) -> None:
        self.result_ = FirstRunResult(FirstRunOutcome.BUILT)
        self.setValue(100)
        self.done(QProgressDialog.DialogCode.Accepted)

    def _failed(self, error: Exception) -> None:
        if self._stopping:
            self.result_ = FirstRunResult(
                FirstRunOutcome.CANCELLED,
                "The demo fleet was not built and nothing was written. "
                "Start Planogram Studio again to build it, or open an existing database.",
            )
        else:
            self.result_ = FirstRunResult(FirstRunOutcome.FAILED, f"The demo fleet could not be built: {error}")
        self.done(QProgressDialog.DialogCode.Rejected)
