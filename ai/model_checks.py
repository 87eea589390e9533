"""The sanity report: does every service give a sane answer on every device of the open database, and do the
models beat the simple baselines they claim to beat?

Sanity checks (issue 15), each run on every device it applies to:

- **placement** — in every cabinet whose slots sold different amounts, the placement scores of its products where
  they stand are not all alike (a model that learnt nothing scores every slot 100);
- **revenue** — for every device with at least :data:`MIN_HISTORY_DAYS` days of sales, each active layout's
  predicted daily revenue is within :data:`REVENUE_TOLERANCE` of the trailing :data:`TRAILING_DAYS`-day actual
  revenue of the products it holds (a product held in several cabinets counts in each by its share of the
  capacity, as the pull spreads its sales);
- **forecast** — no product the device sold in its last :data:`TRAILING_DAYS` days gets a recommended stock of
  0, the weekly total is the sum of the products' stock, a device with a short history is not forecast above
  both its own rate and the fleet's for a product, and no par level exceeds what the machine plausibly sells
  between two visits;
- **affinity** — every answer either holds pairs or says why it holds none.

Every "last N days" counts days with data (:mod:`ai.fleet_days`): days on which no device of the fleet sold are
gaps in collection, left out of the check exactly as the models leave them out of their inputs.

The back-test figures put ours beside each service's baseline: revenue against each cabinet's trailing 28-day
mean (:mod:`ai.revenue_backtest`, the cases it holds), the forecast against seasonal naive (WAPE on the last
14 days with data of every device with enough history; interval calibration by stated probability; WAPE with
weather against without), placement against fleet velocity × fixed zone weights (Spearman ρ of slot rankings
on the last 28 days held out, freezers apart: :mod:`ai.placement_backtest`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np

from ai import affinity, demand_forecast
from ai.fleet_days import data_days
from ai.forecast_data import device_history
from ai.revenue_prediction import compare_planograms
from ai.services import Services
from designer.planograms import Planogram
from storage.fleet import FleetRepository
from storage.planogram_history import active_slots
from storage.sales_history import read_sales

TRAILING_DAYS = 28
MIN_HISTORY_DAYS = 28
REVENUE_TOLERANCE = 0.25
SHORT_HISTORY_TOLERANCE = 0.10
"""A short history's forecast may sit this much above both its own and the fleet's rate (weekday factors read
off a few days move the level a little) before the check calls it inflated."""
FORECAST_HOLDOUT_DAYS = 14

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Check:
    """One sanity check over the devices it applies to; ``passed`` None when none applies."""

    service: str
    name: str
    passed: bool | None
    detail: str


@dataclass(frozen=True)
class Figure:
    """One back-test figure, ours beside the baseline's (lower is better unless ``higher_is_better``)."""

    service: str
    measure: str
    cases: int
    ours: float
    baseline: float
    baseline_name: str
    note: str = ""
    higher_is_better: bool = False


@dataclass
class ModelReport:
    database: str
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    per_layout: list[dict[str, object]] = field(default_factory=list)
    per_device: list[dict[str, object]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed is not False for check in self.checks)

    def to_json(self) -> dict[str, object]:
        return {
            "database": self.database,
            "passed": self.passed,
            "backtest": [asdict(f) for f in self.figures],
            "checks": [asdict(c) for c in self.checks],
            "revenue_by_layout": self.per_layout,
            "forecast_by_device": self.per_device,
        }

    def table(self) -> str:
        """One table: the back-test rows, then the sanity checks."""
        rows = [("service", "measure / check", "ours", "baseline", "result")]
        for f in self.figures:
            if f.cases == 0 or math.isnan(f.ours):
                rows.append((f.service, f.measure, "—", "—", f.note or "no cases"))
                continue
            wins = f.ours > f.baseline if f.higher_is_better else f.ours < f.baseline
            better = "beats" if wins else "equals" if f.ours == f.baseline else "does not beat"
            unit = {"forecast": "series", "placement": "layouts"}.get(f.service, "cases")
            rows.append(
                (
                    f.service,
                    f"{f.measure} ({f.cases} {unit})",
                    _number(f.ours, f.measure),
                    f"{_number(f.baseline, f.measure)} {f.baseline_name}",
                    f"{better} baseline" + (f"; {f.note}" if f.note else ""),
                )
            )
        for c in self.checks:
            verdict = "n/a" if c.passed is None else "PASS" if c.passed else "FAIL"
            rows.append((c.service, c.name, "", "", f"{verdict}: {c.detail}"))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
            for row in rows
        ]
        lines.insert(1, "-" * min(max(len(line) for line in lines), 160))
        verdict = "all sanity checks hold" if self.passed else "some sanity checks FAIL"
        return "\n".join([f"Model check of {self.database}: {verdict}", *lines])


