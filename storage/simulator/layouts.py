"""The machines: which devices stand where, their cabinets, restock rounds and the two planogram versions.

Every device draws only from its own generator (seed, device id), so device k is the same whether 3 or
1,000 devices are built. Products sit in slots at random (not best-sellers at eye level), and version 2
swaps some eye-level products with lower rows, so the placement effect can be learnt from the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from designer.cabinets import TemperatureZone, zone_proposes
from designer.positions import ROW_LETTERS
from storage.simulator.catalogue import AFFINITY_PAIRS, CATEGORIES, ProductTable
from storage.simulator.history import SECONDS_PER_DAY, History
from storage.simulator.locations import LOCATION_TYPES, REGIONS, LocationType

AMBIENT, REFRIGERATED, FROZEN = TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN

CABINET_SIZES: dict[TemperatureZone, tuple[int, int]] = {AMBIENT: (6, 6), REFRIGERATED: (5, 6), FROZEN: (4, 4)}
CABINET_NAMES: dict[TemperatureZone, str] = {AMBIENT: "Snacks", REFRIGERATED: "Cooler", FROZEN: "Freezer"}

FIRST_DEVICE_CABINETS = (AMBIENT, REFRIGERATED, FROZEN)
"""Device 1 has one cabinet of each zone, so even a one-device fleet shows all three."""

CABINET_CONFIGURATIONS: tuple[tuple[tuple[TemperatureZone, ...], float], ...] = (
    ((AMBIENT, REFRIGERATED), 0.35),
    ((AMBIENT, REFRIGERATED, FROZEN), 0.20),
    ((REFRIGERATED,), 0.15),
    ((AMBIENT,), 0.10),
    ((REFRIGERATED, FROZEN), 0.10),
    ((AMBIENT, FROZEN), 0.10),
)

EYE_LEVEL_ROWS = (1, 2)
"""Rows B and C: where shoppers look first."""

RESTOCK_WEEKDAYS: tuple[tuple[int, ...], ...] = ((0, 3), (1, 4), (0, 2, 4), (1, 3, 5))
"""Route plans (Monday = 0); none leaves a machine more than four days unvisited."""

RESTOCK_HOURS = (8, 11)
"""Drivers arrive between 08:00 and 11:00."""

FILL_SHARE = (0.82, 0.95)
"""Share of a cabinet's slots filled by the initial planogram; the rest stay empty."""

CHANGE_SHARE = (0.5, 0.7)
"""Version 2 goes live at the first restock after this share of the history (drawn per cabinet)."""

SWAP_SHARE = 0.15
MOVE_SHARE = 0.20
ASSORTMENT_WEIGHT_POWER = 0.6
"""Products are chosen with probability ∝ base demand ** this: sellers are favoured, not guaranteed."""

DEVICE_TRAFFIC_SPREAD = 0.3

EMPTY_SLOT_CAPACITY = 10


def row_multipliers(rows: int) -> list[float]:
    """Demand multiplier of each row from the top: eye level (B, C) highest, the bottom row lowest."""
    if rows == 1:
        return [1.0]
    if rows == 2:
        return [1.15, 0.8]
    if rows == 3:
        return [1.05, 1.3, 0.7]
    below = np.linspace(0.95, 0.65, rows - 3) if rows > 4 else np.array([0.65])
    return [1.05, 1.35, 1.30, *(round(float(x), 4) for x in below)]


def column_multipliers(columns: int) -> list[float]:
    """A small pull to the middle of a row: 1.06 in the centre down to 0.94 at the edges."""
    if columns == 1:
        return [1.0]
    centre = (columns - 1) / 2
    return [round(1.06 - 0.12 * abs(c - centre) / centre, 4) for c in range(columns)]


def position_label(slot: int, columns: int) -> str:
    return f"{ROW_LETTERS[slot // columns]}{slot % columns + 1}"


@dataclass
class PlanogramPlan:
    """One version of a cabinet's layout; slots are numbered row by row, product 0 = empty."""

    products: np.ndarray
    capacity: np.ndarray
    par: np.ndarray

    def copy(self) -> PlanogramPlan:
        return PlanogramPlan(self.products.copy(), self.capacity.copy(), self.par.copy())

    def product_ids(self) -> set[int]:
        return {int(p) for p in self.products if p}


@dataclass
class CabinetPlan:
    index: int
    zone: TemperatureZone
    rows: int
    columns: int
    first: PlanogramPlan
    second: PlanogramPlan | None = None
    change_visit: int = 0  # index into DevicePlan.visits of the restock that installs version 2
    moved: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return CABINET_NAMES[self.zone]

    @property
    def slots(self) -> int:
        return self.rows * self.columns

    def labels(self) -> list[str]:
        return [position_label(slot, self.columns) for slot in range(self.slots)]

    def placement(self) -> np.ndarray:
        """Row × column multiplier of every slot."""
        return np.outer(row_multipliers(self.rows), column_multipliers(self.columns)).ravel()


