"""Writing an activated layout into CVD exactly as the CVD web app's ``POST /api/planograms`` does.

The web app never inserts or deletes slots (every position exists from the device's creation, empty ones
holding the sentinel product ``EMPTY_SLOT``); it updates each slot in place, by ``planogram_key`` and
``slot_position``:

* product removed: ``product_id`` = 1, ``product_name`` = ``EMPTY_SLOT``, quantity, capacity and par level
  0, price 0.00, ``cleared_at`` = now, ``previous_product_id`` = the product that was there;
* product added or replaced: the new product's id, name, quantity, capacity, par level and price (the
  catalogue's, as the form starts with, unless the slot has its own), ``cleared_at`` = now,
  ``previous_product_id`` = the old product when both are real products;
* same product: quantity, capacity, par level and price only (the slot's effective price).

Slots whose content does not change are written by the web app with their own values, i.e. left as they
are; we skip them. On top of the web app we bump ``planograms.updated_at`` (the optimistic-concurrency
token of other Planogram Studio clients) and check, in the same transaction, that CVD still holds the
layout we pulled: if not, nothing is written and the caller gets the three layouts to merge.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update

from storage.cvd import schema as cvd
from storage.cvd.mapping import EMPTY_SLOT_ID, CvdSlot, cvd_slot, cvd_text, json_number, layout_fingerprint

EMPTY_SLOT_NAME = cvd.EMPTY_SLOT_NAME


@dataclass(frozen=True, slots=True)
class PushResult:
    """``pushed`` (rows written), ``unchanged`` (CVD already holds this layout) or ``conflict``."""

    status: str
    planogram_key: str
    updated_slots: int = 0
    theirs: tuple[CvdSlot, ...] = ()
    updated_at: str | None = None
    mine: tuple[CvdSlot, ...] = ()  # what CVD holds after a push (or already held), prices resolved: the new base


def cvd_now() -> str:
    """Now as SQLite's ``CURRENT_TIMESTAMP`` writes it (UTC, to the second): what the web app stores."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _layout(slots: dict[str, CvdSlot]) -> dict[str, tuple[int | None, int, int, float | int | None]]:
    return {
        pos: (s.product_id, s.capacity, s.par_level, s.price) for pos, s in slots.items() if s.product_id is not None
    }


def _priced(
    mine: dict[str, CvdSlot], catalogue: dict[int, tuple[str, object]], keep: dict[str, CvdSlot]
) -> dict[str, CvdSlot]:
    """Our slots with the price the web app's form would hold: the slot's own, else CVD's catalogue price, or
    for a slot in ``keep`` still holding the same product, the price CVD holds there."""
    priced = {}
    for pos, slot in mine.items():
        if slot.price is None and slot.product_id is not None:
            kept = keep.get(pos)
            same = kept is not None and kept.product_id == slot.product_id
            slot = replace(slot, price=kept.price if same else json_number(catalogue[slot.product_id][1]))  # type: ignore[union-attr,arg-type]
        priced[pos] = slot
    return priced


def push_layout(
    connection: Connection,
    cvd_planogram_id: int,
    mine: dict[str, CvdSlot],
    *,
    base_fingerprint: str | None,
    base_updated_at: str | None,
    now: str | None = None,
    force: bool = False,
) -> PushResult:
    """Write ``mine`` (CVD product ids; absent positions are empty) inside the caller's transaction."""
    planogram = (
        connection.execute(select(cvd.planograms).where(cvd.planograms.c.id == cvd_planogram_id).with_for_update())
        .mappings()
        .first()
    )
    if planogram is None:
        raise LookupError(
            f"CVD planogram {cvd_planogram_id} no longer exists (its device was deleted in CVD?); "
            "pull again and re-activate the layout on a cabinet CVD still has"
        )
    key = planogram["planogram_key"]
    rows = {
        row["slot_position"]: row
        for row in connection.execute(
            select(cvd.planogram_slots).where(cvd.planogram_slots.c.planogram_id == cvd_planogram_id)
        ).mappings()
    }
    theirs = {pos: cvd_slot(row) for pos, row in rows.items()}
    unknown = sorted(set(mine) - set(rows))
    if unknown:
        raise ValueError(
            f"{key} has no slot {', '.join(unknown[:5])} in CVD; the cabinet's size differs from CVD's, pull again"
        )
    wanted = {slot.product_id for slot in mine.values() if slot.product_id is not None}
    catalogue = {
        row.id: (row.name, row.price)
        for row in connection.execute(
            select(cvd.products.c.id, cvd.products.c.name, cvd.products.c.price).where(cvd.products.c.id.in_(wanted))
        )
    }
    missing = sorted(wanted - set(catalogue))
    if missing:
        raise ValueError(f"products {missing[:5]} are not in CVD's catalogue any more; pull again and replace them")
    # A merge base pulled before slots had prices has the price-less digest: it still proves CVD unchanged, but
    # our slots never learnt CVD's prices, so those still holding CVD's product keep CVD's price.
    legacy_base = base_fingerprint == layout_fingerprint(theirs.values(), with_prices=False)
    mine = _priced(mine, catalogue, theirs if legacy_base else {})
    if _layout(theirs) == _layout(mine):
        return PushResult("unchanged", key, updated_at=cvd_text(planogram["updated_at"]), mine=tuple(mine.values()))
    current_updated = cvd_text(planogram["updated_at"])
    unchanged_there = legacy_base or base_fingerprint == layout_fingerprint(theirs.values())
    changed_there = current_updated != base_updated_at or not unchanged_there
    if changed_there and not force:
        return PushResult("conflict", key, theirs=tuple(theirs.values()), updated_at=current_updated)

    now = now or cvd_now()
    slots = cvd.planogram_slots.c
    updated = 0
    for position, row in sorted(rows.items()):
        new = mine.get(position)
        old_product = row["product_id"]
        new_product = new.product_id if new and new.product_id is not None else EMPTY_SLOT_ID
        where = (slots.planogram_id == cvd_planogram_id) & (slots.slot_position == position)
        if old_product != new_product:
            if old_product != EMPTY_SLOT_ID and new_product == EMPTY_SLOT_ID:
                values = dict(
                    product_id=EMPTY_SLOT_ID,
                    product_name=EMPTY_SLOT_NAME,
                    quantity=0,
                    capacity=0,
                    par_level=0,
                    price=0.0,
                    cleared_at=now,
                    previous_product_id=old_product,
                )
            else:
                assert new is not None
                name, _ = catalogue[new_product]
                values = dict(
                    product_id=new_product,
                    product_name=name,
                    quantity=new.quantity,
                    capacity=new.capacity,
                    par_level=new.par_level,
                    price=new.price,
                    cleared_at=now,
                )
                if old_product != EMPTY_SLOT_ID and new_product != EMPTY_SLOT_ID:
                    values["previous_product_id"] = old_product
        elif new is not None and _layout(theirs)[position] != _layout(mine)[position]:
            # same product: the web app writes back the slot's quantity as its form holds it, and its price
            values = dict(quantity=row["quantity"], capacity=new.capacity, par_level=new.par_level, price=new.price)
        else:
            continue
        connection.execute(update(cvd.planogram_slots).where(where).values(**values))
        updated += 1
    connection.execute(update(cvd.planograms).where(cvd.planograms.c.id == cvd_planogram_id).values(updated_at=now))
    return PushResult("pushed", key, updated_slots=updated, updated_at=now, mine=tuple(mine.values()))
