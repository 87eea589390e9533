"""Save a picture of the main window, as the user would see it, for reviews and the README.

Usage: ``python tests/gui/capture_screenshot.py DATABASE_URL OUT.png [--device 1] [--tab 0] [--size 1280x800]``.
Runs offscreen; opens the window on the database, selects the device, waits for its cabinets and grabs it.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

from storage.app_context import AppContext
from storage.engine import normalise_url
from widgets.app import application, open_main_window
from widgets.style import apply_style
from widgets.window.main_window import MainWindow

TIMEOUT_MS = 30_000


def wait_for(signal: SignalInstance, what: str) -> None:
    """Run the event loop until ``signal`` fires; give up loudly after a while."""
    loop = QEventLoop()
    fired: list[bool] = []
    signal.connect(lambda *_: (fired.append(True), loop.quit()))
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    loop.exec()
    if not fired:
        raise SystemExit(f"timed out waiting for {what}")


def settle(app: QApplication, msecs: int = 200) -> None:
    """Let layouts, fits and repaints finish before grabbing."""
    loop = QEventLoop()
    QTimer.singleShot(msecs, loop.quit)
    loop.exec()
    app.processEvents()


def show_editing(window: MainWindow) -> None:
    """A merchandiser mid-session: a product placed, two slots swapped, one slot inspected, a drop refused."""
    from designer.cabinets import zone_accepts
    from designer.positions import Position
    from widgets.canvas.cabinet_editing import EditableCabinetView
    from widgets.canvas.cabinet_view import DropHint

    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    cabinet = view.editor.cabinet
    catalogue = view.editor.context.catalogue
    fits = [p for p in catalogue.values() if zone_accepts(cabinet.zone, p.temperature_requirement)]
    misfit = next(p for p in catalogue.values() if not zone_accepts(cabinet.zone, p.temperature_requirement))
    empty = [item.position for item in view.slot_items() if item.is_empty]
    placed = view.editor.planogram.product_ids()
    if empty:
        view.drop_product(empty[0], next(p.id for p in fits if p.id not in placed))
    view.drop_slot(Position(0, 0), Position(1, 1))
    refused = view.slot_item(Position(cabinet.rows - 1, 0))
    if refused is not None and view.drop_product(refused.position, misfit.id):
        refused.set_drop_hint(DropHint.REFUSE)
        window.statusBar().showMessage(f"Not changed: {view.last_refusal}")
    view.select([Position(1, 1)])
    window.palette.search.setText(fits[0].category[:4])
    window.history_dock.raise_()


def show_heat_map(window: MainWindow) -> None:
    """Mid-drag: the palette's best seller hovering over B2, the heat map and the score panel filled in."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent

    from designer.cabinets import zone_accepts
    from designer.positions import Position
    from widgets.canvas.cabinet_editing import EditableCabinetView
    from widgets.canvas.mime import product_mime

    if window.assistant.scorer is None:
        wait_for(window.assistant.ready, "the placement model")
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    cabinet = view.editor.cabinet
    placed = view.editor.planogram.product_ids()
    product = next(
        p for p in window.catalogue.values()
        if zone_accepts(cabinet.zone, p.temperature_requirement) and p.id not in placed
    )  # fmt: skip
    mime = product_mime(product.id, product.name)
    point = view.mapFromScene(view.slot_item(Position(1, 1)).sceneBoundingRect().center())  # type: ignore[union-attr]
    actions, buttons, none = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(point, actions, mime, buttons, none))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(point, actions, mime, buttons, none))
    wait_for(window.assistant.analysis_shown, "the placement score")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="SQLAlchemy URL or path of the database to show")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--device", type=int, default=1, help="device to select (default 1)")
    parser.add_argument("--tab", type=int, default=0, help="cabinet tab to show (default 0)")
    parser.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--edits", action="store_true", help="make a few edits first: place, swap, select, refuse")
    parser.add_argument("--heat-map", action="store_true", help="hover a product over B2 as if dragging it")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.lower().split("x"))
    url = normalise_url(args.database)

    app = application()
    apply_style(app)
    window = open_main_window(AppContext.create(database=url))
    window.resize(width, height)
    wait_for(window.layout_shown, "the first device to load")
    if window.device_list.selected_device_id() != args.device:
        if not window.device_list.select_device(args.device):
            raise SystemExit(f"device {args.device} is not in {args.database}")
        wait_for(window.layout_shown, f"device {args.device} to load")
    window.cabinet_tabs.setCurrentIndex(args.tab)
    settle(app)
    if args.edits:
        show_editing(window)
        settle(app)
    if args.heat_map:
        show_heat_map(window)
        settle(app, 400)
    saved = window.grab().save(args.out, "PNG")
    window.session.discard_all()  # a picture, not a session: leave no unsaved edits or journal behind
    window.close()
    if not saved:
        raise SystemExit(f"could not write {args.out}")
    print(f"saved {args.out} ({width}×{height}, device {args.device}, tab {args.tab})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
