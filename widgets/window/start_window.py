"""The window a person sees while the designer opens: its frame, its layout and what is happening, at once.

Opening the database and loading the designer's modules take most of a second; a blank screen for that long
reads as "nothing happened", and a second click starts a second copy. This window imports only Qt's widgets,
so it paints a few tenths of a second after launch, at the size and place the designer will take; the designer
then opens over it at the same geometry and this window closes once the designer has painted.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

APP_TITLE = "Planogram Studio"
DEFAULT_SIZE = (1440, 900)
LIST_WIDTH = 320


class StartWindow(QMainWindow):
    """The designer's frame while it opens: a device-list pane, what is being opened and a busy bar.

    Closing it before the designer is ready means "don't open after all": :attr:`abandoned` tells the start.
    """

    def __init__(self, opening: str) -> None:
        super().__init__()
        self.abandoned = False
        self.setWindowTitle(APP_TITLE)
        devices = QFrame()
        devices.setObjectName("startDevices")
        devices.setFixedWidth(LIST_WIDTH)
        devices.setFrameShape(QFrame.Shape.StyledPanel)
        devices.setStyleSheet("#startDevices { background: white; }")  # as the device list will be
        device_layout = QVBoxLayout(devices)
        heading = QLabel("Devices")
        heading.setStyleSheet("font-weight: 600;")
        waiting = QLabel("Reading the fleet…")
        waiting.setEnabled(False)
        device_layout.addWidget(heading)
        device_layout.addWidget(waiting)
        device_layout.addStretch(1)

        self.message = QLabel(opening)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("font-size: 15px;")
        busy = QProgressBar()
        busy.setRange(0, 0)  # no figure to show: the designer is opening, not counting
        busy.setTextVisible(False)
        busy.setFixedWidth(280)
        busy.setAccessibleName(opening)
        centre = QVBoxLayout()
        centre.addStretch(1)
        centre.addWidget(self.message)
        centre.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        centre.addStretch(1)

        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(devices)
        layout.addLayout(centre, 1)
        self.setCentralWidget(body)
        self.statusBar().showMessage("Starting…")
        self.resize(*DEFAULT_SIZE)

    def hand_over(self, window: QMainWindow) -> None:
        """Give ``window`` this window's place and size (the person may have moved or maximised it)."""
        if self.isVisible():
            window.setGeometry(self.geometry())
            window.setWindowState(self.windowState())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.abandoned = True
        super().closeEvent(event)


def opening_text(demo: bool) -> str:
    """What the start window says is being opened (without parsing URLs, which needs SQLAlchemy)."""
    return "Opening the demo fleet…" if demo else "Opening the database…"
