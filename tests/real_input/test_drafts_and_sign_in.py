"""Saving a draft and finding it after a restart; a manager who signs in with their CVD password stays signed in
through a sync.

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


def sign_ins(database: Path, username: str) -> int:
    (count,) = rows(database, "SELECT count(*) FROM audit_log JOIN users ON users.id = audit_log.user_id "
                    "WHERE audit_log.action = 'user.sign_in' AND users.username = ?", username)[0]  # fmt: skip
    return int(count)


def pulls(database: Path) -> int:
    return int(rows(database, "SELECT count(*) FROM audit_log WHERE action = 'sync.pull'")[0][0])


def test_a_manager_signed_in_stays_signed_in_after_f5(launch: Launch, cvd_database: Path, tmp_path: Path) -> None:
    cvd = tmp_path / "cvd.sqlite"
    cvd.write_bytes(cvd_database.read_bytes())
    designer = launch(["--cvd", str(cvd), "--user", "night.clerk"], until="a window")  # not a CVD user
    # the first pull brings CVD's password hashes: the copy is now protected, and the designer asks who signs in
    designer.wait_until(lambda s: s["modal"] == "Sign in", "the password dialog once the pull protected the copy")
    dialog = designer.hands.xdotool("search", "--sync", "--onlyvisible", "--name", "^Sign in$").split()[0]
    designer.hands.xdotool("windowfocus", "--sync", dialog)
    designer.hands.key("shift+Tab")  # from the password field to the user field, which holds night.clerk
    designer.hands.key("ctrl+a")
    designer.hands.xdotool("type", "--delay", "60", "manager2")
    designer.hands.key("Tab")
    designer.hands.xdotool("type", "--delay", "60", "manager2-password")
    designer.hands.key("Return")
    state = designer.wait_until(lambda s: s["user"].startswith("Signed in: manager2 (manager"), "manager2 signed in")
    designer.wait_for_window()  # the window, its device on screen, takes the keyboard from here on
    working = Path(state["database_url"].removeprefix("sqlite:///"))
    assert state["banner"] == ""
    clerk_sign_ins, pulled = sign_ins(working, "night.clerk"), pulls(working)

    designer.focus()
    designer.hands.key("F5")
    synced = designer.wait_until(
        lambda s: s["sync_result"].startswith("Synced with CVD") and pulls(working) > pulled, "F5's sync", timeout=90
    )
    after = designer.wait_until(lambda s: not s["status"].startswith("Synced"), "the fleet read again after it")
    designer.screenshot(tmp_path / "after-f5.png")

    assert synced["user"].startswith("Signed in: manager2 (manager") and after["user"] == synced["user"]
    assert after["banner"] == "", "no read-only banner came back"
    assert sign_ins(working, "night.clerk") == clerk_sign_ins, "the sync signed nobody in"
    assert after["sync_result"].startswith("Synced with CVD"), "the result is still in the status bar"
