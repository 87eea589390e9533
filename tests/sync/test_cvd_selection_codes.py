"""Selection codes and card prices, which CVD does not keep, stay in the working copy through a push and a pull of
the real CVD sample: CVD's ``planogram_slots.price`` stays the cash price, and a layout CVD changes arrives with
the local codes (and the card prices of slots whose product stayed) carried over."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, select

from designer.positions import Position
from storage.cvd import schema as cvd
from storage.cvd.pull import pull
from storage.cvd.queue import collect_activations, run_pushes
from storage.fleet import FleetRepository
from storage.versions import PlanogramVersions
from tests.sync.helpers import manager_id
from tests.sync.test_cvd_slot_prices import cvd_prices

A1, A2, B1 = Position.parse("A1"), Position.parse("A2"), Position.parse("B1")
COOLER = "999-Cooler-0"  # the sample's cooler: A1 Coca-Cola at the catalogue's $2.50, B1 Doritos at its own $3.00


def _cooler(working_copy: Engine):  # type: ignore[no-untyped-def]
    fleet = FleetRepository(working_copy)
    device = next(d for d in fleet.devices() if d.asset_number == "999")
    planogram = fleet.active_planogram(device.id, 0)
    assert planogram is not None
    return planogram


def _web_app_sets(cvd_engine: Engine, position: str, **values: object) -> None:
    """The web app's slot form saves ``values`` on one slot of the cooler."""
    planogram = select(cvd.planograms.c.id).where(cvd.planograms.c.planogram_key == COOLER).scalar_subquery()
    slots = cvd.planogram_slots.c
    with cvd_engine.begin() as connection:
        connection.execute(
            cvd.planogram_slots.update()
            .where(slots.planogram_id == planogram, slots.slot_position == position)
            .values(**values)
        )


def test_codes_and_card_prices_survive_a_push_and_pulls_of_the_real_sample(
    sample_engine: Engine, working_copy: Engine
) -> None:
    pull(sample_engine, working_copy)
    before = cvd_prices(sample_engine)
    cooler = _cooler(working_copy)
    par = cooler.slots[A1].par_level - 1  # a change CVD keeps too, so the push writes the cooler's slots
    cooler.slots[A1] = replace(cooler.slots[A1], selection_code="C1", card_price=2.6, par_level=par)
    cooler.slots[B1] = replace(cooler.slots[B1], selection_code="C2", card_price=3.1)
    PlanogramVersions(working_copy).save(cooler, user_id=manager_id(working_copy), activate=True)
    collect_activations(working_copy)

    summary = run_pushes(sample_engine, working_copy)

    assert (summary.pushed, summary.conflicts, summary.failed) == (1, [], [])
    assert cvd_prices(sample_engine) == before  # CVD's price is the cash price: $2.50 and $3.00, not the card's
    assert pull(sample_engine, working_copy).layouts_changed == 0
    kept = _cooler(working_copy)
    assert [(kept.selection_code(p), kept.slots[p].card_price) for p in (A1, B1)] == [("C1", 2.6), ("C2", 3.1)]

    _web_app_sets(sample_engine, "A2", price=2.95)  # a change elsewhere in the cooler: a new version arrives
    _web_app_sets(sample_engine, "B1", product_id=before[(COOLER, "A1")][0], price=2.5)  # Coca-Cola replaces Doritos
    assert pull(sample_engine, working_copy).layouts_changed == 1

    arrived = _cooler(working_copy)
    assert arrived.version > kept.version
    assert (arrived.selection_code(A1), arrived.slots[A1].card_price) == ("C1", 2.6)  # same product: both kept
    assert (arrived.selection_code(B1), arrived.slots[B1].card_price) == ("C2", None)  # new product: cash only
    assert arrived.selection_code(A2) == "12" and arrived.slots[A2].cash_price(0.0) == 2.95
