"""Where machines stand: location types with their tastes and rhythms, and the regions' simulated weather.

A location type scales demand per category (a gym sells sports drinks, a school almost no energy drinks),
per weekday (schools are shut at weekends, gyms busiest), on public holidays, and spreads the day's vends
over the hours. Each region has a daily temperature and precipitation series shared by its machines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from storage.simulator.history import History

REFERENCE_TEMPERATURE_C = 18.0
"""Weather multipliers are 1 at this temperature with no precipitation."""

RAIN_CAP_MM = 25.0
"""Precipitation above this adds no further effect (a downpour keeps people in either way)."""


def _hours(weights: dict[tuple[int, int], float], floor: float = 0.0) -> tuple[float, ...]:
    """A 24-hour profile from ``{(first_hour, last_hour): weight}`` ranges, normalised to sum 1."""
    profile = np.full(24, floor)
    for (first, last), weight in weights.items():
        profile[first : last + 1] = weight
    return tuple(float(x) for x in profile / profile.sum())


@dataclass(frozen=True)
class LocationType:
    """A kind of site: its machines' naming, traffic and rhythms, and its category preferences."""

    name: str
    device_label: str  # "Office Lobby" → devices "Office Lobby 1", "Office Lobby 2", …
    traffic: float  # overall demand level relative to 1
    weekday_profile: tuple[float, ...]  # Monday … Sunday multipliers
    holiday_effect: float  # multiplies the weekday profile on a public holiday
    hour_profile: tuple[float, ...]  # share of a day's vends in each hour 0–23
    preferences: dict[str, float] = field(default_factory=dict)  # category → multiplier (absent = 1)
    places: tuple[str, ...] = ()

    def preference(self, category: str) -> float:
        return self.preferences.get(category, 1.0)


LOCATION_TYPES: tuple[LocationType, ...] = (
    LocationType(
        "office",
        "Office Lobby",
        0.9,
        (1.10, 1.15, 1.15, 1.10, 0.95, 0.25, 0.15),
        0.15,
        _hours({(7, 7): 4, (8, 9): 8, (10, 11): 6, (12, 13): 9, (14, 14): 6, (15, 16): 7, (17, 18): 3}, 0.2),
        {"coffee": 1.8, "energy drinks": 1.3, "cookies": 1.2, "chips": 1.1, "pastries": 1.4, "sandwiches": 1.2,
         "healthy snacks": 1.1, "ice cream": 0.8, "frozen meals": 1.3, "sports drinks": 0.6},
        ("Harbour Point Tower", "Meridian Business Park", "Civic Centre Annex", "Granite Plaza"),
    ),
    LocationType(
        "school",
        "School Cafeteria",
        1.0,
        (1.20, 1.20, 1.20, 1.20, 1.05, 0.05, 0.03),
        0.03,
        _hours({(7, 7): 5, (8, 9): 4, (10, 10): 9, (11, 11): 5, (12, 13): 10, (14, 14): 5, (15, 15): 8, (16, 17): 2},
               0.1),
        {"healthy snacks": 1.5, "water": 1.5, "juice": 1.6, "dairy": 1.4, "fresh food": 1.2, "candy": 0.8,
         "soda": 0.5, "energy drinks": 0.05, "coffee": 0.1, "cookies": 1.2, "ice cream": 1.4},
        ("Lincoln High School", "Westbrook Middle School", "Oakridge Academy", "St. Anne's College"),
    ),
    LocationType(
        "gym",
        "Gym Entrance",
        0.8,
        (0.95, 0.90, 0.95, 0.90, 0.90, 1.45, 1.35),
        1.3,
        _hours({(5, 5): 3, (6, 8): 8, (9, 11): 4, (12, 13): 5, (14, 16): 3, (17, 20): 9, (21, 22): 4}, 0.3),
        {"sports drinks": 2.6, "water": 2.0, "healthy snacks": 1.9, "energy drinks": 1.6, "dairy": 1.3,
         "candy": 0.45, "chips": 0.55, "cookies": 0.5, "soda": 0.6, "pastries": 0.4, "frozen meals": 0.6},
        ("FitHub Central", "Iron Works Gym", "Aqua & Fitness Centre", "Peak Performance Club"),
    ),
    LocationType(
        "hospital",
        "Hospital Waiting Room",
        1.2,
        (1.05, 1.00, 1.00, 1.00, 1.00, 0.90, 0.85),
        0.85,
        _hours({(0, 5): 1.5, (6, 7): 4, (8, 11): 7, (12, 13): 9, (14, 17): 7, (18, 20): 5, (21, 23): 3}),
        {"sandwiches": 1.7, "fresh food": 1.6, "coffee": 1.5, "juice": 1.3, "water": 1.2, "pastries": 1.3,
         "energy drinks": 0.7},
        ("St. Mary's Hospital", "County General Hospital", "Riverside Medical Centre", "Children's Clinic"),
    ),
    LocationType(
        "transit",
        "Station Concourse",
        1.3,
        (1.15, 1.10, 1.10, 1.10, 1.20, 0.70, 0.60),
        0.6,
        _hours({(5, 5): 3, (6, 9): 9, (10, 15): 4, (16, 19): 8, (20, 23): 3}, 0.3),
        {"water": 1.3, "soda": 1.3, "candy": 1.3, "coffee": 1.4, "chips": 1.2, "energy drinks": 1.2,
         "fresh food": 0.7, "frozen meals": 0.5, "dairy": 0.7},
        ("Central Station", "Airport Terminal B", "Bus Interchange", "Ferry Terminal"),
    ),
    LocationType(
        "factory",
        "Factory Break Room",
        1.1,
        (1.05, 1.05, 1.05, 1.05, 1.00, 0.55, 0.30),
        0.35,
        _hours({(0, 1): 3, (2, 2): 5, (3, 5): 2, (6, 6): 6, (7, 9): 3, (10, 10): 6, (11, 13): 4, (14, 14): 6,
                (15, 17): 3, (18, 18): 6, (19, 21): 3, (22, 22): 6, (23, 23): 3}),
        {"energy drinks": 1.8, "soda": 1.4, "sandwiches": 1.5, "frozen meals": 1.7, "chips": 1.3, "coffee": 1.3,
         "healthy snacks": 0.7, "fresh food": 0.8},
        ("Northside Assembly Plant", "Valley Packaging Works", "Delta Logistics Depot", "Summit Steel Mill"),
    ),
)  # fmt: skip

