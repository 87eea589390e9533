"""Hypothesis strategies for whole audit reads: any read the format can carry, at any decimals and currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import strategies as st

from designer.machine_audits import (
    PAYMENT_DEVICES,
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

CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "XXX", "ABC")  # ABC: a letter code this parser has no number for
TEXT = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9 ._/-]{0,10}[A-Za-z0-9])?", fullmatch=True) | st.just("")
SELECTION = st.from_regex(r"[A-Z]?[0-9]{1,3}", fullmatch=True)
COUNT = st.integers(0, 10**7)
MINOR_UNITS = st.integers(0, 10**9)
MOMENT = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2079, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0)
)


@st.composite
def audit_reads(draw: st.DrawFn, max_selections: int = 12) -> AuditRead:
    decimals = draw(st.integers(0, 3))
    currency = draw(st.sampled_from(CURRENCIES))

    def money() -> Money:
        return Money(Decimal(draw(MINOR_UNITS)).scaleb(-decimals), currency)

    def tally() -> Tally:
        return Tally(draw(COUNT), money())

    def totals() -> VendTotals:
        since_init = draw(st.none() | st.just(True))
        since_reset = draw(st.none() | st.just(True)) if since_init else True
        return VendTotals(tally() if since_init else None, tally() if since_reset else None)

    def maybe_totals() -> VendTotals | None:
        return totals() if draw(st.booleans()) else None

    def maybe(strategy: st.SearchStrategy) -> object:
        return draw(st.none() | strategy)

    names = draw(st.lists(SELECTION, max_size=max_selections, unique=True))
    selections = {}
    for name in names:
        devices = draw(
            st.lists(st.tuples(st.sampled_from(sorted(PAYMENT_DEVICES)), st.none() | st.integers(0, 9)), unique=True)
        )
        sold_out = None
        if draw(st.booleans()):
            last_at, count = draw(st.none() | MOMENT), draw(st.none() | COUNT)
            sold_out = SoldOut(last_at, count) if last_at is not None or count is not None else SoldOut(None, 0)
        selections[name] = SelectionAudit(
            selection=name,
            price=money() if draw(st.booleans()) else None,
            product_id=draw(TEXT),
            capacity=maybe(st.integers(0, 200)),  # type: ignore[arg-type]
            paid=maybe_totals(),
            discounts=maybe_totals(),
            surcharges=maybe_totals(),
            test_vends=maybe_totals(),
            free_vends=maybe_totals(),
            sold_out=sold_out,
            payments=tuple(
                PaymentSplit(device, price_list, money() if draw(st.booleans()) else None, maybe_totals())
                for device, price_list in devices
            ),
            price_lists=tuple(
                PriceListEntry(price_list, money() if draw(st.booleans()) else None, maybe(COUNT), maybe(COUNT))  # type: ignore[arg-type]
                for price_list in draw(st.lists(st.integers(0, 9), max_size=3, unique=True))
            ),
        )
    counters = None
    if draw(st.booleans()):
        counters = ReadCounters(
            maybe(COUNT),  # type: ignore[arg-type]
            maybe(MOMENT),  # type: ignore[arg-type]
            draw(TEXT),
            maybe(MOMENT),  # type: ignore[arg-type]
            draw(TEXT),
            maybe(COUNT),  # type: ignore[arg-type]
            maybe(COUNT),  # type: ignore[arg-type]
        )
    devices = draw(st.lists(st.sampled_from(sorted(PAYMENT_DEVICES)), unique=True))
    return AuditRead(
        machine=MachineIdentity(*(draw(TEXT) for _ in range(6))),
        dex_version=draw(TEXT),
        currency=currency,
        decimals=decimals,
        selections=selections,
        clock_at=maybe(MOMENT),  # type: ignore[arg-type]
        counters=counters,
        totals=MachineTotals(maybe_totals(), maybe_totals(), maybe_totals()),
        payment_totals={device: totals() for device in devices},
        crc_verified=True,
    )
