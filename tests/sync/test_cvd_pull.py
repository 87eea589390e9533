"""Pulling a CVD database: it opens with all its devices, layouts and sales (the generated one and the real
sample alike), and later pulls bring only what is new."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import Engine, func, insert, select, update

from designer.cabinets import TemperatureZone
from storage.cvd import schema as cvd
from storage.cvd.pull import PullSummary, pull
from storage.engine import session_factory
from storage.fleet import FleetRepository
from storage.sync_tables import DexSelectionRecord
from storage.tables import PlanogramRecord, PlanogramSlotRecord, SaleRecord
from tests.cvd_builder import DEX_ASSET, SHOWCASE_COOLER, CvdFleet


def _count(engine: Engine, query) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def _planogram(key: str):  # type: ignore[no-untyped-def]
    """CVD's id of the planogram ``key`` (e.g. 999-Cooler-0), as a subquery."""
    return select(cvd.planograms.c.id).where(cvd.planograms.c.planogram_key == key).scalar_subquery()


def _device(cvd_engine: Engine, asset: str) -> int:
    with cvd_engine.connect() as connection:
        return int(connection.scalar(select(cvd.devices.c.id).where(cvd.devices.c.asset == asset)))


def _arrives_whole(
    cvd_engine: Engine, working_copy: Engine, reference: tuple[int, int, int, int], rest: tuple[int, int, int, int]
) -> PullSummary:
    """Pull, then every device, location, cabinet, product, planogram, slot, sale and DEX record is there."""
    devices, _locations, cabinets, _products = reference
    _planograms, _slots, sales, dex = rest
    summary = pull(cvd_engine, working_copy)

    assert (summary.devices, summary.locations, summary.cabinets, summary.products) == reference
    assert (summary.planograms, summary.slots, summary.sales_new, summary.dex_new) == rest
    fleet = FleetRepository(working_copy)
    assert len(fleet.devices()) == devices
    active = select(func.count()).select_from(PlanogramRecord).where(PlanogramRecord.status == "active")
    assert _count(working_copy, active) == cabinets
    assert _count(working_copy, select(func.count()).select_from(SaleRecord)) >= sales  # units spread over slots
    transactions = select(func.count(func.distinct(SaleRecord.transaction_id)))
    assert _count(working_copy, transactions) == sales  # one synthetic basket per CVD row, never merged
    assert _count(working_copy, select(func.count()).select_from(DexSelectionRecord)) == dex
    units = _count(cvd_engine, select(func.sum(cvd.sales.c.sale_units)))
    assert _count(working_copy, select(func.sum(SaleRecord.quantity))) == units
    return summary


def test_the_sample_arrives_whole(sample_engine: Engine, working_copy: Engine) -> None:
    summary = _arrives_whole(sample_engine, working_copy, (20, 10, 44, 32), (44, 1658, 2731, 603))
    assert (summary.slots, summary.sales_new, summary.dex_new) == (1658, 2731, 603)  # SCHEMA.md's own figures


def test_a_cvd_database_arrives_whole(cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet) -> None:
    f = cvd_fleet
    _arrives_whole(
        cvd_engine,
        working_copy,
        (f.devices, f.locations, f.cabinets, f.products),
        (f.planograms, f.slots, f.sales, f.dex_records),
    )
    units = select(func.sum(SaleRecord.quantity))
    assert _count(working_copy, units) == f.sale_units  # what the builder wrote, not only what CVD reads back
    assert f.cabinets == f.planograms and f.empty_slots > 0 and f.deleted_assets  # every case is in it


