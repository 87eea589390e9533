"""Compare opened with Ctrl+R and closed with Esc; an export accepted with Return lands in the default folder.

Driven with real clicks and keys on the real app. The comparison window must fit the screen (its buttons
reachable) and go with Esc, leaving the designer usable; the first export of a fresh account creates the
missing ~/Documents and writes the active version there, named on the sheet itself.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from tests.real_input.screen import Launch, RunningDesigner, State, current_cabinet

COMPARE_TITLE = "Compare planograms"


def window_titled(state: State, prefix: str) -> State | None:
    return next((entry for entry in state.get("windows", []) if entry["title"].startswith(prefix)), None)


def x_window(designer: RunningDesigner, pattern: str) -> str:
    """The X window whose name matches ``pattern`` (as ``xdotool search --name`` finds it)."""
    found = designer.hands.xdotool("search", "--sync", "--onlyvisible", "--name", pattern).split()
    assert found, f"no X window named {pattern}"
    return found[0]


def click(designer: RunningDesigner, point: list[int]) -> None:
    designer.hands.xdotool("mousemove", "--sync", str(point[0]), str(point[1]), "click", "1")


def within(inner: list[int], outer: list[int]) -> bool:
    x, y, width, height = inner
    left, top, screen_width, screen_height = outer
    return x >= left and y >= top and x + width <= left + screen_width and y + height <= top + screen_height


def open_compare(designer: RunningDesigner) -> State:
    designer.focus()
    designer.hands.key("ctrl+r")
    return designer.wait_until(lambda s: window_titled(s, COMPARE_TITLE) is not None, "the comparison window", 60)


def test_compare_opens_with_ctrl_r_fits_the_screen_and_esc_closes_it(
    launch: Launch, demo_copy: Path, tmp_path: Path
) -> None:
    designer = launch(["--db", str(demo_copy), "--user", "maria.manager"])
    state = designer.state()
    others = [cabinet for cabinet in state["cabinets"] if not cabinet["current"]]
    chosen = others[0] if others else current_cabinet(state)
    click(designer, chosen["tab_centre"])  # select the cabinet by its tab, as a person does
    selected = designer.wait_until(
        lambda s: current_cabinet(s)["tab"] == chosen["tab"] and bool(current_cabinet(s)["slots"]), "the cabinet"
    )
    cabinet_tab = current_cabinet(selected)

    opened = open_compare(designer)
    comparison = window_titled(opened, COMPARE_TITLE)
    assert comparison is not None
    designer.settle()
    designer.screenshot(tmp_path / "compare-open.png")
    index = int(cabinet_tab["text"].split("Cabinet ")[1].split()[0])  # "Cabinet 1 · refrigerated · 5×6"
    assert comparison["title"].endswith(f"device 1, cabinet {index}"), "it compares the selected cabinet"
    assert within(comparison["geometry"], opened["screen"]), f"{comparison['geometry']} fits {opened['screen']}"

    window = x_window(designer, f"^{COMPARE_TITLE}")
    designer.hands.xdotool("windowfocus", "--sync", window)  # no window manager: focus it as a click would
    designer.wait_until(lambda s: (window_titled(s, COMPARE_TITLE) or {}).get("active", False), "it has the keys")
    designer.hands.key("Escape")
    closed = designer.wait_until(lambda s: window_titled(s, COMPARE_TITLE) is None, "Esc to close the comparison")
    designer.screenshot(tmp_path / "compare-closed.png")
    assert closed["modal"] == "" and current_cabinet(closed)["tab"] == chosen["tab"]

    # The designer still answers the keyboard: focus back on it, Ctrl+R opens the comparison again.
    designer.focus()
    designer.wait_until(lambda s: s["active"], "the main window active again")
    again = open_compare(designer)
    assert window_titled(again, COMPARE_TITLE)["title"] == comparison["title"]  # type: ignore[index]


def active_version(database: Path, device_id: int, cabinet_index: int) -> int:
    with sqlite3.connect(database) as connection:
        (version,) = connection.execute(
            "SELECT version FROM planograms WHERE device_id = ? AND cabinet_index = ? AND status = 'active'",
            (device_id, cabinet_index),
        ).fetchone()
    return int(version)


def test_an_export_accepted_with_return_lands_in_the_new_documents_folder(
    launch: Launch, demo_copy: Path, tmp_path: Path
) -> None:
    designer = launch(["--db", str(demo_copy), "--user", "maria.manager"])
    documents = designer.home / "Documents"
    assert not documents.exists(), "a fresh account: no Documents folder yet"
    state = designer.state()

    designer.focus()
    designer.hands.key("ctrl+shift+e")
    ready = designer.wait_until(
        lambda s: s["modal"] == "Export" and (window_titled(s, "Export") or {}).get("export", {}).get("export_enabled"),
        "the Export dialog, ready",
    )
    offered = window_titled(ready, "Export")["export"]  # type: ignore[index]
    target = Path(offered["path"])
    assert target.parent == documents, f"the default folder is ~/Documents: {offered['path']}"
    assert target.suffix == ".pdf" and offered["what"] == "Field sheets (PDF)"
    cabinet_index = int(target.stem.split("cabinet-")[1]) if "cabinet-" in target.stem else 0
    version = active_version(demo_copy, 1, cabinet_index)
    assert offered["version"].startswith(f"Active version v{version},"), offered["version"]

    dialog = x_window(designer, "^Export$")
    designer.hands.xdotool("windowfocus", "--sync", dialog)
    designer.hands.key("Return")  # Export is the default button: accept everything as offered
    done = designer.wait_until(
        lambda s: (window_titled(s, "Export") or {}).get("export", {}).get("status", "").startswith(("Saved", "Not")),
        "the export's outcome",
        timeout=60,
    )
    designer.screenshot(tmp_path / "export-done.png")
    status = window_titled(done, "Export")["export"]["status"]  # type: ignore[index]
    assert status.startswith("Saved"), status
    assert f"v{version} (active)" in status and "was created for it" in status

    assert target.is_file(), f"{target} written"
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert f"v{version} (active)" in text, "the sheet names the active version it holds"
    assert "DRAFT" not in text, "the approved version carries no draft stamp"

    designer.hands.key("Escape")
    closed = designer.wait_until(lambda s: s["modal"] == "" and window_titled(s, "Export") is None, "Esc to close it")
    assert current_cabinet(closed)["tab"] == current_cabinet(state)["tab"]
