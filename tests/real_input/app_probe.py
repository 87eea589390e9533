"""Run the real designer (``main.py``, unchanged) and let the tests read where things are and what they say.

Why a wrapper and not a hook in the app: the real-input tests press and move a real X mouse, so they must know
where a palette row or a slot is on the screen; only the running window knows. This module wraps
``MainWindow.__init__`` to start a timer that writes, every 200 ms, a JSON file (``PLANOGRAM_GEOMETRY_FILE``)
with widget geometries in global screen coordinates and what the window shows (status bar, tab texts, banner,
tooltip). Nothing in the product changes: ``main.main`` runs with the command line it was given.

    python -m tests.real_input.app_probe --db FILE --user NAME
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QWidget

    from widgets.window.main_window import MainWindow

GEOMETRY_FILE = "PLANOGRAM_GEOMETRY_FILE"
INTERVAL_MS = 200


def _centre(widget: QWidget, rect: QRect) -> list[int]:
    point = widget.mapToGlobal(rect.center())
    return [point.x(), point.y()]


def _global_rect(widget: QWidget) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def _palette(window: MainWindow) -> list[dict[str, Any]]:
    """The palette rows a person can see: product id, name, temperature and the centre of the name cell."""
    from widgets.panels.palette import PRODUCT_ROLE

    palette = window.palette
    table, proxy = palette.table, palette.proxy
    viewport = table.viewport()
    rows = []
    for row in range(proxy.rowCount()):
        index = proxy.index(row, 0)
        rect = table.visualRect(index)
        if rect.isEmpty() or not viewport.rect().contains(rect.center()):
            continue
        product = window.catalogue.get(index.data(PRODUCT_ROLE))
        rows.append({
            "product_id": product.id,
            "name": product.name,
            "temperature": product.temperature_requirement.value,
            "centre": _centre(viewport, rect),
        })  # fmt: skip
    return rows


def _cabinets(window: MainWindow) -> list[dict[str, Any]]:
    """Per cabinet tab: its tab's centre, and for the tab on screen its viewport and every slot's centre."""
    from widgets.canvas.cabinet_editing import EditableCabinetView

    tabs = window.cabinet_tabs
    bar = tabs.tabBar()
    cabinets = []
    for index in range(tabs.count()):
        view = tabs.widget(index)
        if not isinstance(view, EditableCabinetView):
            continue
        editor = view.editor
        entry: dict[str, Any] = {
            "tab": index,
            "text": tabs.tabText(index),
            "tooltip": tabs.tabToolTip(index),
            "tab_centre": _centre(bar, bar.tabRect(index)),
            "zone": editor.cabinet.zone.value,
            "version": editor.planogram.version,
            "status": editor.planogram.status.value,
            "modified": editor.is_modified,
            "current": index == tabs.currentIndex(),
            "last_refusal": view.last_refusal,
            "slots": [],
        }
        if index == tabs.currentIndex() and view.isVisible():
            viewport = view.viewport()
            entry["viewport"] = _global_rect(viewport)
            for item in view.slot_items():
                on_screen = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
                entry["slots"].append({
                    "label": item.position.label,
                    "product_id": editor.planogram.slot_at(item.position).product_id,
                    "centre": _centre(viewport, on_screen),
                })  # fmt: skip
        cabinets.append(entry)
    return cabinets


def _windows(window: MainWindow) -> list[dict[str, Any]]:
    """Every other top-level window on screen (dialogs, the comparison): title, class, geometry, active or not.

    For the Export dialog also what it offers: the path it will write, its status line, whether Export can be
    pressed yet (it reads the fleet first).
    """
    from PySide6.QtWidgets import QApplication

    shown = []
    for widget in QApplication.topLevelWidgets():
        if widget is window or not widget.isVisible() or not widget.windowTitle():
            continue
        frame = widget.frameGeometry()
        entry: dict[str, Any] = {
            "title": widget.windowTitle(),
            "class": type(widget).__name__,
            "geometry": [frame.x(), frame.y(), frame.width(), frame.height()],
            "active": widget.isActiveWindow(),
        }
        if type(widget).__name__ == "ExportDialog":
            entry["export"] = {
                "what": widget.what.currentText(),  # type: ignore[attr-defined]
                "version": widget.active_version.text(),  # type: ignore[attr-defined]
                "path": widget.path.text(),  # type: ignore[attr-defined]
                "status": widget.status.text(),  # type: ignore[attr-defined]
                "export_enabled": widget.export_button.isEnabled(),  # type: ignore[attr-defined]
            }
        shown.append(entry)
    return shown


def snapshot(window: MainWindow) -> dict[str, Any]:
    """What the tests may ask the running window: geometry and the words on screen."""
    from PySide6.QtWidgets import QApplication, QToolTip

    modal = QApplication.activeModalWidget()
    sync = getattr(window, "sync", None)
    result_label = getattr(sync, "result", None)
    screen = window.screen().geometry()  # the sync's result, kept in the status bar for a while
    return {
        "pid": os.getpid(),
        "title": window.shown_title(),
        "x_window": int(window.winId()),  # the designer's own X window: a start window with its title comes first
        "window": _global_rect(window),
        "status": window.statusBar().currentMessage(),
        "sync_result": result_label.text() if result_label is not None and result_label.isVisible() else "",
        "user": window.roles.label.text(),
        "banner": window.roles.banner.text() if window.roles.banner.isVisible() else "",
        "device": window.header.title.text(),
        "tooltip": QToolTip.text() if QToolTip.isVisible() else "",
        "modal": modal.windowTitle() if modal is not None else "",
        "active": window.isActiveWindow(),
        "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
        "windows": _windows(window),
        "palette": _palette(window),
        "cabinets": _cabinets(window),
        "recovery_folder": str(window.session.journal.folder),
        "database_url": window.database_url,
    }


def _write(window: MainWindow, path: Path) -> None:
    try:
        body = json.dumps(snapshot(window))
    except RuntimeError:  # the window is being deleted as the app quits
        return
    temporary = path.with_suffix(".tmp")
    temporary.write_text(body, encoding="utf-8")
    os.replace(temporary, path)


def install(path: Path) -> None:
    """Every main window the run opens writes its snapshot to ``path`` while it lives."""
    from PySide6.QtCore import QTimer

    from widgets.window import main_window

    original = main_window.MainWindow.__init__

    def init(self: MainWindow, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        timer = QTimer(self)
        timer.setInterval(INTERVAL_MS)
        timer.timeout.connect(lambda: _write(self, path))
        timer.start()

    main_window.MainWindow.__init__ = init  # type: ignore[method-assign]


def run(argv: list[str]) -> int:
    import main

    target = os.environ.get(GEOMETRY_FILE)
    if target:
        install(Path(target))
    return main.main(argv)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
