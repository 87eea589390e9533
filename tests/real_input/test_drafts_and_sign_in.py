"""Saving a draft and finding it after a restart; a manager who syncs with CVD stays signed in.

Driven with real keys (Ctrl+S, Ctrl+Q, F5) on the real app; outcomes are read from the database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.real_input.screen import Launch, State, current_cabinet, empty_slot, palette_row, path_over_the_margin, slot


def rows(database: Path, sql: str, *parameters: object) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(database) as connection:
        return connection.execute(sql, parameters).fetchall()


def test_ctrl_s_saves_a_draft_and_after_a_restart_that_draft_is_on_screen(
    launch: Launch, demo_copy: Path, tmp_path: Path
) -> None:
    arguments = ["--db", str(demo_copy), "--user", "maria.manager"]
    designer = launch(arguments)
    state = designer.state()
    target, product = empty_slot(current_cabinet(state)), palette_row(state, "ambient")
    designer.hands.drag(path_over_the_margin(tuple(product["centre"]), state, tuple(target["centre"])))
    designer.wait_until(lambda s: current_cabinet(s)["modified"], "the drop")

    designer.focus()
    designer.hands.key("ctrl+s")
    saved = designer.wait_until(lambda s: not current_cabinet(s)["modified"], "Ctrl+S to save a draft")
    designer.screenshot(tmp_path / "draft-saved.png")
    draft = current_cabinet(saved)["version"]
    stored = rows(demo_copy, "SELECT status, created_by IS NOT NULL FROM planograms "
                  "WHERE device_id = 1 AND cabinet_index = 0 AND version = ?", draft)  # fmt: skip
    assert stored == [("draft", 1)], "the draft is in the database, saved by the signed-in person"
    (active,) = rows(demo_copy, "SELECT version FROM planograms WHERE device_id = 1 AND cabinet_index = 0 "
                     "AND status = 'active'")  # fmt: skip
    assert designer.quit() == 0, "Ctrl+Q quits without asking: nothing is unsaved"

    again = launch(arguments)
    reopened: State = again.wait_until(lambda s: current_cabinet(s)["status"] == "draft", "the draft on screen")
    again.screenshot(tmp_path / "draft-after-restart.png")
    cabinet = current_cabinet(reopened)
    assert cabinet["version"] == draft and not cabinet["modified"]
    assert cabinet["text"].endswith(f"draft v{draft} — active is v{active[0]}")
    assert slot(cabinet, target["label"])["product_id"] == product["product_id"]
