"""The explicit mapping between a CVD database (the operator's truth) and our working copy.

CVD ids are never reused as ours: ``cvd_links(kind, local_id, cvd_id, cvd_key, cvd_updated_at)`` pairs
them, so a working copy can be re-pulled without renumbering what the designer holds.

=============================================  ==============================================================
CVD (as the web app writes it)                  working copy
=============================================  ==============================================================
``users`` username, role, is_active             ``users`` username, role, is_active (link kind ``user``);
                                                a switched-off user signs in as a viewer
``locations`` name                              ``devices.location_name``; ``devices.location_type`` is ours
                                                (guessed once from the name, see :func:`location_type_for`,
                                                then never overwritten by a pull) (link kind ``location``)
``devices`` asset, cooler, deleted_at           ``devices`` asset_number, name, removed_at (link kind
                                                ``device``); soft-deleted ones are kept, marked, read-only
``cabinet_configurations`` index, rows,         ``cabinets`` cabinet_index, rows, columns, name = type name,
columns; ``cabinet_types.name``                 temperature_zone from the type (:data:`ZONE_BY_CABINET_TYPE`)
                                                (link kind ``cabinet``)
``products`` name, category, price, is_system   ``products`` the same; temperature_requirement derived from
                                                the warmest cabinet CVD places it in, unit_cost 0, health 5
                                                (ours to edit; a pull never overwrites an edited one) (link
                                                kind ``product``)
``planograms`` planogram_key, updated_at +      the cabinet's *active* planogram version, named by its
``planogram_slots`` (slot_position, product_id, planogram_key; ``EMPTY_SLOT`` rows are empty slots; a CVD
product_name, quantity, capacity, par_level,    change arrives as a new active version, older ones archived
price)                                          (link kind ``planogram``: local_id = our cabinet id; the
                                                pulled slots are kept as the merge base in ``sync_state``);
                                                put in force when CVD last set it up (``updated_at``, slots'
                                                ``cleared_at``), or from the device's first sale when it sold
                                                before then (assumed, noted in ``sync_state``)
                                                ``planogram_slots.price`` is the slot's price only where it
                                                differs from the product's CVD price, else NULL, so the
                                                designer can tell a special price from the catalogue's and
                                                a catalogue change we make reaches the slots that follow it
``sales`` device, product, sale_units,          a CVD row's units spread over every slot holding the product
sale_cash, created_at (aggregated)              in the layouts in force that day, in proportion to capacity
                                                (:func:`spread_units`): one ``sales`` row per slot given a
                                                unit, unit_price = cash / units, transaction_id = −CVD id
                                                (shared by the parts, never a fake basket of two products);
                                                a product no layout holds: one row, position ``""``
``dex_reads`` + ``dex_pa_records``              ``cvd_dex_selections`` one row per selection record; linked to
(per selection, cumulative counters)            the device whose asset equals the machine serial; the
                                                per-slot history takes the differences between reads
``dex_reads`` raw_content, upload_timestamp      also imported whole as machine audits (``audit import --cvd``,
                                                :mod:`storage.machine_audits`), by the standard's fields and
                                                once per read; our own imported reads are not pushed back:
                                                a ``dex_reads`` row is the web app's upload, which its parser
                                                fills ``dex_pa_records`` from, and a row we wrote would stand
                                                unparsed or carry CVD's mis-mapped fields in our name
``audit_log`` (user_id, action, resource_type,  our ``audit_log`` rows (user mapped through link ``user``,
resource_id, details, ip_address, created_at)   host → ip_address) are copied there once (``pushed_at``)
=============================================  ==============================================================

Push writes exactly what the web app's ``POST /api/planograms`` writes (see :mod:`storage.cvd.push`); every
pushed slot carries its effective price (its own, else the catalogue's), as the web app's form does.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from designer.cabinets import TemperatureZone

ZONE_BY_CABINET_TYPE: dict[str, TemperatureZone] = {
    "cooler": TemperatureZone.REFRIGERATED,
    "stockwell cooler": TemperatureZone.REFRIGERATED,
    "freezer": TemperatureZone.FROZEN,
    "ambient": TemperatureZone.AMBIENT,
    "ambient+": TemperatureZone.AMBIENT,
    "stockwell ambient": TemperatureZone.AMBIENT,
}

# Words in a CVD location name that say what kind of place it is; CVD itself has no location type.
_LOCATION_WORDS: tuple[tuple[str, str], ...] = (
    ("hospital", "hospital"),
    ("clinic", "hospital"),
    ("gym", "gym"),
    ("fitness", "gym"),
    ("school", "school"),
    ("university", "school"),
    ("college", "school"),
    ("msu", "school"),
    ("engineering", "school"),
    ("terminal", "transit"),
    ("airport", "transit"),
    ("gate", "transit"),
    ("station", "transit"),
    ("office", "office"),
    ("warehouse", "warehouse"),
)
UNCLASSIFIED = "unclassified"
IN_FORCE_NOTE = "cvd.in_force."
"""``sync_state`` key prefix (+ our cabinet id): the cabinet's first pulled layout is assumed in force from the
device's first sale, before CVD recorded it (value: ``{"assumed_from", "recorded_from"}``)."""
EMPTY_SLOT_ID = 1  # the web app's sentinel product id (``create_all_planogram_slots`` hard-codes it)


