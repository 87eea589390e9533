"""Products as the designer sees them: what they are, what they cost, where they may be kept."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from designer.cabinets import TemperatureZone

PLANOGRAM_CURRENCY = "USD"
"""The currency of a planogram's prices and of every revenue figure built on them (CVD keeps prices in dollars)."""


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    name: str
    category: str
    price: float
    unit_cost: float = 0.0
    temperature_requirement: TemperatureZone = TemperatureZone.AMBIENT
    health_score: float = 5.0

    @property
    def margin(self) -> float:
        """Gross margin per unit sold."""
        return round(self.price - self.unit_cost, 2)


class Catalogue(Mapping[int, Product]):
    """The products a planogram may use, looked up by id."""

    def __init__(self, products: Iterable[Product] = ()) -> None:
        self._by_id = {product.id: product for product in products}

    def __getitem__(self, product_id: int) -> Product:
        return self._by_id[product_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def categories(self) -> list[str]:
        return sorted({product.category for product in self._by_id.values()})
