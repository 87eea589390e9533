"""What each selection sold between two reads of one machine, from the counters the machine keeps.

A read says what a selection sold over the machine's life (``PA201``/``PA202``, *since initialisation*) and since
the last resetting read (``PA203``/``PA204``); a period's sales are the difference between two consecutive reads.
The lifetime pair is the source: a reset (a read that clears the interim counters, counted by ``EA301``/``EA310``)
leaves it alone, so no reset can make a period count twice or not at all. What can go wrong, and what is done:

* **Reads out of order** (a handheld uploads last week's read after today's): :func:`in_read_order` sorts by the
  machine's read counter (``EA309``, else ``EA301``) when both reads have one and they differ, else by the read's
  time (the machine's clock), else keeps the order given.
* **Roll-over**: we assume a counter wraps to 0 after :data:`COUNTER_RANGE` − 1, eight decimal digits, the widest a
  since-initialisation count or value (in minor units) is written in the real files (``VA101`` 13,716,445) and the
  width we take EVA-DTS to allow. A counter that went down is read as a roll-over only when the wrapped difference
  is under :data:`ROLL_OVER_AT_MOST` (a tenth of the range: 10 million vends, or 100,000.00 at two decimals, between
  two reads is more than any machine sells); the period then counts the wrapped difference.
* **Re-initialisation** (a new control board or a memory clear sets the lifetime counters back to 0): recognised by
  the read counter going backwards with them; the period counts what the later read says was sold since then (what
  sold between the earlier read and the clearing is lost with the old counters) and says so.
* **Older firmware without the lifetime pair**: the since-reset pair is used. If the machine was reset between the
  reads (the since-reset counter went down, or ``EA3`` counts more resets or resetting reads), the later read's
  since-reset figures are the period's (exact when the earlier read was the resetting one, as handhelds do at every
  read), else the difference. A read's ``EA3`` counts the resets done *before* it: a resetting read clears the
  counters once it has sent them, so the next read is the first to count that reset.
* **A selection the earlier read did not list** (set up between the reads): its counters start at the later read;
  it counts 0 for this period (its lifetime figures may hold years of sales from before) and says so.
* **A counter that went backwards with none of the above**: never a negative sale; the selection counts 0 and a
  warning names the selection, both readings and the counter.

Pure Python on :class:`AuditRead`'s values; the importer stores the results beside the reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from designer.machine_audits.records import AuditRead, Money, Tally, VendTotals

COUNTER_RANGE = 10**8
"""A counter (a count, or a value in minor units) wraps to 0 here: eight decimal digits (see the module's note)."""
ROLL_OVER_AT_MOST = COUNTER_RANGE // 10
"""The largest wrapped difference read as a roll-over; a larger fall is a counter gone backwards."""


class Basis(StrEnum):
    """Which counters a period's figures come from, in the words shown to a person."""

    SINCE_INIT = "since initialisation"
    ROLL_OVER = "since initialisation, across a roll-over"
    RE_INITIALISED = "since the machine was re-initialised"
    SINCE_RESET = "since the last reset"
    RESET_BETWEEN = "since a reset between the reads"
    NEW_SELECTION = "first listed in the later read: counted from the next period"
    WENT_BACKWARDS = "counter went backwards: counted 0"
    NOT_COUNTED = "no paid-vend counters"


@dataclass(frozen=True, slots=True)
class PaidCounters:
    """What the difference needs of one read: when, its read and reset counters, its scale and each selection's
    paid vends. Built from an :class:`AuditRead` (:meth:`of`) or from stored rows (the importer)."""

    read_at: datetime | None
    read_counter: int | None
    resets: int | None
    currency: str
    decimals: int
    paid: Mapping[str, VendTotals | None]

    @classmethod
    def of(cls, read: AuditRead) -> PaidCounters:
        return cls(
            read_at=read.read_at,
            read_counter=read_counter(read),
            resets=read_resets(read),
            currency=read.currency,
            decimals=read.decimals,
            paid={name: selection.paid for name, selection in read.selections.items()},
        )


def read_counter(read: AuditRead) -> int | None:
    """The machine's count of reads (``EA309``, else ``EA301``): it only grows until the machine is re-initialised."""
    counters = read.counters
    if counters is None:
        return None
    return counters.reads_since_init if counters.reads_since_init is not None else counters.reads_with_reset


def read_resets(read: AuditRead) -> int | None:
    """How often the machine's interim counters were reset (``EA310``, else ``EA301``): a reset between two reads
    shows as this growing."""
    counters = read.counters
    if counters is None:
        return None
    return counters.resets_since_init if counters.resets_since_init is not None else counters.reads_with_reset


@dataclass(frozen=True, slots=True)
class SelectionSales:
    """One selection's paid vends between two reads: units, their value, and which counters said so."""

    selection: str
    units: int
    value: Money
    basis: Basis


@dataclass(frozen=True, slots=True)
class SalesBetweenReads:
    """Every selection of the later read, sold between ``start`` and ``end`` (the reads' times by the machine's
    clock; None when a read gives none). ``warnings`` name each selection that counted 0 or less than it may have
    sold, and why."""

    start: datetime | None
    end: datetime | None
    selections: dict[str, SelectionSales]
    warnings: tuple[str, ...] = field(default=())

    @property
    def units(self) -> int:
        return sum(sales.units for sales in self.selections.values())


Read = TypeVar("Read", AuditRead, PaidCounters)


def sales_between_reads(earlier: AuditRead | PaidCounters, later: AuditRead | PaidCounters) -> SalesBetweenReads:
    """Per selection of ``later``, the units and value sold since ``earlier`` (two reads of one machine, in that
    order: see :func:`in_read_order`); never negative."""
    before = earlier if isinstance(earlier, PaidCounters) else PaidCounters.of(earlier)
    after = later if isinstance(later, PaidCounters) else PaidCounters.of(later)
    re_initialised = (
        before.read_counter is not None and after.read_counter is not None and after.read_counter < before.read_counter
    )
    reset_between = re_initialised or (
        before.resets is not None and after.resets is not None and after.resets > before.resets
    )
    warnings: list[str] = []
    if re_initialised:
        warnings.append(
            f"the machine was re-initialised between the reads (its read counter went from {before.read_counter} to "
            f"{after.read_counter}): each selection counts what it sold since; what sold between the earlier read "
            "and the re-initialisation is in neither read"
        )
    if before.currency != after.currency:
        warnings.append(
            f"the earlier read counts in {before.currency}, the later in {after.currency}: values are not compared "
            "(units are)"
        )
    selections: dict[str, SelectionSales] = {}
    for name, paid in after.paid.items():
        difference = _Difference(name, before, after, warnings)
        selections[name] = difference.sales(before.paid.get(name), paid, re_initialised, reset_between)
    return SalesBetweenReads(before.read_at, after.read_at, selections, tuple(warnings))


def in_read_order(reads: Iterable[Read]) -> list[Read]:
    """``reads`` of one machine, oldest first: by read counter where two reads both have one (and it differs),
    else by the machine's clock, else as given (a stable sort keeps the given order of reads it cannot tell apart).
    """
    ordered: list[Read] = []
    for read in reads:  # insertion: the rule is a comparison, not a key (either half may be missing)
        place = len(ordered)
        while place > 0 and _before(read, ordered[place - 1]):
            place -= 1
        ordered.insert(place, read)
    return ordered


def _before(read: Read, other: Read) -> bool:
    mine, theirs = _counter_and_time(read), _counter_and_time(other)
    if mine[0] is not None and theirs[0] is not None and mine[0] != theirs[0]:
        return mine[0] < theirs[0]
    if mine[1] is not None and theirs[1] is not None:
        return mine[1] < theirs[1]
    return False


def _counter_and_time(read: AuditRead | PaidCounters) -> tuple[int | None, datetime | None]:
    if isinstance(read, PaidCounters):
        return read.read_counter, read.read_at
    return read_counter(read), read.read_at


def sales_across_reads(reads: Sequence[Read]) -> list[SalesBetweenReads]:
    """The periods between each pair of consecutive reads of one machine, oldest first."""
    ordered = in_read_order(reads)
    return [sales_between_reads(earlier, later) for earlier, later in itertools.pairwise(ordered)]


class _Difference:
    """One selection's difference between two reads, in minor units (exact integers), with its warnings."""

    def __init__(self, name: str, before: PaidCounters, after: PaidCounters, warnings: list[str]) -> None:
        self.name = name
        self.before = before
        self.after = after
        self.warnings = warnings
        self.same_currency = before.currency == after.currency

    def sales(
        self, earlier: VendTotals | None, later: VendTotals | None, re_initialised: bool, reset_between: bool
    ) -> SelectionSales:
        if later is None or (later.since_init is None and later.since_reset is None):
            return self.counted(0, 0, Basis.NOT_COUNTED)
        if earlier is None or (earlier.since_init is None and earlier.since_reset is None):
            return self.new_selection(later)
        if earlier.since_init is not None and later.since_init is not None:
            return self.lifetime(earlier.since_init, later.since_init, re_initialised)
        if earlier.since_reset is not None and later.since_reset is not None:
            return self.interim(earlier.since_reset, later.since_reset, reset_between)
        self.warnings.append(
            f"selection {self.name}: the two reads keep different counters (one since initialisation, the other "
            "since reset): counted 0"
        )
        return self.counted(0, 0, Basis.WENT_BACKWARDS)

    def new_selection(self, later: VendTotals) -> SelectionSales:
        """A selection the earlier read did not list: its counters start here. Counting its lifetime as this
        period's sales could invent years of vends, so it counts 0 and says so when it had sold before."""
        tally = later.since_init if later.since_init is not None else later.since_reset
        if tally is not None and tally.count:
            self.warnings.append(
                f"selection {self.name} is not in the earlier read: its {tally.count} vends are counted from the "
                "next period on, not in this one"
            )
        return self.counted(0, 0, Basis.NEW_SELECTION)

    def lifetime(self, earlier: Tally, later: Tally, re_initialised: bool) -> SelectionSales:
        count_before, count_after = earlier.count, later.count
        value_before, value_after = self.minor(earlier.value), self.minor(later.value)
        if count_after >= count_before and value_after >= value_before:
            return self.counted(count_after - count_before, value_after - value_before, Basis.SINCE_INIT)
        if re_initialised:
            return self.counted(count_after, value_after, Basis.RE_INITIALISED)
        units = _wrapped(count_before, count_after)
        value = _wrapped(value_before, value_after)
        if units is not None and value is not None:
            return self.counted(units, value, Basis.ROLL_OVER)
        went = "count" if units is None else "value"
        shown = (count_before, count_after) if units is None else (value_before, value_after)
        self.warnings.append(
            f"selection {self.name}: paid vends since initialisation ({went}) went backwards from {shown[0]} to "
            f"{shown[1]} with no re-initialisation or roll-over between the reads: counted 0"
        )
        return self.counted(0, 0, Basis.WENT_BACKWARDS)

    def interim(self, earlier: Tally, later: Tally, reset_between: bool) -> SelectionSales:
        count_before, count_after = earlier.count, later.count
        value_before, value_after = self.minor(earlier.value), self.minor(later.value)
        went_down = count_after < count_before or value_after < value_before
        if reset_between or went_down:
            return self.counted(count_after, value_after, Basis.RESET_BETWEEN)
        return self.counted(count_after - count_before, value_after - value_before, Basis.SINCE_RESET)

    def minor(self, money: Money) -> int:
        """An amount in the later read's minor units (a machine's decimal places can change with its settings)."""
        return int(money.amount.scaleb(self.after.decimals).to_integral_value())

    def counted(self, units: int, value_minor: int, basis: Basis) -> SelectionSales:
        if not self.same_currency:
            value_minor = 0
        value = Money(Decimal(value_minor).scaleb(-self.after.decimals), self.after.currency)
        return SelectionSales(self.name, units, value, basis)


def _wrapped(before: int, after: int) -> int | None:
    """The difference across one roll-over when ``after`` fell below ``before`` within the range; else None
    (``after`` ≥ ``before`` needs no wrap: the plain difference)."""
    if after >= before:
        return after - before
    wrapped = after + COUNTER_RANGE - before
    return wrapped if 0 <= wrapped <= ROLL_OVER_AT_MOST else None
