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

from storage.engine import normalise_url
from storage.schema import prepare_database
from widgets.app import application, open_main_window
from widgets.style import apply_style

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="SQLAlchemy URL or path of the database to show")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--device", type=int, default=1, help="device to select (default 1)")
    parser.add_argument("--tab", type=int, default=0, help="cabinet tab to show (default 0)")
    parser.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.lower().split("x"))
    url = normalise_url(args.database)

    app = application()
    apply_style(app)
    window = open_main_window(prepare_database(url), url)
    window.resize(width, height)
    wait_for(window.layout_shown, "the first device to load")
    if window.device_list.selected_device_id() != args.device:
        if not window.device_list.select_device(args.device):
            raise SystemExit(f"device {args.device} is not in {args.database}")
        wait_for(window.layout_shown, f"device {args.device} to load")
    window.cabinet_tabs.setCurrentIndex(args.tab)
    settle(app)
    saved = window.grab().save(args.out, "PNG")
    window.close()
    if not saved:
        raise SystemExit(f"could not write {args.out}")
    print(f"saved {args.out} ({width}×{height}, device {args.device}, tab {args.tab})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
