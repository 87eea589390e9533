"""Slot prices: a CVD database's special prices (the generated one's, and the real sample's 38) open in the
designer as the web app sells them, and survive a push; a price set in the inspector reaches CVD; a working copy
pulled before slot prices never overwrites them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import Engine, select

from designer.positions import Position
from designer.sync_merge import Choice
from storage.cvd import schema as cvd
from storage.cvd.links import read_state, write_state
from storage.cvd.mapping import CvdSlot, layout_fingerprint
from storage.cvd.pull import base_key, pull
from storage.cvd.queue import collect_activations, resolve_conflict, run_pushes
from storage.engine import session_factory
from storage.fleet import FleetRepository
from storage.tables import PlanogramRecord, PlanogramSlotRecord
from storage.versions import PlanogramVersions
from tests.cvd_builder import CvdFleet
from tests.sync.helpers import edit_and_activate, manager_id

SAMPLE_SPECIAL_PRICES = 38  # slots of the real sample whose price differs from their product's catalogue price


def cvd_prices(cvd_engine: Engine) -> dict[tuple[str, str], tuple[int, float]]:
    """(planogram key, position) → (CVD product, slot price) for every filled CVD slot."""
    slots, planograms = cvd.planogram_slots.c, cvd.planograms.c
    query = (
        select(planograms.planogram_key, slots.slot_position, slots.product_id, slots.price)
        .join(cvd.planograms, planograms.id == slots.planogram_id)
        .where(slots.product_id != 1)
    )
    with cvd_engine.connect() as connection:
        return {(key, pos): (product, float(price)) for key, pos, product, price in connection.execute(query)}


def special_prices(cvd_engine: Engine) -> dict[tuple[str, str], float]:
    with cvd_engine.connect() as connection:
        catalogue = dict(connection.execute(select(cvd.products.c.id, cvd.products.c.price)).all())
    return {
        place: price for place, (product, price) in cvd_prices(cvd_engine).items() if price != float(catalogue[product])
    }


def designer_prices(working_copy: Engine) -> dict[tuple[str, str], float]:
    """What the designer shows on each filled slot of every active planogram: the effective price."""
    fleet = FleetRepository(working_copy)
    catalogue = fleet.catalogue()
    shown = {}
    for device in fleet.devices():
        for cabinet in fleet.cabinets(device.id):
            planogram = fleet.active_planogram(device.id, cabinet.index)
            for slot in planogram.filled_slots() if planogram else ():
                price = slot.effective_price(catalogue[slot.product_id].price)  # type: ignore[index]
                shown[(planogram.name, slot.position.label)] = price  # type: ignore[union-attr]
    return shown


def own_prices(working_copy: Engine) -> int:
    """Slots of active planograms that keep a price of their own."""
    with session_factory(working_copy)() as session:
        query = (
            select(PlanogramSlotRecord.id)
            .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
            .where(PlanogramSlotRecord.price.is_not(None), PlanogramRecord.status == "active")
        )
        return len(session.scalars(query).all())


def _opens_with_the_prices_the_web_app_sells_at(cvd_engine: Engine, working_copy: Engine, count: int) -> int:
    pull(cvd_engine, working_copy)

    special = special_prices(cvd_engine)
    shown = designer_prices(working_copy)
    assert len(special) == count
    assert shown[("999-Cooler-0", "B1")] == 3.0  # Doritos: $1.50 in the catalogue
    assert {place: shown[place] for place in special} == special
    assert shown == {place: price for place, (_, price) in cvd_prices(cvd_engine).items()}
    # only the special ones are kept on the slot; the rest follow the catalogue
    assert own_prices(working_copy) == count
    return own_prices(working_copy)


def test_a_cvd_database_opens_with_the_prices_the_web_app_sells_at(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    kept = _opens_with_the_prices_the_web_app_sells_at(cvd_engine, working_copy, cvd_fleet.special_prices)
    assert kept == cvd_fleet.special_prices > 0  # the builder wrote some slots at their own price


def test_the_sample_opens_with_the_prices_the_web_app_sells_at(sample_engine: Engine, working_copy: Engine) -> None:
    kept = _opens_with_the_prices_the_web_app_sells_at(sample_engine, working_copy, SAMPLE_SPECIAL_PRICES)
    assert kept == 38  # the sample's slots sold at their own price (SCHEMA.md: Doritos at $3.00 among them)


def test_special_prices_survive_pull_edit_push_and_pull_again(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    pull(cvd_engine, working_copy)
    before = cvd_prices(cvd_engine)
    # 999-Cooler-0: A1 (Coca-Cola, catalogue-priced) gets a new par level; the Doritos at $3.00 stay as they are
    edit_and_activate(working_copy, "999", 0, {"A1": (12, 10, 6)})
    collect_activations(working_copy)

    summary = run_pushes(cvd_engine, working_copy)
    again = pull(cvd_engine, working_copy)

    assert (summary.pushed, summary.conflicts, summary.failed) == (1, [], [])
    assert cvd_prices(cvd_engine) == before
    assert again.layouts_changed == 0
    assert own_prices(working_copy) == cvd_fleet.special_prices


def _set_price(working_copy: Engine, label: str, price: float | None) -> None:
    fleet = FleetRepository(working_copy)
    device = next(d for d in fleet.devices() if d.asset_number == "999")
    planogram = fleet.active_planogram(device.id, 0)
    assert planogram is not None
    position = Position.parse(label)
    planogram.slots[position] = replace(planogram.slots[position], price=price)
    PlanogramVersions(working_copy).save(planogram, user_id=manager_id(working_copy), activate=True)
    collect_activations(working_copy)


def test_a_price_set_in_the_designer_is_what_cvd_sells_at(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    before = cvd_prices(cvd_engine)

    _set_price(working_copy, "A1", 2.75)  # Coca-Cola, $2.50 in the catalogue
    assert run_pushes(cvd_engine, working_copy).pushed == 1
    after = cvd_prices(cvd_engine)
    assert after[("999-Cooler-0", "A1")] == (12, 2.75)
    assert {k: v for k, v in after.items() if k != ("999-Cooler-0", "A1")} == {
        k: v for k, v in before.items() if k != ("999-Cooler-0", "A1")
    }

    _set_price(working_copy, "B1", None)  # Doritos back to the catalogue's $1.50
    assert run_pushes(cvd_engine, working_copy).pushed == 1
    assert cvd_prices(cvd_engine)[("999-Cooler-0", "B1")] == (19, 1.5)
    assert cvd_prices(cvd_engine)[("999-Cooler-0", "B2")] == (19, 3.0)


def test_a_working_copy_pulled_before_slot_prices_keeps_cvds_prices_on_push(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    pull(cvd_engine, working_copy)
    before = cvd_prices(cvd_engine)
    with session_factory(working_copy).begin() as session:  # as the working copy was before migration 0006
        for slot in session.scalars(select(PlanogramSlotRecord)):
            slot.price = None
        for planogram_id in range(1, 200):
            base = read_state(session, base_key(planogram_id))
            if base:
                old = [CvdSlot.from_list(row) for row in base["slots"]]
                base["slots"] = [row.as_list()[:5] for row in old]
                base["fingerprint"] = layout_fingerprint(old, with_prices=False)
                write_state(session, base_key(planogram_id), base)

    edit_and_activate(working_copy, "999", 0, {"A1": (12, 10, 6)})
    collect_activations(working_copy)
    summary = run_pushes(cvd_engine, working_copy)

    assert (summary.pushed, summary.conflicts) == (1, [])
    assert cvd_prices(cvd_engine) == before  # Doritos still $3.00 in 999-Cooler-0
    pull(cvd_engine, working_copy)
    assert own_prices(working_copy) == cvd_fleet.special_prices


def test_a_slot_price_is_stored_to_the_cent(working_copy: Engine, cvd_engine: Engine) -> None:
    pull(cvd_engine, working_copy)
    _set_price(working_copy, "A2", 2.7)
    with session_factory(working_copy)() as session:
        stored = session.scalars(select(PlanogramSlotRecord.price).where(PlanogramSlotRecord.price == Decimal("2.70")))
        assert list(stored) == [Decimal("2.70")]


def _web_app_prices(cvd_engine: Engine, key: str, position: str, price: float) -> None:
    """The web app's form saves a new price on one slot (it never bumps ``planograms.updated_at``)."""
    planogram = select(cvd.planograms.c.id).where(cvd.planograms.c.planogram_key == key).scalar_subquery()
    slots = cvd.planogram_slots.c
    with cvd_engine.begin() as connection:
        connection.execute(
            cvd.planogram_slots.update()
            .where(slots.planogram_id == planogram, slots.slot_position == position)
            .values(price=price)
        )


