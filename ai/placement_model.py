"""The learnt placement model: expected daily sales of a product in a slot, from the sales history.

A Poisson GLM (scikit-learn's ``PoissonRegressor``) on slot spans, with each span's exposure in demand-days
as its weight, so it is the likelihood of slot-day counts with censored days left out:

    log(daily sales) = intercept
                     + product + device + location type × product + device × product   (velocity)
                     + category + location type × category + price slope × log(price / category price)
                     + row effect (per cabinet row count)
                     + column slope × distance from the row's centre + column effect (per column count)
                     + affinity slope × strongest log basket lift with a neighbour
                     + mismatch effect × (sold from a colder cabinet than it needs)

The ridge penalty makes the nested velocity effects a hierarchy: a product with little history at a
machine is pulled toward its velocity at this location type and across the fleet, and an unseen one
falls back on its category and price. Each effect is worth :data:`PRIOR_VENDS` vends of evidence, the
per-location and per-machine departures of a product from its fleet velocity 16 times as many
(:data:`VELOCITY_DEVIATION_SCALE`).
Row effects are learnt per cabinet shape from the same products seen in different rows across planogram
changes; column effects are the fleet's pull to the middle plus a shape's own, strongly shrunk deviation
(:data:`COLUMN_DEVIATION_SCALE`).

The fitted model is a set of plain arrays (no scikit-learn object), saved as ``.npz``: loading it
neither runs code from the file nor needs scikit-learn, and scoring is numpy arithmetic. pandas, SciPy and
scikit-learn are imported by the fit alone, so a command that scores with a saved model starts without them.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ai.placement_features import (
    COLUMN_OFFSETS,
    COLUMN_SHAPES,
    NEIGHBOUR_STEPS,
    ROW_SHAPES,
    centre_distance,
    column_feature,
    positive_log_lift,
    relative_log_price,
    row_feature,
    strongest_complement,
    temperature_mismatch,
)
from ai.training_stop import TrainingCancelled

if TYPE_CHECKING:  # the fit's inputs; reading them needs pandas and SciPy, scoring a saved model does not
    from scipy import sparse

    from ai.placement_history import PlacementHistory

Progress = Callable[[int, str], None]
StopRequest = Callable[[], bool]

FORMAT_VERSION = 4
"""Bumped when the saved arrays change meaning; older files are then retrained, never misread (2: days carried
count a product's parallel slots once and leave out days without data; 3: column effects shrunk to the
fleet's profile; 4: per-machine and per-location velocity shrunk to the fleet's)."""

PRIOR_VENDS = 4.0
"""Ridge strength, in vends: an effect backed by n vends keeps about n / (n + 4) of its raw estimate."""

VELOCITY_DEVIATION_SCALE = 0.25
"""A product's velocity at one location type, and at one machine, departs from its fleet velocity with a ridge
1 / 0.25² = 16 times the others' (worth 64 vends). With equal ridges a product sold at one machine split its
popularity three ways, and a third of it stayed with that machine: a machine the model had not seen then
ranked slots by a washed-out velocity, worse than the fleet's raw one (held-out machines, freezers: ρ 0.595 vs
0.631 for velocity × fixed zone weights on 40 devices)."""

COLUMN_DEVIATION_SCALE = 0.05
"""Column effects are the fleet's pull to the middle of a row (one slope on the distance from the centre,
learnt from every cabinet shape together) plus each shape's own deviation, whose ridge is 1 / 0.05² = 400
times the others' (worth 1,600 vends). A product seldom changes column within a cabinet, so a shape's own
column effects rest on a handful of moved products however many vends it holds: the 4-wide freezers'
correlated 0.0 with the planted ones (issue 15). Now a shape keeps the fleet's profile unless its moves show
otherwise."""

MIN_EXPOSURE_DAYS = 0.05
"""Spans shorter than about an hour of demand carry no information worth a parameter."""

MAX_ITERATIONS = 3000
TOLERANCE = 1e-4
"""L-BFGS stops when the projected gradient is this small: on the 1000-machine fleet 1e-6 took 7× as long
(1,776 iterations against 254) and moved the price, mismatch and affinity slopes by under 0.013."""


@dataclass(frozen=True, eq=False)
class PlacementModel:
    """Fitted effects (log scale) and what they were fitted on; see the module docstring for the formula."""

    model_version: str
    fingerprint: str
    device_ids: np.ndarray
    device_location: np.ndarray
    location_types: np.ndarray
    product_ids: np.ndarray
    categories: np.ndarray
    category_reference_log_price: np.ndarray
    intercept: float
    product_effect: np.ndarray  # (P,)
    device_effect: np.ndarray  # (D,)
    location_product_effect: np.ndarray  # (L, P)
    device_product_effect: np.ndarray  # (D, P)
    category_effect: np.ndarray  # (K,)
    location_category_effect: np.ndarray  # (L, K)
    price_slope: float
    mismatch_effect: float
    affinity_slope: float
    row_effect: np.ndarray  # flat per-shape table, see placement_features.row_feature
    row_seen: np.ndarray  # bool, shapes the history holds
    column_effect: np.ndarray
    column_seen: np.ndarray
    lift: np.ndarray  # (P, P) smoothed basket lift
    days_carried: np.ndarray  # (D, P) days with data each product stood in each machine (parallel slots once)
    summary: dict[str, float | int | str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        """Write atomically (a reader never sees half a file)."""
        arrays = {f.name: np.asarray(getattr(self, f.name)) for f in fields(self) if f.name != "summary"}
        arrays["summary"] = np.asarray(json.dumps(self.summary))
        arrays["format_version"] = np.asarray(FORMAT_VERSION)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{time.time_ns()}.partial")
        with partial.open("wb") as file:
            np.savez(file, **arrays)
        partial.replace(path)

    @staticmethod
    def read_summary(path: Path) -> dict[str, float | int | str]:
        """Only the summary of a saved model (cheap: the arrays stay on disk)."""
        try:
            with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
                return json.loads(str(data["summary"]))
        except (OSError, KeyError, EOFError, ValueError, TypeError, zipfile.BadZipFile) as error:
            raise ValueError(f"{path.name} is not a readable placement model ({error})") from None

    @classmethod
    def load(cls, path: Path) -> PlacementModel:
        """Read a saved model; raises ValueError if the file is not a model of this format."""
        try:
            with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
                if int(data["format_version"]) != FORMAT_VERSION:
                    raise ValueError(f"{path.name} has model format {int(data['format_version'])}")
                values = {f.name: data[f.name] for f in fields(cls) if f.name != "summary"}
                summary = json.loads(str(data["summary"]))
        except (OSError, KeyError, EOFError, ValueError, TypeError, zipfile.BadZipFile) as error:
            raise ValueError(f"{path.name} is not a readable placement model ({error})") from None
        for name in ("model_version", "fingerprint"):
            values[name] = str(values[name])
        for name in ("intercept", "price_slope", "mismatch_effect", "affinity_slope"):
            values[name] = float(values[name])
        return cls(**values, summary=summary)


@dataclass(frozen=True)
class _Layout:
    """Where each block of effects sits among the GLM's columns."""

    products: int
    devices: int
    locations: int
    categories: int

    def blocks(self) -> dict[str, tuple[int, int]]:
        sizes = {
            "product": self.products,
            "device": self.devices,
            "location_product": self.locations * self.products,
            "device_product": self.devices * self.products,
            "category": self.categories,
            "location_category": self.locations * self.categories,
            "row": ROW_SHAPES,
            "column": COLUMN_SHAPES,
            "column_shared": 1,
            "price": 1,
            "mismatch": 1,
            "affinity": 1,
        }
        starts = np.concatenate([[0], np.cumsum(list(sizes.values()))])
        return {name: (int(starts[i]), int(starts[i + 1])) for i, name in enumerate(sizes)}


