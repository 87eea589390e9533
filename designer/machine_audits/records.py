"""What one machine audit (a DEX / EVA-DTS read) says, as frozen values.

Money is a :class:`Money`: a ``Decimal`` already scaled by the file's ``ID4`` decimal places, with the currency it
was counted in (house rule: money carries its currency). Counters come in pairs, *since initialisation* (the
machine's lifetime) and *since the last reset* (the last read that reset it): the later delta import decides which
to trust. Times are the machine's own clock, as naive datetimes: machine clocks drift and are sometimes years off,
so no time zone is assumed here; the importer decides what to make of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

PAYMENT_DEVICES = {"CA": "cash", "DA": "cashless 1", "DB": "cashless 2", "TA": "token"}
NO_CURRENCY = "XXX"  # ISO 4217's code for "no currency": a file without ID4 says nothing of its money


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency, exact."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True, slots=True)
class Tally:
    """How many vends, and what they were worth."""

    count: int
    value: Money


@dataclass(frozen=True, slots=True)
class VendTotals:
    """One kind of vend counted twice: over the machine's life and since the last resetting read (either may be
    missing: older firmware sends only the lifetime pair)."""

    since_init: Tally | None
    since_reset: Tally | None


@dataclass(frozen=True, slots=True)
class SoldOut:
    """``PA5``: when the selection last sold out (machine clock) and how many times it has."""

    last_at: datetime | None
    count: int | None


@dataclass(frozen=True, slots=True)
class PaymentSplit:
    """``PA7``: one selection's sales through one payment device (``CA`` cash, ``DA``/``DB`` cashless 1/2, ``TA``
    token) at one price list."""

    device: str
    price_list: int | None
    price: Money | None
    sales: VendTotals | None


@dataclass(frozen=True, slots=True)
class PriceListEntry:
    """``LA1``: a selection's price on one price list and the paid vends counted at it."""

    price_list: int
    price: Money | None
    vends_since_init: int | None
    vends_since_reset: int | None


@dataclass(frozen=True, slots=True)
class SelectionAudit:
    """Everything the read says about one selection (one ``PA1`` and the ``PA`` and ``LA1`` lines that belong to
    it). ``line`` is where its ``PA1`` stood, for messages; it takes no part in equality."""

    selection: str
    price: Money | None
    product_id: str = ""
    capacity: int | None = None
    paid: VendTotals | None = None
    discounts: VendTotals | None = None
    surcharges: VendTotals | None = None
    test_vends: VendTotals | None = None
    free_vends: VendTotals | None = None
    sold_out: SoldOut | None = None
    payments: tuple[PaymentSplit, ...] = ()
    price_lists: tuple[PriceListEntry, ...] = ()
    line: int = field(default=0, compare=False)

    def paid_through(self, *devices: str) -> Tally | None:
        """Lifetime paid vends through the given payment devices (e.g. ``"DA", "DB"`` for all cashless), summed over
        price lists; ``None`` when the read splits no sale by device for this selection."""
        tallies = [
            split.sales.since_init
            for split in self.payments
            if split.device in devices and split.sales is not None and split.sales.since_init is not None
        ]
        if not tallies:
            return None
        value = sum((tally.value.amount for tally in tallies), Decimal(0))
        return Tally(sum(tally.count for tally in tallies), Money(value, tallies[0].value.currency))


@dataclass(frozen=True, slots=True)
class MachineIdentity:
    """Who the machine says it is. The ``DXS`` id is the sender's id and is not unique (two AMS machines in the CVD
    sample both send ``AUTSENSIT3``); ``serial`` (``ID101``) tells machines apart."""

    dxs_id: str
    serial: str = ""
    model: str = ""
    build: str = ""
    location: str = ""
    asset: str = ""


@dataclass(frozen=True, slots=True)
class ReadCounters:
    """``EA3``: this read and the one before it, by the machine's clock, and how often it has been read."""

    reads_with_reset: int | None = None
    read_at: datetime | None = None
    interrogator: str = ""
    previous_read_at: datetime | None = None
    previous_interrogator: str = ""
    reads_since_init: int | None = None
    resets_since_init: int | None = None


@dataclass(frozen=True, slots=True)
class MachineTotals:
    """``VA1``–``VA3``: the whole machine's paid, test and free vends."""

    paid: VendTotals | None = None
    test_vends: VendTotals | None = None
    free_vends: VendTotals | None = None


@dataclass(frozen=True, slots=True)
class AuditRead:
    """One parsed audit file: all of it, or (through :class:`AuditInvalid`) none of it.

    ``warnings`` say what was odd but not fatal (a G85 CRC that does not verify, names both values; a record this
    parser does not know; an SE count that disagrees). ``unread_records`` lists the standard records present that
    this parser leaves alone on purpose (events, coin tubes, bill validators, maker-specific ``MA5`` lines …).
    """

    machine: MachineIdentity
    dex_version: str
    currency: str
    decimals: int
    selections: dict[str, SelectionAudit]
    clock_at: datetime | None = None
    counters: ReadCounters | None = None
    totals: MachineTotals = MachineTotals()
    payment_totals: dict[str, VendTotals] = field(default_factory=dict)
    crc_verified: bool | None = None
    warnings: tuple[str, ...] = ()
    unread_records: tuple[str, ...] = ()

    @property
    def read_at(self) -> datetime | None:
        """When the read was taken by the machine's clock: ``EA3``'s time of this read, else ``ID5``'s clock."""
        if self.counters is not None and self.counters.read_at is not None:
            return self.counters.read_at
        return self.clock_at


class AuditInvalid(ValueError):
    """A file that is not a whole, readable audit; nothing of it was taken. Names where and what: the line (and,
    inside an N&W ``<…|…>`` envelope, the part), the record, the field (1-based, so ``PA2`` field 3 is ``PA203``),
    what was expected and what was found."""

    def __init__(
        self,
        line: int,
        record: str,
        field: int | None,
        expected: str,
        found: str | None = None,
        *,
        part: int = 0,
        what: str = "",
    ) -> None:
        self.line = line
        self.part = part
        self.record = record
        self.field = field
        self.expected = expected
        self.found = found
        self.what = what
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (envelope part {self.part})" if self.part else "")
        subject = self.record or "file"
        if self.field is not None:
            subject += f" field {self.field} ({self.record}{self.field:02d}" + (f", {self.what})" if self.what else ")")
        found = "" if self.found is None else f", found {self.found!r}"
        return f"{where}, {subject}: expected {self.expected}{found}; nothing was imported"