def zone_for_cabinet_type(name: str) -> TemperatureZone:
    """Cooler types are refrigerated, freezers frozen, the rest ambient (CVD's ``cabinet_types``)."""
    key = name.strip().lower()
    if key in ZONE_BY_CABINET_TYPE:
        return ZONE_BY_CABINET_TYPE[key]
    if "freez" in key:
        return TemperatureZone.FROZEN
    if "cool" in key or "fridge" in key:
        return TemperatureZone.REFRIGERATED
    return TemperatureZone.AMBIENT


def location_type_for(name: str) -> str:
    """A first guess at our location type from a CVD location name; the user corrects it in the working copy."""
    lowered = name.lower()
    for word, kind in _LOCATION_WORDS:
        if word in lowered:
            return kind
    return UNCLASSIFIED


_WARMEST_FIRST = (TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN)


def temperature_requirement_for(zones: Iterable[TemperatureZone]) -> TemperatureZone:
    """The warmest zone CVD keeps the product in: what the operator's own layouts show it tolerates (NOS Energy in
    Cooler and Freezer cabinets needs refrigeration, not freezing). Never placed: ambient."""
    counted = set(zones)
    return next((zone for zone in _WARMEST_FIRST if zone in counted), TemperatureZone.AMBIENT)


def former_requirement_for(zones: Iterable[TemperatureZone]) -> TemperatureZone:
    """The rule pulls used before the warmest-zone one (frozen when most of its slots are frozen): a product still
    holding this value was never edited by a person, so a pull may correct it."""
    counted = list(zones)
    if not counted:
        return TemperatureZone.AMBIENT
    frozen = sum(zone is TemperatureZone.FROZEN for zone in counted)
    if frozen * 2 > len(counted):
        return TemperatureZone.FROZEN
    if TemperatureZone.AMBIENT in counted:
        return TemperatureZone.AMBIENT
    return TemperatureZone.REFRIGERATED


