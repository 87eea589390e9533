"""``python main.py check-models``: one table of sanity checks per service; exit 0 when all hold, 5 when one fails."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import main
from ai import model_checks
from ai.fleet_days import silent_days, silent_stretches, trailing
from ai.model_checks import Check, Figure, ModelReport
from designer.command_outcomes import ExitCode


def test_days_no_device_sold_are_gaps_and_trailing_windows_skip_them() -> None:
    days = [date(2025, 7, d) for d in (10, 11, 14, 15)] + [date(2025, 8, 1)]
    assert silent_days(days) == [date(2025, 7, 12), date(2025, 7, 13), *[date(2025, 7, d) for d in range(16, 32)]]
    assert silent_stretches(days) == [(date(2025, 7, 12), date(2025, 7, 14)), (date(2025, 7, 16), date(2025, 8, 1))]
    assert trailing(days, date(2025, 8, 1), 3) == [date(2025, 7, 14), date(2025, 7, 15), date(2025, 8, 1)]
    assert silent_days([]) == [] and trailing(days, date(2025, 7, 9), 3) == []


def test_the_report_fails_when_one_check_fails_and_says_which() -> None:
    report = ModelReport("sqlite:///x.sqlite")
    report.figures.append(Figure("revenue", "MAPE, all", 10, 0.10, 0.12, "trailing 28-day mean"))
    report.checks += [Check("placement", "scores vary", True, "3 of 3"), Check("affinity", "pairs", None, "none")]
    assert report.passed
    report.checks.append(Check("revenue", "within 25 %", False, "asset 9 cabinet 0 1.00 vs 4.00"))
    table = report.table()
    assert not report.passed and "some sanity checks FAIL" in table
    assert "FAIL: asset 9 cabinet 0" in table and "10.0 %" in table and "beats baseline" in table


def test_check_models_on_a_demo_fleet_passes_every_check(revenue_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main.main(["check-models", "--db", str(revenue_db), "--no-backtest", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == ExitCode.DONE, report["checks"]
    assert report["passed"] is True
    assert {c["service"] for c in report["checks"] if c["passed"]} == {"placement", "revenue", "forecast", "affinity"}
    assert report["revenue_by_layout"] and all(row["within_tolerance"] for row in report["revenue_by_layout"])
    assert all(row["total_weekly_units"] > 0 for row in report["forecast_by_device"])


def test_a_failing_check_exits_5_and_prints_the_table(
    revenue_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_checks, "REVENUE_TOLERANCE", 0.0)  # no prediction is exactly the actual
    status = main.main(["check-models", "--db", str(revenue_db), "--no-backtest"])
    out = capsys.readouterr().out
    assert status == ExitCode.CHECKS_FAILED == 5
    assert "some sanity checks FAIL" in out and "FAIL:" in out and "PASS:" in out
