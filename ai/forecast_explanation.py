"""Why the forecast expects what it does of one product: the forecaster's own factor decomposition.

The forecast's mean is level × weekday × holiday × weather × event (:mod:`ai.demand_forecast`), and the level is a
blend of this device's recency-weighted sales and the fleet's rate for the product (the prior). Over the forecast
days the units therefore split exactly into: the device's own sales rate, the fleet's rate, the weekday pattern,
holidays, weather and events. Those are the factors, in units over the forecast, and they add up to its total.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ai.explanations import DataUsed, Explanation, Factor, ModelLogic
from designer.products import Product

if TYPE_CHECKING:  # the forecaster calls this module to explain each product's forecast
    import datetime as dt

    from ai.demand_forecast import DayForecast, FittedDevice

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
    """The explanation of one product's forecast over ``days`` (what the response's ``explanation`` carries)."""
    from ai.demand_forecast import (
        EVENT_SHOPPERS_PER_1000,
        FLEET_PRIOR_DAYS,
        HALF_LIFE_DAYS,
        MIN_VALIDATION_HISTORY,
        MODEL_VERSION,
        VALIDATION_DAYS,
        product_dispersion,
    )

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
