"""Building the demo fleet into a database: all or nothing, cancellable, one device at a time.

A SQLite file is built beside the target and renamed into place only when complete, so a cancelled or
crashed build never leaves half a database. Other databases are written in place, one transaction per
device, and cleaned out again if the build does not finish.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Index

from designer.command_outcomes import ExitCode
from storage.database import DatabaseProblem
from storage.engine import display_url, normalise_url, sqlite_file
from storage.schema import Access, prepare_database
from storage.simulator.catalogue import ProductTable, build_catalogue
from storage.simulator.demand import simulate_device
from storage.simulator.history import MAX_DAYS, MIN_DAYS, History
from storage.simulator.layouts import plan_device
from storage.simulator.locations import REGIONS, simulate_weather
from storage.simulator.truth import TruthLedger
from storage.simulator.writer import FleetWriter, check_target_file, occupied_tables_message, remove_fleet, table_counts
from storage.tables import SaleRecord, StockoutRecord

Progress = Callable[[int, str], None]
StopRequest = Callable[[], bool]

# Streams of the seed: each part of the fleet draws from its own, so adding devices changes nothing else.
_CATALOGUE, _WEATHER, _LAYOUT, _DEMAND = 1, 2, 3, 4


@dataclass(frozen=True)
class FleetSummary:
    """What a build wrote; ``products`` counts the catalogue without the system EMPTY_SLOT product."""

    devices: int
    cabinets: int
    products: int
    planograms: int
    sales_rows: int
    seconds: float


@dataclass(frozen=True)
class PlantedTreatment:
    """An A/B experiment's true effect: demand on ``device_ids`` × ``multiplier`` from ``start`` on.

    Experiments are checked against it (the effect found must match the one planted); it is recorded in
    ``simulation_truth`` under ``planted_treatment``.
    """

    device_ids: frozenset[int]
    start: date
    multiplier: float

    def day_multipliers(self, device_id: int, history: History) -> np.ndarray | None:
        if device_id not in self.device_ids:
            return None
        return np.where(np.array(history.dates()) >= np.array(self.start), self.multiplier, 1.0)

    def truth(self) -> dict[str, object]:
        return {"device_ids": sorted(self.device_ids), "start": self.start.isoformat(), "multiplier": self.multiplier}


class SimulationCancelled(Exception):
    """The build was stopped on request; nothing was left behind."""


def _stream(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed % 2**64, *parts])


def _check_arguments(devices: int, days: int, seed: int) -> None:
    if not isinstance(devices, int) or devices < 1:
        raise ValueError(f"devices must be a whole number of at least 1, not {devices!r}")
    if not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(
            f"days must be a whole number from {MIN_DAYS} to {MAX_DAYS}, not {days!r}: the planogram change "
            "part-way through the history needs at least two weeks"
        )
    if not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, not {seed!r}")


def build_demo_fleet(
    url: str,
    *,
    devices: int = 12,
    days: int = 180,
    seed: int = 7,
    progress: Progress | None = None,
    should_stop: StopRequest | None = None,
    treatment: PlantedTreatment | None = None,
) -> FleetSummary:
    """Write the deterministic demo fleet (same arguments → identical data) into an empty database at ``url``.

    ``treatment`` plants an experiment's effect on some devices' demand (for checking experiments).

    Raises ValueError when the target already holds data, SimulationCancelled when ``should_stop()`` turns
    True (the target is then as it was).
    """
    _check_arguments(devices, days, seed)
    started = time.perf_counter()
    url = normalise_url(url)
    report: Progress = progress or (lambda _percent, _message: None)
    stop: StopRequest = should_stop or (lambda: False)
    file = sqlite_file(url)
    if file is None:
        summary = _build_in_place(url, devices, days, seed, report, stop, treatment)
    else:
        summary = _build_file(file, devices, days, seed, report, stop, treatment)
    report(100, "Demo fleet ready")
    return FleetSummary(**{**summary.__dict__, "seconds": round(time.perf_counter() - started, 3)})


def _build_file(
    file: Path, devices: int, days: int, seed: int, report: Progress, stop: StopRequest,
    treatment: PlantedTreatment | None,
) -> FleetSummary:  # fmt: skip
    _refuse_unwritable_folder(file)
    check_target_file(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    remove_leftover_builds(file)
    building = _claim_sibling(file)
    claim = _hold_while_building(building)
    try:
        engine = prepare_database(f"sqlite:///{building}", access=Access.BUILD)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA synchronous=OFF")  # a crash discards this file anyway
                bulk_indexes = _drop_bulk_indexes(connection)
                summary = _simulate(connection, devices, days, seed, report, stop, treatment)
                report(98, "Indexing the sales")
                for index in bulk_indexes:
                    index.create(connection, checkfirst=True)
                connection.commit()
        finally:
            engine.dispose()
        with closing(sqlite3.connect(building)) as database:  # one self-contained file, no -wal beside it
            database.execute("PRAGMA journal_mode=DELETE")
        if stop():
            raise SimulationCancelled("the demo fleet build was cancelled")
        check_target_file(file)
        os.replace(building, file)
        return summary
    finally:
        for leftover in _with_journals(building):
            with suppress(FileNotFoundError):
                leftover.unlink()
        os.close(claim)


BUILDING_SUFFIX = ".building"
_JOURNALS = ("-wal", "-shm", "-journal")


def _with_journals(building: Path) -> list[Path]:
    return [building, *(Path(f"{building}{suffix}") for suffix in _JOURNALS)]


def remove_leftover_builds(file: Path) -> list[Path]:
    """Remove the half-built files an earlier build of ``file`` left when it was killed; returns those removed.

    A build still running (in another process) holds a lock on its file and is left alone.
    """
    removed: list[Path] = []
    for building in sorted(file.parent.glob(f".{file.name}.*{BUILDING_SUFFIX}")):
        if _still_building(building):
            continue
        for leftover in _with_journals(building):
            try:
                leftover.unlink()
            except FileNotFoundError:
                continue
            except OSError:  # in use on Windows, or not ours to remove: left for the next run
                continue
            removed.append(leftover)
    for orphan in file.parent.glob(f".{file.name}.*{BUILDING_SUFFIX}-*"):  # a journal whose file is gone
        if orphan.name.endswith(_JOURNALS) and not Path(str(orphan).rsplit("-", 1)[0]).exists():
            with suppress(OSError):
                orphan.unlink()
                removed.append(orphan)
    return removed


def _hold_while_building(building: Path) -> int:
    """An open descriptor on ``building`` holding an exclusive lock (POSIX) that dies with this process."""
    descriptor = os.open(building, os.O_RDWR)
    try:
        import fcntl
    except ImportError:  # Windows: an open file cannot be removed there anyway
        return descriptor
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return descriptor


def _still_building(building: Path) -> bool:
    """Whether another live build holds ``building`` (its lock is released when that process dies, even by kill -9)."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        descriptor = os.open(building, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(descriptor)
    return False


