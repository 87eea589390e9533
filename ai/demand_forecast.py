"""The seed's endpoint 4, demand-forecast: daily units per product with intervals, stock advice, stored forecasts.

The model is multiplicative and fitted per device: units(product, day) ~ NegBin(mean = level(product) ×
weekday(device) × holiday × weather(category) × event, dispersion(product)). Levels are recency-weighted
means of demand per unit of exposure, so stock-out days (censored demand) and days a product was not carried
do not drag the level down, and intermittent slow movers get a mean rate with a wide, skewed interval rather
than a string of zeros. Each level is shrunk toward the fleet's rate for that product by
:data:`FLEET_PRIOR_DAYS` days of evidence, so a device with five days of history is mostly the fleet's and one
with months is mostly its own. Days on which no device of the fleet sold are gaps in collection, not zeros
(:mod:`ai.forecast_data`). Forecasts start the day after the device's latest sale (DESIGN.md).

Each day carries two figures for two readers (:data:`UNITS_EXPLAINED`, also in every response):

- ``predicted_units`` (and ``expected_units``, the same number, which the factors split) is the **mean** of the
  day's predictive distribution: for totals and stocking, because means add up where medians do not — the
  median day of a product selling three units a week is 0, and a week of medians told a merchandiser to load
  nothing. ``recommended_stock`` is the week's mean rounded up to a whole unit (never 0 for a product that
  sells), ``total_weekly_units`` the sum of those. Its bias is near 0; day by day it scores worse under
  absolute error.
- ``median_units`` is the day's **median** in whole units: the count the day is as likely to fall short of as
  to beat, the best single number for "how many will sell today" under absolute error (daily WAPE). Summed, it
  runs well below the total (on the demo fleet about −45 %), so it is never added up.

The interval is the central :data:`INTERVAL` one in whole units of the same distribution, widened where needed
to hold the mean. ``python main.py backtest --forecast`` (:mod:`ai.forecast_backtest`) reports both figures'
error and bias beside the peers'.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ai.endpoints import DEMAND_FORECAST, Answer
from ai.explanations import DataUsed, Explanation, Factor, ModelLogic
from ai.fleet_days import data_days, trailing
from ai.fleet_figures import FleetFigures
from ai.forecast_data import DeviceHistory, device_history
from ai.services import Services
from designer.command_outcomes import RequestInvalid
from designer.input_gate import clip, number_problem, repeated_problems
from designer.products import Product
from storage.database import Engine
from storage.demand_forecasts import replace_forecasts
from storage.demand_forecasts import score_forecasts as record_actuals
from storage.fleet import FleetRepository
from storage.holidays_and_weather import known_holidays, recorded_weather
from storage.planogram_history import active_slots
from storage.sales_history import selling_days_by_device, units_by_device_and_product
from storage.stockouts import restock_times

MODEL_VERSION = "df1"
UNITS_EXPLAINED = {
    "predicted_units": "mean units of the day (same as expected_units): add these up for totals and stocking",
    "median_units": "median units of the day: as likely to be beaten as not, the figure for today; never add up",
    "confidence_interval": "central interval in whole units; interval_probability is its chance under the model",
}
"""Which figure is which, sent with every forecast so a reader of the JSON need not guess."""
HALF_LIFE_DAYS = 28.0
"""Recent weeks weigh more: planograms change and products move, so last month says more than last winter."""
WEEKDAY_PRIOR_DAYS = 4.0
HOLIDAY_PRIOR_DAYS = 1.0
"""Seasonal factors are shrunk toward 1 by this many days of evidence (a device with two holidays in its history
does not get a holiday factor from one odd day)."""
INTERVAL = 0.80
SERVICE_LEVEL = 0.95
"""The par level covers demand until the next restock visit with this probability."""
REFERENCE_TEMPERATURE_C = 18.0
RAIN_CAP_MM = 25.0
WEATHER_PRIOR_SD = (0.02, 0.01)
"""Prior spread of a category's weather slopes, per °C and per mm of rain: 10 °C warmer moves demand by about
20 %, a wet day by 25 % at most, unless the history shows more."""
EVENT_SHOPPERS_PER_1000 = 0.05
"""Events have no history to learn from: each 1,000 expected attendees is taken to add 5 % to the day's
demand (capped at +50 %). A stated prior, reported as the event adjustment so the user can judge it."""
MAX_FORECAST_DAYS = 90
FLEET_PRIOR_DAYS = 7.0
"""A product's level is pulled toward the fleet's rate for it as if this many (recency-weighted) days had sold at
the fleet's rate: a stated prior of one week of evidence, not fitted."""
FLEET_RATE_DAYS = 28
"""The fleet's rate of a product is read over the last this many days with data before the forecast."""
VALIDATION_DAYS = 14
MIN_VALIDATION_HISTORY = 28
"""A device with this many days with data before its last :data:`VALIDATION_DAYS` is validated on them
(weather kept or left out, the level's drift measured); a shorter history keeps its weather and no drift."""
MAX_DRIFT = 0.5
WEATHER_MARGIN = 0.01
"""Weather is kept only when it cuts the validation days' absolute error by at least this share: on the demo
fleets the devices where it helped there helped by under 1 %, noise, and together they made held-out days
worse (12 devices: WAPE 1.0126 with, 1.0110 without)."""


@dataclass
class FittedDevice:
    """One device's fitted model."""

    history: DeviceHistory
    level: np.ndarray  # per product, units per neutral day
    dispersion: np.ndarray  # per product, NegBin 1/k (0 = Poisson)
    weekday: np.ndarray  # 7 multipliers, Monday first
    holiday: float
    weather: dict[str, tuple[float, float]] = field(default_factory=dict)  # category → (per °C, per mm)
    categories: np.ndarray | None = None
    drift: float = 0.0
    """Squared coefficient of variation of the level itself over the next days (:func:`validate_on_last_days`):
    demand moves between fitting and selling, a spread the day-to-day dispersion does not hold and that, unlike
    it, all days of a week share."""
    weather_check: str = "no weather recorded"
    """What the validation decided about weather, in words, e.g. "kept: WAPE 0.91 with, 0.93 without"."""
    own_share: np.ndarray | None = None
    """Per product, the share of its level that comes from this device's own sales (the rest is the fleet's rate,
    the prior): what "Why?" splits the base demand by."""
    evidence_days: np.ndarray | None = None
    """Per product, the recency-weighted exposed days its level was read from."""