@dataclass
class DevicePlan:
    id: int
    name: str
    asset_number: str
    location: LocationType
    location_name: str
    region: int
    traffic: float
    restock_weekdays: tuple[int, ...]
    visits: np.ndarray  # restock times, seconds from the start of history, ascending
    cabinets: list[CabinetPlan]
    base_demand: np.ndarray  # expected vends/day per product (catalogue order) at a neutral slot and day
    created_days_before_history: int

    def change_time(self, cabinet: CabinetPlan) -> int:
        return int(self.visits[cabinet.change_visit])

    @property
    def model(self) -> str:
        """The machine's model as CVD names one: its cabinets side by side (``Snacks + Cooler``)."""
        return " + ".join(cabinet.name for cabinet in self.cabinets)

    @property
    def route_id(self) -> int:
        """One route per region: a driver serves the machines of one area."""
        return self.region + 1


def device_base_demand(catalogue: ProductTable, location: LocationType, traffic: float) -> np.ndarray:
    """popularity × price effect × location preference × location traffic × device traffic."""
    preference = np.array([location.preference(category) for category in catalogue.categories])
    return catalogue.popularity * catalogue.price_effect * preference * location.traffic * traffic


def _restock_visits(history: History, weekdays: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    days = np.flatnonzero(np.isin(history.weekdays(), weekdays))
    days = days[days >= 1]  # day 0 starts with every slot filled to par
    first, last = RESTOCK_HOURS
    return days * SECONDS_PER_DAY + rng.integers(first * 3600, last * 3600, len(days))


def _stocking(catalogue: ProductTable, products: list[int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Capacity (from the category's spiral range) and par level (the driver's fill target, ≤ capacity)."""
    ranges = [CATEGORIES[catalogue.categories[catalogue.index_of(p)]].capacity for p in products]
    capacity = np.array([rng.integers(lo, hi + 1) for lo, hi in ranges], dtype=np.int64)
    par = np.maximum(np.minimum(capacity, 3), capacity - rng.integers(0, 3, len(products)))
    return capacity, par


def _weighted_pick(candidates: list[int], weights: np.ndarray, count: int, rng: np.random.Generator) -> list[int]:
    count = min(count, len(candidates))
    if count <= 0:
        return []
    chosen = rng.choice(len(candidates), size=count, replace=False, p=weights / weights.sum())
    return [candidates[i] for i in sorted(chosen)]


def _candidates(
    catalogue: ProductTable, zone: TemperatureZone, zones: tuple[TemperatureZone, ...], taken: set[int]
) -> list[int]:
    """Products this cabinet may hold; a cooler next to a snack cabinet keeps to chilled goods."""
    keep_chilled = zone is REFRIGERATED and AMBIENT in zones
    return [
        int(product_id)
        for product_id, need in zip(catalogue.ids, catalogue.zones, strict=True)
        if int(product_id) not in taken
        and zone_proposes(zone, need)
        and not (keep_chilled and need is not REFRIGERATED)
    ]


def _paired_products(catalogue: ProductTable, zones: tuple[TemperatureZone, ...]) -> set[int]:
    """Members of the planted affinity pairs that this device can carry together (both have a cabinet)."""

    def placeable(name: str) -> bool:
        need = catalogue.zones[catalogue.names.index(name)]
        return any(zone_proposes(zone, need) for zone in zones)

    return {
        catalogue.id_of(name)
        for first, second, _ in AFFINITY_PAIRS
        if placeable(first) and placeable(second)
        for name in (first, second)
    }


def _first_version(
    catalogue: ProductTable,
    base_demand: np.ndarray,
    zone: TemperatureZone,
    zones: tuple[TemperatureZone, ...],
    taken: set[int],
    paired: set[int],
    rng: np.random.Generator,
) -> PlanogramPlan:
    """Version 1: the paired products this cabinet can hold, plus sellers drawn by demand, at random slots."""
    rows, columns = CABINET_SIZES[zone]
    slots = rows * columns
    candidates = _candidates(catalogue, zone, zones, taken)
    forced = [p for p in candidates if p in paired]
    optional = [p for p in candidates if p not in paired]
    wanted = min(len(candidates), round(slots * rng.uniform(*FILL_SHARE)))
    weights = base_demand[[catalogue.index_of(p) for p in optional]] ** ASSORTMENT_WEIGHT_POWER
    chosen = forced + _weighted_pick(optional, weights, wanted - len(forced), rng)
    products = np.zeros(slots, dtype=np.int64)
    capacity = np.full(slots, EMPTY_SLOT_CAPACITY, dtype=np.int64)
    par = np.zeros(slots, dtype=np.int64)
    places = rng.permutation(slots)[: len(chosen)]
    products[places] = chosen
    capacity[places], par[places] = _stocking(catalogue, chosen, rng)
    taken.update(chosen)
    return PlanogramPlan(products, capacity, par)


def _swap_contents(plan: PlanogramPlan, a: int, b: int) -> None:
    for array in (plan.products, plan.capacity, plan.par):
        array[a], array[b] = array[b], array[a]


def _second_version(
    cabinet: CabinetPlan,
    catalogue: ProductTable,
    base_demand: np.ndarray,
    zones: tuple[TemperatureZone, ...],
    unused: set[int],
    paired: set[int],
    rng: np.random.Generator,
) -> None:
    """Version 2: a few products swapped for ones the device never carried, some eye-level products
    traded with lower rows, and a few other moves along the rows."""
    plan = cabinet.first.copy()
    filled = np.flatnonzero(plan.products)
    replaceable = [int(s) for s in filled if int(plan.products[s]) not in paired]
    newcomers_pool = _candidates(catalogue, cabinet.zone, zones, set(catalogue.ids.tolist()) - unused)
    swaps = min(len(replaceable), len(newcomers_pool), max(1, round(SWAP_SHARE * len(filled))))
    if swaps:
        weights = base_demand[[catalogue.index_of(p) for p in newcomers_pool]] ** ASSORTMENT_WEIGHT_POWER
        newcomers = _weighted_pick(newcomers_pool, weights, swaps, rng)
        leaving = sorted(rng.choice(replaceable, size=swaps, replace=False).tolist())
        cabinet.removed = [int(plan.products[s]) for s in leaving]
        cabinet.added = newcomers
        plan.products[leaving] = newcomers
        plan.capacity[leaving], plan.par[leaving] = _stocking(catalogue, newcomers, rng)
        unused.difference_update(newcomers)

    rows = np.arange(cabinet.slots) // cabinet.columns
    eye = np.flatnonzero(np.isin(rows, EYE_LEVEL_ROWS))
    below = np.flatnonzero(rows > max(EYE_LEVEL_ROWS))
    moves = min(len(eye), len(below), max(2, round(MOVE_SHARE * len(filled))))
    before = {int(p): slot for slot, p in enumerate(plan.products) if p}
    for a, b in zip(rng.choice(eye, moves, replace=False), rng.choice(below, moves, replace=False), strict=True):
        _swap_contents(plan, int(a), int(b))
    for _ in range(max(1, moves // 2)):
        a, b = rng.choice(cabinet.slots, 2, replace=False)
        _swap_contents(plan, int(a), int(b))
    after = {int(p): slot for slot, p in enumerate(plan.products) if p}
    cabinet.moved = sorted(p for p, slot in after.items() if p in before and before[p] != slot)
    cabinet.second = plan


def plan_device(device_id: int, catalogue: ProductTable, history: History, rng: np.random.Generator) -> DevicePlan:
    """Everything about one machine except its sales: site, cabinets, restock rounds, both planograms."""
    location = LOCATION_TYPES[(device_id - 1) % len(LOCATION_TYPES)]
    number = (device_id - 1) // len(LOCATION_TYPES) + 1
    region = int(rng.integers(len(REGIONS)))
    traffic = float(rng.lognormal(-(DEVICE_TRAFFIC_SPREAD**2) / 2, DEVICE_TRAFFIC_SPREAD))
    if device_id == 1:
        zones = FIRST_DEVICE_CABINETS
    else:
        weights = np.array([weight for _, weight in CABINET_CONFIGURATIONS])
        zones = CABINET_CONFIGURATIONS[int(rng.choice(len(weights), p=weights / weights.sum()))][0]
    weekdays = RESTOCK_WEEKDAYS[int(rng.integers(len(RESTOCK_WEEKDAYS)))]
    visits = _restock_visits(history, weekdays, rng)
    base_demand = device_base_demand(catalogue, location, traffic)
    paired = _paired_products(catalogue, zones)

    taken: set[int] = set()
    firsts: dict[TemperatureZone, PlanogramPlan] = {}
    for zone in sorted(zones, key=(AMBIENT, REFRIGERATED, FROZEN).index):  # snacks first: the cooler takes the rest
        firsts[zone] = _first_version(catalogue, base_demand, zone, zones, taken, paired, rng)
    cabinets = [CabinetPlan(index, zone, *CABINET_SIZES[zone], firsts[zone]) for index, zone in enumerate(zones)]

    unused = set(catalogue.ids.tolist()) - taken
    visit_days = visits // SECONDS_PER_DAY
    for cabinet in cabinets:
        _second_version(cabinet, catalogue, base_demand, zones, unused, paired, rng)
        target_day = int(history.days * rng.uniform(*CHANGE_SHARE))
        later = np.flatnonzero(visit_days >= target_day)
        cabinet.change_visit = int(later[0]) if len(later) else len(visits) - 1

    return DevicePlan(
        id=device_id,
        name=f"{location.device_label} {number}",
        asset_number=f"VM-{device_id:06d}",
        location=location,
        location_name=f"{location.places[int(rng.integers(len(location.places)))]}, {REGIONS[region].name}",
        region=region,
        traffic=traffic,
        restock_weekdays=weekdays,
        visits=visits,
        cabinets=cabinets,
        base_demand=base_demand,
        created_days_before_history=int(rng.integers(30, 720)),
    )
