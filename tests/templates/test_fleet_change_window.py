"""Planogram → Apply template…: a manager ticks every office machine, previews (each machine's changed slots and
predicted revenue change with its interval, the totals), applies as drafts, and undoes in one step; a viewer
cannot apply. pytest-qt, offscreen, on the demo fleet with real predictions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from ai.model_store import ModelStore
from ai.services import Services
from designer.templates import template_from_planogram
from storage.fleet import FleetRepository
from storage.fleet_operations import newest_layouts, operations, save_template
from storage.schema import prepare_database
from storage.templates import machines
from storage.users import sign_in
from tests.worker_threads import assert_no_worker_left
from widgets.templates.fleet_change import FleetChangeDialog
from widgets.window.services import WindowServices


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    yield
    assert_no_worker_left()


def open_dialog(
    qtbot: QtBot,
    database: Path,
    username: str,
    shared_data_home: Path,
    window_services: Callable[[Engine, str], WindowServices],
) -> FleetChangeDialog:
    url = f"sqlite:///{database}"
    engine = prepare_database(url)
    repository = FleetRepository(engine)
    user = sign_in(engine, username, audit=False)
    manager = sign_in(engine, "maria.manager", audit=False)
    layout = repository.device_layout(3)  # the gym's snacks: a layout the office machines do not have yet
    cabinet = layout.cabinets[0]
    template, _ = save_template(
        engine, template_from_planogram("Office snacks", cabinet, layout.planogram_for(cabinet)), user_id=manager.id
    )
    services = window_services(engine, username)
    store = ModelStore(shared_data_home / "planogram-studio" / "models")
    dialog = FleetChangeDialog(
        services,
        lambda: Services(url, store, engine=engine, user=user),
        [template],
        machines(engine),
        repository.catalogue(),
    )
    qtbot.addWidget(dialog)
    return dialog


def test_a_manager_previews_applies_and_undoes_a_template_on_every_office_machine(
    qtbot: QtBot, fleet_database: Path, shared_data_home: Path, window_services: Callable[[Engine, str], WindowServices]
) -> None:
    dialog = open_dialog(qtbot, fleet_database, "maria.manager", shared_data_home, window_services)
    assert not dialog.draft_button.isEnabled()  # nothing to apply before a preview
    dialog.set_filter(location_type="office")
    assert dialog.chosen_label.text() == "2 of 12 machines chosen"

    preview = dialog.run_preview()
    assert preview is not None
    rows = {dialog.table.item(row, 0).text(): row for row in range(dialog.table.rowCount())}
    assert set(rows) == {"Office Lobby 1", "Office Lobby 2"}
    for row in rows.values():
        assert "→" in dialog.table.item(row, 2).text()
        assert "(" in dialog.table.item(row, 3).text() and " to " in dialog.table.item(row, 3).text()
    assert "Predicted daily revenue change" in dialog.totals.text() and "90 % interval" in dialog.totals.text()
    assert dialog.draft_button.isEnabled() and dialog.activate_button.isEnabled()

    before = newest_layouts(dialog.window.repository().engine, [1, 7])
    result = dialog.apply(activate=False)
    assert result is not None and result.written == 2
    assert "Applied as fleet operation" in dialog.totals.text() and "2 cabinets saved as drafts" in dialog.totals.text()
    assert dialog.undo_button.isEnabled()

    undone = dialog.undo()
    assert undone is not None and undone.written == 2
    assert dialog.totals.text() == f"Fleet operation {undone.operation_id} undone: 2 cabinets restored."
    engine = dialog.window.repository().engine
    assert newest_layouts(engine, [1, 7]) == before  # one step: both machines as they were
    assert operations(engine)[0]["status"] == "undone"


def test_a_viewer_sees_why_the_change_cannot_be_applied(
    qtbot: QtBot, fleet_database: Path, shared_data_home: Path, window_services: Callable[[Engine, str], WindowServices]
) -> None:
    dialog = open_dialog(qtbot, fleet_database, "vera.viewer", shared_data_home, window_services)
    assert not dialog.preview_button.isEnabled()
    assert "manager or admin" in dialog.preview_button.toolTip()
    assert not dialog.activate_button.isEnabled()


def test_one_cabinet_reads_as_one() -> None:
    """The totals say "1 cabinet of 1 machine change (36 slots)", never "1 cabinets of 1 machines"."""
    from designer.wording import counted

    assert [counted(1, "cabinet"), counted(1, "machine"), counted(36, "slot")] == ["1 cabinet", "1 machine", "36 slots"]
    assert counted(1000, "machine") == "1,000 machines" and counted(0, "cabinet") == "0 cabinets"
