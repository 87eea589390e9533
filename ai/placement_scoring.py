"""Scoring placements while the merchandiser drags: numpy over effects precomputed from the fitted model.

Nothing here touches the database. At construction the scorer turns the model's effects into per-product
vectors (per device, cached on first use) and per-shape row and column factors, so one product in every
slot of a 10 × 20 cabinet is a handful of array operations. ``placement_score`` 0–100 is a slot's expected
daily sales relative to the best slot of that cabinet for that product (with the current neighbours).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ai.confidence import history_confidence
from ai.placement_features import (
    COLUMN_OFFSETS,
    NO_PRODUCT,
    ROW_OFFSETS,
    index_of,
    neighbour_grid,
    positive_log_lift,
    relative_log_price,
    strongest_complement,
    temperature_mismatch,
)
from ai.placement_model import PlacementModel
from designer.cabinets import Cabinet, TemperatureZone, zone_accepts
from designer.planograms import Planogram
from designer.positions import Position
from designer.products import Catalogue


class UnknownProduct(LookupError):
    """A product id the scorer's catalogue does not hold (validate requests before scoring)."""


@dataclass(frozen=True, eq=False)
class PlacementGrid:
    """One product scored in every slot of one cabinet (arrays are rows × columns unless noted)."""

    product_id: int
    expected_daily_sales: np.ndarray
    scores: np.ndarray  # 0–100, the best slot 100
    row_factor: np.ndarray  # (rows,) each row's sales multiplier relative to the cabinet's average row
    column_factor: np.ndarray  # (columns,) relative to the average column
    zone_value: np.ndarray  # row × column multiplier relative to the cabinet's average slot
    neighbour_lift: np.ndarray  # basket lift with the strongest complement next to the slot (1 = none)
    neighbour_product: np.ndarray  # that neighbour's product id, -1 for none
    accepted: bool  # whether this cabinet may hold the product at all (temperature)
    history_days: float  # days this product stood in this machine during the history
    confidence: float

    def best_positions(self, count: int, exclude: Position | None = None) -> list[Position]:
        """The ``count`` slots with the highest expected sales, best first (reading order breaks ties)."""
        if not self.accepted:
            return []
        order = np.argsort(-self.expected_daily_sales, axis=None, kind="stable")
        columns = self.expected_daily_sales.shape[1]
        # only the first count (+1, the excluded slot) become Positions: 200 of them cost more than the sort
        found = [Position(int(i) // columns, int(i) % columns) for i in order[: count + 1].tolist()]
        return [p for p in found if p != exclude][:count]


@dataclass(frozen=True)
class PlacementScore:
    """One product in one slot: what the designer shows under the cursor."""

    position: Position
    placement_score: float
    expected_daily_sales: float
    zone_value: float
    confidence: float


@dataclass(frozen=True)
class SlotContributions:
    """One product in one slot, term by term on the log scale of expected daily sales (see
    :mod:`ai.placement_model`): ``baseline`` (the intercept with the cabinet's average row and column) plus the
    other terms is the log of the expected daily sales; each term is 0 for an effect the model has not learnt."""

    baseline: float
    product: float  # the product's velocity across the fleet
    category: float  # its category, across the fleet and at this location type
    price: float  # its price against its category's
    machine: float  # this machine's overall pace
    product_here: float  # the product at this location type and at this machine
    row: float  # this row against the cabinet's average row
    column: float  # this column against the cabinet's average column
    neighbour: float  # the strongest complement next to the slot (affinity slope × log lift)
    neighbour_product: int  # that neighbour's product id, -1 for none
    neighbour_lift: float
    temperature: float  # held in a colder cabinet than it needs
    accepted: bool
    product_known: bool
    machine_known: bool
    history_days: float

    @property
    def log_expected(self) -> float:
        return (
            self.baseline + self.product + self.category + self.price + self.machine + self.product_here
            + self.row + self.column + self.neighbour + self.temperature
        )  # fmt: skip


class PlacementScorer:
    """Scores products in cabinets from a fitted :class:`PlacementModel` and the current catalogue.

    Safe to share between the GUI thread and workers: its caches only ever gain identical entries.
    A product added to the catalogue after training is scored from its category and price.
    """

    def __init__(self, model: PlacementModel, catalogue: Catalogue) -> None:
        self.model = model
        self.catalogue = catalogue
        self._ids = np.array(sorted(catalogue), dtype=np.int64)
        self._slot_of = {int(product_id): index for index, product_id in enumerate(self._ids)}
        self._model_index = index_of(model.product_ids, self._ids)
        seen = self._model_index >= 0
        categories = {str(name): index for index, name in enumerate(model.categories)}
        products = [catalogue[int(p)] for p in self._ids]
        self._category = np.array([categories.get(p.category, -1) for p in products], dtype=np.int64)
        log_price = np.log(np.maximum([p.price for p in products], 0.01)) if products else np.zeros(0)
        self._price_part = model.price_slope * relative_log_price(
            log_price, self._category, model.category_reference_log_price
        )
        self._product_part = (
            model.intercept
            + _gather(model.product_effect, self._model_index)
            + _gather(model.category_effect, self._category)
            + self._price_part
        )
        self._requirements = [p.temperature_requirement for p in products]
        lift = np.ones((len(products), len(products)))
        both = np.flatnonzero(seen)
        lift[np.ix_(both, both)] = model.lift[np.ix_(self._model_index[both], self._model_index[both])]
        self.lift = lift
        self._log_lift = positive_log_lift(lift)
        self._device_index = {int(d): i for i, d in enumerate(model.device_ids)}
        self._bases: dict[int, np.ndarray] = {}
        self._zones: dict[TemperatureZone, tuple[np.ndarray, np.ndarray]] = {}
        self._shapes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.has_history = int(model.summary.get("slot_spans", 0)) > 0

    # --- what the GUI calls --------------------------------------------------------------------

    def heat_map(self, cabinet: Cabinet, planogram: Planogram, product_id: int) -> np.ndarray:
        """rows × columns placement scores 0–100 of ``product_id`` in every slot (0 where it may not stand)."""
        return self.placement_grid(cabinet, planogram, product_id).scores

    def score(self, cabinet: Cabinet, planogram: Planogram, product_id: int, position: Position) -> PlacementScore:
        """One slot's score, expected daily sales, zone value and confidence."""
        grid = self.placement_grid(cabinet, planogram, product_id)
        cell = (position.row, position.column)
        return PlacementScore(
            position,
            float(grid.scores[cell]),
            float(grid.expected_daily_sales[cell]),
            float(grid.zone_value[cell]),
            grid.confidence,
        )

    def placement_grid(self, cabinet: Cabinet, planogram: Planogram, product_id: int) -> PlacementGrid:
        """Everything known about ``product_id`` in every slot of ``cabinet`` next to ``planogram``'s products."""
        index = self._slot_of.get(product_id)
        if index is None:
            raise UnknownProduct(f"product {product_id} is not in the catalogue")
        row_log, column_log = self._shape(cabinet.rows, cabinet.columns)
        accepted, zone_log = self._zone(cabinet.zone)
        neighbours = neighbour_grid(self.product_grid(cabinet, planogram))
        affinity, partner_index = strongest_complement(self._log_lift, np.int64(index), neighbours)
        partner = np.where(partner_index >= 0, self._ids[np.maximum(partner_index, 0)], NO_PRODUCT)
        placement_log = row_log[:, None] + column_log[None, :]
        log_expected = (
            self._base(cabinet.device_id)[index]
            + zone_log[index]
            + placement_log
            + self.model.affinity_slope * affinity
        )
        if accepted[index]:
            expected = np.exp(log_expected)
            scores = 100.0 * np.exp(log_expected - log_expected.max())
        else:
            expected = np.zeros_like(log_expected)
            scores = np.zeros_like(log_expected)
        zone_value = np.exp(placement_log)
        row_factor = np.exp(row_log)
        column_factor = np.exp(column_log)
        days = self._history_days(cabinet.device_id, index)
        return PlacementGrid(
            product_id=product_id,
            expected_daily_sales=expected,
            scores=scores,
            row_factor=row_factor / row_factor.mean(),
            column_factor=column_factor / column_factor.mean(),
            zone_value=zone_value / zone_value.mean(),
            neighbour_lift=np.exp(affinity),
            neighbour_product=partner,
            accepted=bool(accepted[index]),
            history_days=days,
            confidence=float(history_confidence(days)),
        )

    def expected_in_place(
        self, cabinet: Cabinet, planogram: Planogram, *, outside_zone: bool = False
    ) -> dict[Position, float]:
        """Expected daily sales of every product where it stands now (the cabinet's own yardstick).

        A product outside its zone expects nothing (it may not stand there), unless ``outside_zone``: the
        operator's own layout as it stands, which does sell it (a stored layout is warned about, not refused).
        """
        grid = self.product_grid(cabinet, planogram)
        filled = np.argwhere(grid >= 0)
        if not len(filled):
            return {}
        row_log, column_log = self._shape(cabinet.rows, cabinet.columns)
        accepted, zone_log = self._zone(cabinet.zone)
        products = grid[filled[:, 0], filled[:, 1]]
        neighbours = neighbour_grid(grid)[filled[:, 0], filled[:, 1]]
        affinity, _ = strongest_complement(self._log_lift, products, neighbours)
        log_expected = (
            self._base(cabinet.device_id)[products]
            + zone_log[products]
            + row_log[filled[:, 0]]
            + column_log[filled[:, 1]]
            + self.model.affinity_slope * affinity
        )
        expected = np.exp(log_expected) if outside_zone else np.where(accepted[products], np.exp(log_expected), 0.0)
        return {Position(int(r), int(c)): float(e) for (r, c), e in zip(filled, expected, strict=True)}

    def product_grid(self, cabinet: Cabinet, planogram: Planogram) -> np.ndarray:
        """rows × columns catalogue indices of the products in ``planogram`` (-1 for empty slots)."""
        grid = np.full((cabinet.rows, cabinet.columns), NO_PRODUCT, dtype=np.int64)
        for position, slot in planogram.slots.items():
            if slot.product_id is not None and cabinet.contains(position):
                grid[position.row, position.column] = self._slot_of.get(slot.product_id, NO_PRODUCT)
        return grid

    def contributions(
        self, cabinet: Cabinet, planogram: Planogram, product_id: int, position: Position
    ) -> SlotContributions:
        """The log terms of ``product_id``'s expected daily sales at ``position``, which add up to the log of
        :meth:`placement_grid`'s figure there: what the "Why?" view lists as the model's factors."""
        index = self._slot_of.get(product_id)
        if index is None:
            raise UnknownProduct(f"product {product_id} is not in the catalogue")
        model = self.model
        model_index, category = int(self._model_index[index]), int(self._category[index])
        row_log, column_log = self._shape(cabinet.rows, cabinet.columns)
        accepted, zone_log = self._zone(cabinet.zone)
        neighbours = neighbour_grid(self.product_grid(cabinet, planogram))[position.row, position.column]
        affinity, partner_index = strongest_complement(self._log_lift, np.int64(index), neighbours[None, :])
        partner = int(self._ids[int(partner_index[0])]) if int(partner_index[0]) >= 0 else NO_PRODUCT
        device = self._device_index.get(cabinet.device_id)
        machine = product_here = location_category = 0.0
        if device is not None:
            location = int(model.device_location[device])
            machine = float(model.device_effect[device])
            if model_index >= 0:
                product_here = float(
                    model.location_product_effect[location, model_index]
                    + model.device_product_effect[device, model_index]
                )
            if category >= 0:
                location_category = float(model.location_category_effect[location, category])
        # rows and columns against the cabinet's average slot, as PlacementGrid.row_factor and column_factor say it
        row_mean, column_mean = np.log(np.exp(row_log).mean()), np.log(np.exp(column_log).mean())
        return SlotContributions(
            baseline=float(model.intercept + row_mean + column_mean),
            product=float(model.product_effect[model_index]) if model_index >= 0 else 0.0,
            category=(float(model.category_effect[category]) if category >= 0 else 0.0) + location_category,
            price=float(self._price_part[index]),
            machine=machine,
            product_here=product_here,
            row=float(row_log[position.row] - row_mean),
            column=float(column_log[position.column] - column_mean),
            neighbour=float(model.affinity_slope * affinity[0]),
            neighbour_product=partner,
            neighbour_lift=float(np.exp(affinity[0])),
            temperature=float(zone_log[index]),
            accepted=bool(accepted[index]),
            product_known=model_index >= 0,
            machine_known=device is not None,
            history_days=self._history_days(cabinet.device_id, index),
        )

    def lift_between(self, product_id: int, other_id: int) -> float:
        """Basket lift of two products (1 when either is unknown): how much more often they are bought together."""
        first, second = self._slot_of.get(product_id), self._slot_of.get(other_id)
        if first is None or second is None or first == second:
            return 1.0
        return float(self.lift[first, second])

    def history_days(self, device_id: int, product_id: int) -> float:
        index = self._slot_of.get(product_id)
        return 0.0 if index is None else self._history_days(device_id, index)

    # --- precomputed parts ---------------------------------------------------------------------

    def _history_days(self, device_id: int, index: int) -> float:
        device = self._device_index.get(device_id)
        model_index = int(self._model_index[index])
        if device is None or model_index < 0:
            return 0.0
        return float(self.model.days_carried[device, model_index])

    def _base(self, device_id: int) -> np.ndarray:
        """Log daily sales of every catalogue product at this machine, before slot effects."""
        base = self._bases.get(device_id)
        if base is not None:
            return base
        model = self.model
        base = self._product_part.copy()
        device = self._device_index.get(device_id)
        if device is not None:
            location = int(model.device_location[device])
            base += model.device_effect[device]
            base += _gather(model.location_product_effect[location], self._model_index)
            base += _gather(model.device_product_effect[device], self._model_index)
            base += _gather(model.location_category_effect[location], self._category)
        self._bases[device_id] = base
        return base

    def _zone(self, zone: TemperatureZone) -> tuple[np.ndarray, np.ndarray]:
        """Which products a cabinet at ``zone`` may hold, and the learnt effect of holding them colder."""
        cached = self._zones.get(zone)
        if cached is None:
            accepted = np.array([zone_accepts(zone, need) for need in self._requirements], dtype=bool)
            mismatch = np.array([temperature_mismatch(need, zone) for need in self._requirements])
            cached = (accepted, self.model.mismatch_effect * mismatch)
            self._zones[zone] = cached
        return cached

    def _shape(self, rows: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
        """Log row and column effects of a cabinet shape; shapes the history lacks borrow the nearest one's."""
        cached = self._shapes.get((rows, columns))
        if cached is None:
            cached = (
                shape_effects(self.model.row_effect, self.model.row_seen, ROW_OFFSETS, rows),
                shape_effects(self.model.column_effect, self.model.column_seen, COLUMN_OFFSETS, columns),
            )
            self._shapes[(rows, columns)] = cached
        return cached


def shape_effects(effects: np.ndarray, seen: np.ndarray, offsets: np.ndarray, size: int) -> np.ndarray:
    """Effects of the ``size`` rows (or columns) of a cabinet.

    Learnt directly when the history holds cabinets of that size; otherwise read off the nearest size that it
    holds, by relative position (top, middle, bottom), which is how a shopper's eye meets any cabinet.
    """
    known = learnt_sizes(seen, offsets)
    if size in known:
        return effects[offsets[size - 1] : offsets[size]].copy()
    if not known:
        return np.zeros(size)
    nearest = min(known, key=lambda n: (abs(n - size), -n))
    source = effects[offsets[nearest - 1] : offsets[nearest]]
    if nearest == 1:
        return np.full(size, float(source[0]))
    where = np.linspace(0.0, 1.0, size) if size > 1 else np.array([0.5])
    return np.interp(where, np.linspace(0.0, 1.0, nearest), source)


def learnt_sizes(seen: np.ndarray, offsets: np.ndarray) -> list[int]:
    """The row (or column) counts whose every row the history holds: their effects are learnt, not borrowed."""
    return [n for n in range(1, len(offsets)) if seen[offsets[n - 1] : offsets[n]].all()]


def _gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]``, with 0 where the index is -1 (something the model has not seen)."""
    if len(values) == 0:
        return np.zeros(len(index))
    return np.where(index >= 0, values[np.maximum(index, 0)], 0.0)
