"""The demo fleet on a PostgreSQL server: built in place, identical to the SQLite file, answering the same."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import main
from ai.placement_history import read_placement_history
from storage.engine import make_engine
from storage.schema import current_revision, head_revision, prepare_database
from storage.simulator import SimulationCancelled
from storage.simulator.build import _build_in_place
from tests.postgres_support import drop_database, fresh_database

FLEET = ("--devices", "3", "--days", "45", "--seed", "11")
ENDPOINTS = ("realtime-analysis", "predict-revenue", "affinity-analysis", "demand-forecast", "personalize-location")
SAME_SALES = (
    "SELECT device_id, cabinet_index, position, product_id, sold_at, quantity, transaction_id FROM sales ORDER BY id"
)


@dataclass(frozen=True)
class Finished:
    """What a run of ``main.py`` left: its exit status and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


def _main(*arguments: str, stdin: str = "", home: Path | None = None) -> Finished:
    """``main.main`` in this process, standard streams captured; ``home`` keeps its user dirs private where no
    test fixture has yet (a module-scoped fixture runs before conftest's private user dirs)."""
    folders = {f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("DATA", "CONFIG", "CACHE")} if home else {}
    saved = {name: os.environ.get(name) for name in folders}
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(folders)
    stdin_before, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main.main(list(arguments))
    finally:
        sys.stdin = stdin_before
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Finished(int(code), out.getvalue(), err.getvalue())


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def both_fleets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The same small demo fleet, built by ``main.py demo`` on the PostgreSQL server and in a SQLite file."""
    postgres = fresh_database("demo_fleet")
    sqlite = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    home = tmp_path_factory.mktemp("home")  # module-scoped: set up before conftest's private user dirs
    for url in (postgres, sqlite):
        built = _main("demo", "--db", url, *FLEET, home=home)
        assert built.returncode == 0, built.stderr
        assert json.loads(built.stdout.splitlines()[-1])["devices"] == 3
    yield postgres, sqlite
    drop_database(postgres)


def _requests(sqlite_url: str) -> dict[str, dict[str, object]]:
    columns = "s.position, s.product_id, s.quantity, s.capacity"
    slots = [
        dict(zip(("position", "product_id", "quantity", "capacity"), row, strict=True))
        for row in _rows(
            sqlite_url,
            f"SELECT {columns} FROM planogram_slots s JOIN planograms p ON p.id = s.planogram_id WHERE p.device_id = 1 "
            "AND p.cabinet_index = 0 AND p.status = 'active' AND s.product_id IS NOT NULL ORDER BY s.position",
        )
    ]
    proposed = [dict(slot, product_id=slots[-1 - i]["product_id"]) for i, slot in enumerate(slots)]
    return {
        "realtime-analysis": {"planogram_id": "1_0", "product_id": 3, "slot_position": "B2"},
        "predict-revenue": {"device_id": 1, "cabinet_index": 0, "current_planogram": {"slots": slots},
                            "proposed_planogram": {"slots": proposed}},
        "affinity-analysis": {"device_id": 1, "analysis_period_days": 45, "min_confidence": 0.2,
                              "include_clusters": True},
        "demand-forecast": {"device_id": 1, "products": [slots[0]["product_id"]], "forecast_days": 7},
        "personalize-location": {"device_id": 1, "location_context": {"type": "office"}},
    }  # fmt: skip


def _without_timings(answer: object) -> object:
    if isinstance(answer, dict):
        return {key: _without_timings(value) for key, value in answer.items() if not key.endswith("time_ms")}
    if isinstance(answer, list):
        return [_without_timings(value) for value in answer]
    return answer


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_every_endpoint_answers_the_same_on_postgres_as_on_sqlite(both_fleets: tuple[str, str], endpoint: str) -> None:
    postgres, sqlite = both_fleets
    request = json.dumps(_requests(sqlite)[endpoint])
    answers = []
    for url in (postgres, sqlite):
        answered = _main("api", endpoint, "--db", url, stdin=request)
        assert answered.returncode == 0, answered.stderr
        answers.append(_without_timings(json.loads(answered.stdout)))
    on_postgres, on_sqlite = answers
    assert on_postgres["success"] is True
    assert on_postgres == on_sqlite


def test_main_writes_the_same_sales_on_postgres_as_in_a_sqlite_file(both_fleets: tuple[str, str]) -> None:
    postgres, sqlite = both_fleets
    sqlite_sales = [(*r[:4], dt.datetime.fromisoformat(str(r[4])), *r[5:]) for r in _rows(sqlite, SAME_SALES)]
    assert len(sqlite_sales) > 1000
    assert _rows(postgres, SAME_SALES) == sqlite_sales


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


def test_a_plain_postgresql_url_opens_with_the_installed_driver(postgres_url: str) -> None:
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    assert plain.startswith("postgresql://")
    engine = prepare_database(plain)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
