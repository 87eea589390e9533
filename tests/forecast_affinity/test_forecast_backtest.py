"""``python main.py backtest --forecast``: every method on the same held-out days, the peers or the line that says
they are missing, the simulator's truth as the limit; and each forecast day saying which figure is which."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

import main
from ai.demand_forecast import ForecastRequest, backtest, forecast
from ai.forecast_backtest import PEERS, PEERS_MISSING, ForecastBacktest, poisson_median, run_forecast_backtest
from storage.fleet import FleetRepository
from storage.sales_history import read_sales
from storage.schema import prepare_database
from storage.simulator.oracle import simulated_units


@pytest.fixture(scope="module")
def table(fleet_engine: Engine) -> ForecastBacktest:
    return run_forecast_backtest(fleet_engine)


def _database_file(engine: Engine) -> str:
    return str(engine.url.database)


def test_every_method_is_scored_on_the_same_held_out_days(table: ForecastBacktest, fleet_engine: Engine) -> None:
    assert table.series > 50 and table.days == table.series * table.holdout_days
    assert {(m.series, m.days) for m in table.methods} == {(table.series, table.days)}
    # the endpoint's own back-test, a separate piece of code, scores ours on those cases to the same figures
    devices = sorted(d.id for d in FleetRepository(fleet_engine).devices())
    endpoint = backtest(fleet_engine, devices, table.holdout_days)
    assert endpoint.series == table.series
    assert table.row("ours", "mean").wape_daily == pytest.approx(endpoint.wape_model_mean)
    assert table.row("ours", "median").wape_daily == pytest.approx(endpoint.wape_model_median)
    assert table.row("ours", "mean").bias == pytest.approx(endpoint.predicted_units / endpoint.actual_units - 1)


def test_the_peers_rows_are_there_each_also_as_a_poisson_median(table: ForecastBacktest) -> None:
    pytest.importorskip("statsforecast")
    assert table.peers_missing is None
    for name in PEERS:
        assert table.row(name, "mean") is not None and table.row(name, "Poisson median") is not None
    report = table.report()
    assert all(f"\n{name:<16} Poisson median" in report for name in PEERS)


def test_medians_win_the_day_and_means_the_week(table: ForecastBacktest) -> None:
    median, mean = table.row("ours", "median"), table.row("ours", "mean")
    assert median.wape_daily < mean.wape_daily and mean.wape_weekly < median.wape_weekly
    assert median.bias < -0.2 < mean.bias  # slow movers' median day is 0: it undercounts, the mean does not
    assert "bias: ours (mean)" in table.report()


def test_on_a_demo_fleet_the_oracle_rows_show_the_limit(table: ForecastBacktest) -> None:
    oracle = table.row("oracle", "median")
    assert oracle is not None and table.row("oracle", "mean") is not None
    assert oracle.wape_daily < table.row("seasonal naive", "—").wape_daily
    assert "from the limit" in table.report()


def test_the_oracle_replays_the_recorded_units_exactly(fleet_engine: Engine) -> None:
    replayed = simulated_units(fleet_engine, recorded=True)
    assert replayed is not None
    sales = read_sales(fleet_engine, 2)
    day = (sales["sold_at"].dt.normalize() - pd.Timestamp(replayed.start)).dt.days.to_numpy()
    recorded = np.zeros_like(replayed.mean[2])
    np.add.at(recorded, (sales["product_id"].to_numpy() - 1, day), sales["quantity"].to_numpy())
    assert np.array_equal(recorded, replayed.mean[2]) and np.array_equal(recorded, replayed.median[2])


def test_a_database_without_planted_truth_has_no_forecast_oracle(tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert simulated_units(engine) is None
    engine.dispose()


def test_without_statsforecast_the_table_says_so_and_shows_the_rest(
    fleet_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # an import of it now fails, as when not installed
    assert main.main(["backtest", "--forecast", "--holdout", "7", "--db", _database_file(fleet_engine)]) == 0
    out = capsys.readouterr().out
    assert PEERS_MISSING in out
    assert "last 7 days with data held out" in out
    for row in ("ours             median", "ours             mean", "seasonal naive", "28-day mean", "oracle"):
        assert row in out
    assert not any(f"\n{name:<16} " in out for name in PEERS)


def test_a_holdout_of_no_days_is_refused(fleet_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["backtest", "--forecast", "--holdout", "0", "--db", _database_file(fleet_engine)]) == 2
    assert "--holdout must be at least 1 day" in capsys.readouterr().out


def test_placement_prints_held_out_rankings_against_the_fixed_zone_weights(
    fleet_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["backtest", "--placement", "--json", "--db", _database_file(fleet_engine)]) == 0
    import json

    body = json.loads(capsys.readouterr().out)
    assert body["zone_weights"] == {"eye": 1.0, "reach": 0.85, "stoop": 0.65, "floor": 0.5}
    assert {(r["design"], r["cabinets"]) for r in body["rankings"]} == {
        (design, cabinets) for design in ("held-out weeks", "held-out machines") for cabinets in ("freezers", "others")
    }
    assert any(r["layouts"] > 0 and -1 <= r["model_rho"] <= 1 for r in body["rankings"])


def test_a_poisson_median_is_the_middle_whole_unit() -> None:
    # P(0) = e^-0.5 = 0.61 ≥ ½ → 0; e^-0.7 = 0.497 < ½ → 1; Poisson(2.3): P(≤1) = 0.33, P(≤2) = 0.60 → 2
    assert poisson_median(np.array([0.0, -1.0, 0.5, 0.7, 1.0, 2.3])).tolist() == [0, 0, 0, 1, 1, 2]


def test_each_forecast_day_says_which_figure_is_the_median_and_which_the_mean(fleet_engine: Engine) -> None:
    catalogue = FleetRepository(fleet_engine).catalogue()
    products = [int(p) for p in read_sales(fleet_engine, 1)["product_id"].unique()[:8]]
    body = forecast(fleet_engine, ForecastRequest(1, products, 7, {}, {}, {}), catalogue)
    assert set(body["units_explained"]) >= {"predicted_units", "median_units"}
    assert "mean" in body["units_explained"]["predicted_units"]
    assert "median" in body["units_explained"]["median_units"]
    medians = means = 0.0
    for item in body["forecasts"]:
        for day in item["daily_forecasts"]:
            low, high = day["confidence_interval"]
            assert isinstance(day["median_units"], int) and low <= day["median_units"] <= high
            medians += day["median_units"]
            means += day["predicted_units"]
        assert item["recommended_stock"] == pytest.approx(
            sum(d["predicted_units"] for d in item["daily_forecasts"]), abs=1
        )
    assert medians < means  # slow movers' median day is 0: medians never make the week's stock
