"""Work that waits for a paint: what a person is waiting to see goes first, the rest follows on the next turn.

A worker started before a window's first paint competes with it for the interpreter (and its imports of
numpy, pandas or the models hold it for long stretches); started after it, it delays nothing anyone sees.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _AfterPaint(QObject):
    """Calls ``then`` once, on the turn of the event loop after ``widget``'s next paint (or after ``fallback_ms``)."""

    def __init__(self, widget: QWidget, then: Callable[[], None], fallback_ms: int | None) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then: Callable[[], None] | None = then
        widget.installEventFilter(self)
        if fallback_ms is not None:
            QTimer.singleShot(fallback_ms, self, self._call)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self, self._call)  # the next turn: the paint has been flushed to the screen
        return False

    def _call(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            self._widget.removeEventFilter(self)
            then()
            self.deleteLater()


def after_next_paint(widget: QWidget, then: Callable[[], None], *, fallback_ms: int | None = 1_000) -> None:
    """Call ``then`` once ``widget`` has painted (from now on) and the paint is on screen.

    A widget that is not visible is never painted, so ``then`` runs on the next turn of the event loop; a
    visible one that is never exposed (a covered window, a minimised one) runs it after ``fallback_ms``, unless
    that is None (measuring when the paint happened, not doing work after it).
    """
    if not widget.isVisible() and fallback_ms is not None:
        QTimer.singleShot(0, widget, then)
        return
    _AfterPaint(widget, then, fallback_ms)
