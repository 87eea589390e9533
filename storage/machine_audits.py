"""Machine audits into the database: import DEX files (all of a batch or none of it), link machines to devices,
take an import back, and rebuild what each selection sold between reads.

API for the GUI (``File → Import machine audit…``, drops on a device, the layout check):

* :func:`read_audit_files` parses files (all or nothing: :class:`AuditFilesInvalid` names each bad file, line
  and field) — run it in a worker, it does not touch the database;
* :func:`import_audits` stores parsed files as one import and returns an :class:`ImportSummary` (new reads, reads
  already imported, machines and whether each is linked, warnings); ``device_id`` links the import's one unlinked
  machine (the GUI asks which device when :attr:`ImportSummary.not_linked` is not empty, then calls
  :func:`link_machine`);
* :func:`link_machine` links (or re-links) a machine to a device and re-attaches its sales to that device's slots;
* :func:`undo_import` takes an import back as a whole;
* :func:`storage.audit_sales.slot_sales` gives per slot and period the units and value sold, for the per-slot
  history, heat-map overlays and models (beside CVD's sales rows, never added to them);
* :func:`machines` lists the machines, their links and reads.

Identity: a machine is its ``ID1`` serial, else (no serial) its ``DXS`` id (two AMS machines share ``AUTSENSIT3``).
A read is the same read when its DEX lines are (SHA-256 over the lines, so line ends and N&W envelopes do not
matter): importing it again changes nothing. The read's time is the machine's clock, taken as this computer's local
time, unless that is later than the file's arrival (a clock running ahead, as the sample's Dixie-Narco 501E at 2037):
then the arrival time, and a warning says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from designer.command_outcomes import RequestInvalid
from designer.machine_audits import AuditInvalid, AuditRead, parse_audit
from designer.machine_audits.lines import decode, source_lines
from designer.machine_audits.sales import read_counter
from storage.audit import record
from storage.audit_sales import rebuild_sales
from storage.engine import session_factory
from storage.machine_audit_tables import (
    AuditImportRecord,
    AuditMachineRecord,
    AuditReadRecord,
    AuditSaleRecord,
    AuditSelectionRecord,
)
from storage.stored_time import stored_now
from storage.tables import Device

CLOCK_AHEAD_ALLOWED = timedelta(days=1)
"""How far past the file's arrival a machine's clock may read before it is not believed (zones, slow uploads)."""
NOT_LINKED = "not linked: pass --device"
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class AuditFile:
    """One audit file as it arrived: its name, its bytes, when it arrived (UTC) and, from CVD, its upload id."""

    name: str
    data: bytes | str
    arrived_at: datetime
    cvd_dex_read_id: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedAudit:
    """A file read whole: its read, the hash that makes it the same read twice, and its normalised text."""

    file: AuditFile
    read: AuditRead
    content_hash: str


class AuditFilesInvalid(RequestInvalid):
    """Files that are not whole audits; nothing of the batch was imported. Each problem names the file, the line
    and the field."""


def read_audit_files(files: Iterable[AuditFile]) -> list[ParsedAudit]:
    """Every file parsed, or :class:`AuditFilesInvalid` naming each one that is not a whole audit."""
    parsed: list[ParsedAudit] = []
    problems: list[str] = []
    for audit_file in files:
        try:
            parsed.append(parse_file(audit_file))
        except AuditInvalid as invalid:
            problems.append(f"{audit_file.name}: {invalid}")
    if problems:
        raise AuditFilesInvalid(problems)
    return parsed


def cvd_audit_files(cvd_url: str) -> list[AuditFile]:
    """The raw reads a CVD database holds (``dex_reads.raw_content``), as files arriving at their upload time: CVD's
    uploads import through the same path as files (its 23 sample uploads are 7 reads)."""
    from sqlalchemy import text

    from storage.cvd.mapping import cvd_time
    from storage.engine import make_engine, normalise_url

    engine = make_engine(normalise_url(cvd_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, filename, raw_content, upload_timestamp FROM dex_reads ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return [
        AuditFile(f"CVD dex_reads {upload} ({name})", raw, cvd_time(uploaded) if uploaded else stored_now(), upload)
        for upload, name, raw, uploaded in rows
        if raw
    ]


def parse_file(audit_file: AuditFile) -> ParsedAudit:
    read = parse_audit(audit_file.data)
    text, _codec = decode(audit_file.data)
    lines = "\n".join(line.text for line in source_lines(text))
    return ParsedAudit(audit_file, read, hashlib.sha256(lines.encode("utf-8")).hexdigest())


def machine_key(read: AuditRead) -> tuple[str, str]:
    """The machine's key and where it came from: the ``ID1`` serial, else the ``DXS`` id."""
    serial = read.machine.serial.strip()
    return (serial, "ID1") if serial else (read.machine.dxs_id.strip(), "DXS")