def _design(history: PlacementHistory, layout: _Layout, spans_used: np.ndarray) -> sparse.csr_matrix:
    import pandas as pd
    from scipy import sparse

    spans = history.spans.iloc[spans_used]
    blocks = layout.blocks()
    product = spans["product"].to_numpy()
    device = spans["device"].to_numpy()
    location = history.device_location[device]
    category = history.product_category[product]
    reference = _reference_log_price(history)
    neighbours = spans[[f"neighbour_{step}" for step in range(len(NEIGHBOUR_STEPS))]].to_numpy()
    pairs = pd.DataFrame({"product": product, "zone": spans["zone"].to_numpy()})
    distinct = pairs.drop_duplicates()
    distinct = distinct.assign(
        mismatch=[
            temperature_mismatch(history.product_requirement[p], zone)
            for p, zone in zip(distinct["product"], distinct["zone"], strict=True)
        ]
    )
    mismatch = pairs.merge(distinct, on=["product", "zone"], how="left")["mismatch"].to_numpy()
    columns = [
        blocks["product"][0] + product,
        blocks["device"][0] + device,
        blocks["location_product"][0] + location * layout.products + product,
        blocks["device_product"][0] + device * layout.products + product,
        blocks["category"][0] + category,
        blocks["location_category"][0] + location * layout.categories + category,
        blocks["row"][0] + row_feature(spans["rows"].to_numpy(), spans["row"].to_numpy()),
        blocks["column"][0] + column_feature(spans["columns"].to_numpy(), spans["column"].to_numpy()),
        np.full(len(spans), blocks["column_shared"][0]),
        np.full(len(spans), blocks["price"][0]),
        np.full(len(spans), blocks["mismatch"][0]),
        np.full(len(spans), blocks["affinity"][0]),
    ]
    ones = np.ones(len(spans))
    velocity_deviation = np.full(len(spans), VELOCITY_DEVIATION_SCALE)
    values = [
        ones,  # product
        ones,  # device
        velocity_deviation,  # location type × product
        velocity_deviation,  # device × product
        ones,  # category
        ones,  # location type × category
        ones,  # row
        np.full(len(spans), COLUMN_DEVIATION_SCALE),  # the shape's own column effect
        centre_distance(spans["columns"].to_numpy(), spans["column"].to_numpy()),
        relative_log_price(history.product_log_price[product], category, reference),
        mismatch,
        strongest_complement(positive_log_lift(history.baskets.lift()), product, neighbours)[0],
    ]
    row_index = np.tile(np.arange(len(spans)), len(columns))
    return sparse.csr_matrix(
        (np.concatenate(values), (row_index, np.concatenate(columns))),
        shape=(len(spans), blocks["affinity"][1]),
    )


