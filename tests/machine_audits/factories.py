"""Audit reads made to order: a full-featured machine of any size, for the benchmark and the quirk tests."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from designer.machine_audits import (
    AuditRead,
    MachineIdentity,
    MachineTotals,
    Money,
    PaymentSplit,
    PriceListEntry,
    ReadCounters,
    SelectionAudit,
    SoldOut,
    Tally,
    VendTotals,
)


def _money(cents: int, currency: str = "USD") -> Money:
    return Money(Decimal(cents).scaleb(-2), currency)


def _totals(count: int, price_cents: int, reset_share: float) -> VendTotals:
    since_reset = int(count * reset_share)
    return VendTotals(Tally(count, _money(count * price_cents)), Tally(since_reset, _money(since_reset * price_cents)))


def busy_machine(selections: int, seed: int = 0) -> AuditRead:
    """A machine with ``selections`` selections, every record the parser reads filled in: price, product, capacity,
    paid/discounted/surcharged/test/free vends, a sold-out, cash and two cashless devices, a price list."""
    rng = random.Random(seed)
    read_at = datetime(2025, 7, 9, 15, 8, 49)
    chosen: dict[str, SelectionAudit] = {}
    for index in range(selections):
        name = f"{chr(ord('A') + index // 100 % 26)}{index % 100 + 1}" if selections <= 2600 else str(index + 1)
        price = rng.choice((100, 125, 150, 175, 200, 250, 300))
        sold = rng.randrange(0, 3000)
        cash = rng.randrange(0, sold + 1)
        card = sold - cash
        reset_share = rng.random()
        payments = tuple(
            PaymentSplit(device, None, _money(price), _totals(count, price, reset_share))
            for device, count in (("CA", cash), ("DA", card), ("DB", 0))
        )
        chosen[name] = SelectionAudit(
            selection=name,
            price=_money(price),
            product_id=str(1000 + index),
            capacity=rng.choice((8, 10, 12, 15)),
            paid=_totals(sold, price, reset_share),
            discounts=_totals(rng.randrange(0, 5), price - 25, reset_share),
            surcharges=_totals(rng.randrange(0, 50), 10, reset_share),
            test_vends=_totals(rng.randrange(0, 3), price, reset_share),
            free_vends=_totals(0, price, reset_share),
            sold_out=SoldOut(read_at - timedelta(minutes=rng.randrange(0, 50_000)), rng.randrange(0, 40)),
            payments=payments,
            price_lists=(PriceListEntry(1, _money(price), sold, int(sold * reset_share)),),
        )
    paid = [selection.paid_through("CA", "DA", "DB") for selection in chosen.values()]
    cash = [selection.paid_through("CA") for selection in chosen.values()]
    return AuditRead(
        machine=MachineIdentity("STF0000000", "301021333", "187", "H7", "Lobby", "A-1042"),
        dex_version="V0/6",
        currency="USD",
        decimals=2,
        selections=chosen,
        clock_at=read_at,
        counters=ReadCounters(12, read_at, "HH01", read_at - timedelta(days=7), "HH01", 5355, 12),
        totals=MachineTotals(paid=VendTotals(_sum(paid), None)),
        payment_totals={"CA": VendTotals(_sum(cash), None)},
        crc_verified=True,
    )


def _sum(tallies: list[Tally | None]) -> Tally:
    present = [tally for tally in tallies if tally is not None]
    return Tally(
        sum(tally.count for tally in present), Money(sum((t.value.amount for t in present), Decimal(0)), "USD")
    )
