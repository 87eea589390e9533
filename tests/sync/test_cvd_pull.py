"""Pulling a CVD database: the sample opens with all its devices, layouts and sales, and later pulls bring only
what is new."""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select, update

from designer.cabinets import TemperatureZone
from storage.cvd import schema as cvd
from storage.cvd.pull import pull
from storage.engine import session_factory
from storage.fleet import FleetRepository
from storage.sync_tables import DexSelectionRecord
from storage.tables import PlanogramRecord, SaleRecord


def _count(engine: Engine, query) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def test_the_sample_arrives_whole(cvd_engine: Engine, working_copy: Engine) -> None:
    summary = pull(cvd_engine, working_copy)

    assert (summary.devices, summary.locations, summary.cabinets, summary.products) == (20, 10, 44, 32)
    assert (summary.planograms, summary.slots, summary.sales_new, summary.dex_new) == (44, 1658, 2731, 603)
    fleet = FleetRepository(working_copy)
    assert len(fleet.devices()) == 20
    active = select(func.count()).select_from(PlanogramRecord).where(PlanogramRecord.status == "active")
    assert _count(working_copy, active) == 44
    assert _count(working_copy, select(func.count()).select_from(SaleRecord)) == 2731
    transactions = select(func.count(func.distinct(SaleRecord.transaction_id)))
    assert _count(working_copy, transactions) == 2731  # one synthetic basket per CVD row, never merged
    assert _count(working_copy, select(func.count()).select_from(DexSelectionRecord)) == 603
    units = _count(cvd_engine, select(func.sum(cvd.sales.c.sale_units)))
    assert _count(working_copy, select(func.sum(SaleRecord.quantity))) == units


