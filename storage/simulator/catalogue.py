"""The demo catalogue: ~100 vending products, their categories, popularity, and the planted pairs.

Names, prices and costs are fixed so screenshots and tests recognise them; popularity is drawn from the
seed so different seeds give different best-sellers. A category decides the temperature a product needs,
how it reacts to the weather and how many fit in one spiral.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from designer.cabinets import TemperatureZone

AMBIENT, REFRIGERATED, FROZEN = TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN

PRICE_ELASTICITY = 1.5
"""Demand falls as (price / category median price) ** -PRICE_ELASTICITY."""

POPULARITY_SPREAD = 0.6
"""Sigma of the log-normal spread of product popularity around its category's baseline."""

EMPTY_SLOT_NAME = "EMPTY_SLOT"


@dataclass(frozen=True)
class Category:
    """What every product of a category shares: storage temperature, weather response, spiral size."""

    name: str
    zone: TemperatureZone
    baseline: float  # vends per day of a typical product at a neutral slot, device and day
    per_degree_c: float  # log demand change per °C above the reference temperature
    per_mm_rain: float  # log demand change per mm of precipitation (capped)
    capacity: tuple[int, int]  # smallest and largest spiral capacity


CATEGORIES: dict[str, Category] = {
    category.name: category
    for category in (
        Category("chips", AMBIENT, 0.80, 0.000, -0.004, (8, 12)),
        Category("candy", AMBIENT, 0.70, -0.005, -0.004, (10, 15)),
        Category("cookies", AMBIENT, 0.50, -0.004, 0.000, (8, 12)),
        Category("healthy snacks", AMBIENT, 0.45, 0.004, -0.004, (8, 12)),
        Category("crackers", AMBIENT, 0.40, 0.000, -0.002, (8, 12)),
        Category("nuts", AMBIENT, 0.35, 0.000, -0.002, (8, 12)),
        Category("pastries", AMBIENT, 0.40, -0.010, 0.004, (6, 10)),
        Category("soda", REFRIGERATED, 1.00, 0.025, -0.006, (8, 12)),
        Category("water", REFRIGERATED, 0.90, 0.035, -0.008, (8, 12)),
        Category("juice", REFRIGERATED, 0.45, 0.015, -0.004, (8, 12)),
        Category("sports drinks", REFRIGERATED, 0.50, 0.030, -0.006, (8, 12)),
        Category("energy drinks", REFRIGERATED, 0.55, 0.010, 0.000, (8, 12)),
        Category("coffee", REFRIGERATED, 0.60, -0.012, 0.006, (8, 12)),
        Category("dairy", REFRIGERATED, 0.35, 0.000, 0.000, (6, 10)),
        Category("sandwiches", REFRIGERATED, 0.50, 0.000, 0.002, (5, 8)),
        Category("fresh food", REFRIGERATED, 0.35, 0.010, -0.002, (5, 8)),
        Category("ice cream", FROZEN, 0.50, 0.060, -0.010, (6, 10)),
        Category("frozen meals", FROZEN, 0.35, -0.015, 0.006, (5, 8)),
    )
}

