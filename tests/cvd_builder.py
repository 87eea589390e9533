"""A CVD web-app database built from scratch: CVD's tables (``storage/cvd/schema.py``) filled with a generated,
deterministic operator's fleet, on a SQLite file or a PostgreSQL database.

Why: the sync tests must run on a fresh clone, without the real sample (``../shared/cvd``) beside it, and the
figures they assert must come from what was written (:class:`CvdFleet`), not from counts of a file nobody here
controls. Rows have the shape the web app writes: every slot position exists from a device's creation (empty
ones hold the system product ``EMPTY_SLOT``), integral prices are integers as its JSON makes them, timestamps
are CVD's text in its two formats, sales are aggregated per device and product, DEX counters are cumulative.

Two devices are laid out by hand because the sync tests' stories name their slots; the rest is generated:

* ``999`` (PicoVision): 999-Cooler-0 holds Coca-Cola (12) at A1–A3, Burritos (29) at A4–A8, Doritos (19) at
  B1–B8 at their own $3.00 (catalogue $1.50), and stock above capacity in row D (a CVD quirk);
  999-Ambient+-1 and 999-Freezer-2 are generated.
* ``444`` (Stockwell): 444-Stockwell Cooler-0 holds Coca-Cola at A1–A3, ``EMPTY_SLOT`` at A4–A7, Gatorade (2)
  from B1; 444-Stockwell Ambient-1 is generated.
* users admin1, manager2, viewer3 (switched off), driver4 (ids 1–4, as in CVD's sample) and more of each role;
  the catalogue keeps CVD's product ids (1 = EMPTY_SLOT, 11 = Pepsi, 12 = Coca-Cola, 15 = Snickers, …).
* the device with asset :data:`DEX_ASSET` is a machine whose DEX serial is its asset number; it counts columns
  from 0, and one of its selections is reset between two reads.

``python -m tests.cvd_builder TARGET`` writes the database to a new SQLite file or an empty PostgreSQL URL.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from storage.cvd import schema as cvd
from storage.cvd.mapping import EMPTY_SLOT_ID, planogram_key
from storage.engine import normalise_url

SEED = 17
DEX_ASSET = "6422550123"  # a Vendo 721's serial, used by its operator as the asset number
SHOWCASE_COOLER = "999-Cooler-0"
SHOWCASE_STOCKWELL = "444-Stockwell Cooler-0"
Row = dict[str, Any]

# id, name, category, price, where it is placed (cold: coolers, frozen: freezers, ambient: anywhere dry)
CATALOGUE: tuple[tuple[int, str, str, float, str], ...] = (
    (EMPTY_SLOT_ID, cvd.EMPTY_SLOT_NAME, "system", 0, "none"),
    (2, "Gatorade Fruit Punch", "sports", 3, "cold"),
    (3, "Powerade Glacier Cherry", "sports", 3, "cold"),
    (4, "V8 Original", "juice", 3.5, "cold"),
    (5, "Vitamin Water", "water", 2.5, "cold"),
    (6, "Country Time Lemonade", "juice", 2.5, "cold"),
    (7, "Monster Energy Original", "energy", 3.5, "cold"),
    (8, "Monster Energy Blue", "energy", 3.5, "cold"),
    (9, "NOS Energy", "energy", 3.5, "cold"),
    (10, "Monster Zero Ultra", "energy", 3.5, "cold"),
    (11, "Pepsi", "soda", 2.5, "cold"),
    (12, "Coca-Cola", "soda", 2.5, "cold"),
    (13, "Sprite", "soda", 2.5, "cold"),
    (14, "Dasani Water", "water", 2, "cold"),
    (15, "Snickers", "Candy", 1.5, "ambient"),
    (16, "Twix", "Candy", 1.5, "ambient"),
    (17, "M&M", "other", 1.5, "ambient"),
    (18, "Hershey’s", "Candy", 1.5, "ambient"),
    (19, "Doritos", "Chips", 1.5, "ambient"),
    (20, "Lay’s Chip", "Chips", 1.5, "ambient"),
    (21, "Jumbo", "Pastries", 2, "ambient"),
    (22, "Pop-tarts", "Pastries", 2, "ambient"),
    (23, "Welches", "Candy", 1.5, "ambient"),
    (24, "Grandma Cookies", "Cookie", 2, "ambient"),
    (25, "Lunchables", "Foods", 4, "cold"),
    (26, "Grilled Chicken", "Foods", 5, "cold"),
    (27, "Chicken Salad", "Foods", 5, "cold"),
    (28, "Dole Fruit", "Foods", 3, "cold"),
    (29, "Burrito", "Foods", 4, "cold"),
    (30, "Sandwich", "Foods", 5, "cold"),
    (31, "Turkey Wrap", "Foods", 5, "cold"),
    (32, "Ice Cream", "Foods", 3, "frozen"),
    (33, "Meatloaf", "Foods", 5, "frozen"),
    (34, "Mac n Cheese", "other", 3, "frozen"),
    (35, "Frozen Pizza", "Foods", 4.75, "frozen"),
    (36, "Trail Mix", "Snacks", 2.25, "ambient"),
)
# name, rows, columns, icon, zone (CVD's six cabinet types)
CABINET_TYPES: tuple[tuple[str, int, int, str, str], ...] = (
    ("Cooler", 5, 8, "C", "cold"),
    ("Freezer", 5, 8, "F", "frozen"),
    ("Ambient", 5, 8, "A", "ambient"),
    ("Ambient+", 6, 9, "A+", "ambient"),
    ("Stockwell Cooler", 4, 7, "SC", "cold"),
    ("Stockwell Ambient", 4, 7, "SA", "ambient"),
)
DEVICE_TYPES = (
    ("PicoVision", "Dynamic Cabinet Configuration with Cashless", True),
    ("PicoVision Express", "QR code payments only", False),
    ("Stockwell", "Fixed Dual Cabinet with Cashless", False),
)
# name, address, latitude, longitude (id 1 is the warehouse CVD moves devices to when a location is deleted)
LOCATIONS: tuple[tuple[str, str | None, float | None, float | None], ...] = (
    ("Central Warehouse", "1200 Industrial Dr, Romulus, MI 48174", 42.2101, -83.3702),
    ("DTW Terminal A", "2 Terminal Dr, Romulus, MI 48174", 42.2124, -83.3534),
    ("DTW Terminal B", "35335 Eureka Rd, Romulus, MI 48174", 42.1936, -83.3839),
    ("MSU Engineering", "428 S Shaw Ln, East Lansing, MI 48824", 42.7248, -84.4815),
    ("MSU Library", "366 W Circle Dr, East Lansing, MI 48824", 42.7310, -84.4830),
    ("Riverside Hospital", "150 Truax St, Trenton, MI 48183", 42.1389, -83.1863),
    ("Downtown Fitness Gym", "1001 Woodward Ave, Detroit, MI 48226", 42.3327, -83.0466),
    ("Harbor Office Tower", "500 Griswold St, Detroit, MI 48226", 42.3301, -83.0467),
    ("Fairlane Town Center", "18900 Michigan Ave, Dearborn, MI 48126", 42.3036, -83.2342),
    ("Westland Shopping Center", None, None, None),
)
USERS = (  # username, role, active
    ("admin1", "admin", True),
    ("manager2", "manager", True),
    ("viewer3", "viewer", False),
    ("driver4", "driver", True),
    ("manager5", "manager", True),
    ("driver6", "driver", True),
    ("viewer7", "viewer", True),
)
COOLER_NAMES = (
    "Snack Galore", "Gym Entrance", "Near Gate 24", "Near Gate B5", "Backroom Breakroom", "Visitor Center",
    "Ice Cream Machine", "Lobby Market", "Night Shift Corner", "Pico Market", "Staff Lounge", "Food Court East",
    "Library Basement", "ER Waiting Room", "Loading Dock", "Second Floor Kitchen",
)  # fmt: skip


@dataclass(frozen=True)
class CvdFleet:
    """What the builder writes: every row (table → rows, in id order) and the figures the tests expect."""

    rows: dict[str, list[Row]]
    users: int
    locations: int
    devices: int
    deleted_assets: frozenset[str]
    cabinets: int
    products: int
    planograms: int
    slots: int
    empty_slots: int
    special_prices: int  # filled slots whose price differs from their product's catalogue price
    sales: int
    sale_units: int
    dex_records: int
    audit_rows: int
    planogram_ids: dict[str, int] = field(default_factory=dict)

    def device_id(self, asset: str) -> int:
        return next(row["id"] for row in self.rows["devices"] if row["asset"] == asset)


def _price(value: float) -> float | int:
    """A price as the web app's JSON stores it: integral ones as integers."""
    value = round(value, 2)
    return int(value) if float(value).is_integer() else value