def fit_device(
    history: DeviceHistory,
    holidays: Mapping[dt.date, str] | None = None,
    weather: pd.DataFrame | None = None,
    categories: Mapping[int, str] | None = None,
    fleet: Mapping[int, float] | None = None,
    validate: bool = True,
) -> FittedDevice:
    """Fit levels, weekday and holiday factors, weather sensitivity per category and dispersion; ``fleet`` holds
    the fleet's units per selling day of each product (:func:`fleet_rates`), the levels' prior.

    With ``validate``, the device's last :data:`VALIDATION_DAYS` days are first forecast from the days before
    them (:func:`validate_on_last_days`): weather is used only when it made that forecast better, and the
    errors there set the level's drift, so the intervals hold what they state on days the fit never saw."""
    drift, weather_check = 0.0, "no weather recorded" if weather is None else "kept: too little history to check"
    if validate and len(history.days) >= MIN_VALIDATION_HISTORY + VALIDATION_DAYS:
        check = validate_on_last_days(history, holidays, weather, categories, fleet)
        drift, weather_check = check.drift, check.verdict
        if not check.weather_helps:
            weather = None
    units, exposure = history.units, history.exposure
    days = history.days
    is_holiday = np.array([d.date() in (holidays or {}) for d in days], dtype=bool)
    weekday_index = days.day_of_week.to_numpy() if len(days) else np.zeros(0, int)
    # device-wide pace: units per unit of exposure, per weekday (holidays apart)
    per_day = units.sum(axis=1)
    exposed = np.maximum(exposure.sum(axis=1), 1e-9)
    overall = per_day[~is_holiday].sum() / max(exposed[~is_holiday].sum(), 1e-9)
    weekday = np.ones(7)
    for w in range(7):
        pick = (weekday_index == w) & ~is_holiday
        observed = per_day[pick].sum() + WEEKDAY_PRIOR_DAYS * overall
        expected = overall * (exposed[pick].sum() + WEEKDAY_PRIOR_DAYS)
        weekday[w] = observed / max(expected / 1.0, 1e-9) if overall > 0 else 1.0
    weekday /= weekday.mean()
    season = weekday[weekday_index] if len(days) else np.zeros(0)
    expected_holiday = (season[is_holiday] * exposed[is_holiday]).sum() * overall
    holiday = (per_day[is_holiday].sum() + HOLIDAY_PRIOR_DAYS * overall) / (
        expected_holiday + HOLIDAY_PRIOR_DAYS * overall
    )
    season = season * np.where(is_holiday, holiday, 1.0)

    product_categories = np.array([(categories or {}).get(int(p), "") for p in history.product_ids], dtype=object)
    age = (len(days) - 1 - np.arange(len(days))) if len(days) else np.zeros(0)
    recency = 0.5 ** (age / HALF_LIFE_DAYS)
    prior = np.array([(fleet or {}).get(int(p), 0.0) for p in history.product_ids], dtype=float)
    level = _levels(units, exposure, season[:, None], recency, prior)
    sensitivity: dict[str, tuple[float, float]] = {}
    if weather is not None and len(days):
        aligned = weather.reindex(days)
        known = aligned.notna().all(axis=1).to_numpy()
        if known.sum() >= 28:
            temperature = aligned["temperature_c"].to_numpy() - REFERENCE_TEMPERATURE_C
            rain = np.minimum(aligned["precipitation_mm"].to_numpy(), RAIN_CAP_MM)
            features = np.column_stack([temperature, rain])[known]
            mean = level[None, :] * season[:, None] * exposure
            for category in set(product_categories):
                cols = product_categories == category
                observed = units[known][:, cols].sum(axis=1)
                baseline = mean[known][:, cols].sum(axis=1)
                sensitivity[category] = _poisson_slopes(features, observed, baseline)
            multiplier = _weather_multiplier(sensitivity, product_categories, temperature, rain)
            multiplier[~known] = 1.0
            level = _levels(units, exposure, season[:, None] * multiplier, recency, prior)
            season_all = season[:, None] * multiplier
        else:
            season_all = np.repeat(season[:, None], len(level), axis=1)
    else:
        season_all = np.repeat(season[:, None], len(level), axis=1)
    dispersion = _dispersion(units, level[None, :] * season_all * exposure, exposure)
    own = (recency[:, None] * units).sum(axis=0)
    borrowed = np.where(prior > 0, FLEET_PRIOR_DAYS, 0.5) * prior  # the prior's units in _levels' numerator
    own_share = np.where(own + borrowed > 0, own / np.maximum(own + borrowed, 1e-12), 1.0)
    evidence = (recency[:, None] * exposure * season_all).sum(axis=0)
    return FittedDevice(
        history, level, dispersion, weekday, float(holiday), sensitivity, product_categories, drift, weather_check,
        own_share, evidence,
    )  # fmt: skip


@dataclass(frozen=True)
class Validation:
    """The device's last days forecast from the days before them, with and without weather."""

    weather_helps: bool
    drift: float
    verdict: str


def validate_on_last_days(
    history: DeviceHistory,
    holidays: Mapping[dt.date, str] | None,
    weather: pd.DataFrame | None,
    categories: Mapping[int, str] | None,
    fleet: Mapping[int, float] | None,
) -> Validation:
    """Forecast the last :data:`VALIDATION_DAYS` days with data from the history before them, as the endpoint
    would (recorded weather given as a user would enter a forecast), once with weather and once without.

    Weather is kept only when its absolute error there is lower by :data:`WEATHER_MARGIN`: a slope read off a
    few months of one region's weather can fit noise, and then it makes held-out days worse (issue 15: WAPE
    1.031 with, 1.011 without).
    The drift is the squared variation of the level the errors show beyond the fitted day-to-day spread,
    Σ((y − m)² − m − d·m²) / Σ m², of the forecast that is kept (0 when the spread already holds them)."""
    cutoff = history.days[-VALIDATION_DAYS - 1].date()
    train = history.until(cutoff)
    dates = [day.date() for day in history.days[-VALIDATION_DAYS:]]
    actual = history.units[-VALIDATION_DAYS:]
    carried = np.flatnonzero(train.exposure[-14:].sum(axis=0) > 0)
    plain = fit_device(train, holidays, None, categories, fleet, validate=False)
    arms = {"without": (plain, {})}
    if weather is not None:
        arms["with"] = (fit_device(train, holidays, weather, categories, fleet, validate=False),
                        _weather_map(weather, dates))  # fmt: skip
    errors: dict[str, float] = {}
    spread: dict[str, tuple[float, float]] = {}
    for name, (fitted, given) in arms.items():
        error = excess = scale = 0.0
        for column in carried:
            product_id = int(history.product_ids[column])
            means = np.array([d.mean for d in predict(fitted, product_id, dates, holidays, given)])
            truth = actual[:, column]
            dispersion = float(fitted.dispersion[column])
            error += float(np.abs(truth - means).sum())
            excess += float(((truth - means) ** 2 - means - dispersion * means**2).sum())
            scale += float((means**2).sum())
        errors[name] = error
        spread[name] = (excess, scale)
    total = max(float(actual[:, carried].sum()), 1e-9)
    helps = "with" in errors and errors["with"] < (1 - WEATHER_MARGIN) * errors["without"]
    excess, scale = spread["with" if helps else "without"]
    drift = float(np.clip(excess / scale, 0.0, MAX_DRIFT)) if scale > 0 else 0.0
    if "with" not in errors:
        verdict = "no weather recorded"
    else:
        wape = f"WAPE {errors['with'] / total:.3f} with, {errors['without'] / total:.3f} without"
        verdict = f"{'kept' if helps else 'left out'}: on the last {VALIDATION_DAYS} days {wape}"
    return Validation(helps, drift, verdict)