def _number(value: float, measure: str) -> str:
    return f"{value * 100:.1f} %" if "MAPE" in measure else f"{value:.3f}"


# --- sanity checks ----------------------------------------------------------------------------------------------


def device_name(services: Services, device_id: int) -> str:
    """ "asset 222" as the operator knows the machine (its id when it has no asset number)."""
    names = _NAMES.get(id(services))
    if names is None:
        names = {d.id: d.asset_number or f"#{d.id}" for d in services.repository.devices()}
        _NAMES[id(services)] = names
    return f"asset {names.get(device_id, device_id)}"


_NAMES: dict[int, dict[int, str]] = {}


def device_days(services: Services, device_id: int) -> list[date]:
    """The days with data on which the device could have sold: the fleet's, from its first sale to its last."""
    sales = read_sales(services.engine, device_id)
    if sales.empty:
        return []
    first, last = sales["sold_at"].min().date(), sales["sold_at"].max().date()
    return data_days(services.engine, first, last)


def trailing_revenue_of_layout(services: Services, device_id: int, planogram: Planogram, days: list[date]) -> float:
    """Mean daily revenue, over the device's last :data:`TRAILING_DAYS` days with data, of the products the
    layout holds; a product in several active layouts counts here by this layout's share of its capacity."""
    window = days[-TRAILING_DAYS:]
    if not window:
        return 0.0
    sales = read_sales(services.engine, device_id)
    sales = sales[sales["sold_at"].dt.date.isin(window)]
    revenue = (sales["quantity"] * sales["unit_price"].astype(float)).groupby(sales["product_id"]).sum()
    slots = active_slots(services.engine, device_id)
    device_capacity = slots.groupby("product_id")["capacity"].sum().to_dict() if not slots.empty else {}
    mine: dict[int, float] = {}
    for slot in planogram.slots.values():
        if slot.product_id is not None:
            mine[slot.product_id] = mine.get(slot.product_id, 0.0) + max(slot.capacity, 1)
    total = 0.0
    for product, capacity in mine.items():
        share = capacity / max(float(device_capacity.get(product, capacity)), capacity, 1.0)
        total += float(revenue.get(product, 0.0)) * share
    return total / len(window)


def check_revenue(services: Services, report: ModelReport) -> None:
    repository = FleetRepository(services.engine)
    checked, failed = 0, []
    for device in services.device_ids:
        days = device_days(services, device)
        if len(days) < MIN_HISTORY_DAYS:
            continue
        for cabinet in repository.cabinets(device):
            planogram = repository.active_planogram(device, cabinet.index)
            if planogram is None or not planogram.product_ids():
                continue
            comparison = compare_planograms(services, cabinet, planogram, planogram)
            predicted = comparison.baseline.daily_revenue
            actual = trailing_revenue_of_layout(services, device, planogram, days)
            ratio = predicted / actual if actual > 0 else float("inf") if predicted > 0 else 1.0
            ok = abs(ratio - 1) <= REVENUE_TOLERANCE
            checked += 1
            name = device_name(services, device)
            report.per_layout.append(
                {
                    "device": name,
                    "cabinet": cabinet.index,
                    "predicted_daily": round(predicted, 2),
                    "trailing_actual_daily": round(actual, 2),
                    "ratio": round(ratio, 3) if math.isfinite(ratio) else None,
                    "within_tolerance": ok,
                }
            )
            if not ok:
                failed.append(f"{name} cabinet {cabinet.index} {predicted:.2f} vs {actual:.2f}")
    report.checks.append(
        Check(
            "revenue",
            f"active layouts within {REVENUE_TOLERANCE:.0%} of trailing {TRAILING_DAYS}-day actual",
            None if checked == 0 else not failed,
            f"{checked - len(failed)} of {checked} layouts"
            + (f"; off: {', '.join(failed)}" if failed else "")
            + ("" if checked else f" (no device with {MIN_HISTORY_DAYS} days of sales)"),
        )
    )