def layout_in_force_since(
    recorded_at: datetime | None, first_sale: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """When a pulled layout counts as put in force: (activated at, recorded at when that is an assumption).

    ``recorded_at`` is the last time CVD shows the layout being set up (its planogram's ``updated_at`` or the
    latest ``cleared_at`` of a slot holding a product). CVD keeps no earlier layouts, so when the device sold
    before then, what stood in the cabinet is unknown and the layout is assumed from the first sale on; the
    second value then says from when CVD really records it (None: nothing assumed)."""
    if recorded_at is None:
        return first_sale, None
    if first_sale is not None and first_sale < recorded_at:
        return first_sale, recorded_at
    return recorded_at, None


_SPREAD_STEP = 0.6180339887498949
"""The golden ratio's fraction: successive CVD ids give rounding offsets spread evenly over [0, 1)."""


def spread_units(units: int, capacities: Sequence[int], cvd_id: int) -> list[int]:
    """A CVD sales row's units over the slots holding its product, in proportion to their capacity.

    CVD records units per device, product and day, not per slot. Giving them all to the first slot (as pulls
    once did) told the placement model that the product's other slots never sold. Each slot gets the floor or
    the ceiling of its share, the parts add up to ``units`` exactly, and the rounding offset is drawn from the
    row's CVD id (systematic sampling), so over many rows each slot's total is its capacity share while a
    re-pull gives the same rows. Slots of zero capacity count as one unit of capacity.
    """
    if not capacities:
        return []
    weights = [max(int(capacity), 1) for capacity in capacities]
    total = float(sum(weights))
    offset = (cvd_id * _SPREAD_STEP) % 1.0
    parts, taken, cumulative = [], 0, 0.0
    for weight in weights:
        cumulative += units * weight / total
        reached = math.floor(cumulative + offset + 1e-9)
        parts.append(reached - taken)
        taken = reached
    parts[-1] += units - sum(parts)  # float rounding never loses or adds a unit
    return parts


def planogram_key(asset: str, cabinet_type: str, cabinet_index: int) -> str:
    """The web app's key: ``{asset}-{cabinet type name}-{cabinet index}`` (e.g. ``999-Cooler-0``)."""
    return f"{asset}-{cabinet_type}-{cabinet_index}"


def cvd_text(value: object) -> str | None:
    """A CVD timestamp as text: SQLite hands back its stored text, PostgreSQL a datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    return str(value)


def cvd_time(value: object) -> datetime:
    """A CVD timestamp as a naive datetime (our sales times are naive, like CVD's)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.fromisoformat(str(value).replace("Z", "")).replace(tzinfo=None)


def json_number(value: float | int | None) -> float | int | None:
    """A price as the web app's JSON carries it: integral prices are integers (``4``), others floats (``2.5``)."""
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True, slots=True)
class CvdSlot:
    """One CVD slot as it matters to a layout (positions of ``EMPTY_SLOT`` have ``product_id`` None)."""

    position: str
    product_id: int | None
    quantity: int
    capacity: int
    par_level: int
    price: float | int | None = None  # as JSON carries it (:func:`json_number`); None: the catalogue's

    def as_list(self) -> list[Any]:
        return [self.position, self.product_id, self.quantity, self.capacity, self.par_level, self.price]

    @classmethod
    def from_list(cls, row: list[Any]) -> CvdSlot:
        """Stored merge bases written before slot prices have five fields; their price is unknown (None)."""
        return cls(str(row[0]), row[1], int(row[2]), int(row[3]), int(row[4]), row[5] if len(row) > 5 else None)


def cvd_slot(row: Mapping[str, Any]) -> CvdSlot:
    """A ``planogram_slots`` row; the sentinel product (and a null product) is an empty slot."""
    product = row["product_id"]
    empty = product is None or product == EMPTY_SLOT_ID
    return CvdSlot(
        str(row["slot_position"]),
        None if empty else int(product),
        int(row["quantity"] or 0),
        int(row["capacity"] or 0),
        int(row["par_level"] or 0),
        None if empty else json_number(row["price"]),
    )


def own_price(slot: CvdSlot, catalogue_price: object) -> float | None:
    """The price our slot keeps for a CVD slot: CVD's where it differs from the catalogue's, else None (follow it)."""
    if slot.price is None or (catalogue_price is not None and json_number(catalogue_price) == slot.price):  # type: ignore[arg-type]
        return None
    return float(slot.price)


def layout_fingerprint(slots: Iterable[CvdSlot], *, with_prices: bool = True) -> str:
    """A digest of a CVD layout (what is placed where, capacities, par levels, prices; not the stock on hand,
    which restocking changes all day): the web app never bumps ``planograms.updated_at``, so a layout edited
    there is only visible in its slots. ``with_prices=False`` gives the digest stored before slot prices."""
    rows = sorted(
        [slot.position, slot.product_id, slot.capacity, slot.par_level, *([slot.price] if with_prices else [])]
        for slot in slots
        if slot.product_id is not None
    )
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]