def test_a_price_changed_in_the_web_app_arrives_as_a_new_version(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    pull(cvd_engine, working_copy)
    _web_app_prices(cvd_engine, "999-Cooler-0", "A1", 2.95)

    summary = pull(cvd_engine, working_copy)

    assert summary.layouts_changed == 1
    assert designer_prices(working_copy)[("999-Cooler-0", "A1")] == 2.95
    assert own_prices(working_copy) == cvd_fleet.special_prices + 1


def test_a_price_changed_in_the_web_app_since_our_pull_is_a_conflict_not_overwritten(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    pull(cvd_engine, working_copy)
    _web_app_prices(cvd_engine, "999-Cooler-0", "B1", 2.25)
    _set_price(working_copy, "A1", 2.75)

    summary = run_pushes(cvd_engine, working_copy)

    assert (summary.pushed, len(summary.conflicts)) == (0, 1)
    after = cvd_prices(cvd_engine)
    assert (after[("999-Cooler-0", "B1")], after[("999-Cooler-0", "A1")]) == ((19, 2.25), (12, 2.5))


def test_merging_a_price_conflict_keeps_each_sides_price_change(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    _web_app_prices(cvd_engine, "999-Cooler-0", "B1", 2.25)
    _set_price(working_copy, "A1", 2.75)
    (push_id,) = run_pushes(cvd_engine, working_copy).conflicts

    resolve_conflict(working_copy, push_id, Choice.MERGE)
    summary = run_pushes(cvd_engine, working_copy)

    assert (summary.pushed, summary.conflicts) == (1, [])
    after = cvd_prices(cvd_engine)
    assert (after[("999-Cooler-0", "A1")], after[("999-Cooler-0", "B1")]) == ((12, 2.75), (19, 2.25))
    assert after[("999-Cooler-0", "B2")] == (19, 3.0)  # untouched special prices stay
    shown = designer_prices(working_copy)
    assert (shown[("999-Cooler-0", "A1")], shown[("999-Cooler-0", "B1")]) == (2.75, 2.25)