LOCATION_TYPE_NAMES = tuple(location.name for location in LOCATION_TYPES)


def location_type(name: str) -> LocationType:
    return LOCATION_TYPES[LOCATION_TYPE_NAMES.index(name)]


@dataclass(frozen=True)
class Region:
    """A town whose machines share one weather series."""

    name: str
    mean_temperature_c: float
    seasonal_amplitude_c: float  # half the difference between the warmest and coldest month
    rain_probability: float  # chance of a wet day
    mean_rain_mm: float  # mean precipitation on a wet day


REGIONS: tuple[Region, ...] = (
    Region("Riverside", 14.0, 10.0, 0.30, 7.0),
    Region("Hillcrest", 11.0, 12.0, 0.35, 6.0),
    Region("Harbourview", 16.0, 7.0, 0.40, 9.0),
    Region("Northgate", 8.0, 14.0, 0.28, 5.0),
)


@dataclass(frozen=True)
class Weather:
    """One region's daily weather over the history."""

    temperature_c: np.ndarray
    precipitation_mm: np.ndarray


def simulate_weather(region: Region, history: History, rng: np.random.Generator) -> Weather:
    """A seasonal cycle (coldest in late January) plus persistent day-to-day anomalies and random wet days."""
    season = region.mean_temperature_c - region.seasonal_amplitude_c * np.cos(
        2 * np.pi * (history.day_of_year() - 20) / 365.25
    )
    shocks = rng.normal(0.0, 2.2, history.days)
    anomaly = np.empty(history.days)
    level = rng.normal(0.0, 3.0)
    for day, shock in enumerate(shocks):
        level = 0.7 * level + shock
        anomaly[day] = level
    wet = rng.random(history.days) < region.rain_probability
    amount = rng.gamma(0.8, region.mean_rain_mm / 0.8, history.days)
    return Weather(
        temperature_c=np.round(season + anomaly, 1),
        precipitation_mm=np.round(np.where(wet, amount, 0.0), 1),
    )


def weather_multiplier(weather: Weather, per_degree_c: float, per_mm_rain: float) -> np.ndarray:
    """exp(per_degree_c · (T − 18 °C) + per_mm_rain · min(P, 25 mm)) for each day."""
    return np.exp(
        per_degree_c * (weather.temperature_c - REFERENCE_TEMPERATURE_C)
        + per_mm_rain * np.minimum(weather.precipitation_mm, RAIN_CAP_MM)
    )