# name, category, price, unit cost, health score (0 = treat, 10 = water)
PRODUCTS: tuple[tuple[str, str, float, float, float], ...] = (
    ("Classic Potato Chips", "chips", 1.75, 0.55, 3.0),
    ("Kettle Sea Salt Chips", "chips", 1.95, 0.65, 3.0),
    ("BBQ Potato Chips", "chips", 1.75, 0.55, 2.5),
    ("Sour Cream & Onion Chips", "chips", 1.75, 0.55, 2.5),
    ("Cheese Puffs", "chips", 1.50, 0.45, 2.0),
    ("Nacho Tortilla Chips", "chips", 1.75, 0.55, 2.5),
    ("Baked Potato Crisps", "chips", 1.95, 0.70, 4.5),
    ("Pretzel Twists", "chips", 1.50, 0.45, 4.0),
    ("Salt & Vinegar Chips", "chips", 1.75, 0.55, 2.5),
    ("Jalapeño Kettle Chips", "chips", 1.95, 0.65, 2.5),
    ("Milk Chocolate Bar", "candy", 1.60, 0.50, 1.5),
    ("Dark Chocolate Bar", "candy", 1.80, 0.60, 3.0),
    ("Peanut Caramel Bar", "candy", 1.60, 0.48, 2.0),
    ("Chocolate Wafer Bar", "candy", 1.50, 0.45, 1.5),
    ("Peanut Butter Cups", "candy", 1.75, 0.55, 2.0),
    ("Fruit Chews", "candy", 1.25, 0.35, 1.0),
    ("Sour Gummy Worms", "candy", 1.50, 0.40, 1.0),
    ("Mint Tin", "candy", 1.95, 0.50, 1.0),
    ("Caramel Nougat Bar", "candy", 1.60, 0.48, 1.5),
    ("Crispy Rice Chocolate Bar", "candy", 1.60, 0.50, 1.5),
    ("Licorice Twists", "candy", 1.25, 0.35, 1.0),
    ("Chocolate Chip Cookies", "cookies", 1.75, 0.55, 2.0),
    ("Oatmeal Raisin Cookies", "cookies", 1.75, 0.55, 3.5),
    ("Double Chocolate Cookies", "cookies", 1.85, 0.58, 1.5),
    ("Peanut Butter Sandwich Cookies", "cookies", 1.50, 0.45, 2.0),
    ("Shortbread Fingers", "cookies", 1.95, 0.62, 2.0),
    ("Vanilla Cream Wafers", "cookies", 1.25, 0.38, 1.5),
    ("Ginger Snaps", "cookies", 1.50, 0.45, 2.5),
    ("Protein Bar Chocolate", "healthy snacks", 2.75, 1.10, 6.5),
    ("Protein Bar Peanut", "healthy snacks", 2.75, 1.10, 6.5),
    ("Granola Bar Oats & Honey", "healthy snacks", 1.75, 0.60, 6.0),
    ("Trail Mix", "healthy snacks", 2.25, 0.85, 7.0),
    ("Roasted Almonds", "healthy snacks", 2.50, 1.05, 8.0),
    ("Dried Mango Slices", "healthy snacks", 2.25, 0.90, 7.0),
    ("Rice Cakes Sea Salt", "healthy snacks", 1.75, 0.55, 7.0),
    ("Veggie Straws", "healthy snacks", 1.95, 0.65, 5.0),
    ("Fruit & Nut Bar", "healthy snacks", 2.25, 0.85, 7.5),
    ("Lightly Salted Popcorn", "healthy snacks", 1.75, 0.45, 6.0),
    ("Cheese Crackers", "crackers", 1.50, 0.45, 3.5),
    ("Peanut Butter Crackers", "crackers", 1.50, 0.45, 4.0),
    ("Whole Grain Crackers", "crackers", 1.75, 0.55, 5.5),
    ("Salted Peanuts", "nuts", 1.50, 0.45, 6.0),
    ("Honey Roasted Peanuts", "nuts", 1.60, 0.50, 5.0),
    ("Cashews", "nuts", 2.50, 1.10, 7.0),
    ("Sunflower Seeds", "nuts", 1.50, 0.40, 7.0),
    ("Blueberry Muffin", "pastries", 2.25, 0.80, 3.0),
    ("Cinnamon Roll", "pastries", 2.50, 0.85, 1.5),
    ("Butter Croissant", "pastries", 2.25, 0.80, 2.5),
    ("Fruit Danish", "pastries", 2.25, 0.80, 2.0),
    ("Crown Cola", "soda", 2.00, 0.50, 1.0),
    ("Crown Cola Zero", "soda", 2.00, 0.50, 3.0),
    ("Metro Cola", "soda", 1.90, 0.45, 1.0),
    ("Lemon-Lime Soda", "soda", 2.00, 0.50, 1.0),
    ("Orange Soda", "soda", 1.90, 0.48, 1.0),
    ("Root Beer", "soda", 1.90, 0.48, 1.0),
    ("Ginger Ale", "soda", 1.90, 0.48, 1.5),
    ("Sparkling Grape Soda", "soda", 2.00, 0.50, 1.0),
    ("Spring Water 500ml", "water", 1.50, 0.25, 10.0),
    ("Spring Water 1L", "water", 2.25, 0.40, 10.0),
    ("Sparkling Water Lemon", "water", 1.75, 0.35, 9.5),
    ("Alkaline Water", "water", 2.25, 0.55, 10.0),
    ("Coconut Water", "water", 2.75, 1.05, 8.0),
    ("Orange Juice", "juice", 2.50, 0.95, 6.5),
    ("Apple Juice", "juice", 2.25, 0.85, 6.0),
    ("Cranberry Juice", "juice", 2.25, 0.85, 5.0),
    ("Green Smoothie", "juice", 3.50, 1.45, 8.0),
    ("Lemonade", "juice", 2.00, 0.60, 3.0),
    ("Sports Drink Blue Ice", "sports drinks", 2.25, 0.70, 4.0),
    ("Sports Drink Fruit Punch", "sports drinks", 2.25, 0.70, 4.0),
    ("Sports Drink Lemon-Lime", "sports drinks", 2.25, 0.70, 4.0),
    ("Electrolyte Zero", "sports drinks", 2.50, 0.80, 6.0),
    ("Volt Energy", "energy drinks", 3.00, 1.00, 1.5),
    ("Volt Energy Sugar-Free", "energy drinks", 3.00, 1.00, 2.5),
    ("Power Surge Energy", "energy drinks", 2.75, 0.90, 1.5),
    ("Rush Energy Citrus", "energy drinks", 2.75, 0.90, 1.5),
    ("Power Surge Zero", "energy drinks", 2.75, 0.90, 2.5),
    ("Cold Brew Coffee", "coffee", 3.25, 1.10, 4.0),
    ("Iced Latte", "coffee", 3.25, 1.15, 3.5),
    ("Mocha Frappé", "coffee", 3.50, 1.25, 2.0),
    ("Espresso Double Shot", "coffee", 3.25, 1.10, 4.0),
    ("Vanilla Iced Coffee", "coffee", 3.25, 1.15, 3.0),
    ("Chocolate Milk", "dairy", 2.25, 0.75, 5.0),
    ("Strawberry Yogurt", "dairy", 2.00, 0.70, 6.5),
    ("Greek Yogurt Plain", "dairy", 2.25, 0.80, 8.5),
    ("String Cheese", "dairy", 1.75, 0.55, 6.5),
    ("Vanilla Protein Shake", "dairy", 3.50, 1.40, 7.0),
    ("Turkey Club Sandwich", "sandwiches", 4.95, 2.10, 6.0),
    ("Ham & Cheese Sandwich", "sandwiches", 4.75, 2.00, 5.0),
    ("Egg Salad Sandwich", "sandwiches", 4.25, 1.70, 5.0),
    ("Chicken Caesar Wrap", "sandwiches", 5.25, 2.30, 6.0),
    ("Veggie Hummus Wrap", "sandwiches", 4.95, 2.05, 8.0),
    ("Fruit Cup", "fresh food", 2.95, 1.10, 9.0),
    ("Garden Salad", "fresh food", 4.95, 2.10, 9.0),
    ("Apple Slices", "fresh food", 1.95, 0.70, 9.5),
    ("Hummus & Pretzels", "fresh food", 2.75, 1.05, 7.0),
    ("Cheese & Crackers Pack", "fresh food", 2.95, 1.10, 5.0),
    ("Vanilla Cone", "ice cream", 2.75, 0.95, 2.0),
    ("Chocolate Ice Cream Bar", "ice cream", 2.75, 0.95, 2.0),
    ("Strawberry Ice Pop", "ice cream", 2.00, 0.55, 3.0),
    ("Cookies & Cream Sandwich", "ice cream", 3.00, 1.05, 1.5),
    ("Mango Sorbet Bar", "ice cream", 2.75, 0.95, 4.0),
    ("Ice Cream Sandwich", "ice cream", 2.50, 0.85, 2.0),
    ("Rocky Road Cup", "ice cream", 3.25, 1.15, 1.5),
    ("Mint Chip Cone", "ice cream", 2.75, 0.95, 2.0),
    ("Lemon Ice Cup", "ice cream", 2.25, 0.65, 3.0),
    ("Caramel Swirl Bar", "ice cream", 2.75, 0.95, 1.5),
    ("Cheese Pizza Slice", "frozen meals", 4.50, 1.80, 3.0),
    ("Beef Burrito", "frozen meals", 3.95, 1.50, 4.0),
    ("Mac & Cheese Bowl", "frozen meals", 4.25, 1.60, 3.5),
    ("Chicken Teriyaki Bowl", "frozen meals", 5.25, 2.20, 5.5),
    ("Chicken Pot Pie", "frozen meals", 4.75, 1.90, 4.0),
    ("Vegetable Lasagna", "frozen meals", 4.95, 2.00, 6.0),
    ("Breakfast Sandwich", "frozen meals", 3.95, 1.50, 4.0),
)

