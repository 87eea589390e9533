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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from designer.command_outcomes import RequestInvalid
from storage.audit import record
from storage.audit_sales import rebuild_sales
from storage.bulk_rows import BulkRows, allocate_ids
from storage.engine import session_factory
from storage.machine_audit_files import (
    CLOCK_AHEAD_ALLOWED,
    READ_COLUMNS,
    SELECTION_COLUMNS,
    AuditFile,
    AuditFilesInvalid,
    ParsedAudit,
    machine_key,
    parse_file,
    read_audit_files,
    read_time,
)
from storage.machine_audit_tables import (
    AuditImportRecord,
    AuditMachineRecord,
    AuditReadRecord,
    AuditSaleRecord,
    AuditSelectionRecord,
)
from storage.stored_time import stored_now
from storage.tables import Device

__all__ = [
    "CLOCK_AHEAD_ALLOWED",
    "AuditFile",
    "AuditFilesInvalid",
    "ImportSummary",
    "MachineSummary",
    "ParsedAudit",
    "cvd_audit_files",
    "import_audits",
    "link_machine",
    "machine_key",
    "machines",
    "parse_file",
    "read_audit_files",
    "read_time",
    "undo_import",
]

NOT_LINKED = "not linked: pass --device"
_CHUNK = 500


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
            key, key_source = item.machine_key
            summary = summaries.setdefault(key, MachineSummary(key, key_source, item.machine.model, None))
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
                    dxs_id=_first_of(parsed, key).machine.dxs_id[:40],
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
            _insert_reads(session, import_row.id, list(fresh.values()), machines, now, warnings)
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


def _first_of(parsed: Sequence[ParsedAudit], key: str) -> ParsedAudit:
    return next(item for item in parsed if item.machine_key[0] == key)


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


_READ_COLUMNS = ("id", "machine_id", "import_id", "imported_at", *READ_COLUMNS)


def _insert_reads(
    session: Session,
    import_id: int,
    items: Sequence[ParsedAudit],
    machines: dict[str, AuditMachineRecord],
    now: datetime,
    warnings: list[str],
) -> None:
    """The reads, then all their selections, through the driver (a 10,000-file import writes ~500,000 selection
    rows: SQLAlchemy's per-row parameter handling was most of its storing time); ids are handed out first."""
    connection = session.connection()
    reads = BulkRows(connection, AuditReadRecord.__table__, _READ_COLUMNS)
    selections = BulkRows(connection, AuditSelectionRecord.__table__, ("read_id", *SELECTION_COLUMNS))
    read_ids = allocate_ids(connection, AuditReadRecord.__table__, len(items))
    stored_now_value = reads.stored("imported_at", now)
    read_rows, selection_rows = [], []
    for read_id, item in zip(read_ids, items, strict=True):
        warnings.extend(f"{item.file_name}: {warning}" for warning in item.warnings)
        read_rows.append(
            (
                read_id,
                machines[item.machine_key[0]].id,
                import_id,
                stored_now_value,
                *(reads.stored(name, value) for name, value in zip(READ_COLUMNS, item.read_row(), strict=True)),
            )
        )
        selection_rows.extend(
            (read_id, *row[:-1], selections.stored("sold_out_at", row[-1])) for row in item.selections
        )
    reads.insert(read_rows)
    selections.insert(selection_rows)


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