def test_each_layout_is_the_one_the_web_app_shows(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
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
    assert len(shown) == cvd_fleet.slots - cvd_fleet.empty_slots  # every slot not holding EMPTY_SLOT


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


def test_a_second_pull_brings_only_new_sales(cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet) -> None:
    pull(cvd_engine, working_copy)
    device_999 = _device(cvd_engine, "999")
    with cvd_engine.begin() as connection:
        connection.execute(
            insert(cvd.sales),
            [
                {
                    "device_id": device_999,
                    "product_id": 12,
                    "sale_units": 3,
                    "sale_cash": 7.5,
                    "created_at": "2025-08-06 10:00:00",
                    "updated_at": "2025-08-06 10:00:00",
                },
                {
                    "device_id": device_999,
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
    transactions = select(func.count(func.distinct(SaleRecord.transaction_id)))
    assert _count(working_copy, transactions) == cvd_fleet.sales + 2
    with session_factory(working_copy)() as session:
        newest = session.scalars(select(SaleRecord).order_by(SaleRecord.sold_at.desc())).first()
    assert (newest.quantity, float(newest.unit_price)) == (1, 4.0)
    with working_copy.connect() as connection:
        holding = set(
            connection.scalars(
                select(PlanogramSlotRecord.position)
                .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
                .where(
                    PlanogramRecord.device_id == newest.device_id,
                    PlanogramRecord.cabinet_index == newest.cabinet_index,
                    PlanogramRecord.status == "active",
                    PlanogramSlotRecord.product_id == newest.product_id,
                )
            )
        )
    assert newest.cabinet_index == 0 and "A4" in holding  # 999-Cooler-0 holds the burrito from A4 on
    assert newest.position in holding  # its one unit went to one of the slots holding it


def test_a_layout_edited_in_the_web_app_arrives_as_a_new_active_version(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    pull(cvd_engine, working_copy)
    with cvd_engine.begin() as connection:  # the web app changes a slot and, as it does, leaves updated_at alone
        connection.execute(
            update(cvd.planogram_slots)
            .where(
                cvd.planogram_slots.c.planogram_id == _planogram(SHOWCASE_COOLER),
                cvd.planogram_slots.c.slot_position == "A1",
            )
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


def test_the_samples_dex_reads_give_a_device_its_per_slot_sales_between_reads(
    sample_engine: Engine, working_copy: Engine
) -> None:
    from storage.cvd.dex import slot_history

    cvd_engine = sample_engine
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


def test_dex_reads_give_a_device_its_per_slot_sales_between_reads(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    """The builder's machine :data:`DEX_ASSET` counts columns from 0 and had one selection reset between reads."""
    from storage.cvd.dex import slot_history

    reads = {r["id"]: r["upload_timestamp"] for r in cvd_fleet.rows["dex_reads"] if r["machine_serial"] == DEX_ASSET}
    series: dict[str, list[tuple[str, int, int]]] = {}
    for record in cvd_fleet.rows["dex_pa_records"]:
        if record["dex_read_id"] in reads:  # row 0 is A; this machine's column 0 is position 1
            position = f"{chr(ord('A') + int(record['row']))}{int(record['column']) + 1}"
            when = reads[record["dex_read_id"]]
            series.setdefault(position, []).append((when, record["units_sold"], record["revenue_cents"]))
    expected = sorted(
        (position, later[1] - earlier[1], (later[2] - earlier[2]) / 100)
        for position, counters in series.items()
        for earlier, later in pairwise(counters)
        if later[1] >= earlier[1]  # a counter that went down was reset: a new series, no negative sales
    )
    pull(cvd_engine, working_copy)
    device = next(d for d in FleetRepository(working_copy).devices() if d.asset_number == DEX_ASSET)

    history = slot_history(working_copy, device.id)

    assert sorted((p.position, p.units, p.revenue) for p in history) == expected
    assert len(expected) < sum(len(c) - 1 for c in series.values())  # the reset period is left out
    assert any(units for _position, units, _cash in expected) and {"A1", "B1"} <= set(series)
    assert all(p.end > p.start for p in history)


def test_devices_deleted_in_cvd_are_kept_but_marked_read_only(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    pull(cvd_engine, working_copy)

    with cvd_engine.connect() as connection:
        deleted = set(connection.scalars(select(cvd.devices.c.asset).where(cvd.devices.c.deleted_at.is_not(None))))
    devices = FleetRepository(working_copy).devices()
    assert deleted == cvd_fleet.deleted_assets and {d.asset_number for d in devices if d.removed} == deleted
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
