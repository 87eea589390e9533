"""The planted truth, gathered while the fleet is built and stored as JSON in ``simulation_truth``.

Model code measures itself against these values, so every parameter that shaped the sales is here; the
package docstring says what each key means.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from designer.positions import MAX_COLUMNS, MAX_ROWS
from storage.simulator import catalogue as catalogue_rules
from storage.simulator import demand, layouts
from storage.simulator.catalogue import AFFINITY_PAIRS, CATEGORIES, RIVALRIES, ProductTable
from storage.simulator.demand import DeviceSales
from storage.simulator.history import History, public_holidays
from storage.simulator.layouts import DevicePlan
from storage.simulator.locations import (
    LOCATION_TYPES,
    RAIN_CAP_MM,
    REFERENCE_TEMPERATURE_C,
    REGIONS,
    Weather,
)

DEMAND_FORMULA = (
    "expected vends per slot-day = base_demand[device][product] × row_multipliers[rows][row] × "
    "column_multipliers[columns][column] × weekday_profiles[location_type][weekday] × "
    "(holidays.effect_by_location_type[location_type] on a holiday, else 1) × "
    "exp(per_degree_c × (temperature_c − 18) + per_mm_rain × min(precipitation_mm, 25)) × "
    "(rivalry multiplier while both rivals are carried); vends ~ Poisson(expected × device-day shock × "
    "slot-day level), shock ~ Gamma(device_day_shape)/device_day_shape, level ~ Gamma(k)/k with "
    "k = products[id].noise_shape; each slot holds its par level after every restock and demand beyond "
    "it is lost (stockouts, censored_demand)"
)


def _round(values: np.ndarray, digits: int = 4) -> list[float]:
    return [round(float(x), digits) for x in values]


@dataclass
class TruthLedger:
    """Collects per-device truth as devices are built, then renders every key as JSON text."""

    seed: int
    history: History
    catalogue: ProductTable
    weather: list[Weather]
    base_demand: dict[str, dict[str, float]] = field(default_factory=dict)
    changes: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    devices: dict[str, dict[str, object]] = field(default_factory=dict)
    censored: dict[str, dict[str, int]] = field(default_factory=dict)

    def add_device(self, plan: DevicePlan, sales: DeviceSales) -> None:
        key = str(plan.id)
        ids = self.catalogue.ids
        self.base_demand[key] = {str(p): round(float(r), 5) for p, r in zip(ids, plan.base_demand, strict=True)}
        self.changes[key] = {
            str(cabinet.index): {
                "changed_at": self.history.moment(plan.change_time(cabinet)).isoformat(),
                "moved_product_ids": cabinet.moved,
                "added_product_ids": cabinet.added,
                "removed_product_ids": cabinet.removed,
            }
            for cabinet in plan.cabinets
        }
        self.devices[key] = {
            "location_type": plan.location.name,
            "region": REGIONS[plan.region].name,
            "traffic": round(plan.traffic, 5),
            "restock_weekdays": list(plan.restock_weekdays),
            "restock_visits": [self.history.moment(t).isoformat() for t in plan.visits],
        }
        self.censored[key] = {str(p): int(n) for p, n in zip(ids, sales.lost, strict=True) if n}

    def entries(self, devices: int) -> dict[str, str]:
        """Every truth key → compact JSON text."""
        values = self._values(devices)
        return {key: json.dumps(value, ensure_ascii=False, separators=(",", ":")) for key, value in values.items()}

    def _values(self, devices: int) -> dict[str, object]:
        catalogue, history = self.catalogue, self.history
        categories = list(CATEGORIES)
        return {
            "seed": self.seed,
            "history": {
                "start": history.start.isoformat(),
                "end": history.end.isoformat(),
                "days": history.days,
                "first_moment": history.start_moment.isoformat(),
                "last_moment": history.end_moment.isoformat(),
            },
            "parameters": {
                "devices": devices,
                "days": history.days,
                "seed": self.seed,
                "demand_formula": DEMAND_FORMULA,
                "price_elasticity": catalogue_rules.PRICE_ELASTICITY,
                "popularity_spread": catalogue_rules.POPULARITY_SPREAD,
                "category_reference_prices": catalogue.category_reference_prices(),
                "categories": {name: {**asdict(c), "zone": c.zone.value} for name, c in CATEGORIES.items()},
                "products": {
                    str(p): {
                        "name": catalogue.names[i],
                        "popularity": round(float(catalogue.popularity[i]), 5),
                        "price_effect": round(float(catalogue.price_effect[i]), 5),
                        "noise_shape": round(float(catalogue.noise_shape[i]), 5),
                    }
                    for i, p in enumerate(catalogue.ids.tolist())
                },
                "empty_slot_product_id": catalogue.empty_slot_id,
                "location_traffic": {location.name: location.traffic for location in LOCATION_TYPES},
                "hour_profiles": {
                    location.name: _round(np.array(location.hour_profile), 5) for location in LOCATION_TYPES
                },
                "device_traffic_spread": layouts.DEVICE_TRAFFIC_SPREAD,
                "device_day_shape": demand.DEVICE_DAY_SHAPE,
                "basket_join_probability": demand.BASKET_JOIN_PROBABILITY,
                "basket_step_seconds": list(demand.BASKET_STEP_SECONDS),
                "eye_level_rows": list(layouts.EYE_LEVEL_ROWS),
                "cabinet_sizes": {zone.value: list(size) for zone, size in layouts.CABINET_SIZES.items()},
                "restock": {
                    "rule": "every visit fills every slot of the planogram in force to its par level",
                    "hours": list(layouts.RESTOCK_HOURS),
                    "schedules": [list(days) for days in layouts.RESTOCK_WEEKDAYS],
                },
                "fill_share": list(layouts.FILL_SHARE),
                "change_share": list(layouts.CHANGE_SHARE),
                "swap_share": layouts.SWAP_SHARE,
                "move_share": layouts.MOVE_SHARE,
                "assortment_weight_power": layouts.ASSORTMENT_WEIGHT_POWER,
            },
            "row_multipliers": {str(rows): layouts.row_multipliers(rows) for rows in range(1, MAX_ROWS + 1)},
            "column_multipliers": {str(c): layouts.column_multipliers(c) for c in range(1, MAX_COLUMNS + 1)},
            "location_preferences": {
                location.name: {category: location.preference(category) for category in categories}
                for location in LOCATION_TYPES
            },
            "weekday_profiles": {location.name: list(location.weekday_profile) for location in LOCATION_TYPES},
            "holidays": {
                "dates": [
                    {"date": day.isoformat(), "name": name} for day, name in public_holidays(history.start, history.end)
                ],
                "effect_by_location_type": {location.name: location.holiday_effect for location in LOCATION_TYPES},
            },
            "weather": {
                "reference_temperature_c": REFERENCE_TEMPERATURE_C,
                "rain_cap_mm": RAIN_CAP_MM,
                "sensitivity": {
                    name: {"per_degree_c": c.per_degree_c, "per_mm_rain": c.per_mm_rain}
                    for name, c in CATEGORIES.items()
                },
                "regions": {
                    region.name: {
                        **asdict(region),
                        "temperature_c": _round(weather.temperature_c, 1),
                        "precipitation_mm": _round(weather.precipitation_mm, 1),
                    }
                    for region, weather in zip(REGIONS, self.weather, strict=True)
                },
                "device_regions": {key: device["region"] for key, device in self.devices.items()},
            },
            "affinity_pairs": [
                {
                    "product_ids": [catalogue.id_of(first), catalogue.id_of(second)],
                    "products": [first, second],
                    "attach_probability": attach,
                }
                for first, second, attach in AFFINITY_PAIRS
            ],
            "rivalries": [
                {
                    "product_ids": [catalogue.id_of(first), catalogue.id_of(second)],
                    "products": [first, second],
                    "multiplier_when_both_carried": factor,
                }
                for first, second, factor in RIVALRIES
            ],
            "base_demand": self.base_demand,
            "planogram_changes": self.changes,
            "devices": self.devices,
            "censored_demand": self.censored,
        }