def check_placement(services: Services, report: ModelReport) -> None:
    scorer = services.placement_scorer
    repository = FleetRepository(services.engine)
    differing, flat = 0, []
    for device in services.device_ids:
        sales = read_sales(services.engine, device)
        if sales.empty:
            continue
        for cabinet in repository.cabinets(device):
            planogram = repository.active_planogram(device, cabinet.index)
            if planogram is None or len(planogram.product_ids()) < 1:
                continue
            mine = sales[(sales["cabinet_index"] == cabinet.index) & (sales["position"] != "")]
            sold = mine.groupby("position")["quantity"].sum()
            held = [p for p, slot in planogram.slots.items() if slot.product_id is not None]
            if len({float(sold.get(p.label, 0.0)) for p in held}) < 2:
                continue  # every slot sold alike (or nothing): no difference to find
            differing += 1
            scores = {
                round(scorer.score(cabinet, planogram, int(planogram.slots[p].product_id), p).placement_score, 1)  # type: ignore[arg-type]
                for p in held
            }
            if len(scores) < 2:
                flat.append(f"{device_name(services, device)} cabinet {cabinet.index}")
    report.checks.append(
        Check(
            "placement",
            "scores vary across slots where sales differ",
            None if differing == 0 else not flat,
            f"{differing - len(flat)} of {differing} cabinets" + (f"; all alike: {', '.join(flat)}" if flat else ""),
        )
    )