def _column_effects(deviation: np.ndarray, shared_slope: float) -> np.ndarray:
    """The flat per-shape column table the scorer reads: the fleet's pull to the middle of a row plus each
    shape's own deviation from it (fitted at :data:`COLUMN_DEVIATION_SCALE`, so this is its size)."""
    effects = np.zeros(COLUMN_SHAPES)
    for columns in range(1, len(COLUMN_OFFSETS)):
        start, stop = COLUMN_OFFSETS[columns - 1], COLUMN_OFFSETS[columns]
        effects[start:stop] = shared_slope * centre_distance(np.full(columns, columns), np.arange(columns))
    return effects + COLUMN_DEVIATION_SCALE * deviation


def _reference_log_price(history: PlacementHistory) -> np.ndarray:
    """Median log price of each category: the price feature is the price relative to it."""
    reference = np.zeros(len(history.categories))
    for index in range(len(history.categories)):
        members = history.product_log_price[history.product_category == index]
        reference[index] = float(np.median(members)) if len(members) else 0.0
    return reference


def fit_placement_model(
    history: PlacementHistory,
    fingerprint: str,
    model_version: str,
    progress: Progress | None = None,
    should_stop: StopRequest | None = None,
) -> PlacementModel:
    """Fit the GLM (70–95 % of training progress); cancellable before the fit starts."""
    from sklearn.linear_model import PoissonRegressor  # imported here: scoring a saved model never needs it

    report: Progress = progress or (lambda _percent, _message: None)
    started = time.perf_counter()  # after the import above, so fit_seconds is the fit alone
    layout = _Layout(
        len(history.product_ids), len(history.device_ids), len(history.location_types), len(history.categories)
    )
    blocks = layout.blocks()
    exposure = history.spans["exposure_days"].to_numpy()
    used = np.flatnonzero(exposure >= MIN_EXPOSURE_DAYS)
    coefficients = np.zeros(blocks["affinity"][1])
    intercept = 0.0
    deviance_explained = 0.0
    converged = True
    fitted = bool(len(used)) and history.spans["units"].to_numpy()[used].sum() > 0
    if fitted:
        report(70, f"Fitting the placement model on {len(used):,} slot spans")
        design = _design(history, layout, used)
        weight = exposure[used]
        rate = history.spans["units"].to_numpy()[used] / weight
        if should_stop is not None and should_stop():
            raise TrainingCancelled("training was stopped")
        glm = PoissonRegressor(alpha=PRIOR_VENDS / weight.sum(), max_iter=MAX_ITERATIONS, tol=TOLERANCE)
        glm.fit(design, rate, sample_weight=weight)
        converged = glm.n_iter_ < MAX_ITERATIONS
        coefficients, intercept = glm.coef_, float(glm.intercept_)
        deviance_explained = float(glm.score(design, rate, sample_weight=weight))
    report(95, "Storing the placement model")

    def block(name: str) -> np.ndarray:
        start, stop = blocks[name]
        return coefficients[start:stop].copy()

    spans = history.spans
    days = history.days_carried
    row_seen = np.zeros(ROW_SHAPES, dtype=bool)
    row_seen[row_feature(spans["rows"].to_numpy(), spans["row"].to_numpy())] = True
    column_seen = np.zeros(COLUMN_SHAPES, dtype=bool)
    column_seen[column_feature(spans["columns"].to_numpy(), spans["column"].to_numpy())] = True
    return PlacementModel(
        model_version=model_version,
        fingerprint=fingerprint,
        device_ids=history.device_ids,
        device_location=history.device_location,
        location_types=np.asarray(history.location_types, dtype=str),
        product_ids=history.product_ids,
        categories=np.asarray(history.categories, dtype=str),
        category_reference_log_price=_reference_log_price(history),
        intercept=intercept,
        product_effect=block("product"),
        device_effect=block("device"),
        location_product_effect=VELOCITY_DEVIATION_SCALE
        * block("location_product").reshape(layout.locations, layout.products),
        device_product_effect=VELOCITY_DEVIATION_SCALE
        * block("device_product").reshape(layout.devices, layout.products),
        category_effect=block("category"),
        location_category_effect=block("location_category").reshape(layout.locations, layout.categories),
        price_slope=float(block("price")[0]),
        mismatch_effect=float(block("mismatch")[0]),
        affinity_slope=float(block("affinity")[0]),
        row_effect=block("row"),
        row_seen=row_seen,
        column_effect=_column_effects(block("column"), float(block("column_shared")[0])),
        column_seen=column_seen,
        lift=history.baskets.lift(),
        days_carried=days.reshape(layout.devices, layout.products),
        summary={
            "slot_spans": len(used) if fitted else 0,  # 0: nothing learnt, every slot scores alike
            "sales_rows": int(history.sales_rows),
            "unmatched_sales": int(history.unmatched_sales),
            "stockout_days": round(float(spans["stockout_days"].sum()), 1),
            "deviance_explained": round(deviance_explained, 4),
            "converged": int(converged),
            "fit_seconds": round(time.perf_counter() - started, 3),
        },
    )
