"""When a pulled layout stood in its cabinet: from what CVD records (the planogram's ``updated_at``, slots'
``cleared_at``) and the device's first sale, never from the time of the pull; and a product is carried from
when a layout placed it, not from its first vend."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select, update

from ai.forecast_data import device_history
from ai.placement_history import read_placement_history
from designer.cabinets import TemperatureZone
from storage.cvd import schema as cvd
from storage.cvd.mapping import (
    EMPTY_SLOT_ID,
    IN_FORCE_NOTE,
    cvd_time,
    former_requirement_for,
    temperature_requirement_for,
)
from storage.cvd.pull import pull
from storage.engine import session_factory
from storage.planogram_history import assumed_layouts, placed_since
from storage.sync_tables import SyncState
from storage.tables import Device, PlanogramRecord, ProductRecord, SaleRecord
from tests.cvd_builder import SHOWCASE_COOLER

FROZEN, COLD, AMBIENT = TemperatureZone.FROZEN, TemperatureZone.REFRIGERATED, TemperatureZone.AMBIENT


def _expected_dates(cvd_engine: Engine) -> dict[tuple[str, int], tuple[datetime, datetime, datetime | None]]:
    """(asset, cabinet index) → (recorded at, first sale of the device, …) read straight from CVD's rows."""
    slots, planograms, cabinets = cvd.planogram_slots.c, cvd.planograms.c, cvd.cabinet_configurations.c
    with cvd_engine.connect() as connection:
        first_sale = {
            device: cvd_time(at)
            for device, at in connection.execute(
                select(cvd.sales.c.device_id, func.min(cvd.sales.c.created_at)).group_by(cvd.sales.c.device_id)
            )
        }
        rows = connection.execute(
            select(
                cvd.devices.c.asset, cabinets.cabinet_index, cabinets.device_id, planograms.id, planograms.updated_at
            )
            .select_from(cvd.planograms)
            .join(cvd.cabinet_configurations, cabinets.id == planograms.cabinet_id)
            .join(cvd.devices, cvd.devices.c.id == cabinets.device_id)
        ).all()
        cleared = {
            planogram: [cvd_time(at) for (at,) in connection.execute(
                select(slots.cleared_at).where(
                    slots.planogram_id == planogram, slots.product_id != EMPTY_SLOT_ID, slots.cleared_at.is_not(None)
                )
            )]
            for _asset, _index, _device, planogram, _updated in rows
        }  # fmt: skip
    return {
        (asset, index): (max([cvd_time(updated), *cleared[planogram]]), first_sale.get(device), None)
        for asset, index, device, planogram, updated in rows
    }


def _activations(working_copy: Engine) -> dict[tuple[str, int], datetime]:
    with working_copy.connect() as connection:
        rows = connection.execute(
            select(Device.asset_number, PlanogramRecord.cabinet_index, PlanogramRecord.activated_at)
            .join(Device, Device.id == PlanogramRecord.device_id)
            .where(PlanogramRecord.status == "active")
        ).all()
    return {(asset, index): at for asset, index, at in rows}


