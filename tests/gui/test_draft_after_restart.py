"""A draft saved before closing is what the designer shows after a restart, marked as a draft (issue 16).

A merchandiser saves work in progress as a draft (Ctrl+S) and closes the app; the next morning they expect
that draft on screen, not the version the machine runs, and to be told it is a draft and which version is
active. A version activated after the draft wins: then the draft is old news and the active one shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from designer.planograms import PlanogramStatus
from designer.positions import Position
from storage.app_context import AppContext
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.versions import PlanogramVersions
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.window.main_window import MainWindow

TRAIL_MIX = 7
EMPTY = Position.parse("A5")


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *_args, **_kwargs: QMessageBox.StandardButton.Discard)


def opened(qtbot: QtBot, fleet_url: str) -> MainWindow:
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    return window


def view_of(window: MainWindow) -> EditableCabinetView:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return view


@pytest.fixture
def draft_saved(qtbot: QtBot, fleet_url: str) -> Iterator[tuple[int, int]]:
    """Trail Mix dropped into A5 and saved as a draft, then the window closed: (draft version, active version)."""
    window = opened(qtbot, fleet_url)
    view = view_of(window)
    active = view.editor.planogram.version
    assert view.editor.planogram.status is PlanogramStatus.ACTIVE
    assert view.drop_product(EMPTY, TRAIL_MIX) is None
    with qtbot.waitSignal(window.session.saved, timeout=10_000):
        window.save_action.trigger()
    draft = view.editor.planogram.version
    window.close()
    yield draft, active


def test_after_a_restart_the_saved_draft_is_on_screen_and_says_it_is_a_draft(
    qtbot: QtBot, fleet_url: str, draft_saved: tuple[int, int], tmp_path: Path
) -> None:
    draft, active = draft_saved
    window = opened(qtbot, fleet_url)
    view = view_of(window)

    assert view.editor.planogram.slot_at(EMPTY).product_id == TRAIL_MIX
    assert view.editor.planogram.status is PlanogramStatus.DRAFT and view.editor.planogram.version == draft
    assert window.tab_texts()[0].endswith(f"draft v{draft} — active is v{active}")
    assert not window.isWindowModified(), "a stored draft is not unsaved work"
    window.grab().save(str(tmp_path / "draft-after-restart.png"))
    window.close()


def test_a_version_activated_after_the_draft_is_what_shows(
    qtbot: QtBot, fleet_url: str, draft_saved: tuple[int, int]
) -> None:
    engine = prepare_database(fleet_url)
    try:
        versions = PlanogramVersions(engine)
        history = versions.history(1, 0)
        older = next(info for info in history if info.status is PlanogramStatus.ACTIVE)
        newer = versions.save(versions.load(older.id), activate=True)  # v(draft + 1), active
        layout = FleetRepository(engine).device_layout(1)
    finally:
        engine.dispose()
    cabinet = next(cabinet for cabinet in layout.cabinets if cabinet.index == 0)
    assert layout.designed_planogram_for(cabinet).version == newer.version
    assert 0 not in layout.drafts

    window = opened(qtbot, fleet_url)
    assert view_of(window).editor.planogram.slot_at(EMPTY).product_id is None
    assert "draft" not in window.tab_texts()[0]
    window.close()
