"""What an answer rests on that the data cannot vouch for, in words a manager can act on.

Answers on a real operator's database are given, not refused: stock above capacity, a product outside its
temperature zone, unknown costs or categories, sales of products no layout holds, and layouts whose start
CVD never recorded are analysed as they are and named here (the response's ``data_quality.warnings``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from designer.planograms import Slot
from designer.products import Catalogue
from designer.validation import Problem
from storage.database import Engine
from storage.planogram_history import assumed_layouts, placed_since
from storage.sales_history import revenue_by_product

if TYPE_CHECKING:
    from ai.fleet_figures import FleetFigures

UNKNOWN_CATEGORIES = frozenset({"", "unknown", "uncategorized", "uncategorised", "none"})


def data_quality(warnings: Iterable[str]) -> dict[str, list[str]]:
    """The response field: every warning once, in the order found."""
    return {"warnings": list(dict.fromkeys(warnings))}


def device_data_quality(
    engine: Engine, device_id: int, warnings: Iterable[str] = (), figures: FleetFigures | None = None
) -> dict[str, list[str]]:
    """The field for an answer about one device's layout: the request's own warnings, then the device's."""
    return data_quality([*warnings, *device_warnings(engine, device_id, figures)])


def slot_warnings(problems: Iterable[Problem], side: str | None = None) -> list[str]:
    """A stored layout's slot problems (analysed anyway) as warnings, optionally naming the request's side."""
    prefix = f"{side}: " if side else ""
    return [f"slot {p.slot}: {prefix}{p.problem} (analysed as it is; {p.fix})" for p in problems]


def catalogue_warnings(slots: Iterable[Slot], catalogue: Catalogue) -> list[str]:
    """Products of the layout whose unit cost or category the catalogue does not know."""
    held = sorted({slot.product_id for slot in slots if slot.product_id is not None and slot.product_id in catalogue})
    no_cost = [catalogue[p].name for p in held if catalogue[p].unit_cost <= 0]
    no_category = [
        catalogue[p].name for p in held if (catalogue[p].category or "").strip().lower() in UNKNOWN_CATEGORIES
    ]
    warnings = []
    if no_cost:
        warnings.append(
            f"unit cost unknown for {_names(no_cost)}: margins count the whole price; enter costs in the catalogue"
        )
    if no_category:
        warnings.append(
            f"no category for {_names(no_category)}: they are compared with the whole catalogue, not with their kind"
        )
    return warnings


def device_warnings(engine: Engine, device_id: int, figures: FleetFigures | None = None) -> list[str]:
    """Layouts assumed before CVD recorded them, and revenue from products none of the device's layouts held;
    with ``figures``, read once per data change (they sum the device's whole history: most of a warm
    realtime-analysis answer's time when read afresh)."""
    if figures is not None:
        return list(figures.of(_device_warnings, device_id))
    return list(_device_warnings(engine, device_id))


def _device_warnings(engine: Engine, device_id: int) -> tuple[str, ...]:
    warnings = _assumed_layout_warnings(assumed_layouts(engine, device_id))
    revenue = revenue_by_product(engine, device_id)
    total = sum(revenue.values())
    placed = placed_since(engine, device_id)
    unplaced = {product: amount for product, amount in revenue.items() if product not in placed}
    if unplaced and total > 0:
        share = sum(unplaced.values()) / total
        warnings.append(
            f"{len(unplaced)} of the {len(revenue)} products this device sells are in none of its layouts "
            f"({share:.0%} of its revenue): their sales cannot be tied to a slot, so placement and revenue "
            "figures leave them out"
        )
    return tuple(warnings)


def _assumed_layout_warnings(assumed: list[tuple[int, datetime, datetime]]) -> list[str]:
    """One warning per first-sale day: a device's cabinets usually share it, and three near-identical lines read
    as three problems."""
    by_start: dict[datetime, list[tuple[int, datetime]]] = {}
    for cabinet, since, recorded in assumed:
        by_start.setdefault(since, []).append((cabinet, recorded))
    warnings = []
    for since, cabinets in by_start.items():
        if len(cabinets) == 1:
            ((cabinet, recorded),) = cabinets
            warnings.append(
                f"cabinet {cabinet}: CVD records its layout only from {_day(recorded)} and keeps no earlier one; "
                f"it is assumed to have stood since the first sale on {_day(since)}"
            )
            continue
        indices = [str(cabinet) for cabinet, _ in cabinets]
        first, last = min(r for _, r in cabinets), max(r for _, r in cabinets)
        span = _day(first) if first.date() == last.date() else f"{_day(first)} – {_day(last)}"
        warnings.append(
            f"cabinets {', '.join(indices[:-1])} and {indices[-1]}: CVD records their layouts only from {span} "
            f"and keeps no earlier ones; they are assumed to have stood since the first sale on {_day(since)}"
        )
    return warnings


def _names(names: list[str], shown: int = 4) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _day(moment: datetime) -> str:
    return f"{moment:%d %b %Y}".lstrip("0")