def _refuse_unwritable_folder(file: Path) -> None:
    """The build writes beside ``file``: say so plainly when that folder (or the nearest one that exists) cannot be."""
    folder = next(parent for parent in file.parents if parent.exists())
    if not os.access(folder, os.W_OK):
        raise DatabaseProblem(
            f"cannot build the demo fleet at {file}: the folder {folder} cannot be written (read-only, or a "
            "read-only mount); nothing was written. Choose a folder you can write to",
            ExitCode.READ_ONLY,
        )


def _claim_sibling(file: Path) -> Path:
    """A new empty file beside ``file`` (same folder, so the final rename is atomic), created like any
    user file (the umask applies, unlike ``mkstemp``'s private 0600)."""
    while True:
        candidate = file.with_name(f".{file.name}.{secrets.token_hex(4)}.building")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return candidate


def _drop_bulk_indexes(connection: Connection) -> list[Index]:
    """Sales and stock-out indexes are rebuilt once at the end: far faster than updating them per row."""
    indexes = sorted([*SaleRecord.__table__.indexes, *StockoutRecord.__table__.indexes], key=lambda i: str(i.name))
    for index in indexes:
        connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')
    connection.commit()
    return indexes


def _build_in_place(
    url: str, devices: int, days: int, seed: int, report: Progress, stop: StopRequest,
    treatment: PlantedTreatment | None,
) -> FleetSummary:  # fmt: skip
    engine = prepare_database(url)
    try:
        with engine.connect() as connection:
            message = occupied_tables_message(table_counts(connection), display_url(url))
            connection.rollback()
            if message:
                raise ValueError(message)
            try:
                return _simulate(connection, devices, days, seed, report, stop, treatment)
            except BaseException:
                connection.rollback()
                remove_fleet(connection)
                connection.commit()
                raise
    finally:
        engine.dispose()


def _simulate(
    connection: Connection, devices: int, days: int, seed: int, report: Progress, stop: StopRequest,
    treatment: PlantedTreatment | None = None,
) -> FleetSummary:  # fmt: skip
    """Generate and write the whole fleet through ``connection``, committing after each device."""
    history = History(days)
    report(0, "Writing the catalogue")
    catalogue: ProductTable = build_catalogue(_stream(seed, _CATALOGUE))
    weather = [simulate_weather(region, history, _stream(seed, _WEATHER, i)) for i, region in enumerate(REGIONS)]
    writer = FleetWriter(connection, history)
    writer.write_reference(catalogue)
    connection.commit()

    truth = TruthLedger(seed, history, catalogue, weather)
    sales_rows = cabinets = 0
    next_basket = 1
    for device_id in range(1, devices + 1):
        if stop():
            raise SimulationCancelled("the demo fleet build was cancelled")
        report(1 + (95 * (device_id - 1)) // devices, f"Simulating device {device_id} of {devices}")
        plan = plan_device(device_id, catalogue, history, _stream(seed, _LAYOUT, device_id))
        uplift = treatment.day_multipliers(device_id, history) if treatment else None
        sales = simulate_device(
            plan, catalogue, weather[plan.region], history, _stream(seed, _DEMAND, device_id), uplift
        )
        sales_rows += writer.write_device(plan, sales, catalogue, next_basket)
        next_basket += sales.baskets
        cabinets += len(plan.cabinets)
        truth.add_device(plan, sales)
        connection.commit()

    if stop():
        raise SimulationCancelled("the demo fleet build was cancelled")
    report(96, "Writing the planted truth")
    entries = truth.entries(devices)
    if treatment is not None:
        entries["planted_treatment"] = json.dumps(treatment.truth(), separators=(",", ":"))
    writer.write_truth(entries)
    writer.write_audit(
        {
            "devices": devices,
            "days": days,
            "seed": seed,
            "history_start": history.start.isoformat(),
            "history_end": history.end.isoformat(),
            "sales_rows": sales_rows,
        }
    )
    writer.align_sequences()
    connection.commit()
    return FleetSummary(devices, cabinets, len(catalogue), 2 * cabinets, sales_rows, 0.0)
