"""The status bar's sync indicator: what the sync is doing, how far it is, and a Cancel button; then its result.

The result stays for :data:`RESULT_SHOWN_MS` in a place of its own (:class:`SyncResult`): the status bar's
passing messages (the fleet read again, the device loaded) come right after a sync and would cover it at once.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

RESULT_SHOWN_MS = 15_000  # long enough to read after looking back at the window; File → Sync log keeps them all


class SyncProgress(QWidget):
    """Hidden while idle; during a sync it shows the step, a progress bar and Cancel."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(140)
        self.bar.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the sync after the current batch; everything already synced stays")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def started(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.show()

    def progressed(self, percent: int, message: str) -> None:
        self.bar.setValue(percent)
        if message:
            self.label.setText(message)

    def finished(self) -> None:
        self.hide()

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Stopping after this batch…")
        self.cancel_requested.emit()


class SyncResult(QLabel):
    """The last sync's result, beside the status bar's other permanent parts; hidden again after a while."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncResult")
        self.setToolTip("File → Sync log… lists every sync")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_result)
        self.hide()

    def show_result(self, text: str) -> None:
        self.setText(text)
        self.show()
        self._timer.start(RESULT_SHOWN_MS)

    def clear_result(self) -> None:
        self._timer.stop()
        self.clear()
        self.hide()
