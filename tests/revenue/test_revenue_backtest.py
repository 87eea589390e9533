"""A small back-test runs end to end and its figures are sane; the command prints them."""

from __future__ import annotations

import argparse
import math
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from ai.backtest_command import add_backtest_parser, run_backtest
from ai.revenue_backtest import run_revenue_backtest
from storage.app_context import AppContext
from storage.schema import prepare_database
from storage.simulator.oracle import simulated_revenue


def test_a_small_backtest_measures_error_and_coverage(revenue_db: Path) -> None:
    result = run_revenue_backtest(f"sqlite:///{revenue_db}", max_cut_offs=2)
    assert result.changes.cases > 0 and result.weeks.cases > 0
    assert len(result.cut_offs) == 2
    overall = result.overall
    assert 0 < overall.mape_percent < 40  # a sane range on six machines; the budget is judged by the benchmark
    assert math.isfinite(overall.rmse_per_day) and overall.rmse_per_day < 25
    assert 0.6 <= overall.coverage <= 1.0
    assert all(c.lower <= c.predicted <= c.upper for c in result.cases)
    assert "MAPE" in result.report()


def test_the_backtest_reports_the_naive_mean_and_the_oracle_per_case_type(revenue_db: Path) -> None:
    result = run_revenue_backtest(f"sqlite:///{revenue_db}", max_cut_offs=2)
    for figures in (result.changes, result.weeks, result.overall):
        assert figures.cases > 0
        assert 0 < figures.naive_mape_percent < 40 and 0 < figures.oracle_mape_percent < 40
    # the oracle knows the true parameters (weather included): on average no model is closer to the actuals
    assert result.overall.oracle_mape_percent < result.overall.naive_mape_percent
    assert all(c.naive > 0 and c.oracle > 0 for c in result.cases)
    report = result.report()
    assert "naive" in report and "oracle" in report
    body = result.to_json()
    for kind in ("changes", "held_out_weeks", "overall"):
        assert {"mape_percent", "naive_mape_percent", "oracle_mape_percent", "coverage"} <= set(body[kind])
    assert body["oracle"] is not None


def test_the_oracle_rebuilds_the_recorded_fleet_exactly(revenue_db: Path) -> None:
    """Replaying the build's own demand stream gives the database's revenue per cabinet and day to the cent, so
    the oracle's redrawn noise runs on the very fleet the database holds."""
    engine = prepare_database(f"sqlite:///{revenue_db}")
    replayed = simulated_revenue(engine, recorded=True)
    assert replayed is not None
    with closing(sqlite3.connect(revenue_db)) as database:
        rows = database.execute(
            "SELECT device_id, cabinet_index, date(sold_at), SUM(quantity * unit_price) FROM sales GROUP BY 1, 2, 3"
        ).fetchall()
    assert rows
    for device, cabinet, day, revenue in rows:
        assert replayed.mean(device, cabinet, [date.fromisoformat(day)]) == pytest.approx(revenue, abs=0.005)
    redrawn = simulated_revenue(engine, draws=2)
    assert redrawn is not None and set(redrawn.daily) == set(replayed.daily)
    engine.dispose()


def test_a_database_without_planted_truth_has_no_oracle(tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert simulated_revenue(engine) is None
    engine.dispose()


def test_the_backtest_command_refuses_a_missing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], app_context: AppContext
) -> None:
    parser = argparse.ArgumentParser()
    add_backtest_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["backtest", "--db", str(tmp_path / "absent.sqlite")])
    assert run_backtest(args, app_context.with_database(args.command_db)) == 2
    assert '"success": false' in capsys.readouterr().out


def test_weekly_origins_leave_enough_history_before_and_a_full_horizon_after() -> None:
    import itertools
    from datetime import date, timedelta

    from ai.revenue_backtest import MIN_TRAINING_DAYS, _weekly_origins

    first, end = date(2026, 1, 1), date(2026, 6, 30)
    change = date(2026, 4, 2)
    origins = _weekly_origins(first, end, 30, [change])
    assert origins and origins[0] == first + timedelta(days=MIN_TRAINING_DAYS)
    assert all(origin + timedelta(days=30) <= end for origin in origins)
    assert all(abs((origin - change).days) >= 7 for origin in origins)  # the change group's cut-off covers it
    assert all((b - a).days % 7 == 0 for a, b in itertools.pairwise(origins))