def _stamp(moment: datetime, micro: bool = False) -> str:
    """CVD's text timestamps: ``CURRENT_TIMESTAMP`` (to the second) or Python's isoformat (``T``, microseconds)."""
    return moment.isoformat(timespec="microseconds") if micro else moment.strftime("%Y-%m-%d %H:%M:%S")


def _password_hash(rng: random.Random, password: str) -> str:
    """A werkzeug ``generate_password_hash`` value (its default scrypt method), as the web app stores them."""
    salt = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(16))
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=32768, r=8, p=1, maxmem=132 * 32768 * 8)
    return f"scrypt:32768:8:1${salt}${digest.hex()}"


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: dict[str, list[Row]] = {table: [] for table in cvd.cvd_metadata.tables}
        self.prices = {pid: price for pid, _name, _category, price, _zone in CATALOGUE}
        self.names = {pid: name for pid, name, _category, _price, _zone in CATALOGUE}
        self.pools = {  # coolers hold snacks too (CVD's own sample has Doritos in one); freezers only frozen food
            "cold": [pid for pid, *_rest, where in CATALOGUE if where in ("cold", "ambient")],
            "frozen": [pid for pid, *_rest, where in CATALOGUE if where == "frozen"],
            "ambient": [pid for pid, *_rest, where in CATALOGUE if where == "ambient"],
        }
        self.type_ids = {name: index for index, (name, *_rest) in enumerate(CABINET_TYPES, start=1)}
        self.started = datetime(2025, 7, 6, 1, 36, 6)

    def add(self, table: str, **values: Any) -> Row:
        values["id"] = len(self.rows[table]) + 1
        self.rows[table].append(values)
        return values

    # --- reference rows ---------------------------------------------------------------------------------

    def reference(self) -> None:
        rng = self.rng
        for number, (username, role, active) in enumerate(USERS):
            created = self.started + timedelta(days=26, hours=number, seconds=rng.randint(0, 3599))
            self.add(
                "users",
                username=username,
                email=f"{username}@example.invalid",
                password_hash=_password_hash(rng, f"{username}-password"),
                role=role,
                is_active=active,
                created_at=_stamp(created, micro=number % 2 == 1),
                updated_at=_stamp(created + timedelta(days=rng.randint(0, 5), seconds=rng.randint(0, 9999)), True),
            )
        for name, address, latitude, longitude in LOCATIONS:
            self.add(
                "locations",
                name=name,
                created_at=_stamp(self.started),
                updated_at=_stamp(self.started + timedelta(days=30, seconds=rng.randint(0, 9999))),
                address=address,
                latitude=latitude,
                longitude=longitude,
            )
        for name, description, extra in DEVICE_TYPES:
            self.add("device_types", name=name, description=description, allows_additional_cabinets=extra)
        for name, rows, cols, icon, zone in CABINET_TYPES:
            self.add(
                "cabinet_types",
                name=name,
                description={"cold": "Refrigerated storage", "frozen": "Frozen storage"}.get(
                    zone, "Room temperature storage"
                ),
                rows=rows,
                cols=cols,
                icon=icon,
            )
        for pid, name, category, price, _zone in CATALOGUE:
            created = self.started + timedelta(hours=2, minutes=15) if pid <= 14 else self.started + timedelta(days=1)
            row = self.add(
                "products",
                name=name,
                category=category,
                price=_price(price),
                image=None if pid == EMPTY_SLOT_ID else f"https://cdn.example.invalid/img/{pid}-{category}.png",
                created_at=_stamp(created),
                is_system=pid == EMPTY_SLOT_ID,
            )
            assert row["id"] == pid, "the catalogue keeps CVD's product ids"

    # --- devices, cabinets, layouts ------------------------------------------------------------------------

    def device(self, asset: str, name: str, device_type: str, cabinets: list[str], location: int, **how: Any) -> Row:
        rng = self.rng
        created = self.started + timedelta(days=len(self.rows["devices"]), seconds=rng.randint(0, 80_000))
        deleted = how.get("deleted", False)
        device = self.add(
            "devices",
            asset=asset,
            cooler=name,
            location_id=location,
            model=cabinets[0],
            device_type_id=[t[0] for t in DEVICE_TYPES].index(device_type) + 1,
            route_id=None,
            created_at=_stamp(created),
            updated_at=_stamp(created),
            deleted_at=_stamp(created + timedelta(hours=rng.randint(2, 60), microseconds=rng.randint(1, 999_999)), True)
            if deleted
            else None,
            deleted_by=1 if deleted else None,
        )
        for index, type_name in enumerate(cabinets):
            _name, rows, columns, _icon, zone = CABINET_TYPES[self.type_ids[type_name] - 1]
            cabinet = self.add(
                "cabinet_configurations",
                device_id=device["id"],
                cabinet_type_id=self.type_ids[type_name],
                model_name=type_name,
                is_parent=index == 0,
                cabinet_index=index,
                rows=rows,
                columns=columns,
            )
            key = planogram_key(asset, type_name, index)
            planogram = self.add("planograms", cabinet_id=cabinet["id"], planogram_key=key, updated_at=_stamp(created))
            fixed = how.get("layouts", {}).get(index)
            layout = fixed or self.generated_layout(zone, rows, columns, how.get("fill", 0.85))
            for row_number in range(rows):
                for column in range(1, columns + 1):
                    position = f"{chr(ord('A') + row_number)}{column}"
                    self.slot(planogram["id"], position, layout.get(position), created)
        return device

    def generated_layout(self, zone: str, rows: int, columns: int, fill: float) -> dict[str, tuple[int, ...]]:
        """Products in runs along each shelf (facings), some runs empty, a few at a price of their own."""
        rng = self.rng
        layout: dict[str, tuple[int, ...]] = {}
        for row_number in range(rows):
            column = 1
            while column <= columns:
                run = min(rng.choice((1, 2, 2, 3, 3, 4, 5)), columns - column + 1)
                if rng.random() < fill:
                    product = rng.choice(self.pools[zone])
                    capacity = rng.choice((6, 8, 10, 10, 12))
                    par = max(1, capacity - rng.choice((0, 2, 2, 4)))
                    price = self.prices[product]
                    if rng.random() < 0.05:
                        price = max(0.5, price + rng.choice((0.25, 0.5, 1, -0.25)))
                    for offset in range(run):
                        quantity = rng.randint(0, capacity)
                        if rng.random() < 0.03:
                            quantity = capacity + rng.randint(1, 20)  # CVD lets stock exceed capacity
                        layout[f"{chr(ord('A') + row_number)}{column + offset}"] = (
                            product, quantity, capacity, par, _price(price)
                        )  # fmt: skip
                column += run
        return layout

    def slot(self, planogram_id: int, position: str, content: tuple[int, ...] | None, created: datetime) -> None:
        rng = self.rng
        changed = created + timedelta(days=rng.randint(0, 20), seconds=rng.randint(0, 86_399))
        if content is None:
            cleared = rng.random() < 0.3  # emptied by the web app, else empty since the device was created
            self.add(
                "planogram_slots",
                planogram_id=planogram_id,
                slot_position=position,
                product_id=EMPTY_SLOT_ID,
                product_name=cvd.EMPTY_SLOT_NAME,
                quantity=0,
                capacity=0,
                par_level=0,
                price=0 if cleared else None,
                cleared_at=_stamp(changed) if cleared else None,
                cleared_by=None,
                previous_product_id=rng.choice(self.pools["cold"]) if cleared else None,
            )
            return
        product, quantity, capacity, par, price = content
        replaced = rng.random() < 0.6
        self.add(
            "planogram_slots",
            planogram_id=planogram_id,
            slot_position=position,
            product_id=product,
            product_name=self.names[product],
            quantity=quantity,
            capacity=capacity,
            par_level=par,
            price=price,
            cleared_at=_stamp(changed) if replaced else None,
            cleared_by=None,
            previous_product_id=rng.choice(self.pools["ambient"]) if replaced and rng.random() < 0.7 else None,
        )

    def showcase_cooler(self) -> dict[str, tuple[int, ...]]:
        rng = self.rng
        rows = [
            [(12, 3), (29, 5)],  # Coca-Cola, Burrito
            [(19, 8)],  # Doritos at their own $3.00
            [(6, 3), (28, 5)],  # Country Time Lemonade, Dole Fruit
            [(27, 8)],  # Chicken Salad, stocked above capacity
            [(25, 8)],  # Lunchables
        ]
        layout = {}
        for row_number, runs in enumerate(rows):
            column = 1
            for product, run in runs:
                for _ in range(run):
                    price = 3 if product == 19 else _price(self.prices[product])
                    quantity = (
                        10 if row_number < 3 else 10 + rng.randint(10, 33) if row_number == 3 else rng.randint(5, 10)
                    )
                    layout[f"{chr(ord('A') + row_number)}{column}"] = (product, quantity, 10, 8, price)
                    column += 1
        return layout

    def showcase_stockwell(self) -> dict[str, tuple[int, ...]]:
        runs = {
            "A": [(12, 3)],  # Coca-Cola; A4–A7 empty
            "B": [(2, 4), (3, 3)],  # Gatorade Fruit Punch, Powerade
            "C": [(6, 5), (26, 2)],  # Country Time Lemonade, Grilled Chicken
            "D": [(29, 2), (25, 2), (31, 3)],  # Burrito, Lunchables, Turkey Wrap
        }
        quantities = iter((9, 10, 6, 7, 5, 2, 8, 10, 6, 4, 8, 5, 8, 10, 10, 6, 4, 8, 9, 10, 5, 6, 1, 3))
        layout = {}
        for letter, row_runs in runs.items():
            column = 1
            for product, run in row_runs:
                for _ in range(run):
                    layout[f"{letter}{column}"] = (product, next(quantities), 10, 8, _price(self.prices[product]))
                    column += 1
        return layout

    def fleet(self) -> None:
        rng = self.rng
        self.device("999", "Cafe New Location", "PicoVision", ["Cooler", "Ambient+", "Freezer"], 3,
                    layouts={0: self.showcase_cooler()})  # fmt: skip
        self.device("444", "Test Stockwell", "Stockwell", ["Stockwell Cooler", "Stockwell Ambient"], 9,
                    layouts={0: self.showcase_stockwell()})  # fmt: skip
        assets = {"999", "444", DEX_ASSET}
        names = list(COOLER_NAMES)
        rng.shuffle(names)
        deleted = set(rng.sample(range(2, 16), 5))
        for number in range(16):
            if number == 1:
                asset = DEX_ASSET
            elif number == 6:
                asset = f"{rng.randint(100, 999)}t{rng.randint(1, 9)}"  # operators type what they like
            else:
                asset = next(a for a in iter(lambda: str(rng.randint(100, 99_999)), None) if a not in assets)
            assets.add(asset)
            if number == 1:
                kind, cabinets = "PicoVision Express", ["Ambient"]
            else:
                kind = rng.choices([t[0] for t in DEVICE_TYPES], weights=(5, 2, 4))[0]
                if kind == "Stockwell":
                    cabinets = ["Stockwell Cooler", "Stockwell Ambient"]
                elif kind == "PicoVision Express":
                    cabinets = [rng.choice(("Cooler", "Ambient", "Freezer"))]
                else:
                    extra = rng.choice((0, 1, 1, 2))
                    cabinets = [rng.choice(("Cooler", "Cooler", "Ambient", "Ambient+", "Freezer"))]
                    cabinets += rng.sample(["Cooler", "Ambient", "Ambient+", "Freezer"], extra)
            gone = number in deleted
            fill = 0.0 if number in (14, 15) or (gone and number % 2) else rng.uniform(0.6, 0.95)
            self.device(asset, names[number], kind, cabinets, rng.randint(1, len(LOCATIONS)), deleted=gone, fill=fill)

    # --- sales, DEX, audit ------------------------------------------------------------------------------------

    def sales(self) -> None:
        """Aggregated rows (device, product, units, cash, minute) over Dec 2024 – Aug 2025, ids in import order."""
        rng = self.rng
        cabinets = {row["id"]: row["device_id"] for row in self.rows["cabinet_configurations"]}
        planograms = {row["id"]: cabinets[row["cabinet_id"]] for row in self.rows["planograms"]}
        held: dict[int, set[int]] = {}
        for slot in self.rows["planogram_slots"]:
            if slot["product_id"] != EMPTY_SLOT_ID:
                held.setdefault(planograms[slot["planogram_id"]], set()).add(slot["product_id"])
        first = datetime(2024, 12, 15, 7, 0)
        span = int((datetime(2025, 8, 5, 23, 0) - first).total_seconds() // 60)
        sellable = [pid for pid, *_rest in CATALOGUE if pid != EMPTY_SLOT_ID]
        for device_id in sorted(held):
            products = sorted(held[device_id])
            for _ in range(rng.randint(150, 250)):
                product = rng.choice(products) if rng.random() < 0.95 else rng.choice(sellable)
                units = rng.randint(1, 10)
                cash = round(units * self.prices[product] * rng.uniform(0.8, 1.0), 2)
                moment = _stamp(first + timedelta(minutes=rng.randint(0, span)))
                self.add("sales", device_id=device_id, product_id=product, sale_units=units, sale_cash=cash,
                         created_at=moment, updated_at=moment)  # fmt: skip

    def dex(self) -> None:
        """Machines' audits: per selection cumulative units and cash; a reset starts the counters again."""
        rng = self.rng
        machines = [  # serial, file, manufacturer, rows, columns, first column, reads
            (DEX_ASSET, "Vendo 721.txt", "VA", 2, 6, 0, 4),
            ("9259630007", "Royal 660.txt", "VA", 1, 10, 1, 3),
            ("AUTSENSIT3", "AMS Sensit III.txt", "VA", 4, 8, 1, 3),
        ]
        moment = datetime(2025, 7, 11, 15, 36, 12)
        for serial, filename, maker, rows, columns, first_column, reads in machines:
            counters = {
                (row, column): [rng.randint(300, 6000), rng.choice((150, 150, 175, 200, 250))]
                for row in range(rows)
                for column in range(first_column, first_column + columns)
            }
            for read in range(reads):
                moment += timedelta(days=rng.randint(0, 9), minutes=rng.randint(3, 400))
                dex_read = self.add("dex_reads", filename=filename, machine_serial=serial, manufacturer=maker,
                                    upload_timestamp=_stamp(moment), total_records=2 * len(counters) + 12,
                                    parsed_successfully=True)  # fmt: skip
                for number, ((row, column), counter) in enumerate(sorted(counters.items()), start=1):
                    if read:
                        counter[0] += rng.choice((0, 0, rng.randint(1, 40)))
                    if serial == DEX_ASSET and read == 2 and number == 3:
                        counter[0] = rng.randint(0, 9)  # the machine's counters were reset
                    self.add(
                        "dex_pa_records",
                        dex_read_id=dex_read["id"],
                        record_subtype="CONSOLIDATED",
                        selection_number=str(number),
                        price_cents=counter[1],
                        capacity=0,
                        units_sold=counter[0],
                        revenue_cents=counter[0] * counter[1],
                        line_number=16 + 2 * number,
                        created_at=_stamp(moment),
                        row=str(row),
                        column=str(column),
                    )
        moment += timedelta(hours=3)
        self.add("dex_reads", filename="Crane National 187.txt", machine_serial=None, manufacturer=None,
                 upload_timestamp=_stamp(moment), total_records=0, parsed_successfully=False)  # fmt: skip

    def audit(self) -> None:
        rng = self.rng
        moment = datetime(2025, 8, 1, 17, 43, 33)
        active = [index for index, (_name, _role, on) in enumerate(USERS, start=1) if on]
        for number in range(60):
            user = rng.choice(active)
            moment += timedelta(minutes=rng.randint(1, 300), seconds=rng.randint(0, 59))
            action, resource, resource_id, details = rng.choice(
                (
                    ("LOGIN", "user", user, "Successful login"),
                    ("LOGOUT", "user", user, "User logged out"),
                    ("PLANOGRAM_UPDATE", "planogram", rng.randint(1, 40), "Saved planogram slots"),
                    ("DEVICE_UPDATE", "device", rng.randint(1, 18), "Updated device details"),
                )
            )
            if number == 3:
                action, resource, resource_id, details = (
                    "USER_CREATE",
                    "user",
                    2,
                    "Created user manager2 with role manager",
                )
            self.add("audit_log", user_id=user, action=action, resource_type=resource, resource_id=resource_id,
                     details=details, ip_address=rng.choice(("127.0.0.1", "10.0.0.12", "10.0.0.31")),
                     created_at=_stamp(moment))  # fmt: skip


@cache
def generated_fleet(seed: int = SEED) -> CvdFleet:
    """The rows of one operator's CVD database and its figures; the same seed gives the same rows."""
    builder = _Builder(seed)
    builder.reference()
    builder.fleet()
    builder.sales()
    builder.dex()
    builder.audit()
    rows = builder.rows
    filled = [slot for slot in rows["planogram_slots"] if slot["product_id"] != EMPTY_SLOT_ID]
    return CvdFleet(
        rows=rows,
        users=len(rows["users"]),
        locations=len(rows["locations"]),
        devices=len(rows["devices"]),
        deleted_assets=frozenset(row["asset"] for row in rows["devices"] if row["deleted_at"] is not None),
        cabinets=len(rows["cabinet_configurations"]),
        products=len(rows["products"]),
        planograms=len(rows["planograms"]),
        slots=len(rows["planogram_slots"]),
        empty_slots=len(rows["planogram_slots"]) - len(filled),
        special_prices=sum(slot["price"] != builder.prices[slot["product_id"]] for slot in filled),
        sales=len(rows["sales"]),
        sale_units=sum(row["sale_units"] for row in rows["sales"]),
        dex_records=len(rows["dex_pa_records"]),
        audit_rows=len(rows["audit_log"]),
        planogram_ids={row["planogram_key"]: row["id"] for row in rows["planograms"]},
    )


def write_cvd_database(url: str, fleet: CvdFleet | None = None) -> CvdFleet:
    """Create CVD's tables in the empty database at ``url`` (a SQLite file or PostgreSQL) and write the fleet."""
    fleet = fleet or generated_fleet()
    engine = sa.create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            present = sa.inspect(connection).get_table_names()
            if present:
                raise ValueError(f"{engine.url!r} is not empty (it holds {', '.join(sorted(present)[:5])})")
            cvd.cvd_metadata.create_all(connection)
            for table in cvd.cvd_metadata.sorted_tables:
                if fleet.rows[table.name]:
                    connection.execute(sa.insert(table), fleet.rows[table.name])
            if connection.dialect.name == "postgresql":  # the next row inserted without an id gets a new one
                for table in cvd.cvd_metadata.sorted_tables:
                    if fleet.rows[table.name]:
                        connection.execute(
                            sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value)"),
                            {"table": f'"{table.name}"', "value": max(row["id"] for row in fleet.rows[table.name])},
                        )
    finally:
        engine.dispose()
    return fleet


def pulled_working_copy(folder: Path) -> str:
    """A generated CVD database in ``folder``, pulled into a working copy beside it; the copy's URL."""
    from storage.cvd.pull import pull
    from storage.engine import make_engine
    from storage.schema import prepare_database

    write_cvd_database(f"sqlite:///{folder / 'cvd.sqlite'}")
    cvd_engine = make_engine(f"sqlite:///{folder / 'cvd.sqlite'}")
    url = f"sqlite:///{folder / 'working.sqlite'}"
    working = prepare_database(url)
    pull(cvd_engine, working)
    cvd_engine.dispose()
    working.dispose()
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cvd_builder", description=__doc__.splitlines()[0])
    parser.add_argument("target", help="a new SQLite file, or the URL of an empty PostgreSQL database")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    fleet = write_cvd_database(args.target, generated_fleet(args.seed))
    figures = {k: v for k, v in dataclasses.asdict(fleet).items() if k not in ("rows", "planogram_ids")}
    figures["deleted_assets"] = sorted(fleet.deleted_assets)
    json.dump(figures, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