def check_forecast(services: Services, report: ModelReport) -> None:
    engine = services.engine
    zero_stock, totals_off, inflated, par_high = [], [], [], []
    devices = 0
    for device in services.device_ids:
        history = device_history(engine, device)
        if len(history.days) == 0:
            continue
        devices += 1
        recent = history.units[-TRAILING_DAYS:]
        carried = history.exposure[-14:].sum(axis=0) > 0
        products = [int(p) for p, c in zip(history.product_ids, carried, strict=True) if c]
        if not products:
            continue
        request = demand_forecast.ForecastRequest(device, products, 7, {}, {}, {})
        body = demand_forecast.forecast(engine, request, services.catalogue)
        name = device_name(services, device)
        fleet = demand_forecast.fleet_rates(engine, history.last_day)
        cover = demand_forecast.restock_cover_days(engine, device)
        weekly = 0.0
        for item in body["forecasts"]:  # type: ignore[attr-defined]
            product = int(item["product_id"])
            column = history.column(product)
            assert column is not None
            mean_per_day = sum(float(d["predicted_units"]) for d in item["daily_forecasts"]) / 7
            weekly += mean_per_day * 7
            if recent[:, column].sum() > 0 and item["recommended_stock"] <= 0:
                zero_stock.append(f"{name} product {product}")
            exposed = history.exposure[:, column].sum()
            if len(history.days) < MIN_HISTORY_DAYS and exposed > 0:
                own = history.units[:, column].sum() / exposed
                ceiling = max(own, fleet.get(product, 0.0)) * (1 + SHORT_HISTORY_TOLERANCE)
                if mean_per_day > ceiling + 1e-9:
                    inflated.append(f"{name} product {product} {mean_per_day:.2f}/day > {ceiling:.2f}")
            most = demand_forecast.plausible_between_visits(history, product, cover, mean_per_day * cover)
            if item["suggested_par_level"] > most:
                par_high.append(f"{name} product {product} par {item['suggested_par_level']} > {most}")
        stock = sum(int(item["recommended_stock"]) for item in body["forecasts"])  # type: ignore[attr-defined]
        if body["aggregate_metrics"]["total_weekly_units"] != stock:  # type: ignore[index]
            totals_off.append(name)
        observed = recent.sum() / max(len(recent), 1) * 7
        report.per_device.append(
            {
                "device": name,
                "days_with_data": len(history.days),
                "observed_weekly_units": round(float(observed), 1),
                "forecast_weekly_mean": round(weekly, 1),
                "total_weekly_units": body["aggregate_metrics"]["total_weekly_units"],  # type: ignore[index]
                "products": len(products),
            }
        )
    applies = None if devices == 0 else True
    report.checks += [
        Check(
            "forecast",
            "no product that sells gets a stock of 0",
            applies and not zero_stock,
            f"{devices} devices" + (f"; zero: {', '.join(zero_stock[:5])}" if zero_stock else ""),
        ),
        Check(
            "forecast",
            "weekly total = sum of recommended stock",
            applies and not totals_off,
            "every device" if not totals_off else f"off on {', '.join(totals_off)}",
        ),
        Check(
            "forecast",
            f"short histories (< {MIN_HISTORY_DAYS} days) not above both own and fleet rate",
            None if devices == 0 else not inflated,
            "none above" if not inflated else "; ".join(inflated[:5]),
        ),
        Check(
            "forecast",
            "par levels within what sells between visits",
            applies and not par_high,
            "none above" if not par_high else "; ".join(par_high[:5]),
        ),
    ]


def check_affinity(services: Services, report: ModelReport) -> None:
    answered, silent = 0, []
    for device in services.device_ids:
        if read_sales(services.engine, device).empty:
            continue
        body = affinity.answer({"device_id": device, "analysis_period_days": 365}, services).body
        answered += 1
        if not body.get("affinity_pairs") and not body.get("reason"):  # type: ignore[union-attr]
            silent.append(device_name(services, device))
    report.checks.append(
        Check(
            "affinity",
            "pairs, or the reason there are none",
            None if answered == 0 else not silent,
            f"{answered - len(silent)} of {answered} devices" + (f"; silent: {', '.join(silent)}" if silent else ""),
        )
    )


# --- back-test figures ------------------------------------------------------------------------------------------


def revenue_figures(services: Services, report: ModelReport, progress: Progress) -> None:
    """MAPE of ours and of the trailing 28-day mean on the revenue back-test's cases, per case type; on a demo
    database the note gives the oracle's (the simulator's own expectation, the best any model could do)."""
    from ai.revenue_backtest import run_revenue_backtest

    try:
        result = run_revenue_backtest(services.database_url, progress=progress)
    except ValueError as error:
        report.figures.append(Figure("revenue", "MAPE", 0, float("nan"), float("nan"), "", str(error)))
        return
    for kind, label in (("change", "MAPE, planogram changes"), ("week", "MAPE, held-out weeks"), (None, "MAPE, all")):
        cases = [c for c in result.cases if (kind is None or c.kind == kind) and c.actual > 0]
        if not cases:
            report.figures.append(Figure("revenue", label, 0, float("nan"), float("nan"), "", "no cases"))
            continue
        ours = float(np.mean([abs(c.predicted - c.actual) / c.actual for c in cases]))
        base = float(np.mean([abs(c.naive - c.actual) / c.actual for c in cases]))
        oracle = float(np.mean([abs(c.oracle - c.actual) / c.actual for c in cases]))
        inside = float(np.mean([c.lower <= c.actual <= c.upper for c in cases]))
        limit = "" if math.isnan(oracle) else f"oracle {oracle:.1%}; "
        report.figures.append(
            Figure(
                "revenue", label, len(cases), ours, base, "trailing 28-day mean",
                f"{limit}90 % interval holds {inside:.0%}",
            )
        )  # fmt: skip


