"""The demo fleet on a PostgreSQL server: built in place, identical to the SQLite file, answering the same."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from ai.placement_history import read_placement_history
from storage.engine import make_engine
from storage.simulator import SimulationCancelled
from storage.simulator.build import _build_in_place

ROOT = Path(__file__).resolve().parents[2]
FLEET = ("--devices", "3", "--days", "45", "--seed", "11")
REQUEST = {"planogram_id": "1_0", "product_id": 3, "slot_position": "B2"}
SAME_SALES = (
    "SELECT device_id, cabinet_index, position, product_id, sold_at, quantity, transaction_id FROM sales ORDER BY id"
)


def _main(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *arguments], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300
    )


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_main_builds_the_demo_on_postgres_and_the_api_answers_as_on_sqlite(postgres_url: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    answers = []
    for url in (postgres_url, sqlite_url):
        built = _main("demo", "--db", url, *FLEET)
        assert built.returncode == 0, built.stderr
        assert json.loads(built.stdout.splitlines()[-1])["devices"] == 3
        answered = _main("api", "realtime-analysis", "--db", url, stdin=json.dumps(REQUEST))
        assert answered.returncode == 0, answered.stderr
        answers.append(json.loads(answered.stdout))
    on_postgres, on_sqlite = (dict(answer, response_time_ms=None) for answer in answers)
    assert on_postgres["success"] is True
    assert on_postgres == on_sqlite
    sqlite_sales = [(*r[:4], dt.datetime.fromisoformat(str(r[4])), *r[5:]) for r in _rows(sqlite_url, SAME_SALES)]
    assert _rows(postgres_url, SAME_SALES) == sqlite_sales


def test_a_cancelled_build_on_postgres_leaves_every_table_empty(postgres_url: str) -> None:
    calls = iter(range(100))
    with pytest.raises(SimulationCancelled):
        _build_in_place(postgres_url, 3, 14, 7, lambda _p, _m: None, lambda: next(calls) >= 2, None)
    tables = ("users", "products", "devices", "cabinets", "planograms", "planogram_slots", "sales", "simulation_truth")
    counts = [_rows(postgres_url, f"SELECT count(*) FROM {table}")[0][0] for table in tables]
    assert counts == [0] * len(tables)


def test_a_built_postgres_fleet_takes_new_rows_after_its_own(postgres_url: str) -> None:
    _build_in_place(postgres_url, 1, 7, 3, lambda _p, _m: None, lambda: False, None)
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            for table in ("users", "products", "devices", "planograms", "sales", "audit_log"):
                highest = connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar()
                columns = connection.exec_driver_sql(
                    "SELECT column_default IS NOT NULL OR is_identity = 'YES' FROM information_schema.columns "
                    f"WHERE table_name = '{table}' AND column_name = 'id'"
                ).scalar()
                assert columns, f"{table}.id has no sequence"
                following = connection.exec_driver_sql(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))"
                ).scalar()
                assert following > (highest or 0), table
    finally:
        engine.dispose()


def test_the_placement_model_learns_from_every_vend_on_postgres(postgres_url: str) -> None:
    _build_in_place(postgres_url, 2, 14, 5, lambda _p, _m: None, lambda: False, None)
    engine = make_engine(postgres_url)
    try:
        history = read_placement_history(engine)
        with engine.connect() as connection:
            vends, units = connection.exec_driver_sql("SELECT count(*), sum(quantity) FROM sales").one()
    finally:
        engine.dispose()
    assert history.sales_rows == vends
    assert history.spans["units"].sum() == units
