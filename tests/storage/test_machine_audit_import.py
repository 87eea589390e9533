"""Machine audits into the database, as an operator meets it: real reads of the CVD sample imported once however
often they arrive, a machine linked to a device by its asset number, the sales between its reads attached to the
slots carrying its selection codes, an import taken back whole, a bad file refused with nothing imported.

Storage tests run on SQLite and on PostgreSQL (``database_url``); the command's own tests on a SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text

from designer.machine_audits import AuditRead, audit_to_text, parse_audit
from main import main
from storage.audit_sales import slot_sales
from storage.machine_audit_tables import AuditMachineRecord, AuditReadRecord, AuditSaleRecord, AuditSelectionRecord
from storage.machine_audits import (
    AuditFile,
    AuditFilesInvalid,
    import_audits,
    link_machine,
    read_audit_files,
    undo_import,
)
from storage.schema import current_revision, head_revision, prepare_database
from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord
from tests.machine_audits.test_sales_between_reads import advanced, sold_plan
from tests.shared_sample import cvd_sample_path

ARRIVED = datetime(2025, 8, 1, 12, 0)
PREVIOUS = "0009_slot_selection_and_card_price"


@pytest.fixture(scope="module")
def uploads() -> list[tuple[int, str, str]]:
    with sqlite3.connect(cvd_sample_path()) as connection:
        return connection.execute("SELECT id, filename, raw_content FROM dex_reads ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def crane(uploads: list[tuple[int, str, str]]) -> AuditRead:
    return parse_audit(next(raw for _id, name, raw in uploads if "187" in name))


def fleet(url: str) -> Engine:
    """A device (asset 999, id 1) with a 2×3 cabinet whose planogram, in force since July 2025, sells the Crane's
    selection 101 from B1 (a code typed in) and leaves the default codes (11, 12, …) elsewhere."""
    engine = prepare_database(url)
    with engine.begin() as connection:
        connection.execute(insert(Device).values(id=1, name="Lobby", asset_number="999", location_type="office"))
        connection.execute(insert(Device).values(id=2, name="Gym", asset_number="1", location_type="gym"))
        connection.execute(
            insert(CabinetRecord).values(device_id=1, cabinet_index=0, rows=2, columns=3, temperature_zone="ambient")
        )
        connection.execute(insert(ProductRecord).values(id=1, name="Doritos", category="chips", price=1.25))
        connection.execute(
            insert(PlanogramRecord).values(
                id=1, device_id=1, cabinet_index=0, status="active", version=1, activated_at=datetime(2025, 7, 1)
            )
        )
        connection.execute(
            insert(PlanogramSlotRecord).values(planogram_id=1, position="B1", product_id=1, selection_code="101")
        )
    return engine


def as_file(read: AuditRead, name: str) -> AuditFile:
    return AuditFile(name, audit_to_text(read).encode(), ARRIVED)


def test_the_samples_23_uploads_are_7_reads_however_often_imported(
    database_url: str, uploads: list[tuple[int, str, str]]
) -> None:
    engine = fleet(database_url)
    files = [AuditFile(name, raw, ARRIVED, upload) for upload, name, raw in uploads]
    first = import_audits(engine, read_audit_files(files))
    again = import_audits(engine, read_audit_files(files))
    assert (first.reads_new, first.reads_already_imported) == (7, 16)
    assert (again.import_id, again.reads_new, again.reads_already_imported) == (None, 0, 23)
    assert sorted(machine.machine for machine in first.machines) == sorted(
        ["0799139808", "TX09200905", "TW20185083", "6150210000", "DIX", "D0451879", "301021333"]
    )  # the two AMS machines that share DXS id AUTSENSIT3 are two machines; the 501E has no serial: its DXS id
    assert first.not_linked == [machine.machine for machine in first.machines]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditReadRecord)) == 7
        assert (
            connection.scalar(select(func.count()).select_from(AuditSelectionRecord)) == 201
        )  # 603 over the 23 uploads
        crane_row = connection.execute(
            select(AuditSelectionRecord.paid_count, AuditSelectionRecord.paid_value, AuditSelectionRecord.cash_price)
            .join(AuditReadRecord, AuditReadRecord.id == AuditSelectionRecord.read_id)
            .where(AuditSelectionRecord.selection == "101", AuditReadRecord.file_name.like("%187%"))
        ).one()
    assert tuple(crane_row) == (1049, 120655, 125)  # PA201, PA202 in cents, PA102
    assert any("501E" in warning and "2037-07-10 05:43" in warning for warning in first.warnings)
    engine.dispose()


def test_sales_between_reads_land_on_the_slot_carrying_the_selection_code(database_url: str, crane: AuditRead) -> None:
    engine = fleet(database_url)
    first, second = sold_plan(crane, 2), sold_plan(crane, 7)
    middle = advanced(crane, first)
    last = advanced(middle, second, after_reset=True)
    files = [as_file(last, "c.dex"), as_file(crane, "a.dex"), as_file(middle, "b.dex")]  # out of order
    summary = import_audits(engine, read_audit_files(files), device_id=1)
    assert summary.linked_devices == [1] and summary.not_linked == []
    assert summary.sales_periods == 2 * 48
    sales = slot_sales(engine, 1)
    on_b1 = [(sale.period_end, sale.units, sale.value.amount) for sale in sales if sale.position == "B1"]
    price = crane.selections["101"].price.amount  # type: ignore[union-attr]
    end_of = [datetime.fromisoformat(str(moment)).astimezone(UTC).replace(tzinfo=None) for moment in
              (middle.read_at, last.read_at)]  # fmt: skip
    assert on_b1 == [(end_of[0], first["101"], first["101"] * price), (end_of[1], second["101"], second["101"] * price)]
    assert {sale.position for sale in sales if sale.selection != "101"} == {None}  # no slot carries 103, 105, …
    assert sum(sale.units for sale in sales) == sum(first.values()) + sum(second.values())
    undone = undo_import(engine, summary.import_id)  # type: ignore[arg-type]
    assert (undone["reads_removed"], undone["machines_removed"]) == (3, 1)
    assert slot_sales(engine, 1) == []
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditMachineRecord)) == 0
    engine.dispose()


def test_a_machine_imported_unlinked_is_linked_later_and_its_sales_follow(database_url: str, crane: AuditRead) -> None:
    engine = fleet(database_url)
    later = advanced(crane, sold_plan(crane, 1))
    summary = import_audits(engine, read_audit_files([as_file(crane, "a.dex"), as_file(later, "b.dex")]))
    assert summary.not_linked == ["301021333"]
    assert slot_sales(engine, 1) == []
    linked = link_machine(engine, "301021333", 1)
    assert linked["sales_periods"] == 48
    assert [sale.units for sale in slot_sales(engine, 1) if sale.position == "B1"] == [sold_plan(crane, 1)["101"]]
    with engine.connect() as connection:
        assert connection.scalar(select(AuditSaleRecord.device_id).distinct()) == 1
    engine.dispose()


def test_a_bad_file_in_a_batch_imports_nothing_and_names_file_line_and_field(
    database_url: str, crane: AuditRead
) -> None:
    engine = fleet(database_url)
    broken = audit_to_text(crane).replace("PA1*103*125", "PA1*103*1X5")
    files = [as_file(crane, "good.dex"), AuditFile("broken.dex", broken, ARRIVED)]
    with pytest.raises(AuditFilesInvalid) as refused:
        read_audit_files(files)
    assert str(refused.value).startswith("broken.dex: line ")
    assert "PA1 field 2 (PA102, price): expected a whole number, found '1X5'" in str(refused.value)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditReadRecord)) == 0
    engine.dispose()


def test_a_database_from_the_previous_release_takes_audits(database_url: str, crane: AuditRead) -> None:
    old = prepare_database(database_url, revision=PREVIOUS)
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO devices (id, name, asset_number, location_type, location_name, created_at) "
                "VALUES (1, 'Lobby', '999', 'office', 'HQ', '2026-01-01 08:00:00')"
            )
        )
    old.dispose()
    engine = prepare_database(database_url)
    assert current_revision(engine) == head_revision()
    summary = import_audits(engine, read_audit_files([as_file(crane, "a.dex")]), device_id=1)
    assert (summary.reads_new, summary.linked_devices) == (1, [1])
    engine.dispose()


# --- the command -------------------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status = main(["audit", *args])
    return status, json.loads(capsys.readouterr().out)


def test_the_command_imports_links_by_asset_number_and_undoes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], crane: AuditRead
) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.sqlite'}"
    fleet(url).dispose()
    later = advanced(crane, sold_plan(crane, 3))
    for name, read in (("a.dex", crane), ("b.dex", later)):
        (tmp_path / name).write_text(audit_to_text(read), newline="")
    status, body = run(capsys, "import", str(tmp_path / "a.dex"), "--db", url)
    assert (status, body["reads_new"], body["not_linked"]) == (0, 1, ["301021333"])
    assert body["machines"][0]["note"] == "not linked: pass --device"
    status, body = run(
        capsys, "import", str(tmp_path / "a.dex"), str(tmp_path / "b.dex"), "--device", "999", "--db", url
    )
    assert (status, body["reads_new"], body["reads_already_imported"], body["linked_devices"]) == (0, 1, 1, [1])
    assert body["sales_periods"] == 48
    status, body = run(capsys, "link", "301021333", "--device", "1", "--db", url)
    assert status == 2 and "'1' is device 1's id and device 2's asset number; write id:1 or asset:1" in body["error"]
    status, body = run(capsys, "link", "301021333", "--device", "asset:1", "--db", url)
    assert (status, body["device_id"], body["was_linked_to"]) == (0, 2, 1)
    status, body = run(capsys, "undo", "2", "--db", url)
    assert (status, body["reads_removed"]) == (0, 1)
    status, body = run(capsys, "machines", "--db", url)
    assert [(machine["machine"], machine["device_id"], machine["reads"]) for machine in body["machines"]] == [
        ("301021333", 2, 1)
    ]


def test_the_command_refuses_a_bad_file_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], crane: AuditRead
) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.sqlite'}"
    fleet(url).dispose()
    (tmp_path / "cut.dex").write_text(audit_to_text(crane).split("EA3")[0], newline="")
    status, body = run(capsys, "import", str(tmp_path / "cut.dex"), "--db", url)
    assert status == 2
    assert body["error"].startswith(f"{tmp_path / 'cut.dex'}: line ")
    assert "expected DXE, the line every audit file ends with" in body["error"]
    status, body = run(capsys, "machines", "--db", url)
    assert body["machines"] == []


def test_a_clock_running_ahead_is_not_believed(crane: AuditRead, tmp_path: Path) -> None:
    ahead = replace(crane, counters=replace(crane.counters, read_at=ARRIVED + timedelta(days=400)))  # type: ignore[arg-type]
    engine = fleet(f"sqlite:///{tmp_path / 'f.sqlite'}")
    summary = import_audits(engine, read_audit_files([as_file(ahead, "ahead.dex")]))
    with engine.connect() as connection:
        assert connection.execute(select(AuditReadRecord.read_at, AuditReadRecord.read_time_source)).one() == (
            ARRIVED,
            "file time",
        )
    assert (
        "after the file arrived (2025-08-01 12:00 UTC): the read is dated when the file arrived" in summary.warnings[-1]
    )
    engine.dispose()


def test_cvds_own_uploads_import_through_the_same_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.sqlite'}"
    fleet(url).dispose()
    sample = str(cvd_sample_path())
    status, body = run(capsys, "import", "--cvd", sample, "--db", url)
    assert (status, body["files"], body["reads_new"], body["reads_already_imported"]) == (0, 23, 7, 16)
    status, body = run(capsys, "import", "--cvd", sample, "--db", url)
    assert (status, body["import_id"], body["reads_new"]) == (0, None, 0)


def test_a_large_batch_parsed_in_worker_processes_reads_as_in_this_one(crane: AuditRead) -> None:
    """The import parses large batches in worker processes: the same reads come back, in order, and a bad file
    still refuses the whole batch naming file, line and field."""
    later = advanced(crane, sold_plan(crane, 3))
    files = [as_file(crane, "a.dex"), as_file(later, "b.dex"), as_file(advanced(later, sold_plan(crane, 5)), "c.dex")]
    in_this_process = read_audit_files(files, workers=1)
    assert read_audit_files(files, workers=2) == in_this_process  # forked: this process has one thread
    from_a_thread: list[object] = []  # as the designer calls it: workers are spawned then
    worker = threading.Thread(target=lambda: from_a_thread.append(read_audit_files(files, workers=2)))
    worker.start()
    worker.join()
    assert from_a_thread == [in_this_process]
    broken = AuditFile("bad.dex", audit_to_text(crane).replace("PA1*101*125", "PA1*101*1X5").encode(), ARRIVED)
    with pytest.raises(AuditFilesInvalid) as refused:
        read_audit_files([*files, broken], workers=2)
    assert "bad.dex: line" in str(refused.value) and "PA102" in str(refused.value)