def forecast_figures(services: Services, report: ModelReport) -> None:
    result = demand_forecast.backtest(services.engine, sorted(services.device_ids), FORECAST_HOLDOUT_DAYS)
    if result.series == 0:
        report.figures.append(
            Figure("forecast", "WAPE", 0, float("nan"), float("nan"), "", "no device with 6 weeks of days with data")
        )
        return
    totals = (
        f"held-out units {result.actual_units:.0f}, ours {result.predicted_units:.0f}, naive {result.naive_units:.0f}"
    )
    bins = ", ".join(f"{c.label}: {c.observed:.1%} vs {c.stated:.1%} ({c.days} days)" for c in result.calibration)
    calibration = (
        f"intervals hold {result.interval_coverage:.1%} of days, they state {result.interval_promised:.1%}; on days "
        f"not sold out {result.seen_coverage:.1%} vs {result.seen_promised:.1%} (by stated: {bins}); 7-day totals "
        f"{result.week_coverage:.1%} vs {result.week_promised:.1%}"
    )
    weather = (
        f"weather kept on {result.devices_with_weather} of {result.devices_with_recorded_weather} devices with "
        f"weather recorded (where it lowered their last 14 days' error), of {result.devices}"
    )
    report.figures += [
        Figure(
            "forecast", "WAPE, predicted_units (mean)", result.series, result.wape_model,
            result.wape_seasonal_naive, "seasonal naive", totals,
        ),
        Figure(
            "forecast", "WAPE, daily median", result.series, result.wape_model_median,
            result.wape_seasonal_naive, "seasonal naive", calibration,
        ),
        Figure(
            "forecast", "WAPE, mean with weather given", result.series, result.wape_model,
            result.wape_without_weather, "no weather", weather,
        ),
    ]  # fmt: skip


def placement_figures(services: Services, report: ModelReport) -> None:
    """Spearman ρ of slot rankings on held-out days (:mod:`ai.placement_backtest`), freezers apart."""
    from ai.placement_backtest import ZONE_WEIGHTS, run_placement_backtest

    result = run_placement_backtest(services.engine)
    weeks = f"{result.origins} × {result.holdout_days} days held out; fixed weights: {ZONE_WEIGHTS}"
    machines = f"{result.folds} folds of machines held out, each ranked by a model fitted without it"
    for figure, label, note in (
        (result.freezers, "freezer cabinets, held-out weeks", weeks),
        (result.others, "other cabinets, held-out weeks", weeks),
        (result.machine_freezers, "freezer cabinets, held-out machines", machines),
        (result.machine_others, "other cabinets, held-out machines", machines),
    ):
        report.figures.append(
            Figure(
                "placement", f"rank ρ, {label}", figure.versions, figure.model, figure.baseline,
                "velocity × fixed zone weights", note if figure.versions else "no held-out layouts",
                higher_is_better=True,
            )
        )  # fmt: skip


def check_models(services: Services, backtests: bool = True, progress: Progress | None = None) -> ModelReport:
    """Every check and, unless ``backtests`` is False, the back-test figures, for the open database."""
    report_progress: Progress = progress or (lambda _p, _m: None)
    services.open()
    report = ModelReport(services.database_url)
    if backtests:
        report_progress(0, "Revenue back-test")
        revenue_figures(services, report, report_progress)
        report_progress(60, "Forecast back-test")
        forecast_figures(services, report)
        report_progress(65, "Placement back-test")
        placement_figures(services, report)
    report_progress(70, "Placement")
    check_placement(services, report)
    report_progress(75, "Revenue")
    check_revenue(services, report)
    report_progress(85, "Forecast")
    check_forecast(services, report)
    report_progress(95, "Affinity")
    check_affinity(services, report)
    return report
