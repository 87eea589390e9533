"""Telemetry sales into the working copy: sales rows every model reads, matched to our machines and products,
on the slot the coil's selection code names; idempotent, all or nothing, and taken back whole (SQLite and PG)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from designer.sales_exports import CoilRule, read_export
from storage.engine import session_factory
from storage.sales_imports import Matches, ProposalsPending, RowsRefused, import_sales, plan_import, undo_import
from storage.schema import head_revision, prepare_database
from storage.tables import (
    CabinetRecord,
    Device,
    PlanogramRecord,
    PlanogramSlotRecord,
    ProductRecord,
    SaleRecord,
)
from tests.sales_exports.seed_files import seed_row, write_seed

ZONE = "America/New_York"
INDEXED = ("sales", "sales_import_lines")


def _import(engine, path: Path, **options):  # type: ignore[no-untyped-def]
    skip = options.pop("skip_refused", False)
    plan = plan_import(engine, read_export(path), time_zone=ZONE, **options)
    return import_sales(engine, plan, skip_refused=skip, file_name=path.name)


def _count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0


def test_a_new_machine_is_created_with_its_shape_and_slots_and_the_same_file_twice_adds_nothing(
    database_url: str, tmp_path: Path
) -> None:
    engine = prepare_database(database_url)
    path = write_seed(
        tmp_path / "jan.csv",
        [
            seed_row(product="Takis", basket="9", coil="110"),
            seed_row(product="Cola", basket="9", coil="148", price="2"),
            seed_row(product="Cola", basket="10", coil="148", price="2", kind="Cash", day="Sunday, January 2, 2022"),
            seed_row(product="Water", basket="11", coil="123", qty="2"),
        ],
    )
    summary = _import(engine, path).as_json()
    assert (summary["sales_added"], summary["devices_created"], summary["products_created"]) == (4, 1, 3)
    assert summary["baskets_with_more_than_one_item"] == 1
    with session_factory(engine)() as session:
        cabinet = session.scalars(select(CabinetRecord)).one()
        assert (cabinet.rows, cabinet.columns) == (4, 9)  # trays 1–4, columns 0–8
        slots = {s.position: s.selection_code for s in session.scalars(select(PlanogramSlotRecord))}
        assert slots == {"A1": "10", "D9": "48", "B4": "23"}  # each coil's code where the default differs
        sales = session.scalars(select(SaleRecord).order_by(SaleRecord.id)).all()
        assert [s.position for s in sales] == ["A1", "D9", "D9", "B4"]
        assert sales[0].transaction_id == sales[1].transaction_id != sales[2].transaction_id
        assert sales[0].sold_at.hour == 17  # noon in New York in January is 17:00 UTC
    again = _import(engine, path).as_json()
    assert (again["sales_added"], again["already_present"], again["devices_created"]) == (0, 4, 0)
    assert _count(engine, SaleRecord) == 4


def test_a_refused_row_imports_nothing_unless_skipping_is_asked(database_url: str, tmp_path: Path) -> None:
    engine = prepare_database(database_url)
    path = write_seed(tmp_path / "bad.csv", [seed_row(), seed_row(status="Unlinked"), seed_row(basket="2")])
    with pytest.raises(RowsRefused) as refused:
        _import(engine, path)
    assert [row.line_number for row in refused.value.rows] == [3]
    assert _count(engine, SaleRecord) == _count(engine, Device) == _count(engine, ProductRecord) == 0
    assert _import(engine, path, skip_refused=True).sales_added == 2


def test_undo_takes_an_import_back_with_what_it_created(database_url: str, tmp_path: Path) -> None:
    engine = prepare_database(database_url)
    first = _import(engine, write_seed(tmp_path / "a.csv", [seed_row(basket="1"), seed_row(basket="2")]))
    second = _import(engine, write_seed(tmp_path / "b.csv", [seed_row(basket="3", day="1/3/2022")]))
    assert second.created["devices"] == []  # the machine is remembered
    body = undo_import(engine, second.import_id)  # type: ignore[arg-type]
    assert (body["sales_removed"], body["devices_removed"]) == (1, 0)
    undo_import(engine, first.import_id)  # type: ignore[arg-type]
    for table in (SaleRecord, Device, ProductRecord, PlanogramRecord, CabinetRecord):
        assert _count(engine, table) == 0


def test_a_known_machine_sells_from_the_slot_carrying_the_coils_selection_code(
    database_url: str, tmp_path: Path
) -> None:
    engine = prepare_database(database_url)
    with session_factory(engine).begin() as session:
        device = Device(name="Lobby", asset_number="VJ1", location_type="office")
        takis = ProductRecord(name="Takis", category="snacks", price=1.5)
        session.add_all([device, takis])
        session.flush()
        session.add(CabinetRecord(device_id=device.id, cabinet_index=0, rows=6, columns=10, temperature_zone="ambient"))
        planogram = PlanogramRecord(
            device_id=device.id,
            cabinet_index=0,
            status="active",
            version=1,
            activated_at=datetime(2021, 1, 1),
        )
        session.add(planogram)
        session.flush()
        session.add(
            PlanogramSlotRecord(planogram_id=planogram.id, position="B2", product_id=takis.id, selection_code="23")
        )
        session.add(
            SaleRecord(
                device_id=device.id,
                position="B2",
                product_id=takis.id,
                sold_at=datetime(2021, 6, 1),
                unit_price=1.5,
                transaction_id=500,
            )
        )
    summary = _import(engine, write_seed(tmp_path / "s.csv", [seed_row(coil="123"), seed_row(coil="148")]))
    body = summary.as_json()
    assert body["devices"][0]["matched_by"] == "asset number" and body["products_matched"] == 1
    with session_factory(engine)() as session:
        imported = session.scalars(select(SaleRecord).where(SaleRecord.transaction_id != 500)).all()
    assert sorted(s.position for s in imported) == ["B2", "D8"]  # code 23 where typed in; 48 by default: D8
    assert all(s.transaction_id > 500 for s in imported)  # never joins an existing basket


def test_a_close_name_waits_for_confirmation_then_joins_our_product(database_url: str, tmp_path: Path) -> None:
    engine = prepare_database(database_url)
    with session_factory(engine).begin() as session:
        session.add(ProductRecord(name="Coca-Cola Zero Sugar", category="drinks", price=2))
    path = write_seed(tmp_path / "p.csv", [seed_row(product="Coca Cola Zero Sugars")])
    with pytest.raises(ProposalsPending) as pending:
        _import(engine, path)
    assert pending.value.proposals[0].match_name == "Coca-Cola Zero Sugar"
    assert _count(engine, SaleRecord) == 0
    summary = _import(engine, path, matches=Matches(accept_all=True)).as_json()
    assert (summary["products_matched"], summary["products_created"]) == (1, 0)


def test_a_corrected_coil_rule_is_used_and_remembered(database_url: str, tmp_path: Path) -> None:
    engine = prepare_database(database_url)
    rules = {"GuttenPlans x1367": CoilRule(1, 1)}
    _import(engine, write_seed(tmp_path / "r.csv", [seed_row(coil="148")]), coil_rules=rules)
    _import(engine, write_seed(tmp_path / "r2.csv", [seed_row(coil="141", basket="5")]))
    with session_factory(engine)() as session:
        assert sorted(session.scalars(select(SaleRecord.position))) == ["D1", "D8"]


def test_a_database_from_the_previous_schema_gains_the_import_tables_and_keeps_its_sales(database_url: str) -> None:
    old = prepare_database(database_url, revision="0010_machine_audits")
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO devices (id, name, asset_number, location_type, location_name) "
                "VALUES (1, 'Lobby', 'A-1', 'office', 'HQ')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO products (id, name, category, price, unit_cost, temperature_requirement, "
                "health_score, is_system) VALUES (1, 'Takis', 'chips', 1.50, 0.6, 'ambient', 5, false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sales (device_id, cabinet_index, position, product_id, sold_at, quantity, "
                "unit_price, transaction_id) VALUES (1, 0, 'A1', 1, '2022-01-01 12:00:00', 1, 1.5, 7)"
            )
        )
    old.dispose()
    engine = prepare_database(database_url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        assert connection.scalar(text("SELECT count(*) FROM sales")) == 1
        assert connection.scalar(text("SELECT count(*) FROM sales_import_lines")) == 0


def test_an_import_cancelled_while_storing_leaves_nothing_and_the_tables_keep_their_indexes(
    database_url: str, tmp_path: Path
) -> None:
    engine = prepare_database(database_url)
    path = write_seed(
        tmp_path / "s.csv", [seed_row(basket=str(1000 + n), coil=f"1{n % 4 + 1}{n % 9}") for n in range(40)]
    )
    plan = plan_import(engine, read_export(path), time_zone=ZONE)

    def cancel(step: str, done: int, of: int) -> None:
        raise KeyboardInterrupt("Cancel pressed")

    indexes_before = {table: {i["name"] for i in inspect(engine).get_indexes(table)} for table in INDEXED}
    with pytest.raises(KeyboardInterrupt):
        import_sales(engine, plan, progress=cancel)
    assert _count(engine, SaleRecord) == 0 and _count(engine, Device) == 0
    assert {table: {i["name"] for i in inspect(engine).get_indexes(table)} for table in INDEXED} == indexes_before
    assert import_sales(engine, plan_import(engine, read_export(path), time_zone=ZONE)).sales_added == 40
    assert {table: {i["name"] for i in inspect(engine).get_indexes(table)} for table in INDEXED} == indexes_before


def test_a_later_export_overlapping_a_larger_one_adds_only_its_new_lines(database_url: str, tmp_path: Path) -> None:
    engine = prepare_database(database_url)
    rows = [seed_row(basket=str(2000 + n), coil=f"1{n % 4 + 1}{n % 9}", kind="Cash") for n in range(30)]
    _import(engine, write_seed(tmp_path / "january.csv", rows))
    later = _import(engine, write_seed(tmp_path / "overlap.csv", [rows[3], seed_row(basket="9999", coil="141")]))
    assert (later.sales_added, later.plan.already_present) == (1, 1)
    assert _count(engine, SaleRecord) == 31
