"""One assignment of products to every slot of a device, mixing expected revenue, variety and health by goal weights.

The device's cabinets are optimised together: the rows of the assignment are (product, cabinet, facing)
triples the cabinet's temperature zone accepts — up to :data:`MAX_FACINGS` facings of a product per cabinet —,
its columns every slot of the device, and a row may take only a slot of its own cabinet. So a product never
stands where its temperature forbids, and the solver (auto-fill's :func:`~ai.auto_fill.best_assignment`)
weighs all cabinets at once.

Facings are worth what they sell (:func:`served_units`): a product's demand (the placement model's units at
its best slot, scaled by the location's shoppers) meets the stock of all its slots, refilled every restock
cycle; demand beyond that stock is lost. A second facing of a slow mover sells nothing more, one of a fast
mover at a busy location sells what the first could not hold — so a busy machine gets fewer products with
more facings, a quiet one more variety.

That, variety (how evenly the range spreads over categories) and the product's facings in other cabinets
are not linear in the assignment. They are linearised around the proposals found so far and the assignment is
solved again (successive linearisation, averaging the category shares seen so the weights do not swing),
keeping the proposal with the best true objective:

    objective = w_revenue × revenue / best revenue-only proposal + w_variety × category entropy (0–1)
              + w_health × mean health score / 10

Variety and health describe the range (each product once), so an extra facing is judged by the sales it adds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ai.auto_fill import DEFAULT_CAPACITY, DEFAULT_PAR, best_assignment, expected_units
from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet, zone_proposes
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Product

MAX_ROUNDS = 6
"""Linearisation rounds; on the demo fleet the proposal stops changing after two to four."""

HEALTH_SCALE = 10.0
MAX_FACINGS = 3
"""Facings of one product per cabinet the optimiser may propose."""
MIN_EXTRA_UNITS = 0.01
"""A further facing is offered to the solver only if it could sell this many more units a day (one in 100 days)."""
Progress = Callable[[int, str], None]
StopRequest = Callable[[], bool]


@dataclass(frozen=True)
class GoalWeights:
    """What the operator wants from the machine, as shares summing to 1."""

    revenue: float = 0.4
    variety: float = 0.3
    health_score: float = 0.3

    @classmethod
    def normalised(cls, revenue: float, variety: float, health_score: float) -> GoalWeights:
        total = revenue + variety + health_score
        if total <= 0:
            raise ValueError("at least one goal weight must be above 0")
        return cls(revenue / total, variety / total, health_score / total)


@dataclass(frozen=True)
class Stocking:
    """How stock meets demand at the location: shoppers a day relative to the ones the sales history records
    (demand scales with them), and the days between restock visits (a slot's capacity must last that long)."""

    traffic_scale: float = 1.0
    cycle_days: float = 3.0


def served_units(demand_per_day: np.ndarray, capacity: np.ndarray, cycle_days: float) -> np.ndarray:
    """Expected units a day sold from ``capacity`` units refilled every ``cycle_days`` when the cycle's demand
    is Poisson: E[min(D, H)] = μ·P(D ≤ H − 2) + H·P(D ≥ H), with μ the cycle's expected demand."""
    mu = np.maximum(np.asarray(demand_per_day, dtype=float) * cycle_days, 0.0)
    held = np.broadcast_to(np.asarray(capacity, dtype=float), mu.shape)
    below = np.where(held >= 2, special.pdtr(np.maximum(held - 2, 0), mu), 0.0)  # P(D ≤ H − 2)
    above = np.where(held >= 1, special.pdtrc(np.maximum(held - 1, 0), mu), 1.0)  # P(D ≥ H)
    return np.where(held > 0, mu * below + held * above, 0.0) / cycle_days


@dataclass(frozen=True)
class Placement:
    """One proposed slot: what stands there and what it is expected to bring."""

    cabinet_index: int
    position: Position
    product: Product
    expected_units: float
    expected_revenue: float
    zone_value: float  # the slot's sales multiplier relative to the cabinet's average slot
    duplicate: bool  # a second or later facing of the product on the device
    demand: float = 0.0  # the product's expected demand a day at its best slot (before stock runs out)
    facings: int = 1  # the product's facings on the device


@dataclass(frozen=True)
class DeviceProposal:
    placements: list[Placement]
    planograms: dict[int, Planogram]
    objective: float
    revenue_share: float  # expected revenue / the most any assignment of the device's slots can bring
    category_entropy: float  # 0 (one category) … 1 (even over every category the device can hold)
    mean_health: float
    rounds: int
    empty_slots: int  # slots left empty because a cabinet has more slots than facings it may hold
    details: dict[str, float] = field(default_factory=dict)
    stocking: Stocking = field(default_factory=Stocking)

    @property
    def distinct_products(self) -> int:
        return len({p.product.id for p in self.placements})

    @property
    def expected_daily_revenue(self) -> float:
        return sum(p.expected_revenue for p in self.placements)

    @property
    def expected_daily_units(self) -> float:
        return sum(p.expected_units for p in self.placements)


def optimise_device(
    scorer: PlacementScorer,
    cabinets: Sequence[Cabinet],
    goals: GoalWeights,
    current: Mapping[int, Planogram] | None = None,
    velocity_factor: Mapping[int, float] | None = None,
    should_stop: StopRequest | None = None,
    progress: Progress | None = None,
    stocking: Stocking | None = None,
) -> DeviceProposal:
    """The proposal for all ``cabinets`` of one device.

    ``current`` (cabinet index → planogram) lends slot capacities and par levels; ``velocity_factor``
    (product id → multiplier) moves expected sales to another location type than the one the model knows
    the device at, or to other shoppers; ``stocking`` scales demand by traffic and sets the restock cycle.
    Products are scored with no neighbours, since the neighbours are what is being chosen.
    """
    report = progress or (lambda percent, message: None)
    stock = stocking or Stocking()
    products = sorted(scorer.catalogue.values(), key=lambda p: p.id)
    factor = velocity_factor or {}
    rows: list[tuple[Product, int]] = []  # (product, position of its cabinet in ``cabinets``)
    columns: list[tuple[int, Position]] = []
    blocks: list[tuple[int, int, int, int, np.ndarray]] = []  # row span, column span, units
    facing: list[int] = []  # per row: facings of its product before it in its cabinet
    for number, cabinet in enumerate(cabinets):
        report(5 + int(60 * number / max(len(cabinets), 1)), f"scoring products in cabinet {cabinet.index + 1}")
        candidates = [p for p in products if zone_proposes(cabinet.zone, p.temperature_requirement)]
        positions = list(cabinet.positions())
        empty = Planogram(cabinet.device_id, cabinet.index)
        units = expected_units(scorer, cabinet, empty, candidates, positions, should_stop)
        units *= np.array([factor.get(p.id, 1.0) for p in candidates])[:, None] * stock.traffic_scale
        chosen = _facings_worth_offering(units, cabinet, positions, current or {}, stock)
        block = units[[candidate for _, candidate in chosen]]
        blocks.append((len(rows), len(rows) + len(block), len(columns), len(columns) + len(positions), block))
        rows.extend((candidates[candidate], number) for _, candidate in chosen)
        facing.extend(k for k, _ in chosen)
        columns.extend((number, position) for position in positions)
    report(70, "assigning products to slots")
    units = np.zeros((len(rows), len(columns)))
    allowed = np.zeros((len(rows), len(columns)), dtype=bool)
    for row_start, row_end, column_start, column_end, block in blocks:
        units[row_start:row_end, column_start:column_end] = block
        allowed[row_start:row_end, column_start:column_end] = True
    capacity = np.array([_capacity(current or {}, cabinets[number], position)[1] for number, position in columns])
    problem = _Problem(rows, columns, units, allowed, goals, capacity, stock, np.array(facing, dtype=np.int64))
    best = problem.solve(should_stop)
    report(95, "building the proposed planograms")
    return problem.proposal(best, cabinets, current or {})


def _facings_worth_offering(
    units: np.ndarray,
    cabinet: Cabinet,
    positions: Sequence[Position],
    current: Mapping[int, Planogram],
    stock: Stocking,
) -> list[tuple[int, int]]:
    """(facing number, candidate) rows for one cabinet: every candidate's first facing, and a further one only
    where it could sell at least :data:`MIN_EXTRA_UNITS` a day more at the product's best slot (so the solver
    is not handed facings of slow movers that could only stand empty of buyers)."""
    capacity = float(np.mean([_capacity(current, cabinet, position)[1] for position in positions]))
    best = units.max(axis=1) if units.size else np.zeros(len(units))
    chosen = [(0, candidate) for candidate in range(len(units))]
    for k in range(1, MAX_FACINGS):
        extra = served_units(best, np.full(len(best), (k + 1) * capacity), stock.cycle_days) - served_units(
            best, np.full(len(best), k * capacity), stock.cycle_days
        )
        chosen.extend((k, int(candidate)) for candidate in np.flatnonzero(extra >= MIN_EXTRA_UNITS))
    return chosen


def _capacity(current: Mapping[int, Planogram], cabinet: Cabinet, position: Position) -> tuple[int, int]:
    """(par level, capacity) of a slot: the current planogram's, else the defaults."""
    existing = current.get(cabinet.index, Planogram(cabinet.device_id, cabinet.index)).slot_at(position)
    capacity = existing.capacity if existing.capacity > 0 else DEFAULT_CAPACITY
    return min(existing.par_level or DEFAULT_PAR, capacity), capacity


@dataclass
class _Solution:
    rows: np.ndarray
    columns: np.ndarray
    objective: float
    revenue_share: float
    entropy: float
    mean_health: float
    duplicate: np.ndarray  # per assigned pair: a second or later facing of the product on the device
    served: np.ndarray  # per assigned pair: the units a day this facing adds
    demand: np.ndarray  # per assigned pair: the product's demand a day at its best slot
    facings: np.ndarray  # per assigned pair: the product's facings on the device
    rounds: int = 0


class _Problem:
    """The arrays of one device's assignment and the true (nonlinear) objective it is judged by."""

    def __init__(
        self,
        rows: list[tuple[Product, int]],
        columns: list[tuple[int, Position]],
        units: np.ndarray,
        allowed: np.ndarray,
        goals: GoalWeights,
        capacity: np.ndarray,
        stocking: Stocking,
        facing: np.ndarray,
    ) -> None:
        self.rows, self.columns, self.units, self.allowed, self.goals = rows, columns, units, allowed, goals
        self.capacity, self.stocking = capacity.astype(float), stocking
        self.price = np.array([p.price for p, _ in rows], dtype=float)
        self.health = np.array([p.health_score / HEALTH_SCALE for p, _ in rows])
        self.product_ids = np.array([p.id for p, _ in rows], dtype=np.int64)
        self.cabinet_of = np.array([number for _, number in rows], dtype=np.int64)
        names = sorted({p.category for p, _ in rows})
        self.category_of = np.array([names.index(p.category) for p, _ in rows], dtype=np.int64)
        self.category_count = len(names)
        self.facing = facing
        # the yardstick for the revenue goal: the revenue of the best revenue-only proposal
        self.revenue_ceiling = 1.0
        self.revenue_ceiling = max(self.solve(None, GoalWeights(1.0, 0.0, 0.0)).revenue_share, 1e-9)

    def _marginal_revenue(self, elsewhere: np.ndarray) -> np.ndarray:
        """rows × columns revenue a day that one more facing adds, given the product's facings before it (in
        this cabinet by the row's facing number, in others from the last proposal), each holding this slot's
        capacity."""
        held = (self.facing + elsewhere)[:, None] * self.capacity[None, :]
        value = np.zeros_like(self.units)
        for number in np.unique(self.cabinet_of):
            rows = np.flatnonzero(self.cabinet_of == number)
            columns = np.flatnonzero(self.allowed[rows[0]])
            block = np.ix_(rows, columns)
            units, before = self.units[block], held[block]
            cycle = self.stocking.cycle_days
            value[block] = served_units(units, before + self.capacity[columns], cycle) - served_units(
                units, before, cycle
            )
        return value * self.price[:, None]

    def solve(self, should_stop: StopRequest | None, goals: GoalWeights | None = None) -> _Solution:
        """Successive linearisation: each round one joint assignment; the best true objective wins."""
        goals = goals or self.goals
        shares = np.full(self.category_count, 1.0 / max(self.category_count, 1))
        elsewhere = np.zeros(len(self.rows))  # per row: its product's facings in other cabinets last round
        seen: list[np.ndarray] = []
        best: _Solution | None = None
        for round_number in range(1, MAX_ROUNDS + 1):
            if should_stop is not None and should_stop():
                raise InterruptedError("the personalisation was cancelled")
            value = self._linear_value(shares, elsewhere, goals)
            rows, columns = best_assignment(value, self.allowed)
            solution = self._judge(rows, columns, goals)
            if best is None or solution.objective > best.objective + 1e-12:
                best = solution
            key = np.sort(rows * len(self.columns) + columns)
            if any(np.array_equal(key, earlier) for earlier in seen):
                break
            seen.append(key)
            shares = (shares * round_number + self._shares(rows[~solution.duplicate])) / (round_number + 1)
            elsewhere = self._elsewhere(rows, columns)
        assert best is not None
        best.rounds = round_number
        return best

    def _elsewhere(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Per row: the facings its product had before this cabinet's in the assignment. A product's home is the
        cabinet of its best-selling facing (none before it there); in any other cabinet, all its facings in the
        rest of the device come first — so its copies are never all judged as extras at once."""
        keys = self.product_ids * 1000 + self.cabinet_of
        in_cabinet = dict(zip(*np.unique(keys[rows], return_counts=True), strict=True))
        on_device = dict(zip(*np.unique(self.product_ids[rows], return_counts=True), strict=True))
        order = np.argsort(self.units[rows, columns], kind="stable")  # the best facing is written last
        home = dict(zip(self.product_ids[rows][order].tolist(), self.cabinet_of[rows][order].tolist(), strict=True))
        return np.array(
            [
                0 if home.get(p) == cabinet else on_device.get(p, 0) - in_cabinet.get(key, 0)
                for p, cabinet, key in zip(
                    self.product_ids.tolist(), self.cabinet_of.tolist(), keys.tolist(), strict=True
                )
            ],
            dtype=float,
        )

    def _linear_value(self, shares: np.ndarray, elsewhere: np.ndarray, goals: GoalWeights) -> np.ndarray:
        """Each pair's contribution to the objective, with variety and other cabinets taken at the last proposal.
        Variety and health are the range's, so only a product's first facing on the device adds to them."""
        slots = max(len(self.columns), 1)
        revenue = self._marginal_revenue(elsewhere) / self.revenue_ceiling * slots
        # the entropy's slope for one more product of a category, 0 for a category holding every product
        log_count = np.log(max(self.category_count, 2))
        variety = np.clip(-np.log(np.maximum(shares, 1e-9)) / log_count, 0.0, 1.0)[self.category_of]
        first = (self.facing == 0) & (elsewhere == 0)
        range_value = (goals.variety * variety + goals.health_score * self.health) * first
        return goals.revenue * revenue + range_value[:, None]

    def _shares(self, rows: np.ndarray) -> np.ndarray:
        counts = np.bincount(self.category_of[rows], minlength=self.category_count).astype(float)
        return counts / max(counts.sum(), 1.0)

    def _judge(self, rows: np.ndarray, columns: np.ndarray, goals: GoalWeights) -> _Solution:
        """The true objective of an assignment: each product's demand (at its best slot) meets the stock of all
        its facings; a facing earns what it adds to the units served."""
        demand_here = self.units[rows, columns]
        product = self.product_ids[rows]
        order = np.lexsort((-demand_here, product))
        starts = np.flatnonzero(np.r_[True, product[order][1:] != product[order][:-1]]) if len(order) else order
        sizes = np.diff(np.r_[starts, len(order)])
        group = np.repeat(np.arange(len(starts)), sizes)
        demand = demand_here[order][starts][group]
        held = np.cumsum(self.capacity[columns][order])
        held_before = held - self.capacity[columns][order]
        held -= np.repeat(held_before[starts], sizes)
        held_before -= np.repeat(held_before[starts], sizes)
        cycle = self.stocking.cycle_days
        added = served_units(demand, held, cycle) - served_units(demand, held_before, cycle)
        served, best_demand, facings = np.empty(len(rows)), np.empty(len(rows)), np.empty(len(rows), dtype=np.int64)
        served[order], best_demand[order], facings[order] = added, demand, sizes[group]
        duplicate = np.zeros(len(rows), dtype=bool)
        duplicate[order] = np.arange(len(order)) - np.repeat(starts, sizes) > 0
        earned = float(served @ self.price[rows])
        revenue_share = earned / self.revenue_ceiling
        offered = rows[~duplicate]  # the range: each product once
        shares = self._shares(offered)
        present = shares[shares > 0]
        entropy = (
            float(-(present * np.log(present)).sum() / np.log(self.category_count)) if self.category_count > 1 else 0.0
        )
        mean_health = float(self.health[offered].mean() * HEALTH_SCALE) if len(offered) else 0.0
        objective = (
            goals.revenue * revenue_share + goals.variety * entropy + goals.health_score * mean_health / HEALTH_SCALE
        )
        return _Solution(
            rows, columns, objective, revenue_share, entropy, mean_health, duplicate, served, best_demand, facings
        )

    def proposal(
        self, solution: _Solution, cabinets: Sequence[Cabinet], current: Mapping[int, Planogram]
    ) -> DeviceProposal:
        placements: list[Placement] = []
        slots: dict[int, list[Slot]] = {cabinet.index: [] for cabinet in cabinets}
        zone_values = {number: _zone_values(self.units, self, number) for number in range(len(cabinets))}
        pairs = zip(solution.rows, solution.columns, strict=True)
        for i, (row, column) in enumerate(pairs):
            product, number = self.rows[row]
            cabinet = cabinets[number]
            position = self.columns[column][1]
            served = float(solution.served[i])
            placements.append(
                Placement(
                    cabinet.index,
                    position,
                    product,
                    served,
                    served * product.price,
                    float(zone_values[number][position.row, position.column]),
                    bool(solution.duplicate[i]),
                    float(solution.demand[i]),
                    int(solution.facings[i]),
                )
            )
            par, capacity = _capacity(current, cabinet, position)
            slots[cabinet.index].append(Slot(position, product.id, par, capacity, par))
        placements.sort(key=lambda p: (p.cabinet_index, p.position))
        planograms = {
            cabinet.index: Planogram.from_slots(
                cabinet.device_id,
                cabinet.index,
                sorted(slots[cabinet.index], key=lambda s: s.position),
                name="Personalised proposal",
            )
            for cabinet in cabinets
        }
        return DeviceProposal(
            placements=placements,
            planograms=planograms,
            objective=solution.objective,
            revenue_share=solution.revenue_share,
            category_entropy=solution.entropy,
            mean_health=solution.mean_health,
            rounds=solution.rounds,
            empty_slots=len(self.columns) - len(solution.rows),
            stocking=self.stocking,
        )


def _zone_values(units: np.ndarray, problem: _Problem, number: int) -> np.ndarray:
    """A cabinet's slot multipliers relative to its average slot, read off any product's expected sales."""
    columns = [i for i, (cab, _) in enumerate(problem.columns) if cab == number]
    rows = [i for i, (_, cab) in enumerate(problem.rows) if cab == number]
    positions = [problem.columns[i][1] for i in columns]
    if not rows or not positions:
        return np.ones((1, 1))
    shape = (max(p.row for p in positions) + 1, max(p.column for p in positions) + 1)
    grid = np.ones(shape)
    profile = units[np.ix_(rows, columns)].sum(axis=0)
    if profile.mean() > 0:
        profile = profile / profile.mean()
        for position, value in zip(positions, profile, strict=True):
            grid[position.row, position.column] = value
    return grid
