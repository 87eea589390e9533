"""A small, hand-written fleet for the GUI tests and the screenshot: five devices, every temperature zone.

Written with the ORM tables directly so the GUI tests do not depend on the demo simulator.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from designer.positions import Position
from storage.schema import prepare_database
from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord

# id, name, category, price, temperature requirement
PRODUCTS = [
    (1, "Classic Potato Chips", "chips", "1.75", "ambient"),
    (2, "Kettle Brand Sea Salt & Vinegar Potato Chips", "chips", "2.25", "ambient"),
    (3, "Cheddar Cheese Crackers", "crackers", "1.50", "ambient"),
    (4, "Milk Chocolate Bar", "candy", "1.95", "ambient"),
    (5, "Peanut Butter Cups", "candy", "2.10", "ambient"),
    (6, "Sour Gummy Worms", "candy", "1.85", "ambient"),
    (7, "Trail Mix with Dark Chocolate and Almonds", "healthy snacks", "2.95", "ambient"),
    (8, "Oat & Honey Granola Bar", "healthy snacks", "1.60", "ambient"),
    (9, "Spring Water 500 ml", "water", "1.25", "ambient"),
    (10, "Cola 330 ml Can", "soda", "1.75", "ambient"),
    (11, "Salted Pretzel Twists", "chips", "1.50", "ambient"),
    (12, "Roasted Salted Cashews", "nuts", "3.50", "ambient"),
    (13, "Iced Coffee Latte", "coffee", "2.95", "refrigerated"),
    (14, "Orange Juice 300 ml", "juice", "2.50", "refrigerated"),
    (15, "Greek Yogurt Strawberry", "dairy", "2.25", "refrigerated"),
    (16, "Turkey & Swiss Sandwich on Multigrain", "sandwiches", "5.95", "refrigerated"),
    (17, "Energy Drink Sugar Free 250 ml", "energy drinks", "2.99", "refrigerated"),
    (18, "Sparkling Lemon Water", "water", "1.95", "refrigerated"),
    (19, "Vanilla Ice Cream Sandwich", "ice cream", "2.75", "frozen"),
    (20, "Mango Sorbet Cup", "ice cream", "3.25", "frozen"),
    (21, "Draft Only Granola", "healthy snacks", "2.00", "ambient"),
]

# id, name, asset number, location type, location name, cabinets as (rows, columns, zone)
DEVICES = [
    (
        1,
        "Lobby Snack Tower",
        "VM-1001",
        "office",
        "Harbour Point offices, lobby",
        [(5, 6, "ambient"), (4, 5, "refrigerated")],
    ),
    (2, "Riverside Gym Cooler", "VM-1002", "gym", "Riverside Fitness", [(3, 4, "refrigerated")]),
    (
        3,
        "North High Cafeteria",
        "VM-1003",
        "school",
        "North High School",
        [(4, 5, "ambient"), (3, 5, "refrigerated"), (2, 4, "frozen")],
    ),
    (4, "Ward 4 Family Lounge", "VM-1004", "hospital", "St Mary's Hospital, ward 4", [(6, 8, "ambient")]),
    (5, "Depot Break Room", "VM-1005", "office", "North depot", []),
]

AMBIENT_IDS = list(range(1, 13))
REFRIGERATED_IDS = [13, 14, 15, 16, 17, 18, 9, 10]
FROZEN_IDS = [19, 20]

# Slots left empty on purpose: device 1 cabinet 0 shows how an empty slot looks.
EMPTY_SLOTS = {(1, 0): {"A5", "C3", "E6"}}
# Slots stored with an explicit null product (CVD's EMPTY_SLOT), rather than absent.
NULL_SLOTS = {(1, 0): {"D2"}}
# Cabinets with no active planogram at all: every slot shows empty.
NO_ACTIVE_PLANOGRAM = {(3, 2)}


def _stock(row: int, column: int, capacity: int) -> int:
    return (row * 7 + column * 3 + 4) % (capacity + 1)


def active_slots(device_id: int, cabinet_index: int) -> list[PlanogramSlotRecord]:
    """The active planogram's slots for one cabinet, as stored."""
    rows, columns, zone = DEVICES[device_id - 1][5][cabinet_index]
    products = {"ambient": AMBIENT_IDS, "refrigerated": REFRIGERATED_IDS, "frozen": FROZEN_IDS}[zone]
    slots: list[PlanogramSlotRecord] = []
    for row in range(rows):
        for column in range(columns):
            label = Position(row, column).label
            if label in EMPTY_SLOTS.get((device_id, cabinet_index), set()):
                continue
            capacity = 12 if zone == "ambient" else 8
            if label in NULL_SLOTS.get((device_id, cabinet_index), set()):
                slots.append(PlanogramSlotRecord(position=label, product_id=None, quantity=0, capacity=capacity))
                continue
            product_id = products[(row * columns + column + device_id) % len(products)]
            slots.append(
                PlanogramSlotRecord(
                    position=label,
                    product_id=product_id,
                    quantity=_stock(row, column, capacity),
                    capacity=capacity,
                    par_level=capacity * 2 // 3,
                )
            )
    return slots


def build_fixture_fleet(url: str) -> None:
    """Create the schema at ``url`` and write the fixture fleet into it."""
    engine = prepare_database(url)
    try:
        with Session(engine) as session, session.begin():
            for product_id, name, category, price, requirement in PRODUCTS:
                session.add(
                    ProductRecord(
                        id=product_id,
                        name=name,
                        category=category,
                        price=Decimal(price),
                        unit_cost=(Decimal(price) * Decimal("0.45")).quantize(Decimal("0.01")),
                        temperature_requirement=requirement,
                        health_score=Decimal("5"),
                    )
                )
            session.add(ProductRecord(id=99, name="EMPTY_SLOT", category="system", price=Decimal("0"), is_system=True))
            for device_id, name, asset, location_type, location_name, cabinets in DEVICES:
                session.add(
                    Device(
                        id=device_id,
                        name=name,
                        asset_number=asset,
                        location_type=location_type,
                        location_name=location_name,
                    )
                )
                for index, (rows, columns, zone) in enumerate(cabinets):
                    session.add(
                        CabinetRecord(
                            device_id=device_id, cabinet_index=index, rows=rows, columns=columns, temperature_zone=zone
                        )
                    )
                    if (device_id, index) in NO_ACTIVE_PLANOGRAM:
                        continue
                    session.add(
                        PlanogramRecord(
                            device_id=device_id,
                            cabinet_index=index,
                            name=f"{name} cabinet {index}",
                            status="active",
                            version=2,
                            slots=active_slots(device_id, index),
                        )
                    )
            # A draft for device 1's first cabinet: the window shows what the machine runs, not drafts.
            session.add(
                PlanogramRecord(
                    device_id=1,
                    cabinet_index=0,
                    name="Next month's idea",
                    status="draft",
                    version=3,
                    slots=[PlanogramSlotRecord(position="A1", product_id=21, quantity=5, capacity=12)],
                )
            )
    finally:
        engine.dispose()