@dataclass
class MachineSummary:
    """One machine an import touched: its key, model, the device it is linked to (None: not linked), its reads."""

    machine: str
    key_source: str
    model: str
    device_id: int | None
    reads_new: int = 0
    reads_already_imported: int = 0

    def as_json(self) -> dict[str, Any]:
        linked: dict[str, Any] = {"device_id": self.device_id} if self.device_id is not None else {"note": NOT_LINKED}
        return {
            "machine": self.machine,
            "identified_by": "ID1 serial" if self.key_source == "ID1" else "DXS id (no ID1 serial)",
            "model": self.model,
            "reads_new": self.reads_new,
            "reads_already_imported": self.reads_already_imported,
            **linked,
        }


@dataclass
class ImportSummary:
    """What an import did; ``import_id`` None when it changed nothing (every read was in already)."""

    import_id: int | None
    files: int
    reads_new: int
    reads_already_imported: int
    machines: list[MachineSummary]
    warnings: list[str] = field(default_factory=list)
    sales_periods: int = 0

    @property
    def not_linked(self) -> list[str]:
        return [machine.machine for machine in self.machines if machine.device_id is None]

    @property
    def linked_devices(self) -> list[int]:
        return sorted({machine.device_id for machine in self.machines if machine.device_id is not None})

    def as_json(self) -> dict[str, Any]:
        return {
            "success": True,
            "import_id": self.import_id,
            "files": self.files,
            "reads_new": self.reads_new,
            "reads_already_imported": self.reads_already_imported,
            "machines": [machine.as_json() for machine in self.machines],
            "linked_devices": self.linked_devices,
            "not_linked": self.not_linked,
            "sales_periods": self.sales_periods,
            "warnings": self.warnings,
        }


def import_audits(
    engine: Engine,
    parsed: Sequence[ParsedAudit],
    *,
    device_id: int | None = None,
    user_id: int | None = None,
    source: str = "files",
) -> ImportSummary:
    """Store ``parsed`` as one import, in one transaction: each read once, each machine once (linked to
    ``device_id`` if given and it is not linked yet), then the sales between its reads rebuilt."""
    now = stored_now()
    with session_factory(engine).begin() as session:
        known = _known_hashes(session, [item.content_hash for item in parsed])
        fresh: dict[str, ParsedAudit] = {}
        summaries: dict[str, MachineSummary] = {}
        for item in parsed:
            key, key_source = machine_key(item.read)
            summary = summaries.setdefault(key, MachineSummary(key, key_source, item.read.machine.model, None))
            if item.content_hash in known or item.content_hash in fresh:
                summary.reads_already_imported += 1
            else:
                fresh[item.content_hash] = item
                summary.reads_new += 1
        machines = _machines(session, summaries)
        _check_device_link(session, device_id, summaries, machines)
        import_row = None
        if fresh:
            import_row = AuditImportRecord(imported_at=now, user_id=user_id, source=source, files=len(parsed))
            session.add(import_row)
            session.flush()
        for key, summary in summaries.items():
            machine = machines.get(key)
            if machine is None:
                machine = AuditMachineRecord(
                    machine_key=key,
                    key_source=summary.key_source,
                    dxs_id=_first_read(parsed, key).machine.dxs_id[:40],
                    model=summary.model[:60],
                    import_id=None if import_row is None else import_row.id,
                )
                session.add(machine)
                machines[key] = machine
            if machine.device_id is None and device_id is not None:
                machine.device_id, machine.linked_at = device_id, now
            summary.device_id = machine.device_id
        session.flush()
        warnings: list[str] = []
        if import_row is not None:
            _insert_reads(session, import_row.id, fresh.values(), machines, now, warnings)
        touched = [machines[key].id for key, summary in summaries.items() if summary.reads_new or device_id]
        periods = rebuild_sales(session, touched)
        if import_row is not None:
            record(
                session,
                user_id,
                "audit.import",
                {"files": len(parsed), "reads_new": len(fresh), "machines": sorted(summaries)},
                resource_type="audit_import",
                resource_id=import_row.id,
            )
    return ImportSummary(
        None if import_row is None else import_row.id,
        len(parsed),
        len(fresh),
        len(parsed) - len(fresh),
        list(summaries.values()),
        warnings,
        periods,
    )


