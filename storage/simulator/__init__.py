"""The demo fleet: a deterministic simulator that writes a working-copy database with planted truth.

There is no real CVD data here, so ``build_demo_fleet`` invents a fleet whose true parameters are known
and stores them in ``simulation_truth``; models are measured against them. Same arguments → identical
data; device k's data depends only on (seed, k) (transaction ids also on the devices before it).

Modules: ``history`` (the simulated clock, holidays), ``catalogue`` (products, planted pairs, users),
``locations`` (location types, regions, weather), ``layouts`` (devices, cabinets, planograms v1/v2,
restock rounds), ``demand`` (vends, stock, stock-outs, baskets), ``truth`` (the JSON), ``writer`` (rows),
``build`` (all-or-nothing build).

What the sales rows mean: one row per vend (quantity 1); rows of one basket share ``transaction_id``
(1, 2, … in device then time order, unique across the fleet). Sales follow the planogram in force:
version 1 from the start of history until the cabinet's change visit, version 2 (active) after it. Each
restock visit fills every slot to its par level; when a slot runs out, further demand until the next visit
is lost and a ``stockouts`` row records sold_out_at / restocked_at (None when history ends first). Empty
slots are planogram_slots rows with product_id NULL. History ends 2026-06-30 23:59:59; every timestamp is
simulated (naive local time).

``simulation_truth`` keys (values are JSON):

- ``seed``: the seed. ``history``: {start, end, days, first_moment, last_moment}.
- ``parameters``: every constant of the model — ``demand_formula`` (the composition below, as text),
  ``price_elasticity``, ``categories`` (zone, baseline, weather sensitivity, capacity range), ``products``
  {id: popularity, price_effect, noise_shape}, ``location_traffic``, ``hour_profiles`` (24 shares per
  location type), ``device_day_shape``, ``basket_join_probability``, ``eye_level_rows``, ``cabinet_sizes``,
  ``restock`` rule and schedules, planogram fill / change / swap / move shares, ``empty_slot_product_id``.
- ``row_multipliers``: {rows in cabinet: [multiplier of row A, B, …]}; eye level is rows B–C (index 1–2),
  the bottom row lowest. ``column_multipliers``: {columns: [multiplier of column 1, 2, …]} (small).
- ``location_preferences``: {location type: {category: multiplier}}.
- ``weekday_profiles``: {location type: [Monday … Sunday multipliers]}.
- ``holidays``: {dates: [{date, name}], effect_by_location_type: {type: multiplier on a holiday}}.
- ``weather``: {reference_temperature_c, rain_cap_mm, sensitivity: {category: {per_degree_c, per_mm_rain}},
  regions: {name: {climate, temperature_c: [per day], precipitation_mm: [per day]}}, device_regions}.
  Multiplier = exp(per_degree_c·(T − 18) + per_mm_rain·min(P, 25)).
- ``affinity_pairs``: [{product_ids, products, attach_probability}]: when either is vended the other joins
  the same basket with that probability, if carried and in stock.
- ``rivalries``: [{product_ids, products, multiplier_when_both_carried}]: substitutes' demand penalty.
- ``base_demand``: {device id: {product id: expected vends/day}} = popularity × price effect × location
  preference × location traffic × device traffic; a neutral slot (row × column multiplier 1) on a neutral
  day (profile 1, no holiday, 18 °C, dry, no rival), before noise and stock-outs.
- ``planogram_changes``: {device id: {cabinet index: {changed_at, moved_product_ids, added_product_ids,
  removed_product_ids}}}: when version 2 went live (= its activated_at) and what it changed.
- ``devices``: {device id: {location_type, region, traffic, restock_weekdays, restock_visits}}.
- ``planted_treatment`` (only when an experiment's effect was planted): {device_ids, start, multiplier}.
- ``censored_demand``: {device id: {product id: vend attempts lost to empty slots}}.

Expected vends of a slot on a day = base_demand × row × column multiplier × weekday profile × holiday
effect × weather multiplier × rivalry multiplier; vends are Poisson around that times a gamma day shock
(device-wide) and a gamma slot-day level (shape ``noise_shape``: small for slow movers, so their demand is
intermittent).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.simulator.build import FleetSummary, PlantedTreatment, SimulationCancelled, build_demo_fleet

__all__ = ["FleetSummary", "PlantedTreatment", "SimulationCancelled", "build_demo_fleet"]


def __getattr__(name: str) -> object:
    """The build (numpy, SQLAlchemy's ORM, every simulator module) loads on first use, not with the package:
    importing one small module of the package (its history, its catalogue) must not load them all."""
    if name in __all__:
        return getattr(import_module("storage.simulator.build"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