def _levels(
    units: np.ndarray, exposure: np.ndarray, season: np.ndarray, recency: np.ndarray, prior: np.ndarray | None = None
) -> np.ndarray:
    """Recency-weighted units per exposed neutral day, shrunk toward ``prior`` (the fleet's rate) by
    :data:`FLEET_PRIOR_DAYS`; a product the fleet gives no rate gets half a day of zero sales, which keeps unseen
    rates small. Short histories thus land between their own rate and the fleet's, never beyond both."""
    weighted_units = (recency[:, None] * units).sum(axis=0)
    weighted_exposure = (recency[:, None] * exposure * season).sum(axis=0)
    prior = np.zeros(units.shape[1]) if prior is None else np.asarray(prior, dtype=float)
    prior_days = np.where(prior > 0, FLEET_PRIOR_DAYS, 0.5)
    return (weighted_units + prior_days * prior) / (weighted_exposure + prior_days)


def _poisson_slopes(features: np.ndarray, observed: np.ndarray, baseline: np.ndarray) -> tuple[float, float]:
    """Log-linear Poisson slopes with offset log(baseline), by Newton steps, with a prior on the slopes.

    A category's daily totals vary far more than Poisson (one busy or quiet day moves every product of the
    machine), so the fit's evidence is divided by their Pearson dispersion, and the slopes are held by a normal
    prior of :data:`WEATHER_PRIOR_SD` (per °C, per mm): a slope the data cannot show stays near 0 instead of
    fitting one region's weather noise."""
    design = np.column_stack([np.ones(len(features)), features])
    use = baseline > 0
    design, observed, baseline = design[use], observed[use], baseline[use]
    if observed.sum() < 30:
        return 0.0, 0.0
    beta = _newton(design, observed, baseline, np.diag([0.0, 50.0, 50.0]))
    mu = baseline * np.exp(np.clip(design @ beta, -5, 5))
    spread = max(float(((observed - mu) ** 2 / np.maximum(mu, 1e-9)).sum()) / max(len(mu) - 3, 1), 1.0)
    prior = spread * np.diag([0.0, *(1.0 / np.square(WEATHER_PRIOR_SD))])
    beta = _newton(design, observed, baseline, prior)
    return float(beta[1]), float(beta[2])


def _newton(design: np.ndarray, observed: np.ndarray, baseline: np.ndarray, ridge: np.ndarray) -> np.ndarray:
    beta = np.zeros(design.shape[1])
    for _ in range(8):
        mu = baseline * np.exp(np.clip(design @ beta, -5, 5))
        gradient = design.T @ (observed - mu) - ridge @ beta
        hessian = (design * mu[:, None]).T @ design + ridge
        beta += np.linalg.solve(hessian, gradient)
    return beta


def _weather_multiplier(
    sensitivity: Mapping[str, tuple[float, float]], categories: np.ndarray, temperature: np.ndarray, rain: np.ndarray
) -> np.ndarray:
    slopes = np.array([sensitivity.get(c, (0.0, 0.0)) for c in categories]).reshape(-1, 2)
    return np.exp(np.outer(temperature, slopes[:, 0]) + np.outer(rain, slopes[:, 1]))