AFFINITY_PAIRS: tuple[tuple[str, str, float], ...] = (
    ("Classic Potato Chips", "Crown Cola", 0.30),
    ("Chocolate Chip Cookies", "Cold Brew Coffee", 0.30),
    ("Turkey Club Sandwich", "Spring Water 500ml", 0.35),
    ("Protein Bar Chocolate", "Sports Drink Blue Ice", 0.25),
    ("Blueberry Muffin", "Iced Latte", 0.25),
)
"""Bought together: when either product of a pair is vended, the other is added to the same basket with
this probability (if it is carried and in stock)."""

RIVALRIES: tuple[tuple[str, str, float], ...] = (
    ("Crown Cola", "Metro Cola", 0.70),
    ("Volt Energy", "Power Surge Energy", 0.70),
    ("Peanut Caramel Bar", "Caramel Nougat Bar", 0.75),
    ("Orange Juice", "Apple Juice", 0.75),
    ("Vanilla Cone", "Mint Chip Cone", 0.70),
)
"""Substitutes: while a device carries both, each one's demand is multiplied by this factor."""

USERS: tuple[tuple[str, str], ...] = (
    ("admin", "admin"),
    ("maria.manager", "manager"),
    ("dan.driver", "driver"),
    ("vera.viewer", "viewer"),
)
"""One user per role (username, role); planograms are created by the manager, the build is audited as admin."""


