"""The one way our menus make an action: its text, its shortcut, and what it runs.

``QAction.triggered`` passes a ``checked`` flag that the window's commands do not take; dropping it here keeps every
command a plain no-argument callable, whichever menu (or several) places it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def menu_action(
    parent: QObject, text: str, shortcut: str | QKeySequence.StandardKey, run: Callable[[], object]
) -> QAction:
    """An action owned by ``parent`` that calls ``run()`` when triggered; ``shortcut`` empty for none."""
    action = QAction(text, parent)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: run())
    return action