def _dispersion(units: np.ndarray, mean: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """NegBin 1/k per product by moments, shrunk toward the device's pooled value."""
    use = exposure > 0.5
    excess = np.where(use, (units - mean) ** 2 - mean, 0.0)
    scale = np.where(use, mean**2, 0.0)
    pooled = max(excess.sum() / max(scale.sum(), 1e-9), 0.0)
    per_product = (
        excess.sum(axis=0) + 20.0 * pooled * np.maximum(scale.sum(axis=0) / np.maximum(use.sum(axis=0), 1), 1e-9)
    ) / (scale.sum(axis=0) + 20.0 * np.maximum(scale.sum(axis=0) / np.maximum(use.sum(axis=0), 1), 1e-9))
    return np.clip(per_product, 0.0, 5.0)


@dataclass(frozen=True)
class DayForecast:
    date: dt.date
    mean: float
    factors: dict[str, float]


def predict(
    fitted: FittedDevice,
    product_id: int,
    dates: Sequence[dt.date],
    holidays: Mapping[dt.date, str] | None = None,
    weather: Mapping[dt.date, tuple[float, float]] | None = None,
    events: Mapping[dt.date, float] | None = None,
) -> list[DayForecast]:
    """Mean units per day with each factor's additive share, as the seed reports them."""
    column = fitted.history.column(product_id)
    level = float(fitted.level[column]) if column is not None else 0.0
    category = str(fitted.categories[column]) if column is not None and fitted.categories is not None else ""
    per_degree, per_mm = fitted.weather.get(category, (0.0, 0.0))
    out = []
    for day in dates:
        base = level * fitted.weekday[day.weekday()]
        holiday = fitted.holiday if day in (holidays or {}) else 1.0
        weather_factor = 1.0
        if weather and day in weather:
            temperature, rain = weather[day]
            weather_factor = float(
                np.exp(per_degree * (temperature - REFERENCE_TEMPERATURE_C) + per_mm * min(rain, RAIN_CAP_MM))
            )
        attendance = (events or {}).get(day, 0.0)
        event_factor = 1.0 + min(EVENT_SHOPPERS_PER_1000 * attendance / 1000.0, 0.5)
        after_holiday = base * holiday
        after_weather = after_holiday * weather_factor
        mean = after_weather * event_factor
        factors = {
            "base_demand": round(base, 2),
            "holiday_adjustment": round(after_holiday - base, 2),
            "weather_adjustment": round(after_weather - after_holiday, 2),
            "event_adjustment": round(mean - after_weather, 2),
        }
        out.append(DayForecast(day, mean, factors))
    return out


def daily_forecasts(fitted: FittedDevice, product_id: int, days: Sequence[DayForecast]) -> list[dict[str, object]]:
    """The seed's ``daily_forecasts`` items: the mean as ``predicted_units`` (and ``expected_units``), the median
    as ``median_units`` (added to the seed's fields), the central :data:`INTERVAL` interval in whole units widened
    to hold the mean, its real probability under the model (``interval_probability``: whole units of a slow mover
    cannot make exactly 80 %, so [0, 1] of a product selling 0.3 a day holds 97 % of its days and says so), and
    the factors that make the mean up. The back-test scores exactly these numbers."""
    dispersion = product_dispersion(fitted, product_id)
    means = np.array([d.mean for d in days])
    bounds = whole_unit_interval(means, dispersion)
    probability = interval_mass(means, dispersion, bounds)
    medians = quantiles(means, dispersion, (0.5,))[0]
    return [
        {
            "date": day.date.isoformat(),
            "predicted_units": round(float(day.mean), 2),
            "expected_units": round(float(day.mean), 2),
            "median_units": int(medians[i]),
            "confidence_interval": [int(bounds[i, 0]), int(bounds[i, 1])],
            "interval_probability": round(float(probability[i]), 3),
            "factors": day.factors,
        }
        for i, day in enumerate(days)
    ]


def product_dispersion(fitted: FittedDevice, product_id: int) -> float:
    """The product's NegBin 1/k on a day to come: its day-to-day spread plus the level's drift (1 for a product
    the device never sold: wide, as it should be)."""
    column = fitted.history.column(product_id)
    return float(fitted.dispersion[column]) + fitted.drift if column is not None else 1.0


def whole_unit_interval(means: np.ndarray, dispersion: float, level: float = INTERVAL) -> np.ndarray:
    """days × 2 central ``level`` intervals of NegBin(mean, 1/k = dispersion) in whole units, widened to hold
    the mean."""
    means = np.asarray(means, dtype=float)
    tail = (1 - level) / 2
    low, high = quantiles(means, dispersion, (tail, 1 - tail))
    return np.column_stack([np.minimum(low, np.floor(means)), np.maximum(high, np.ceil(means))]).astype(int)


def period_interval(
    means: Sequence[float], dispersion: float, drift: float = 0.0, level: float = INTERVAL
) -> tuple[int, int, float]:
    """The interval of the units sold over several days together, and its probability.

    The days' bounds do not add up to an interval of the sum (their sum holds far more than ``level``): the
    period's total is taken as NegBin moment-matched to the sum of the days, mean Σm and variance
    Σ(m + d·m²) + drift·(Σm)² (Poisson when both are 0): independent days, and one level drift they share."""
    days = np.maximum(np.asarray(means, dtype=float), 0.0)
    total = float(days.sum())
    if total <= 0:
        return 0, 0, 1.0
    variance = float((days + dispersion * days**2).sum()) + drift * total**2
    summed = max(variance - total, 0.0) / total**2
    bounds = whole_unit_interval(np.array([total]), summed, level)
    probability = float(interval_mass(np.array([total]), summed, bounds)[0])
    return int(bounds[0, 0]), int(bounds[0, 1]), probability


def fleet_rates(engine: Engine, as_of: dt.date) -> dict[int, float]:
    """Product id → the fleet's units per selling day of a device that sold it, over the last
    :data:`FLEET_RATE_DAYS` days with data up to ``as_of``: the yardstick a short history is shrunk toward."""
    window = trailing(data_days(engine, as_of - dt.timedelta(days=8 * FLEET_RATE_DAYS), as_of), as_of, FLEET_RATE_DAYS)
    if not window:
        return {}
    since = dt.datetime.combine(window[0], dt.time())
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    selling = selling_days_by_device(engine, since, until)
    units: dict[int, float] = {}
    days: dict[int, float] = {}
    for device, product, sold in units_by_device_and_product(engine, since, until):
        units[product] = units.get(product, 0.0) + sold
        days[product] = days.get(product, 0.0) + selling.get(device, 0)
    return {product: units[product] / days[product] for product in units if days[product] > 0}


def quantiles(means: np.ndarray, dispersion: float, levels: Sequence[float]) -> np.ndarray:
    """levels × days quantiles of NegBin(mean, 1/k = dispersion), Poisson when dispersion is 0; 0 for no demand."""
    means = np.maximum(np.asarray(means, dtype=float), 0.0)
    q = np.asarray(levels, dtype=float)[:, None]
    safe = np.maximum(means, 1e-12)[None, :]
    if dispersion <= 1e-6:
        values = stats.poisson.ppf(q, safe)
    else:
        k = 1.0 / dispersion
        values = stats.nbinom.ppf(q, k, k / (k + safe))
    return np.where(means[None, :] > 0, values, 0).astype(int)


def interval_mass(means: np.ndarray, dispersion: float, bounds: np.ndarray) -> np.ndarray:
    """The model's probability of each day's [low, high] (whole units), for checking interval calibration."""
    safe = np.maximum(np.asarray(means, dtype=float), 1e-12)
    bounds = np.asarray(bounds)
    low, high = bounds[:, 0], bounds[:, 1]
    if dispersion <= 1e-6:
        return stats.poisson.cdf(high, safe) - stats.poisson.cdf(low - 1, safe)
    k = 1.0 / dispersion
    return stats.nbinom.cdf(high, k, k / (k + safe)) - stats.nbinom.cdf(low - 1, k, k / (k + safe))


def interval(mean: float, dispersion: float, level: float = INTERVAL) -> tuple[int, int]:
    """The central ``level`` interval of NegBin(mean, 1/k = dispersion) (Poisson when dispersion is 0)."""
    tail = (1 - level) / 2
    low, high = quantiles(np.array([mean]), dispersion, (tail, 1 - tail))[:, 0]
    return int(low), int(high)


def upper_quantile(mean: float, dispersion: float, q: float) -> int:
    return int(quantiles(np.array([mean]), dispersion, (q,))[0, 0])


def exceed_probability(mean: float, dispersion: float, stock: int) -> float:
    """P(demand > stock)."""
    if mean <= 0:
        return 0.0
    if dispersion <= 1e-6:
        return float(stats.poisson.sf(stock, mean))
    k = 1.0 / dispersion
    return float(stats.nbinom.sf(stock, k, k / (k + mean)))


# --- back-test -------------------------------------------------------------------------------------------------


FULLY_SEEN = 0.99
"""A held-out day whose exposure is at least this (no stock-out) shows its whole demand."""
CALIBRATION_BINS = ((0.0, 0.85, "< 85 %"), (0.85, 0.95, "85–95 %"), (0.95, 1.0 + 1e-9, "≥ 95 %"))
"""Days are grouped by the probability their interval states, so calibration is shown across the range, not
only on average (an average can hide slow movers over-covered and fast movers under-covered)."""


@dataclass(frozen=True)
class Calibration:
    """Held-out days whose interval stated a probability in one range: how many, the mean stated, the share in."""

    label: str
    days: int
    stated: float
    observed: float


@dataclass(frozen=True)
class BacktestResult:
    """WAPE of the forecast the user sees (``predicted_units``, the mean), of ``expected_units`` (the same mean),
    of the daily median and of seasonal-naive; the held-out weeks' total units against the forecast's (the
    stock a week needs); how often the actual day fell inside the reported interval against the probability
    each interval states (``interval_probability``), on every day and on the days the product never stood sold
    out (``seen_*``: there the day's sales are its whole demand, which is what the interval is of; a day cut
    short by a stock-out records less), those also by :data:`CALIBRATION_BINS`; the same for
    each held-out week's total against its own interval (:func:`period_interval`); and the mean's WAPE when
    the forecaster is given no weather at all, the yardstick the weather inputs must not lose to."""

    wape_model: float
    wape_model_mean: float
    wape_seasonal_naive: float
    actual_units: float
    series: int
    interval_coverage: float = float("nan")
    interval_promised: float = float("nan")
    wape_model_median: float = float("nan")
    predicted_units: float = float("nan")
    naive_units: float = float("nan")
    calibration: tuple[Calibration, ...] = ()
    week_coverage: float = float("nan")
    week_promised: float = float("nan")
    weeks: int = 0
    wape_without_weather: float = float("nan")
    devices_with_weather: int = 0
    devices: int = 0
    seen_coverage: float = float("nan")
    seen_promised: float = float("nan")
    seen_days: int = 0
    devices_with_recorded_weather: int = 0

    @property
    def improvement(self) -> float:
        return 1 - self.wape_model / self.wape_seasonal_naive

    @property
    def improvement_of_mean(self) -> float:
        return 1 - self.wape_model_mean / self.wape_seasonal_naive


@dataclass
class _Tally:
    error_model: float = 0.0
    error_naive: float = 0.0
    error_median: float = 0.0
    error_plain: float = 0.0
    total: float = 0.0
    predicted: float = 0.0
    naive: float = 0.0
    series: int = 0
    devices: int = 0
    weather_devices: int = 0
    weather_recorded: int = 0
    stated: list[np.ndarray] = field(default_factory=list)
    inside: list[np.ndarray] = field(default_factory=list)
    seen: list[np.ndarray] = field(default_factory=list)
    week_stated: list[float] = field(default_factory=list)
    week_inside: list[bool] = field(default_factory=list)


@dataclass(frozen=True)
class HeldOutDevice:
    """One device cut ``holdout_days`` days with data before its latest sale, fitted on what came before, as the
    endpoint would have been then: the one set-up every forecast back-test scores (:func:`held_out_devices`)."""

    full: DeviceHistory
    train: DeviceHistory
    fitted: FittedDevice
    future: list[dt.date]  # the held-out days with data
    given_weather: dict[dt.date, tuple[float, float]]  # their recorded weather, as a user would enter a forecast
    weather: pd.DataFrame | None
    fleet: dict[int, float]
    holdout_days: int

    def carried(self) -> list[tuple[int, int]]:
        """(column, product id) of the products carried in the fortnight before the cut-off: the ones anybody
        would forecast."""
        recent = self.train.exposure[-14:].sum(axis=0) > 0
        return [(column, int(product)) for column, product in enumerate(self.full.product_ids) if recent[column]]

    def actual(self, column: int) -> np.ndarray:
        return self.full.units[-self.holdout_days :, column]


def held_out_devices(
    engine: Engine,
    device_ids: Sequence[int],
    holdout_days: int,
    holidays: Mapping[dt.date, str],
    categories: Mapping[int, str],
) -> Iterator[HeldOutDevice]:
    """Each device with at least 28 days with data before its last ``holdout_days``, fitted on the days before
    them (the fleet's rates read as of the cut-off, too)."""
    rates: dict[dt.date, dict[int, float]] = {}
    for device_id in device_ids:
        full = device_history(engine, device_id)
        if len(full.days) < 28 + holdout_days:
            continue
        cutoff = full.days[-holdout_days - 1].date()
        train = full.until(cutoff)
        weather = recorded_weather(engine, device_id)
        if cutoff not in rates:
            rates[cutoff] = fleet_rates(engine, cutoff)
        fitted = fit_device(train, holidays, weather, categories, rates[cutoff])
        future = [day.date() for day in full.days[-holdout_days:]]
        yield HeldOutDevice(
            full, train, fitted, future, _weather_map(weather, future), weather, rates[cutoff], holdout_days
        )


def backtest(engine: Engine, device_ids: Sequence[int], holdout_days: int = 14) -> BacktestResult:
    """Fit on history up to ``holdout_days`` before each device's latest sale, forecast those days as the
    endpoint does (:func:`daily_forecasts`), score WAPE and interval calibration.

    The seasonal-naive forecast repeats the last observed week. Actuals are the recorded sales (censored by
    stock-outs for both forecasts alike); the holidays and weather of the held-out days are given, as a user
    would enter them, and the same forecast is made once more without any weather to show what weather adds.
    """
    holidays = known_holidays(engine)
    categories = _categories(engine)
    tally = _Tally()
    for held in held_out_devices(engine, device_ids, holdout_days, holidays, categories):
        fitted, train, full = held.fitted, held.train, held.full
        plain = fit_device(train, holidays, None, categories, held.fleet)
        tally.devices += 1
        tally.weather_devices += bool(fitted.weather)
        tally.weather_recorded += held.weather is not None
        for column, product_id in held.carried():
            _score_series(tally, fitted, plain, product_id, held.future, holidays, held.given_weather,
                          held.actual(column), train.units[-7:, column],
                          full.exposure[-holdout_days:, column] >= FULLY_SEEN)  # fmt: skip
    scale = max(tally.total, 1e-9)
    stated = np.concatenate(tally.stated) if tally.stated else np.zeros(0)
    inside = np.concatenate(tally.inside) if tally.inside else np.zeros(0, dtype=bool)
    seen = np.concatenate(tally.seen) if tally.seen else np.zeros(0, dtype=bool)
    calibration = tuple(
        Calibration(label, int(pick.sum()), float(stated[pick].mean()), float(inside[pick].mean()))
        for low, high, label in CALIBRATION_BINS
        if (pick := seen & (stated >= low) & (stated < high)).any()
    )
    return BacktestResult(
        tally.error_model / scale,
        tally.error_model / scale,
        tally.error_naive / scale,
        tally.total,
        tally.series,
        float(inside.mean()) if len(inside) else float("nan"),
        float(stated.mean()) if len(stated) else float("nan"),
        tally.error_median / scale,
        tally.predicted,
        tally.naive,
        calibration,
        float(np.mean(tally.week_inside)) if tally.week_inside else float("nan"),
        float(np.mean(tally.week_stated)) if tally.week_stated else float("nan"),
        len(tally.week_inside),
        tally.error_plain / scale,
        tally.weather_devices,
        tally.devices,
        float(inside[seen].mean()) if seen.any() else float("nan"),
        float(stated[seen].mean()) if seen.any() else float("nan"),
        int(seen.sum()),
        tally.weather_recorded,
    )


def _score_series(
    tally: _Tally,
    fitted: FittedDevice,
    plain: FittedDevice,
    product_id: int,
    future: Sequence[dt.date],
    holidays: Mapping[dt.date, str],
    given_weather: Mapping[dt.date, tuple[float, float]],
    truth: np.ndarray,
    last_week: np.ndarray,
    seen: np.ndarray,
) -> None:
    """One product's held-out days: the endpoint's numbers, the median, naive, and the forecast without weather."""
    means_by_day = predict(fitted, product_id, future, holidays, given_weather)
    days = daily_forecasts(fitted, product_id, means_by_day)
    points = np.array([d["predicted_units"] for d in days], dtype=float)
    bounds = np.array([d["confidence_interval"] for d in days], dtype=float)
    without = np.array([d.mean for d in predict(plain, product_id, future, holidays)])
    naive = np.array([last_week[i % 7] for i in range(len(future))])
    tally.error_model += np.abs(truth - points).sum()
    tally.error_plain += np.abs(truth - np.round(without, 2)).sum()
    tally.error_naive += np.abs(truth - naive).sum()
    tally.error_median += np.abs(truth - np.array([d["median_units"] for d in days], dtype=float)).sum()
    tally.predicted += points.sum()
    tally.naive += naive.sum()
    tally.total += truth.sum()
    tally.series += 1
    tally.stated.append(np.array([d["interval_probability"] for d in days], dtype=float))
    tally.inside.append((bounds[:, 0] <= truth) & (truth <= bounds[:, 1]))
    tally.seen.append(seen)
    column = fitted.history.column(product_id)
    dispersion = float(fitted.dispersion[column]) if column is not None else 1.0
    for start in range(0, len(future) - 6, 7):
        week = [d.mean for d in means_by_day[start : start + 7]]
        low, high, probability = period_interval(week, dispersion, fitted.drift)
        tally.week_stated.append(probability)
        tally.week_inside.append(bool(low <= truth[start : start + 7].sum() <= high))


def _weather_map(weather: pd.DataFrame | None, dates: Sequence[dt.date]) -> dict[dt.date, tuple[float, float]]:
    if weather is None:
        return {}
    out = {}
    for day in dates:
        stamp = pd.Timestamp(day)
        if stamp in weather.index:
            row = weather.loc[stamp]
            out[day] = (float(row["temperature_c"]), float(row["precipitation_mm"]))
    return out


def _categories(engine: Engine) -> dict[int, str]:
    return FleetRepository(engine).product_categories()


# --- the endpoint -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRequest:
    device_id: int
    products: list[int]
    days: int
    weather: dict[dt.date, tuple[float, float]]
    events: dict[dt.date, float]
    holidays: dict[dt.date, str]


def answer(payload: object, services: Services) -> Answer:
    try:
        request = read_request(payload, services)
    except RequestInvalid as invalid:
        return Answer(DEMAND_FORECAST.error(str(invalid)), False)
    with services.reading():
        record_actuals(services.engine, request.device_id)
        body = forecast(services.engine, request, services.catalogue, services.fleet_figures())
        store_forecasts(services.engine, request.device_id, body)
    return Answer(body, True)


def read_request(payload: object, services: Services) -> ForecastRequest:
    """Check the request; the message names every problem found and its fix."""
    if not isinstance(payload, Mapping):
        raise RequestInvalid('the request is not a JSON object. Fix: send {"device_id": 1, "products": [3], …}')
    problems: list[str] = []
    device_id = payload.get("device_id")
    if not isinstance(device_id, int) or isinstance(device_id, bool) or device_id not in services.device_ids:
        problems.append(f"device {clip(device_id, 40)} is not in this database. Fix: use the id of a listed device")
    products = payload.get("products")
    if not isinstance(products, list) or not products:
        problems.append("products is empty or not a list. Fix: send a list of product ids, e.g. [3, 7]")
        products = []
    unknown = [p for p in products if not isinstance(p, int) or isinstance(p, bool) or p not in services.catalogue]
    if unknown:
        problems.append(f"products {clip(unknown, 80)} are not in the catalogue. Fix: send ids from the product list")
    else:
        problems.extend(repeated_problems(products, "products", "product "))
    days = payload.get("forecast_days", 7)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_FORECAST_DAYS:
        problems.append(
            f"forecast_days {clip(days, 40)} is out of range. Fix: send a whole number from 1 to {MAX_FORECAST_DAYS}"
        )
    weather: dict[dt.date, tuple[float, float]] = {}
    events: dict[dt.date, float] = {}
    holidays: dict[dt.date, str] = {}
    external = payload.get("external_data") or {}
    if payload.get("include_external_factors", True) and external:
        if not isinstance(external, Mapping):
            problems.append("external_data is not a JSON object. Fix: send {weather_forecast, events, holidays}")
        else:
            weather = _items(
                external,
                "weather_forecast",
                {"temperature_c": TEMPERATURE_RANGE_C, "precipitation_mm": PRECIPITATION_RANGE_MM},
                problems,
                lambda d: (float(d["temperature_c"]), float(d.get("precipitation_mm", 0.0))),
            )
            events = _items(
                external,
                "events",
                {"expected_attendance": ATTENDANCE_RANGE},
                problems,
                lambda d: float(d["expected_attendance"]),
            )
            holidays = _items(external, "holidays", {}, problems, lambda d: str(d.get("name") or "holiday"))
    if problems:
        raise RequestInvalid(problems)
    return ForecastRequest(int(device_id), [int(p) for p in products], int(days), weather, events, holidays)


TEMPERATURE_RANGE_C = (-60.0, 60.0)
"""A day's forecast temperature: beyond the hottest and coldest days ever recorded where people shop."""
PRECIPITATION_RANGE_MM = (0.0, 2_000.0)
"""A day's rain, snow as water: the wettest day on record was under 2 m."""
ATTENDANCE_RANGE = (0.0, 10_000_000.0)
"""People at one event: none to the largest gatherings on record."""


def _items(
    external: Mapping,
    key: str,
    numbers: Mapping[str, tuple[float, float]],
    problems: list[str],
    value: Callable[[Mapping], object],
) -> dict:
    """One entry per date (a date given twice is refused, naming both places), each number in its range."""
    items = external.get(key) or []
    out = {}
    if not isinstance(items, list):
        problems.append(f"external_data.{key} is not a list. Fix: send a list of objects with a date")
        return out
    dates: list[Hashable] = []
    for index, item in enumerate(items):
        where = f"external_data.{key}[{index}]"
        dates.append(("unread", index))
        try:
            day = dt.date.fromisoformat(item["date"])
            beyond = [
                number_problem(item[name], f"{where}.{name}", low, high)
                for name, (low, high) in numbers.items()
                if name in item or name != "precipitation_mm"
            ]
            if any(beyond):
                problems.extend(problem for problem in beyond if problem)
                continue
            out[day] = value(item)
            dates[-1] = day.isoformat()
        except (KeyError, TypeError, ValueError) as error:
            fields = ", ".join(["date (YYYY-MM-DD)", *(f"{n} (a number)" for n in numbers)])
            problems.append(f"{where} is malformed ({clip(str(error), 120)}). Fix: give it {fields}")
    problems.extend(repeated_problems(dates, f"external_data.{key}", "date "))
    return out


def forecast(
    engine: Engine, request: ForecastRequest, catalogue: Mapping, figures: FleetFigures | None = None
) -> dict[str, object]:
    """The seed's response body for a checked request; with ``figures`` the fleet's days with data and rates are
    the ones already computed for this data (the same numbers, read once per data change)."""
    history = device_history(engine, request.device_id, figures.days_with_data() if figures is not None else None)
    holidays = {**known_holidays(engine), **request.holidays}
    as_of = history.last_day if len(history.days) else dt.date.today()
    fleet = figures.of(fleet_rates, as_of) if figures is not None else fleet_rates(engine, as_of)
    fitted = fit_device(history, holidays, recorded_weather(engine, request.device_id), _categories(engine), fleet)
    start = as_of + dt.timedelta(days=1)
    dates = [start + dt.timedelta(days=i) for i in range(request.days)]
    slots = active_slots(engine, request.device_id)
    capacity = slots.groupby("product_id")["capacity"].sum().to_dict() if not slots.empty else {}
    where = slots.groupby("product_id")["position"].first().to_dict() if not slots.empty else {}
    cover = restock_cover_days(engine, request.device_id)
    forecasts, high_risk, opportunities = [], [], []
    total_units, revenue = 0, 0.0
    for product_id in request.products:
        product = catalogue[product_id]
        column = history.column(product_id)
        dispersion = float(fitted.dispersion[column]) if column is not None else 1.0
        days = predict(fitted, product_id, dates, holidays, request.weather, request.events)
        daily = daily_forecasts(fitted, product_id, days)
        expected_total = sum(float(d["expected_units"]) for d in daily)
        week_total = math.ceil(round(sum(float(d["predicted_units"]) for d in daily), 2))  # whole units to load
        mean_per_day = expected_total / len(daily)
        cover_mean = mean_per_day * cover
        par = min(
            upper_quantile(cover_mean, dispersion / max(cover, 1), SERVICE_LEVEL),
            plausible_between_visits(history, product_id, cover, cover_mean),
        )
        carried = int(capacity.get(product_id, 0))
        risk_probability = exceed_probability(cover_mean, dispersion / max(cover, 1), carried) if carried else 0.0
        risk = "high" if risk_probability > 0.2 else "medium" if risk_probability > 0.05 else "low"
        if risk == "high":
            high_risk.append(product_id)
        if carried and par > carried:
            opportunities.append(
                f"Increase {product.name} capacity by {round(100 * (par - carried) / carried)}% "
                f"(par {par} vs {carried} slots' capacity)"
            )
        elif carried and mean_per_day * 7 < 1.0:
            opportunities.append(
                f"Reduce slow-mover {product.name} in {where.get(product_id, '?')} ({mean_per_day * 7:.1f} units/week)"
            )
        first_week = [d.mean for d in days[:7]]
        week_low, week_high, week_probability = period_interval(first_week, dispersion, fitted.drift)
        explanation = forecast_explanation(fitted, product, days, fleet.get(product_id, 0.0), request.events)
        forecasts.append(
            {
                "product_id": product_id,
                "product_name": product.name,
                "daily_forecasts": daily,
                # additive to the seed: the first week's total and its own interval (the days' bounds do not add)
                "week_interval": {
                    "days": len(first_week),
                    "expected_units": round(sum(float(d["expected_units"]) for d in daily[:7]), 2),
                    "confidence_interval": [week_low, week_high],
                    "interval_probability": round(week_probability, 3),
                },
                "recommended_stock": week_total,
                "stockout_risk": risk,
                "suggested_par_level": int(par),
                "explanation": explanation.to_json(),
            }
        )
        total_units += week_total
        revenue += expected_total * float(product.price)
    return {
        "success": True,
        "units_explained": UNITS_EXPLAINED,  # additive to the seed: which daily figure is the mean, which the median
        "forecasts": forecasts,
        "aggregate_metrics": {
            "total_weekly_units": total_units,
            "revenue_forecast": round(revenue, 2),
            "high_risk_products": high_risk,
            "optimization_opportunities": opportunities,
        },
    }


def plausible_between_visits(history: DeviceHistory, product_id: int, cover: float, cover_mean: float) -> int:
    """The most a par level may ask for: the most the machine ever sold of the product within ``cover`` days with
    data, or the :data:`SERVICE_LEVEL` quantile of Poisson demand around the forecast, whichever is more.

    A dispersion read off a few lumpy days (nine units one day, none the next four) would otherwise ask for
    several times what the machine has ever sold between two visits; the Poisson quantile keeps a buffer for a
    product whose record is too short to have shown a busy stretch."""
    column = history.column(product_id)
    poisson = upper_quantile(cover_mean, 0.0, SERVICE_LEVEL)
    if column is None or len(history.days) == 0:
        return poisson
    units = history.units[:, column]
    window = min(max(math.ceil(cover), 1), len(units))
    most = float(np.convolve(units, np.ones(window), mode="valid").max())
    return max(round(most), poisson)


def restock_cover_days(engine: Engine, device_id: int) -> float:
    """Typical days between restock visits, seen in when sold-out slots were refilled (3 when never seen)."""
    stamps = restock_times(engine, device_id)
    visits = sorted({pd.Timestamp(s).normalize() for s in stamps})
    if len(visits) < 3:
        return 3.0
    gaps = np.diff(np.array(visits, dtype="datetime64[D]")).astype(float)
    return float(max(np.median(gaps), 1.0))


def store_forecasts(engine: Engine, device_id: int, body: Mapping) -> int:
    """Keep each day's forecast in ``demand_forecasts``; a newer forecast replaces an unscored one of that day."""
    rows = []
    for product in body["forecasts"]:
        for day in product["daily_forecasts"]:
            low, high = day["confidence_interval"]
            rows.append(
                {
                    "device_id": device_id,
                    "product_id": product["product_id"],
                    "forecast_date": dt.date.fromisoformat(day["date"]),
                    "predicted_units": day["predicted_units"],
                    "confidence_lower": low,
                    "confidence_upper": high,
                    "external_factors": json.dumps(day["factors"]),
                    "model_version": MODEL_VERSION,
                }
            )
    return replace_forecasts(engine, device_id, rows)


# --- why: the forecaster's own factor decomposition (the response's "explanation", the window's "Why?") ---

FORECAST_LOGIC = (
    "Negative binomial, multiplicative per device: level × weekday × holiday × weather × event; the level is "
    "recency-weighted demand per exposed day (stock-outs left out), shrunk toward the fleet's rate"
)
THIN_DAYS = 28
"""A product carried fewer days than this at the device leans visibly on the fleet's rate: said so."""
NOTABLE_DRIFT = 0.01
"""Level drift (squared CV) above this is worth a sentence: a 10 % wobble of the level between fit and sale."""


def forecast_explanation(
    fitted: FittedDevice,
    product: Product,
    days: Sequence[DayForecast],
    fleet_rate: float,
    events: Mapping[dt.date, float] | None = None,
) -> Explanation:
    """The explanation of one product's forecast over ``days`` (what the response's ``explanation`` carries).

    The forecast's mean is level × weekday × holiday × weather × event, and the level blends this device's
    recency-weighted sales with the fleet's rate for the product (the prior); over the forecast days the units
    therefore split exactly into the device's own rate, the fleet's rate, the weekday pattern, holidays, weather and
    events: the factors, in units over the forecast, adding up to its total.
    """
    history = fitted.history
    column = history.column(product.id)
    level = float(fitted.level[column]) if column is not None else 0.0
    own_share = float(fitted.own_share[column]) if column is not None and fitted.own_share is not None else 0.0
    category = str(fitted.categories[column]) if column is not None and fitted.categories is not None else ""
    per_degree, per_mm = fitted.weather.get(category, (0.0, 0.0))
    count = len(days)
    base = sum(d.factors["base_demand"] for d in days)
    neutral = level * count
    factors = [
        Factor("This machine's own sales of it", round(neutral * own_share, 4), "units", "recency-weighted rate"),
        Factor("The fleet's rate for it (prior)", round(neutral * (1 - own_share), 4), "units",
               f"{FLEET_PRIOR_DAYS:g} days' weight toward {fleet_rate:.2f} a day"),
        Factor("Weekday pattern of this machine", round(base - neutral, 4), "units", "weekday multipliers"),
        Factor("Holidays", round(sum(d.factors["holiday_adjustment"] for d in days), 4), "units"),
        Factor("Weather", round(sum(d.factors["weather_adjustment"] for d in days), 4), "units"),
        Factor("Events", round(sum(d.factors["event_adjustment"] for d in days), 4), "units",
               f"stated prior: +{EVENT_SHOPPERS_PER_1000:.0%} per 1,000 attendees"),
    ]  # fmt: skip
    logic = ModelLogic(
        FORECAST_LOGIC,
        MODEL_VERSION,
        None,
        {
            "level_units_per_day": round(level, 4),
            "own_share_of_level": round(own_share, 4),
            "fleet_rate_units_per_day": round(fleet_rate, 4),
            "weekday_low": round(float(min(fitted.weekday)), 4),
            "weekday_high": round(float(max(fitted.weekday)), 4),
            "holiday_multiplier": round(fitted.holiday, 4),
            "weather_per_degree": round(per_degree, 4),
            "weather_per_mm": round(per_mm, 4),
            "dispersion": round(product_dispersion(fitted, product.id), 4),
            "level_drift": round(fitted.drift, 4),
            "half_life_days": HALF_LIFE_DAYS,
        },
    )
    carried = int((history.exposure[:, column] > 0).sum()) if column is not None else 0
    data = DataUsed.between(
        history.days[0] if len(history.days) else None,
        history.days[-1] if len(history.days) else None,
        days_with_data=len(history.days),
        days_carried=carried,
        units_sold=round(float(history.units[:, column].sum()), 2) if column is not None else 0,
        weighted_days=round(float(fitted.evidence_days[column]), 2)
        if column is not None and fitted.evidence_days is not None
        else 0,
    )
    found: list[str] = []
    if carried == 0:
        found.append(f"{product.name} has no days carried at this machine: the forecast is the fleet's rate for it")
    elif carried < THIN_DAYS:
        found.append(
            f"Only {carried} days of {product.name} at this machine: "
            f"{1 - own_share:.0%} of its level is the fleet's rate"
        )
    if len(history.days) < MIN_VALIDATION_HISTORY + VALIDATION_DAYS:
        found.append(
            f"{len(history.days)} days with data are too few to check the forecast on held-out days: the interval "
            "holds the model's day-to-day spread, not measured drift"
        )
    if fitted.weather_check != "no weather recorded":
        found.append(f"Weather: {fitted.weather_check}")
    if fitted.drift > NOTABLE_DRIFT:
        found.append(
            f"Demand drifted on the last {VALIDATION_DAYS} days held out "
            f"(level wobble ±{math.sqrt(fitted.drift):.0%}): intervals are widened for it"
        )
    if any(day in (events or {}) for day in (d.date for d in days)):
        found.append("Events are not learnt from history: their effect is a stated prior")
    return Explanation.of(logic, factors, data, found)