def test_each_layout_is_the_one_the_web_app_shows(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    fleet = FleetRepository(working_copy)
    with cvd_engine.connect() as connection:
        expected = connection.execute(
            select(
                cvd.devices.c.asset,
                cvd.cabinet_configurations.c.cabinet_index,
                cvd.planogram_slots.c.slot_position,
                cvd.products.c.name,
                cvd.planogram_slots.c.capacity,
                cvd.planogram_slots.c.par_level,
            )
            .join(cvd.planograms, cvd.planograms.c.id == cvd.planogram_slots.c.planogram_id)
            .join(cvd.cabinet_configurations, cvd.cabinet_configurations.c.id == cvd.planograms.c.cabinet_id)
            .join(cvd.devices, cvd.devices.c.id == cvd.cabinet_configurations.c.device_id)
            .join(cvd.products, cvd.products.c.id == cvd.planogram_slots.c.product_id)
            .where(cvd.planogram_slots.c.product_id != 1)
        ).all()
    catalogue = {product.id: product.name for product in fleet.catalogue().values()}
    shown = set()
    for device in fleet.devices():
        layout = fleet.device_layout(device.id)
        for cabinet in layout.cabinets:
            for slot in layout.planogram_for(cabinet).filled_slots():
                shown.add(
                    (
                        device.asset_number,
                        cabinet.index,
                        slot.position.label,
                        catalogue[slot.product_id],
                        slot.capacity,
                        slot.par_level,
                    )
                )
    assert shown == {tuple(row) for row in expected}
    assert len(shown) == 1658 - 892  # every slot not holding EMPTY_SLOT


def test_cabinet_zones_follow_the_cabinet_type(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    fleet = FleetRepository(working_copy)
    zones = {
        (device.asset_number, cabinet.index): cabinet.zone
        for device in fleet.devices()
        for cabinet in fleet.cabinets(device.id)
    }
    assert zones[("999", 0)] is TemperatureZone.REFRIGERATED  # 999-Cooler-0
    assert zones[("999", 1)] is TemperatureZone.AMBIENT  # 999-Ambient+-1
    assert zones[("999", 2)] is TemperatureZone.FROZEN  # 999-Freezer-2


def test_a_second_pull_brings_only_new_sales(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    with cvd_engine.begin() as connection:
        connection.execute(
            insert(cvd.sales),
            [
                {
                    "device_id": 5,
                    "product_id": 12,
                    "sale_units": 3,
                    "sale_cash": 7.5,
                    "created_at": "2025-08-06 10:00:00",
                    "updated_at": "2025-08-06 10:00:00",
                },
                {
                    "device_id": 5,
                    "product_id": 29,
                    "sale_units": 1,
                    "sale_cash": 4,
                    "created_at": "2025-08-06 11:00:00",
                    "updated_at": "2025-08-06 11:00:00",
                },
            ],
        )

    again = pull(cvd_engine, working_copy)

    assert (again.sales_new, again.layouts_changed, again.dex_new) == (2, 0, 0)
    assert _count(working_copy, select(func.count()).select_from(SaleRecord)) == 2733
    with session_factory(working_copy)() as session:
        newest = session.scalars(select(SaleRecord).order_by(SaleRecord.sold_at.desc())).first()
    assert (newest.quantity, float(newest.unit_price)) == (1, 4.0)
    assert newest.position == "A4"  # 999-Cooler-0 holds the burrito from A4 on


def test_a_layout_edited_in_the_web_app_arrives_as_a_new_active_version(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    pull(cvd_engine, working_copy)
    with cvd_engine.begin() as connection:  # the web app changes a slot and, as it does, leaves updated_at alone
        connection.execute(
            update(cvd.planogram_slots)
            .where(cvd.planogram_slots.c.planogram_id == 49, cvd.planogram_slots.c.slot_position == "A1")
            .values(product_id=11, product_name="Pepsi", previous_product_id=12)
        )

    again = pull(cvd_engine, working_copy)

    assert again.layouts_changed == 1
    fleet = FleetRepository(working_copy)
    device = next(d for d in fleet.devices() if d.asset_number == "999")
    planogram = fleet.active_planogram(device.id, 0)
    catalogue = {product.id: product.name for product in fleet.catalogue().values()}
    assert catalogue[planogram.slots[next(p for p in planogram.slots if p.label == "A1")].product_id] == "Pepsi"
    assert planogram.version == 2  # the pulled one is kept in the history


def test_dex_reads_give_a_device_its_per_slot_sales_between_reads(cvd_engine: Engine, working_copy: Engine) -> None:
    from storage.cvd.dex import slot_history

    with cvd_engine.begin() as connection:  # a machine whose DEX serial is its asset number (none in the sample)
        connection.execute(update(cvd.devices).where(cvd.devices.c.id == 5).values(asset="6422550123"))
        records = cvd.dex_pa_records.c
        connection.execute(
            update(cvd.dex_pa_records)
            .where(records.dex_read_id == 23, records.selection_number == "1")
            .values(units_sold=records.units_sold + 7, revenue_cents=records.revenue_cents + 700)
        )
    pull(cvd_engine, working_copy)
    device = next(d for d in FleetRepository(working_copy).devices() if d.asset_number == "6422550123")

    history = slot_history(working_copy, device.id)

    sold = [(p.position, p.units, p.revenue) for p in history if p.units]
    assert sold == [("A1", 7, 7.0)]  # selection 1 at row 0, column 0 of a machine counting columns from 0
    assert {p.position for p in history} >= {"A1", "A2"}
    assert all(p.end > p.start for p in history)


def test_devices_deleted_in_cvd_are_kept_but_marked_read_only(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)

    with cvd_engine.connect() as connection:
        deleted = set(connection.scalars(select(cvd.devices.c.asset).where(cvd.devices.c.deleted_at.is_not(None))))
    devices = FleetRepository(working_copy).devices()
    assert len(deleted) == 6 and {d.asset_number for d in devices if d.removed} == deleted
    removed = next(d for d in devices if d.removed)
    assert removed.why_read_only is not None and "deleted in CVD" in removed.why_read_only
    assert all(d.why_read_only is None for d in devices if not d.removed)

    with cvd_engine.begin() as connection:  # the web app restores one
        connection.execute(
            update(cvd.devices).where(cvd.devices.c.asset == removed.asset_number).values(deleted_at=None)
        )
    pull(cvd_engine, working_copy)
    assert not next(d for d in FleetRepository(working_copy).devices() if d.id == removed.id).removed


def test_a_user_switched_off_in_cvd_may_only_read(cvd_engine: Engine, working_copy: Engine) -> None:
    from designer.roles import Action, Role
    from storage.users import sign_in

    with cvd_engine.connect() as connection:
        manager = connection.scalar(select(cvd.users.c.username).where(cvd.users.c.role == "manager"))
    pull(cvd_engine, working_copy)
    assert sign_in(working_copy, manager).can(Action.EDIT)

    with cvd_engine.begin() as connection:
        connection.execute(update(cvd.users).where(cvd.users.c.username == manager).values(is_active=False))
    pull(cvd_engine, working_copy)

    user = sign_in(working_copy, manager)
    assert user.role is Role.VIEWER and not user.can(Action.EDIT)
    assert user.notice is not None and "switched off in CVD" in user.notice
