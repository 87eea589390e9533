"""Offline work waits in a queue that survives restarts, and no one's layout is ever silently overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy.exc import DBAPIError

from designer.sync_merge import Choice
from storage.cvd import schema as cvd
from storage.cvd.pull import pull
from storage.cvd.queue import collect_activations, conflicts, queue_status, resolve_conflict, run_pushes
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.versions import PlanogramVersions
from tests.cvd_builder import SHOWCASE_STOCKWELL
from tests.sync.helpers import edit_and_activate, local_product


def _planogram(key: str = SHOWCASE_STOCKWELL):  # type: ignore[no-untyped-def]
    """CVD's id of the planogram ``key``, as a subquery."""
    return select(cvd.planograms.c.id).where(cvd.planograms.c.planogram_key == key).scalar_subquery()


def _cvd_slot(engine: Engine, position: str, key: str = SHOWCASE_STOCKWELL) -> tuple[int, int, int]:
    slots = cvd.planogram_slots.c
    with engine.connect() as connection:
        row = connection.execute(
            select(slots.product_id, slots.capacity, slots.par_level).where(
                slots.planogram_id == _planogram(key), slots.slot_position == position
            )
        ).one()
    return tuple(row)  # type: ignore[return-value]


def _second_copy(tmp_path: Path, cvd_engine: Engine) -> Engine:
    other = prepare_database(f"sqlite:///{tmp_path / 'second-laptop.sqlite'}")
    pull(cvd_engine, other)
    return other


def test_the_queue_survives_a_restart_and_an_unreachable_cvd(cvd_engine: Engine, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'laptop.sqlite'}"
    laptop = prepare_database(url)
    pull(cvd_engine, laptop)
    edit_and_activate(laptop, "444", 0, {"A1": (11, 10, 6)})  # activating queues the push by itself
    laptop.dispose()  # the laptop is shut down in the depot

    laptop = prepare_database(url)
    assert queue_status(laptop) == {"pending": 1}
    offline = create_engine("sqlite:////proc/no-such-folder/cvd.sqlite")
    with pytest.raises(DBAPIError):
        run_pushes(offline, laptop)
    assert queue_status(laptop) == {"pending": 1}  # still queued, with the reason kept for the status view

    summary = run_pushes(cvd_engine, laptop)

    assert summary.pushed == 1 and queue_status(laptop) == {"done": 1}
    assert _cvd_slot(cvd_engine, "A1") == (11, 10, 6)
    laptop.dispose()


def test_two_merchandisers_editing_one_layout_never_overwrite_each_other(
    cvd_engine: Engine, working_copy: Engine, tmp_path: Path
) -> None:
    pull(cvd_engine, working_copy)
    other = _second_copy(tmp_path, cvd_engine)
    edit_and_activate(other, "444", 0, {"A1": (11, 10, 6), "C1": (19, 9, 4)})
    collect_activations(other)
    assert run_pushes(cvd_engine, other).pushed == 1

    edit_and_activate(working_copy, "444", 0, {"A1": (7, 12, 7), "B2": (16, 8, 5)})
    collect_activations(working_copy)
    summary = run_pushes(cvd_engine, working_copy)

    assert len(summary.conflicts) == 1 and summary.pushed == 0
    assert _cvd_slot(cvd_engine, "A1") == (11, 10, 6)  # the first push stands: nothing overwritten
    (conflict,) = conflicts(working_copy)
    merged = conflict.merge()
    assert [c.position for c in merged.conflicts] == ["A1"]  # B2 and C1 were changed on one side only

    result = resolve_conflict(working_copy, conflict.push_id)  # the default: merge, conflicts keep mine

    assert result.layout["A1"].product_id == local_product(working_copy, 7)
    assert result.layout["C1"].product_id == local_product(working_copy, 19)  # theirs, taken
    assert result.layout["B2"].product_id == local_product(working_copy, 16)  # mine, kept
    device = next(d for d in FleetRepository(working_copy).devices() if d.asset_number == "444")
    history = PlanogramVersions(working_copy).history(device.id, 0)
    kept = [v for v in history if v.status.value == "draft" and "kept from conflict" in v.name]
    assert len(kept) == 1  # the other merchandiser's layout is one click away, not lost
    draft = PlanogramVersions(working_copy).load(kept[0].id)
    assert {s.position.label: s.product_id for s in draft.filled_slots()}["A1"] == local_product(working_copy, 11)

    assert run_pushes(cvd_engine, working_copy).pushed == 1
    assert _cvd_slot(cvd_engine, "A1") == (7, 12, 7)
    assert _cvd_slot(cvd_engine, "B2")[0] == 16 and _cvd_slot(cvd_engine, "C1")[0] == 19
    assert pull(cvd_engine, other).layouts_changed == 1  # the first merchandiser now sees the merge
    other.dispose()


def test_a_layout_changed_in_the_web_app_is_a_conflict_too(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    with cvd_engine.begin() as connection:  # the web app never bumps updated_at; only the slots show it
        connection.execute(
            update(cvd.planogram_slots)
            .where(cvd.planogram_slots.c.planogram_id == _planogram(), cvd.planogram_slots.c.slot_position == "A2")
            .values(product_id=2, product_name="Gatorade Fruit Punch", capacity=9)
        )
    edit_and_activate(working_copy, "444", 0, {"A2": (12, 10, 8), "A3": (11, 10, 8)})
    collect_activations(working_copy)

    assert len(run_pushes(cvd_engine, working_copy).conflicts) == 1
    assert _cvd_slot(cvd_engine, "A2")[0] == 2
    held = pull(cvd_engine, working_copy)
    assert held.held_for_push == ["444-Stockwell Cooler-0"]  # the pull does not paper over the conflict

    (conflict,) = conflicts(working_copy)
    resolve_conflict(working_copy, conflict.push_id, Choice.THEIRS)

    assert queue_status(working_copy).get("pending", 0) == 0  # CVD's layout won: nothing to push
    device = next(d for d in FleetRepository(working_copy).devices() if d.asset_number == "444")
    active = FleetRepository(working_copy).active_planogram(device.id, 0)
    labels = {s.position.label: s.product_id for s in active.filled_slots()}
    assert labels["A2"] == local_product(working_copy, 2)
    mine = [v for v in PlanogramVersions(working_copy).history(device.id, 0) if v.status.value == "archived"]
    assert mine  # our edit stays in the history


def test_activating_again_while_a_conflict_is_parked_meets_the_conflict_again(
    cvd_engine: Engine, working_copy: Engine, tmp_path: Path
) -> None:
    pull(cvd_engine, working_copy)
    other = _second_copy(tmp_path, cvd_engine)
    edit_and_activate(other, "444", 0, {"A1": (11, 10, 6)})
    run_pushes(cvd_engine, other)
    edit_and_activate(working_copy, "444", 0, {"A1": (7, 12, 7)})
    run_pushes(cvd_engine, working_copy)
    assert queue_status(working_copy) == {"conflict": 1}

    edit_and_activate(working_copy, "444", 0, {"A1": (8, 12, 7)})  # a second try, before settling the first
    summary = run_pushes(cvd_engine, working_copy)

    assert len(summary.conflicts) == 1 and summary.pushed == 0
    assert _cvd_slot(cvd_engine, "A1") == (11, 10, 6)
    assert queue_status(working_copy) == {"superseded": 1, "conflict": 1}
    (conflict,) = conflicts(working_copy)
    assert conflict.mine["A1"].product_id == local_product(working_copy, 8)
    other.dispose()