@dataclass(frozen=True)
class ProductTable:
    """The catalogue as parallel arrays indexed by ``id - 1`` (the system EMPTY_SLOT product comes last)."""

    ids: np.ndarray
    names: list[str]
    categories: list[str]
    zones: list[TemperatureZone]
    prices: np.ndarray
    unit_costs: np.ndarray
    health_scores: np.ndarray
    popularity: np.ndarray  # vends/day at a neutral slot, location and day, before the price effect
    price_effect: np.ndarray  # (price / category median) ** -PRICE_ELASTICITY
    noise_shape: np.ndarray  # gamma shape of the day-to-day demand noise; small = intermittent
    empty_slot_id: int

    def __len__(self) -> int:
        return len(self.ids)

    def id_of(self, name: str) -> int:
        return int(self.ids[self.names.index(name)])

    def index_of(self, product_id: int) -> int:
        return product_id - 1

    def category_reference_prices(self) -> dict[str, float]:
        return {
            name: float(np.median([p for p, c in zip(self.prices, self.categories, strict=True) if c == name]))
            for name in CATEGORIES
        }


def build_catalogue(rng: np.random.Generator) -> ProductTable:
    """The fixed product list with seed-drawn popularity; ids run from 1 in list order."""
    names = [entry[0] for entry in PRODUCTS]
    categories = [entry[1] for entry in PRODUCTS]
    prices = np.array([entry[2] for entry in PRODUCTS])
    baseline = np.array([CATEGORIES[c].baseline for c in categories])
    popularity = baseline * rng.lognormal(-(POPULARITY_SPREAD**2) / 2, POPULARITY_SPREAD, len(PRODUCTS))
    medians = {c: float(np.median(prices[[i for i, k in enumerate(categories) if k == c]])) for c in CATEGORIES}
    price_effect = (prices / np.array([medians[c] for c in categories])) ** -PRICE_ELASTICITY
    noise_shape = np.clip(2.5 * popularity * price_effect, 0.3, 5.0)
    return ProductTable(
        ids=np.arange(1, len(PRODUCTS) + 1),
        names=names,
        categories=categories,
        zones=[CATEGORIES[c].zone for c in categories],
        prices=prices,
        unit_costs=np.array([entry[3] for entry in PRODUCTS]),
        health_scores=np.array([entry[4] for entry in PRODUCTS]),
        popularity=popularity,
        price_effect=price_effect,
        noise_shape=noise_shape,
        empty_slot_id=len(PRODUCTS) + 1,
    )


def money(amount: float) -> Decimal:
    return Decimal(f"{amount:.2f}")


def product_rows(catalogue: ProductTable) -> list[dict[str, object]]:
    """Rows for the products table, the system EMPTY_SLOT product included."""
    rows: list[dict[str, object]] = [
        {
            "id": int(catalogue.ids[i]),
            "name": catalogue.names[i],
            "category": catalogue.categories[i],
            "price": money(catalogue.prices[i]),
            "unit_cost": money(catalogue.unit_costs[i]),
            "temperature_requirement": catalogue.zones[i].value,
            "health_score": Decimal(f"{catalogue.health_scores[i]:.1f}"),
            "is_system": False,
        }
        for i in range(len(catalogue))
    ]
    rows.append(
        {
            "id": catalogue.empty_slot_id,
            "name": EMPTY_SLOT_NAME,
            "category": "system",
            "price": Decimal("0.00"),
            "unit_cost": Decimal("0.00"),
            "temperature_requirement": AMBIENT.value,
            "health_score": Decimal("5.0"),
            "is_system": True,
        }
    )
    return rows
