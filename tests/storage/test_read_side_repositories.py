"""The read-side repositories hand the models exactly what the sample fleet holds (checked with plain SQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from storage.backtest_copies import copy_as_of
from storage.database import Engine
from storage.demand_forecasts import replace_forecasts, score_forecasts
from storage.sales_history import SALE_COLUMNS, read_sales
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("read-side") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=3, days=45, seed=11)
    return path


@pytest.fixture
def engine(fleet: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy per test: some tests write forecasts."""
    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(fleet.read_bytes())
    found = prepare_database(f"sqlite:///{copy}")
    yield found
    found.dispose()


def _sql(engine: Engine, query: str, *params: object) -> list[tuple]:
    with sqlite3.connect(str(engine.url.database)) as connection:
        return connection.execute(query, params).fetchall()


def test_a_devices_sales_history_holds_every_vend_the_fleet_recorded_for_it(engine: Engine) -> None:
    sales = read_sales(engine, 2)
    expected = _sql(engine, "SELECT count(*), sum(quantity), sum(quantity * unit_price) FROM sales WHERE device_id = 2")
    count, units, revenue = expected[0]

    assert list(sales.columns) == SALE_COLUMNS
    assert len(sales) == count > 0
    assert sales["quantity"].sum() == units
    assert float((sales["quantity"] * sales["unit_price"].astype(float)).sum()) == pytest.approx(revenue)
    assert sales["sold_at"].dtype.kind == "M"  # timestamps the models can do arithmetic on


def test_a_sales_history_from_a_day_on_leaves_out_the_earlier_vends(engine: Engine) -> None:
    latest = _sql(engine, "SELECT max(sold_at) FROM sales WHERE device_id = 1")[0][0]
    since = date.fromisoformat(latest[:10]) - timedelta(days=6)
    recent = read_sales(engine, 1, since=datetime.combine(since, datetime.min.time()))

    assert (
        len(recent) == _sql(engine, "SELECT count(*) FROM sales WHERE device_id = 1 AND sold_at >= ?", str(since))[0][0]
    )
    assert recent["sold_at"].min().date() >= since


def test_stored_forecasts_are_scored_against_the_units_sold_that_day(engine: Engine) -> None:
    product, day, sold = _sql(
        engine,
        "SELECT product_id, date(sold_at), sum(quantity) FROM sales WHERE device_id = 1 "
        "GROUP BY product_id, date(sold_at) ORDER BY sum(quantity) DESC, product_id LIMIT 1",
    )[0]
    row = {"device_id": 1, "product_id": product, "forecast_date": date.fromisoformat(day), "predicted_units": 1,
           "confidence_lower": 0, "confidence_upper": 3, "external_factors": "{}", "model_version": "test"}  # fmt: skip

    assert replace_forecasts(engine, 1, [row]) == 1
    assert replace_forecasts(engine, 1, [{**row, "predicted_units": sold}]) == 1  # replaces the unscored one
    assert score_forecasts(engine, 1) == 1
    assert _sql(engine, "SELECT predicted_units, actual_units, accuracy FROM demand_forecasts") == [(sold, sold, 1)]
    assert score_forecasts(engine, 1) == 0  # a scored forecast stays as it was


def test_a_cut_copy_holds_nothing_from_the_cut_off_on_and_the_original_keeps_everything(
    engine: Engine, tmp_path: Path
) -> None:
    source = Path(str(engine.url.database))
    first = date.fromisoformat(_sql(engine, "SELECT min(sold_at) FROM sales")[0][0][:10])
    cut_off = first + timedelta(days=20)
    before = _sql(engine, "SELECT count(*) FROM sales")[0][0]

    url = copy_as_of(source, cut_off, tmp_path)

    with sqlite3.connect(url.removeprefix("sqlite:///")) as copy:
        assert copy.execute("SELECT max(sold_at) FROM sales").fetchone()[0] < cut_off.isoformat()
        assert (
            copy.execute("SELECT count(*) FROM stockouts WHERE restocked_at >= ?", (cut_off.isoformat(),)).fetchone()[0]
            == 0
        )
        assert (
            copy.execute("SELECT count(*) FROM planograms WHERE activated_at >= ?", (cut_off.isoformat(),)).fetchone()[
                0
            ]
            == 0
        )
        kept = copy.execute("SELECT count(*) FROM sales").fetchone()[0]
    assert 0 < kept < before
    assert _sql(engine, "SELECT count(*) FROM sales")[0][0] == before
