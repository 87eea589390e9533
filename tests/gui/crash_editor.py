"""Run by test_crash_recovery in a subprocess: open the designer, make edits, report them, then wait to be killed.

Usage: python crash_editor.py DATABASE_URL EXPECTED_JSON
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QTimer

from designer.editing import move_slot, place_product, set_slot_details
from designer.planograms import planogram_to_dict
from designer.positions import Position
from storage.app_context import AppContext
from widgets.app import application, open_main_window


def main() -> None:
    url, expected = sys.argv[1], Path(sys.argv[2])
    app = application()
    window = open_main_window(AppContext.create(database=url))

    def edit() -> None:
        editor = window.current_editor()
        if window.layout_on_screen is None or editor is None:
            QTimer.singleShot(20, edit)
            return
        for make in (
            lambda c, p: place_product(c, p, Position.parse("A5"), 7),
            lambda c, p: move_slot(c, p, Position.parse("A1"), Position.parse("C3")),
            lambda c, p: set_slot_details(c, p, Position.parse("B2"), quantity=1, capacity=9, par_level=7),
        ):
            assert editor.attempt(make) is None
        # Written after the edits: within the next second each edit reaches the journal, or recovery fails the test.
        temporary = expected.with_suffix(".tmp")
        temporary.write_text(json.dumps(planogram_to_dict(editor.planogram)))
        temporary.replace(expected)

    QTimer.singleShot(0, edit)
    app.exec()


if __name__ == "__main__":
    main()
