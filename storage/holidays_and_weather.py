"""The holidays and weather a database records (the demo fleet keeps its calendar and skies in
``simulation_truth``); a database without them answers empty, and the forecasts do without."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import Engine, select

from storage.tables import SimulationTruth


def known_holidays(engine: Engine) -> dict[dt.date, str]:
    """Holidays the database records, by date."""
    with engine.connect() as connection:
        value = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "holidays"))
    if not value:
        return {}
    return {dt.date.fromisoformat(h["date"]): h["name"] for h in json.loads(value).get("dates", [])}


def weather_regions(engine: Engine) -> dict[int, str]:
    """Device id → the weather series it shares with its neighbours, when the database records them (empty
    otherwise): devices under one sky have one season per category."""
    with engine.connect() as connection:
        value = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "weather"))
    if not value:
        return {}
    return {int(device): str(region) for device, region in json.loads(value).get("device_regions", {}).items()}


def recorded_weather(engine: Engine, device_id: int) -> pd.DataFrame | None:
    """Daily temperature and rain at the device's region, when the database records them (the demo fleet does)."""
    with engine.connect() as connection:
        value = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "weather"))
        history = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "history"))
    if not value or not history:
        return None
    start = dt.date.fromisoformat(json.loads(history)["start"])
    weather = json.loads(value)
    region = weather.get("device_regions", {}).get(str(device_id))
    if region is None:
        return None
    series = weather["regions"][region]
    dates = pd.date_range(start, periods=len(series["temperature_c"]), freq="D")
    return pd.DataFrame(
        {"temperature_c": series["temperature_c"], "precipitation_mm": series["precipitation_mm"]}, index=dates
    )
