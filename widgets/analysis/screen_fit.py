"""Analysis windows open at a comfortable size, but never larger than the screen they open on.

A 1366×768 or 1440×900 laptop is the merchandiser's usual screen: a window taller than it hides its own
buttons below the taskbar, where no one can reach them.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

WINDOW_FRAME = (16, 40)
"""Room the window manager's borders and title bar take around the window (width, height)."""


def available_area(window: QWidget) -> QRect:
    """Where the window may go: the free part (without taskbars) of its screen, or of the primary screen."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize ``window`` to ``width``×``height``, shrunk to fit its screen with its frame, and centre it there."""
    area = available_area(window)
    frame_width, frame_height = WINDOW_FRAME
    fitted_width = min(width, area.width() - frame_width)
    fitted_height = min(height, area.height() - frame_height)
    window.resize(fitted_width, fitted_height)
    left = area.left() + (area.width() - fitted_width - frame_width) // 2
    top = area.top() + (area.height() - fitted_height - frame_height) // 2
    window.move(QPoint(max(area.left(), left), max(area.top(), top)))