def _first_read(parsed: Sequence[ParsedAudit], key: str) -> AuditRead:
    return next(item.read for item in parsed if machine_key(item.read)[0] == key)


def _known_hashes(session: Session, hashes: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        known.update(
            session.scalars(select(AuditReadRecord.content_hash).where(AuditReadRecord.content_hash.in_(chunk)))
        )
    return known


def _machines(session: Session, summaries: dict[str, MachineSummary]) -> dict[str, AuditMachineRecord]:
    keys = list(summaries)
    found: dict[str, AuditMachineRecord] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = session.scalars(
            select(AuditMachineRecord).where(AuditMachineRecord.machine_key.in_(keys[start : start + _CHUNK]))
        )
        found.update({row.machine_key: row for row in rows})
    return found


def _check_device_link(
    session: Session,
    device_id: int | None,
    summaries: dict[str, MachineSummary],
    machines: dict[str, AuditMachineRecord],
) -> None:
    """``--device`` links one machine: refused when the files hold several unlinked ones, or when the one they hold
    is linked to another device already (that is :func:`link_machine`'s to change)."""
    if device_id is None:
        return
    if session.get(Device, device_id) is None:
        raise RequestInvalid(f"device {device_id} is not in this database")
    unlinked = [key for key in summaries if key not in machines or machines[key].device_id is None]
    if len(unlinked) > 1:
        raise RequestInvalid(
            f"the files hold {len(unlinked)} machines not linked to a device ({', '.join(sorted(unlinked))}); "
            "--device links one: import each machine's files on their own, or leave --device out and link each "
            "with 'audit link MACHINE --device ID_OR_ASSET'"
        )
    for key in summaries:
        machine = machines.get(key)
        if machine is not None and machine.device_id not in (None, device_id):
            raise RequestInvalid(
                f"machine {key} is linked to device {machine.device_id}, not {device_id}; to move it, run "
                f"'audit link {key} --device {device_id}'"
            )


def _insert_reads(
    session: Session,
    import_id: int,
    items: Iterable[ParsedAudit],
    machines: dict[str, AuditMachineRecord],
    now: datetime,
    warnings: list[str],
) -> None:
    """Reads one by one (their ids are needed), then all their selections in one executemany."""
    selection_rows: list[dict[str, Any]] = []
    read_table = AuditReadRecord.__table__
    for item in items:
        read = item.read
        key = machine_key(read)[0]
        read_at, time_source, note = read_time(read, item.file.arrived_at)
        notes = [*read.warnings, *([note] if note else [])]
        warnings.extend(f"{item.file.name}: {warning}" for warning in notes)
        counters = read.counters
        resets = None
        if counters is not None:
            resets = counters.resets_since_init if counters.resets_since_init is not None else counters.reads_with_reset
        text, _codec = decode(item.file.data)
        read_id = session.execute(
            insert(read_table).returning(read_table.c.id),
            {
                "machine_id": machines[key].id,
                "import_id": import_id,
                "read_at": read_at,
                "read_time_source": time_source,
                "machine_clock_at": read.read_at,
                "read_counter": read_counter(read),
                "resets": resets,
                "content_hash": item.content_hash,
                "raw_text": text,
                "file_name": item.file.name[-255:],
                "cvd_dex_read_id": item.file.cvd_dex_read_id,
                "currency": read.currency,
                "decimals": read.decimals,
                "crc_verified": read.crc_verified,
                "warnings": json.dumps(notes),
                "imported_at": now,
            },
        ).scalar_one()
        selection_rows.extend(selection_row(read_id, read, name) for name in read.selections)
    for start in range(0, len(selection_rows), 5 * _CHUNK):
        session.execute(insert(AuditSelectionRecord), selection_rows[start : start + 5 * _CHUNK])


def selection_row(read_id: int, read: AuditRead, name: str) -> dict[str, Any]:
    """One selection as stored: the standard's fields, amounts in the read's minor units."""
    selection = read.selections[name]
    places = read.decimals

    def minor(money: Any) -> int | None:
        return None if money is None else int(money.amount.scaleb(places))

    cash = next((split.price for split in selection.payments if split.device == "CA" and split.price), None)
    card = next((split.price for split in selection.payments if split.device in ("DA", "DB") and split.price), None)
    paid = selection.paid
    since_init = paid.since_init if paid is not None else None
    since_reset = paid.since_reset if paid is not None else None
    test = selection.test_vends.since_init if selection.test_vends is not None else None
    free = selection.free_vends.since_init if selection.free_vends is not None else None
    sold_out = selection.sold_out
    return {
        "read_id": read_id,
        "selection": name,
        "cash_price": minor(cash or selection.price),
        "card_price": minor(card),
        "capacity": selection.capacity,
        "paid_count": None if since_init is None else since_init.count,
        "paid_value": None if since_init is None else minor(since_init.value),
        "paid_count_since_reset": None if since_reset is None else since_reset.count,
        "paid_value_since_reset": None if since_reset is None else minor(since_reset.value),
        "test_count": None if test is None else test.count,
        "free_count": None if free is None else free.count,
        "sold_out_count": None if sold_out is None else sold_out.count,
        "sold_out_at": None if sold_out is None else sold_out.last_at,
    }


def read_time(read: AuditRead, arrived_at: datetime) -> tuple[datetime, str, str]:
    """When the read was taken, in UTC, where that came from, and a warning when the machine's clock is not
    believed. The clock is taken as this computer's local time."""
    clock = read.read_at
    if clock is None:
        return arrived_at, "file time", ""
    as_utc = clock.astimezone(UTC).replace(tzinfo=None)
    if as_utc > arrived_at + CLOCK_AHEAD_ALLOWED:
        return (
            arrived_at,
            "file time",
            f"the machine's clock says {clock:%Y-%m-%d %H:%M}, after the file arrived ({arrived_at:%Y-%m-%d %H:%M} "
            "UTC): the read is dated when the file arrived",
        )
    return as_utc, "machine clock", ""


def link_machine(engine: Engine, machine: str, device_id: int, *, user_id: int | None = None) -> dict[str, Any]:
    """Link (or move) ``machine`` (its serial or DXS id) to ``device_id``; its sales are attached to that device's
    slots from now on (rebuilt). Refuses a machine no import has named."""
    with session_factory(engine).begin() as session:
        row = session.scalars(select(AuditMachineRecord).where(AuditMachineRecord.machine_key == machine)).first()
        if row is None:
            known = sorted(session.scalars(select(AuditMachineRecord.machine_key)))
            listed = ", ".join(known[:20]) if known else "none yet: import its audit first"
            raise RequestInvalid(f"no imported audit names machine {machine!r}; the machines known are {listed}")
        if session.get(Device, device_id) is None:
            raise RequestInvalid(f"device {device_id} is not in this database")
        before = row.device_id
        row.device_id, row.linked_at = device_id, stored_now()
        session.flush()
        periods = rebuild_sales(session, [row.id])
        record(
            session,
            user_id,
            "audit.link",
            {"machine": machine, "device_id": device_id, "was": before},
            resource_type="device",
            resource_id=device_id,
        )
    return {
        "success": True,
        "machine": machine,
        "device_id": device_id,
        "was_linked_to": before,
        "sales_periods": periods,
    }


def undo_import(engine: Engine, import_id: int, *, user_id: int | None = None) -> dict[str, Any]:
    """Take import ``import_id`` back: its reads and everything derived from them, and the machines it introduced
    that no other import has read; the sales of the machines it touched are rebuilt from the reads left."""
    with session_factory(engine).begin() as session:
        if session.get(AuditImportRecord, import_id) is None:
            imports = sorted(session.scalars(select(AuditImportRecord.id)))
            listed = ", ".join(map(str, imports[-20:])) if imports else "none"
            raise RequestInvalid(f"there is no audit import {import_id}; the imports are {listed}")
        machine_ids = set(
            session.scalars(select(AuditReadRecord.machine_id).where(AuditReadRecord.import_id == import_id))
        )
        reads = (
            session.scalar(select(func.count(AuditReadRecord.id)).where(AuditReadRecord.import_id == import_id)) or 0
        )
        read_ids = select(AuditReadRecord.id).where(AuditReadRecord.import_id == import_id)
        session.execute(delete(AuditSelectionRecord).where(AuditSelectionRecord.read_id.in_(read_ids)))
        session.execute(delete(AuditSaleRecord).where(AuditSaleRecord.read_id.in_(read_ids)))
        session.execute(delete(AuditReadRecord).where(AuditReadRecord.import_id == import_id))
        emptied = [
            machine_id
            for machine_id in machine_ids
            if session.scalar(select(func.count(AuditReadRecord.id)).where(AuditReadRecord.machine_id == machine_id))
            == 0
        ]
        introduced = set(
            session.scalars(
                select(AuditMachineRecord.id).where(
                    AuditMachineRecord.import_id == import_id, AuditMachineRecord.id.in_(emptied)
                )
            )
        )
        session.execute(delete(AuditSaleRecord).where(AuditSaleRecord.machine_id.in_(introduced)))
        session.execute(delete(AuditMachineRecord).where(AuditMachineRecord.id.in_(introduced)))
        session.execute(delete(AuditImportRecord).where(AuditImportRecord.id == import_id))
        rebuild_sales(session, sorted(machine_ids - introduced))
        record(
            session,
            user_id,
            "audit.undo",
            {"import_id": import_id, "reads": reads, "machines_removed": len(introduced)},
            resource_type="audit_import",
            resource_id=import_id,
        )
    return {"success": True, "import_id": import_id, "reads_removed": reads, "machines_removed": len(introduced)}


def machines(engine: Engine) -> list[dict[str, Any]]:
    """Every machine audits have named: key, model, linked device (None: not linked), reads and the last read's
    time (UTC)."""
    query = (
        select(
            AuditMachineRecord.machine_key,
            AuditMachineRecord.key_source,
            AuditMachineRecord.model,
            AuditMachineRecord.device_id,
            func.count(AuditReadRecord.id),
            func.max(AuditReadRecord.read_at),
        )
        .outerjoin(AuditReadRecord, AuditReadRecord.machine_id == AuditMachineRecord.id)
        .group_by(AuditMachineRecord.id)
        .order_by(AuditMachineRecord.machine_key)
    )
    with engine.connect() as connection:
        return [
            {
                "machine": key,
                "identified_by": "ID1 serial" if source == "ID1" else "DXS id (no ID1 serial)",
                "model": model,
                "device_id": device,
                "reads": reads,
                "last_read_at": None if last is None else str(last),
                **({} if device is not None else {"note": NOT_LINKED}),
            }
            for key, source, model, device, reads, last in connection.execute(query)
        ]