def test_each_pulled_layout_stands_from_cvd_s_record_or_from_the_first_sale_before_it(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    before = datetime.now()
    pull(cvd_engine, working_copy)

    expected = _expected_dates(cvd_engine)
    activations = _activations(working_copy)
    assert activations and all(at < before for at in activations.values())  # never the pull's own time
    assumed = 0
    for (asset, index), activated in activations.items():
        recorded, first_sale, _ = expected[(asset, index)]
        if first_sale is not None and first_sale < recorded:
            assert activated == first_sale, (asset, index)
            assumed += 1
        else:
            assert activated == recorded, (asset, index)
    with session_factory(working_copy)() as session:
        noted = session.scalar(select(func.count()).where(SyncState.key.startswith(IN_FORCE_NOTE)))
    assert noted == assumed > 0  # the generated fleet sold long before its layouts were entered in CVD


def test_the_assumption_is_named_per_cabinet_with_both_dates(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)

    expected = _expected_dates(cvd_engine)
    with working_copy.connect() as connection:
        device_id = connection.scalar(select(Device.id).where(Device.asset_number == "999"))
    notes = assumed_layouts(working_copy, device_id)

    assert notes
    for index, assumed_from, recorded_from in notes:
        recorded, first_sale, _ = expected[("999", index)]
        assert (assumed_from, recorded_from) == (first_sale, recorded)


def test_a_device_that_sold_only_after_its_layout_was_recorded_needs_no_assumption(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    expected = _expected_dates(cvd_engine)
    recorded, _, _ = expected[("999", 0)]
    latest_record = max(at for (asset, _), (at, _, _) in expected.items() if asset == "999")
    with cvd_engine.begin() as connection:  # the device's sales before its layouts were entered are gone
        device = connection.scalar(select(cvd.devices.c.id).where(cvd.devices.c.asset == "999"))
        connection.execute(
            cvd.sales.delete().where(
                cvd.sales.c.device_id == device, cvd.sales.c.created_at <= latest_record.isoformat(sep=" ")
            )
        )

    pull(cvd_engine, working_copy)

    assert _activations(working_copy)[("999", 0)] == recorded
    with working_copy.connect() as connection:
        device_id = connection.scalar(select(Device.id).where(Device.asset_number == "999"))
    assert assumed_layouts(working_copy, device_id) == []


def test_sales_fall_inside_the_pulled_layouts_spans(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)

    history = read_placement_history(working_copy)
    with working_copy.connect() as connection:
        in_a_slot = connection.scalar(select(func.count()).where(SaleRecord.position != ""))
    matched = history.sales_rows - history.unmatched_sales
    assert matched == in_a_slot > 0.9 * history.sales_rows  # the generated fleet sells its layouts' products
    assert history.spans["units"].gt(0).sum() > 0


def test_a_copy_pulled_before_layouts_were_dated_is_re_dated_by_the_next_pull(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    pull(cvd_engine, working_copy)
    dated = _activations(working_copy)
    with session_factory(working_copy).begin() as session:  # as the earlier pulls wrote it: all at pull time
        session.execute(update(PlanogramRecord).values(activated_at=datetime(2026, 1, 1)))
        session.query(SyncState).filter(SyncState.key.startswith(IN_FORCE_NOTE)).delete()

    again = pull(cvd_engine, working_copy)

    assert again.layouts_changed == 0
    assert _activations(working_copy) == dated
    with working_copy.connect() as connection:
        device_id = connection.scalar(select(Device.id).where(Device.asset_number == "999"))
    assert assumed_layouts(working_copy, device_id)


def test_a_change_made_in_the_web_app_stands_from_the_time_it_cleared_the_slot(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    pull(cvd_engine, working_copy)
    changed_at = datetime(2025, 8, 6, 9, 30)
    with cvd_engine.begin() as connection:
        planogram = select(cvd.planograms.c.id).where(cvd.planograms.c.planogram_key == SHOWCASE_COOLER)
        connection.execute(
            update(cvd.planogram_slots)
            .where(cvd.planogram_slots.c.planogram_id == planogram.scalar_subquery())
            .where(cvd.planogram_slots.c.slot_position == "A1")
            .values(
                product_id=11, product_name="Pepsi", previous_product_id=12, cleared_at=changed_at.isoformat(sep=" ")
            )
        )

    again = pull(cvd_engine, working_copy)

    assert again.layouts_changed == 1
    assert _activations(working_copy)[("999", 0)] == changed_at


def test_a_product_is_carried_from_when_a_layout_placed_it_not_from_its_first_vend(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    pull(cvd_engine, working_copy)
    with working_copy.connect() as connection:
        device_id = connection.scalar(select(Device.id).where(Device.asset_number == "999"))
    history = device_history(working_copy, device_id)
    placed = placed_since(working_copy, device_id)
    late_sellers = [
        column
        for column, product in enumerate(history.product_ids)
        if int(product) in placed and history.units[0, column] == 0 and history.units[:, column].any()
    ]

    assert late_sellers  # products the layout held from the first sale on whose own first vend came later
    for column in late_sellers:
        assert history.exposure[0, column] == 1.0  # on sale, unsold: a slow day, not a day it was absent


def test_a_product_needs_the_warmest_zone_cvd_keeps_it_in() -> None:
    assert temperature_requirement_for([FROZEN, FROZEN, COLD]) is COLD  # NOS Energy: Freezer and Cooler cabinets
    assert temperature_requirement_for([FROZEN, COLD, AMBIENT]) is AMBIENT
    assert temperature_requirement_for([FROZEN]) is FROZEN
    assert temperature_requirement_for([]) is AMBIENT
    assert former_requirement_for([FROZEN, FROZEN, COLD]) is FROZEN  # what earlier pulls derived


def _place_a_new_drink_in_freezers_and_a_cooler(cvd_engine: Engine) -> int:
    """A product CVD keeps in two Freezer slots and one Cooler slot (as the sample keeps NOS Energy)."""
    slots, planograms, cabinets, types = (
        cvd.planogram_slots.c, cvd.planograms.c, cvd.cabinet_configurations.c, cvd.cabinet_types.c
    )  # fmt: skip
    with cvd_engine.begin() as connection:
        product = int(connection.scalar(select(func.max(cvd.products.c.id)))) + 1
        connection.execute(
            cvd.products.insert().values(id=product, name="Cold Brew Can", category="energy", price=3.5, is_system=0)
        )
        for kind, count in (("Freezer", 2), ("Cooler", 1)):
            planogram = connection.scalar(
                select(planograms.id)
                .join(cvd.cabinet_configurations, cabinets.id == planograms.cabinet_id)
                .join(cvd.cabinet_types, types.id == cabinets.cabinet_type_id)
                .where(types.name == kind)
                .order_by(planograms.id)
            )
            chosen = select(slots.id).where(slots.planogram_id == planogram).order_by(slots.id).limit(count)
            connection.execute(
                update(cvd.planogram_slots)
                .where(slots.id.in_(chosen.scalar_subquery() if count == 1 else chosen))
                .values(product_id=product, product_name="Cold Brew Can")
            )
    return product


def _requirement(working_copy: Engine, name: str) -> str:
    with working_copy.connect() as connection:
        return connection.scalar(select(ProductRecord.temperature_requirement).where(ProductRecord.name == name))


def test_a_re_pull_corrects_a_requirement_an_earlier_pull_derived_and_keeps_a_person_s_choice(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    _place_a_new_drink_in_freezers_and_a_cooler(cvd_engine)
    pull(cvd_engine, working_copy)
    assert _requirement(working_copy, "Cold Brew Can") == "refrigerated"

    with session_factory(working_copy).begin() as session:  # a copy an earlier pull wrote: frozen, nothing noted
        session.execute(
            update(ProductRecord).where(ProductRecord.name == "Cold Brew Can").values(temperature_requirement="frozen")
        )
        session.query(SyncState).filter(SyncState.key.startswith("cvd.product_requirement.")).delete()
    pull(cvd_engine, working_copy)
    assert _requirement(working_copy, "Cold Brew Can") == "refrigerated"

    with session_factory(working_copy).begin() as session:  # a person decides it must be frozen after all
        session.execute(
            update(ProductRecord).where(ProductRecord.name == "Cold Brew Can").values(temperature_requirement="frozen")
        )
    pull(cvd_engine, working_copy)
    assert _requirement(working_copy, "Cold Brew Can") == "frozen"
