"""Audit files read into what the import stores: each file parsed whole (all of a batch or none of it), boiled
down to its machine, its dated read and one row per selection.

Why a module apart from :mod:`storage.machine_audits`: parsing is most of an import's time, so a large batch is
parsed in worker processes (:func:`read_audit_files`), and a worker imports this module alone — no SQLAlchemy, no
database. What a worker sends back is :class:`ParsedAudit`, plain values only (a whole :class:`AuditRead` of 48
selections takes longer to pickle and unpickle than to parse).
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from designer.command_outcomes import RequestInvalid
from designer.machine_audits import AuditInvalid, AuditRead, MachineIdentity
from designer.machine_audits.lines import decode, source_lines
from designer.machine_audits.parse import parse_source_lines
from designer.machine_audits.sales import read_counter, read_resets

CLOCK_AHEAD_ALLOWED = timedelta(days=1)
"""How far past the file's arrival a machine's clock may read before it is not believed (zones, slow uploads)."""
POOL_FROM_FILES = 200
"""Below this many files a batch is parsed in this process: starting worker processes costs ~0.5 s."""
FILES_PER_TASK = 50

READ_COLUMNS = (
    "read_at",
    "read_time_source",
    "machine_clock_at",
    "read_counter",
    "resets",
    "content_hash",
    "raw_text",
    "file_name",
    "cvd_dex_read_id",
    "currency",
    "decimals",
    "crc_verified",
    "warnings",
)
"""The ``audit_reads`` columns :meth:`ParsedAudit.read_row` gives, in its order."""
SELECTION_COLUMNS = (
    "selection",
    "cash_price",
    "card_price",
    "capacity",
    "paid_count",
    "paid_value",
    "paid_count_since_reset",
    "paid_value_since_reset",
    "test_count",
    "free_count",
    "sold_out_count",
    "sold_out_at",
)
"""The ``audit_selections`` columns a :attr:`ParsedAudit.selections` row holds, in its order (``read_id`` comes
from the database)."""


@dataclass(frozen=True, slots=True)
class AuditFile:
    """One audit file as it arrived: its name, its bytes, when it arrived (UTC) and, from CVD, its upload id."""

    name: str
    data: bytes | str
    arrived_at: datetime
    cvd_dex_read_id: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedAudit:
    """A file read whole, as it will be stored: the machine it names, the read's time (UTC) and where that came
    from, its counters and scale, its warnings (the parser's and the clock's), the hash that makes it the same read
    twice (SHA-256 over the DEX lines, so line ends and N&W envelopes do not matter), its text, and one row per
    selection (:data:`SELECTION_COLUMNS`, money in the read's minor units)."""

    file_name: str
    arrived_at: datetime
    cvd_dex_read_id: int | None
    machine: MachineIdentity
    content_hash: str
    text: str
    read_at: datetime
    read_time_source: str
    machine_clock_at: datetime | None
    read_counter: int | None
    resets: int | None
    currency: str
    decimals: int
    crc_verified: bool | None
    warnings: tuple[str, ...]
    selections: tuple[tuple[Any, ...], ...]

    @property
    def machine_key(self) -> tuple[str, str]:
        return machine_key(self.machine)

    def read_row(self) -> tuple[Any, ...]:
        """The ``audit_reads`` columns this file fixes (:data:`READ_COLUMNS`; the machine, the import and its time
        come from the import)."""
        return (
            self.read_at,
            self.read_time_source,
            self.machine_clock_at,
            self.read_counter,
            self.resets,
            self.content_hash,
            self.text,
            self.file_name[-255:],
            self.cvd_dex_read_id,
            self.currency,
            self.decimals,
            self.crc_verified,
            json.dumps(self.warnings),
        )


class AuditFilesInvalid(RequestInvalid):
    """Files that are not whole audits; nothing of the batch was imported. Each problem names the file, the line
    and the field."""


def read_audit_files(files: Sequence[AuditFile], *, workers: int | None = None) -> list[ParsedAudit]:
    """Every file parsed, in order, or :class:`AuditFilesInvalid` naming each one that is not a whole audit.

    ``workers`` processes parse the batch (None: one per core from :data:`POOL_FROM_FILES` files on, else this
    process; 1: this process). They are forked from a process with one thread (the commands: no start-up cost), and
    spawned from one with more (the designer calls this from a worker thread, and forking a threaded process can
    copy a lock held by another thread); a spawned worker imports the program's main module again, so a script
    calling this must guard its work with ``if __name__ == "__main__"``, as ``main.py`` does."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(files) >= POOL_FROM_FILES else 1
    if workers > 1 and len(files) > 1:
        tasks = [files[start : start + FILES_PER_TASK] for start in range(0, len(files), FILES_PER_TASK)]
        forkable = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if forkable else "spawn")
        with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=context, initializer=_worker_start) as pool:
            outcomes = [outcome for task in pool.map(_parse_task, tasks) for outcome in task]
    else:
        outcomes = _parse_task(files)
    problems = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if problems:
        raise AuditFilesInvalid(problems)
    return [outcome for outcome in outcomes if isinstance(outcome, ParsedAudit)]


def _worker_start() -> None:
    """A parse worker runs without the cycle collector: a parse makes thousands of small objects, all freed by
    reference counting, and the collector's passes over them were ~40 % of a worker's time. The worker ends with
    its batch, so the rare cycle (a refused file's traceback) goes with it."""
    gc.disable()


def _parse_task(files: Iterable[AuditFile]) -> list[ParsedAudit | str]:
    """A worker's share: each file parsed, or the sentence saying why it is not a whole audit."""
    outcomes: list[ParsedAudit | str] = []
    for audit_file in files:
        try:
            outcomes.append(parse_file(audit_file))
        except AuditInvalid as invalid:
            outcomes.append(f"{audit_file.name}: {invalid}")
    return outcomes


def parse_file(audit_file: AuditFile) -> ParsedAudit:
    """One file parsed whole (:class:`AuditInvalid` otherwise) and dated."""
    text, codec = decode(audit_file.data)
    lines = source_lines(text)
    read = parse_source_lines(lines, codec)
    content_hash = hashlib.sha256("\n".join(line.text for line in lines).encode("utf-8")).hexdigest()
    read_at, time_source, note = read_time(read, audit_file.arrived_at)
    return ParsedAudit(
        file_name=audit_file.name,
        arrived_at=audit_file.arrived_at,
        cvd_dex_read_id=audit_file.cvd_dex_read_id,
        machine=read.machine,
        content_hash=content_hash,
        text=text,
        read_at=read_at,
        read_time_source=time_source,
        machine_clock_at=read.read_at,
        read_counter=read_counter(read),
        resets=read_resets(read),
        currency=read.currency,
        decimals=read.decimals,
        crc_verified=read.crc_verified,
        warnings=(*read.warnings, *([note] if note else [])),
        selections=tuple(selection_row(read, name) for name in read.selections),
    )


def machine_key(machine: MachineIdentity) -> tuple[str, str]:
    """The machine's key and where it came from: the ``ID1`` serial, else the ``DXS`` id."""
    serial = machine.serial.strip()
    return (serial, "ID1") if serial else (machine.dxs_id.strip(), "DXS")


def selection_row(read: AuditRead, name: str) -> tuple[Any, ...]:
    """One selection as stored (:data:`SELECTION_COLUMNS`): the standard's fields, amounts in the read's minor
    units."""
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
    return (
        name,
        minor(cash or selection.price),
        minor(card),
        selection.capacity,
        None if since_init is None else since_init.count,
        None if since_init is None else minor(since_init.value),
        None if since_reset is None else since_reset.count,
        None if since_reset is None else minor(since_reset.value),
        None if test is None else test.count,
        None if free is None else free.count,
        None if sold_out is None else sold_out.count,
        None if sold_out is None else sold_out.last_at,
    )


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
