"""A sync cut short (the user cancels, the connection dies, the process is killed) leaves both sides whole, and
running it again finishes the job without writing anything twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from storage.cvd import schema as cvd
from storage.cvd.control import SyncCancelled, SyncControl
from storage.cvd.pull import SALES_WATERMARK, pull
from storage.cvd.queue import collect_activations, queue_status, run_pushes
from storage.engine import make_engine, session_factory
from storage.schema import prepare_database
from storage.sync_tables import SyncState
from storage.tables import SaleRecord
from tests.cvd_builder import CvdFleet
from tests.sync.helpers import add_cvd_sales, edit_and_activate

PROJECT = Path(__file__).resolve().parents[2]


def _sales(engine: Engine) -> tuple[int, int]:
    """(CVD rows arrived, their parts): a row's units spread over the slots holding its product share its
    transaction id, so a row pulled twice would show as parts beyond one per (row, slot)."""
    parts = select(SaleRecord.transaction_id, SaleRecord.cabinet_index, SaleRecord.position).distinct().subquery()
    with engine.connect() as connection:
        rows = connection.scalar(select(func.count()).select_from(SaleRecord))
        distinct_parts = connection.scalar(select(func.count()).select_from(parts))
        arrived = connection.scalar(select(func.count(func.distinct(SaleRecord.transaction_id))))
    return arrived, arrived + rows - distinct_parts  # the second equals the first unless a part is duplicated


def _cvd_sales(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(cvd.sales))


def test_a_connection_lost_mid_pull_resumes_without_duplicates(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    add_cvd_sales(cvd_engine, 3_000)
    selects = {"sales": 0}

    @event.listens_for(cvd_engine, "before_cursor_execute")
    def _server_dies(conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT SALES.ID"):
            selects["sales"] += 1
            if selects["sales"] == 3:
                _kill_connection(cvd_engine, conn, statement)

    with pytest.raises(DBAPIError):
        pull(cvd_engine, working_copy, batch_rows=1_000)
    partial, _ = _sales(working_copy)
    assert partial == 2_000  # two whole batches, each committed with its watermark
    event.remove(cvd_engine, "before_cursor_execute", _server_dies)

    pull(cvd_engine, working_copy, batch_rows=1_000)

    assert _sales(working_copy) == (_cvd_sales(cvd_engine),) * 2 == (cvd_fleet.sales + 3_000,) * 2


def _kill_connection(engine: Engine, connection, statement: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: the server really ends our session (``pg_terminate_backend``); SQLite has no server, so the
    driver's error is raised as a dying connection would raise it."""
    if engine.dialect.name != "postgresql":
        raise OperationalError(statement, None, ConnectionError("server closed the connection"))
    pid = connection.connection.driver_connection.info.backend_pid
    admin = make_engine(engine.url.render_as_string(hide_password=False))
    with admin.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_cancelling_a_pull_keeps_whole_batches_and_a_rerun_completes(
    cvd_engine: Engine, working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    reports: list[str] = []

    def should_stop() -> bool:
        return sum("sales" in message for message in reports) >= 2

    control = SyncControl(lambda _p, message: reports.append(message), should_stop)
    with pytest.raises(SyncCancelled):
        pull(cvd_engine, working_copy, control, batch_rows=1_000)
    assert _sales(working_copy)[0] == 2_000  # stopped at the next batch boundary after asking

    pull(cvd_engine, working_copy, batch_rows=1_000)

    assert cvd_fleet.sales > 2_000  # more than the two batches written before stopping
    assert _sales(working_copy) == (cvd_fleet.sales, cvd_fleet.sales)


def test_a_push_cut_off_after_cvd_committed_is_finished_not_repeated(
    cvd_engine: Engine, working_copy: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pull(cvd_engine, working_copy)
    edit_and_activate(working_copy, "444", 0, {"A1": (11, 10, 6), "B1": None})
    collect_activations(working_copy)
    import storage.cvd.queue as queue

    real = queue.write_state

    def crash(*_args: object) -> None:
        raise OSError("the laptop lost power")

    monkeypatch.setattr(queue, "write_state", crash)
    with pytest.raises(OSError):
        run_pushes(cvd_engine, working_copy)
    with cvd_engine.connect() as connection:
        after_first = connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id)).all()
    assert queue_status(working_copy) == {"pending": 1}  # CVD has it, we do not know yet
    monkeypatch.setattr(queue, "write_state", real)

    summary = run_pushes(cvd_engine, working_copy)

    assert (summary.pushed, summary.unchanged, summary.conflicts) == (0, 1, [])
    assert queue_status(working_copy) == {"done": 1}
    with cvd_engine.connect() as connection:
        assert connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id)).all() == after_first


def test_killing_the_sync_process_mid_pull_leaves_a_working_copy_that_resumes(
    cvd_file: Path, tmp_path: Path, cvd_fleet: CvdFleet
) -> None:
    cvd_engine = make_engine(f"sqlite:///{cvd_file}")
    add_cvd_sales(cvd_engine, 100_000)
    cvd_engine.dispose()
    working = tmp_path / "killed.sqlite"
    command = [sys.executable, str(PROJECT / "main.py"), "sync", "pull", "--cvd", str(cvd_file), "--db", str(working)]
    process = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        watermark = 0
        deadline = time.monotonic() + 120
        while watermark == 0 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            watermark = _watermark(working)
        assert process.poll() is None, "the pull finished before it could be interrupted; add more sales"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    engine = prepare_database(f"sqlite:///{working}")
    count, _ = _sales(engine)
    total = cvd_fleet.sales + 100_000
    assert 0 < count < total and _watermark(working) > 0  # whole batches only, matching the watermark

    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    assert _sales(engine) == (total, total)
    engine.dispose()


def _watermark(path: Path) -> int:
    if not path.exists():
        return 0
    engine = make_engine(f"sqlite:///{path}")
    try:
        with session_factory(engine)() as session:
            row = session.get(SyncState, SALES_WATERMARK)
            return int(row.value) if row else 0
    except OperationalError:
        return 0
    finally:
        engine.dispose()


def test_a_connection_lost_mid_push_writes_nothing_and_the_push_is_retried(
    cvd_engine: Engine, working_copy: Engine
) -> None:
    pull(cvd_engine, working_copy)
    edit_and_activate(working_copy, "444", 0, {"A1": (11, 10, 6), "A2": (11, 10, 6), "B1": None})
    with cvd_engine.connect() as connection:
        before = connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id)).all()
    updates = {"count": 0}

    @event.listens_for(cvd_engine, "before_cursor_execute")
    def _server_dies(conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE PLANOGRAM_SLOTS"):
            updates["count"] += 1
            if updates["count"] == 2:  # one slot already written in this transaction
                _kill_connection(cvd_engine, conn, statement)

    with pytest.raises(DBAPIError):
        run_pushes(cvd_engine, working_copy)
    event.remove(cvd_engine, "before_cursor_execute", _server_dies)
    with cvd_engine.connect() as connection:
        assert connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id)).all() == before
    assert queue_status(working_copy) == {"pending": 1}

    assert run_pushes(cvd_engine, working_copy).pushed == 1
    assert queue_status(working_copy) == {"done": 1}
