"""One assignment of products to every slot of a device, mixing expected revenue, variety and health by goal weights.

The device's cabinets are optimised together: the rows of the assignment are (product, cabinet) pairs the
cabinet's temperature zone accepts, its columns every slot of the device, and a pair may take only a slot
of its own cabinet. So a product stands at most once per cabinet, never where its temperature forbids,
and the solver (auto-fill's :func:`~ai.auto_fill.best_assignment`) weighs all cabinets at once.

Revenue per slot is linear, but variety (how evenly the slots spread over categories) and the cost of a
second facing of one product in another cabinet are not. They are linearised around the proposals found so
far and the assignment is solved again (successive linearisation, averaging the category shares seen so
the weights do not swing), keeping the proposal with the best true objective:

    objective = w_revenue × revenue / revenue-only optimum + w_variety × category entropy (0–1)
              + w_health × mean health score / 10
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ai.auto_fill import DEFAULT_CAPACITY, DEFAULT_PAR, DUPLICATE_VALUE, best_assignment, expected_units
from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet, zone_accepts
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Product

MAX_ROUNDS = 6
"""Linearisation rounds; on the demo fleet the proposal stops changing after two to four."""

HEALTH_SCALE = 10.0
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
class Placement:
    """One proposed slot: what stands there and what it is expected to bring."""

    cabinet_index: int
    position: Position
    product: Product
    expected_units: float
    expected_revenue: float
    zone_value: float  # the slot's sales multiplier relative to the cabinet's average slot
    duplicate: bool  # the product also stands in another cabinet of the device


@dataclass(frozen=True)
class DeviceProposal:
    placements: list[Placement]
    planograms: dict[int, Planogram]
    objective: float
    revenue_share: float  # expected revenue / the most any assignment of the device's slots can bring
    category_entropy: float  # 0 (one category) … 1 (even over every category the device can hold)
    mean_health: float
    rounds: int
    empty_slots: int  # slots left empty because a cabinet has more slots than products it may hold
    details: dict[str, float] = field(default_factory=dict)

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
) -> DeviceProposal:
    """The proposal for all ``cabinets`` of one device.

    ``current`` (cabinet index → planogram) lends slot capacities and par levels; ``velocity_factor``
    (product id → multiplier) moves expected sales to another location type than the one the model knows
    the device at. Products are scored with no neighbours, since the neighbours are what is being chosen.
    """
    report = progress or (lambda percent, message: None)
    products = sorted(scorer.catalogue.values(), key=lambda p: p.id)
    factor = velocity_factor or {}
    rows: list[tuple[Product, int]] = []  # (product, position of its cabinet in ``cabinets``)
    columns: list[tuple[int, Position]] = []
    blocks: list[tuple[int, int, int, int, np.ndarray]] = []  # row span, column span, units
    for number, cabinet in enumerate(cabinets):
        report(5 + int(60 * number / max(len(cabinets), 1)), f"scoring products in cabinet {cabinet.index + 1}")
        candidates = [p for p in products if zone_accepts(cabinet.zone, p.temperature_requirement)]
        positions = list(cabinet.positions())
        empty = Planogram(cabinet.device_id, cabinet.index)
        units = expected_units(scorer, cabinet, empty, candidates, positions, should_stop)
        units *= np.array([factor.get(p.id, 1.0) for p in candidates])[:, None]
        blocks.append((len(rows), len(rows) + len(candidates), len(columns), len(columns) + len(positions), units))
        rows.extend((p, number) for p in candidates)
        columns.extend((number, position) for position in positions)
    report(70, "assigning products to slots")
    units = np.zeros((len(rows), len(columns)))
    allowed = np.zeros((len(rows), len(columns)), dtype=bool)
    for row_start, row_end, column_start, column_end, block in blocks:
        units[row_start:row_end, column_start:column_end] = block
        allowed[row_start:row_end, column_start:column_end] = True
    problem = _Problem(rows, columns, units, allowed, goals)
    best = problem.solve(should_stop)
    report(95, "building the proposed planograms")
    return problem.proposal(best, cabinets, current or {})


@dataclass
class _Solution:
    rows: np.ndarray
    columns: np.ndarray
    objective: float
    revenue_share: float
    entropy: float
    mean_health: float
    duplicate: np.ndarray  # per assigned pair: a second facing of the product on the device
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
    ) -> None:
        self.rows, self.columns, self.units, self.allowed, self.goals = rows, columns, units, allowed, goals
        self.revenue = units * np.array([p.price for p, _ in rows])[:, None]
        # the yardstick for the revenue goal: the most revenue any assignment can bring (every facing at full value)
        best_rows, best_columns = best_assignment(self.revenue, allowed)
        self.revenue_ceiling = max(float(self.revenue[best_rows, best_columns].sum()), 1e-9)
        self.revenue_scale = max(float(self.revenue.max()) if self.revenue.size else 0.0, 1e-9)
        self.health = np.array([p.health_score / HEALTH_SCALE for p, _ in rows])
        self.product_ids = np.array([p.id for p, _ in rows], dtype=np.int64)
        names = sorted({p.category for p, _ in rows})
        self.category_of = np.array([names.index(p.category) for p, _ in rows], dtype=np.int64)
        self.category_count = len(names)

    def solve(self, should_stop: StopRequest | None) -> _Solution:
        """Successive linearisation: each round one joint assignment; the best true objective wins."""
        shares = np.full(self.category_count, 1.0 / max(self.category_count, 1))
        second: set[tuple[int, int]] = set()  # (product id, cabinet) pairs that were second facings last round
        seen: list[np.ndarray] = []
        best: _Solution | None = None
        for round_number in range(1, MAX_ROUNDS + 1):
            if should_stop is not None and should_stop():
                raise InterruptedError("the personalisation was cancelled")
            value = self._linear_value(shares, second)
            rows, columns = best_assignment(value, self.allowed)
            solution = self._judge(rows, columns)
            if best is None or solution.objective > best.objective + 1e-12:
                best = solution
            key = np.sort(rows * len(self.columns) + columns)
            if any(np.array_equal(key, earlier) for earlier in seen):
                break
            seen.append(key)
            shares = (shares * round_number + self._shares(rows)) / (round_number + 1)
            second = {
                (int(self.product_ids[r]), self.rows[r][1]) for r, d in zip(rows, solution.duplicate, strict=True) if d
            }
        assert best is not None
        best.rounds = round_number
        return best

    def _linear_value(self, shares: np.ndarray, second: set[tuple[int, int]]) -> np.ndarray:
        """Each pair's contribution to the objective, with variety and duplicates taken at the last proposal."""
        goals = self.goals
        slots = max(len(self.columns), 1)
        discount = np.array(
            [
                DUPLICATE_VALUE if (int(pid), cab) in second else 1.0
                for pid, (_, cab) in zip(self.product_ids, self.rows, strict=True)
            ]
        )
        revenue = self.revenue * discount[:, None] / self.revenue_ceiling * slots
        # the entropy's slope for one more slot of a category, 0 for a category holding every slot
        log_count = np.log(max(self.category_count, 2))
        variety = np.clip(-np.log(np.maximum(shares, 1e-9)) / log_count, 0.0, 1.0)[self.category_of]
        return goals.revenue * revenue + goals.variety * variety[:, None] + goals.health_score * self.health[:, None]

    def _shares(self, rows: np.ndarray) -> np.ndarray:
        counts = np.bincount(self.category_of[rows], minlength=self.category_count).astype(float)
        return counts / max(counts.sum(), 1.0)

    def _judge(self, rows: np.ndarray, columns: np.ndarray) -> _Solution:
        """The true objective of an assignment: second facings of a product on the device earn half."""
        revenue = self.revenue[rows, columns]
        duplicate = np.zeros(len(rows), dtype=bool)
        order = np.argsort(-revenue, kind="stable")
        placed: set[int] = set()
        for i in order:
            pid = int(self.product_ids[rows[i]])
            duplicate[i] = pid in placed
            placed.add(pid)
        earned = float(np.where(duplicate, DUPLICATE_VALUE, 1.0) @ revenue)
        revenue_share = earned / self.revenue_ceiling
        shares = self._shares(rows)
        present = shares[shares > 0]
        entropy = (
            float(-(present * np.log(present)).sum() / np.log(self.category_count)) if self.category_count > 1 else 0.0
        )
        mean_health = float(self.health[rows].mean() * HEALTH_SCALE) if len(rows) else 0.0
        goals = self.goals
        objective = (
            goals.revenue * revenue_share + goals.variety * entropy + goals.health_score * mean_health / HEALTH_SCALE
        )
        return _Solution(rows, columns, objective, revenue_share, entropy, mean_health, duplicate)

    def proposal(
        self, solution: _Solution, cabinets: Sequence[Cabinet], current: Mapping[int, Planogram]
    ) -> DeviceProposal:
        placements: list[Placement] = []
        slots: dict[int, list[Slot]] = {cabinet.index: [] for cabinet in cabinets}
        zone_values = {number: _zone_values(self.units, self, number) for number in range(len(cabinets))}
        for row, column, duplicate in zip(solution.rows, solution.columns, solution.duplicate, strict=True):
            product, number = self.rows[row]
            cabinet = cabinets[number]
            position = self.columns[column][1]
            units = float(self.units[row, column])
            placements.append(
                Placement(
                    cabinet.index,
                    position,
                    product,
                    units * (DUPLICATE_VALUE if duplicate else 1.0),
                    units * product.price * (DUPLICATE_VALUE if duplicate else 1.0),
                    float(zone_values[number][position.row, position.column]),
                    bool(duplicate),
                )
            )
            existing = current.get(cabinet.index, Planogram(cabinet.device_id, cabinet.index)).slot_at(position)
            capacity = existing.capacity if existing.capacity > 0 else DEFAULT_CAPACITY
            par = min(existing.par_level or DEFAULT_PAR, capacity)
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
