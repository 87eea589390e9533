"""Sales between reads, on successive reads made from a real file: the Crane National 187 of CVD's sample, its
counters advanced by known amounts (and reset in between), written out as the machine would and read back.

Each later read is ``audit_to_text`` of the earlier one with every selection's paid vends advanced by a known
number at its own price, the read counters moved on and the clock a week later; parsing that text back is what the
importer will meet. The sample holds no two reads of one machine, so this is how successive reads are tested.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from designer.machine_audits import (
    AuditRead,
    Basis,
    Money,
    Tally,
    VendTotals,
    audit_to_text,
    in_read_order,
    parse_audit,
    sales_across_reads,
    sales_between_reads,
)
from designer.machine_audits.sales import COUNTER_RANGE
from tests.shared_sample import cvd_sample_path


@pytest.fixture(scope="module")
def crane() -> AuditRead:
    """The real Crane National 187 read: 48 selections, EA3 read counter 5355, never reset (its since-reset
    counters equal its lifetime ones)."""
    with sqlite3.connect(cvd_sample_path()) as connection:
        (text,) = connection.execute("SELECT raw_content FROM dex_reads WHERE filename LIKE '%187%' LIMIT 1").fetchone()
    read = parse_audit(text)
    assert read.machine.serial == "301021333" and len(read.selections) == 48
    return read


def sold_plan(read: AuditRead, seed: int) -> dict[str, int]:
    """A known number of vends per selection: 0 for some, up to 40 for others."""
    return {name: (index * 7 + seed) % 41 for index, name in enumerate(read.selections)}


def _plus(tally: Tally | None, count: int, price: Money) -> Tally:
    base = tally if tally is not None else Tally(0, Money(Decimal(0), price.currency))
    return Tally(base.count + count, Money(base.value.amount + count * price.amount, price.currency))


def advanced(read: AuditRead, sold: dict[str, int], *, after_reset: bool = False) -> AuditRead:
    """The machine's next read, a week later, after ``sold`` vends per selection at its price, written and read back.

    ``after_reset``: the previous read reset the interim counters once it had sent them, so they start from 0 and
    EA3 counts one more resetting read and reset."""
    selections = {}
    for name, selection in read.selections.items():
        paid = selection.paid or VendTotals(None, None)
        count = sold[name]
        assert selection.price is not None
        since_init = None if paid.since_init is None else _plus(paid.since_init, count, selection.price)
        since_reset = _plus(None if after_reset else paid.since_reset, count, selection.price)
        selections[name] = replace(selection, paid=VendTotals(since_init, since_reset))
    counters = read.counters
    assert counters is not None and counters.read_at is not None
    step = 1 if after_reset else 0
    moved = replace(
        counters,
        read_at=counters.read_at + timedelta(days=7),
        previous_read_at=counters.read_at,
        reads_since_init=(counters.reads_since_init or 0) + 1,
        reads_with_reset=(counters.reads_with_reset or 0) + step,
        resets_since_init=(counters.resets_since_init or 0) + step,
    )
    return parse_audit(audit_to_text(replace(read, selections=selections, counters=moved, clock_at=moved.read_at)))


def units(sales: object) -> dict[str, int]:
    return {name: figures.units for name, figures in sales.selections.items()}  # type: ignore[attr-defined]


def test_what_each_selection_sold_between_two_reads_is_what_was_vended(crane: AuditRead) -> None:
    plan = sold_plan(crane, 3)
    later = advanced(crane, plan)
    sales = sales_between_reads(crane, later)
    assert units(sales) == plan
    for name, figures in sales.selections.items():
        assert figures.value == Money(plan[name] * crane.selections[name].price.amount, "USD")  # type: ignore[union-attr]
        assert figures.basis is Basis.SINCE_INIT
    assert (sales.start, sales.end) == (crane.read_at, later.read_at)
    assert sales.warnings == ()


def test_a_reset_between_reads_neither_loses_nor_repeats_a_sale(crane: AuditRead) -> None:
    first, second = sold_plan(crane, 1), sold_plan(crane, 5)
    middle = advanced(crane, first)  # the handheld resets the interim counters once this read is sent
    last = advanced(middle, second, after_reset=True)
    assert last.selections["101"].paid.since_reset.count == second["101"]  # type: ignore[union-attr]
    assert units(sales_between_reads(crane, middle)) == first
    assert units(sales_between_reads(middle, last)) == second
    assert units(sales_between_reads(crane, last)) == {name: first[name] + second[name] for name in first}


def test_firmware_without_lifetime_counters_counts_from_the_reset(crane: AuditRead) -> None:
    """Only since-reset pairs: across a reset the later read's own interim figures are the period's sales."""
    interim_only = {
        name: replace(selection, paid=VendTotals(None, selection.paid.since_reset))  # type: ignore[union-attr]
        for name, selection in crane.selections.items()
    }
    start = parse_audit(audit_to_text(replace(crane, selections=interim_only)))
    first, second = sold_plan(crane, 2), sold_plan(crane, 9)
    middle = advanced(start, first)
    last = advanced(middle, second, after_reset=True)
    without_reset = sales_between_reads(start, middle)
    across_reset = sales_between_reads(middle, last)
    assert units(without_reset) == first
    assert {figures.basis for figures in without_reset.selections.values()} == {Basis.SINCE_RESET}
    assert units(across_reset) == second
    assert {figures.basis for figures in across_reset.selections.values()} == {Basis.RESET_BETWEEN}


def test_reads_taken_out_of_order_are_put_back_in_order(crane: AuditRead) -> None:
    first, second = sold_plan(crane, 4), sold_plan(crane, 11)
    middle = advanced(crane, first)
    last = advanced(middle, second)
    assert in_read_order([last, crane, middle]) == [crane, middle, last]
    periods = sales_across_reads([middle, last, crane])
    assert [units(period) for period in periods] == [first, second]
    no_counters = [replace(read, counters=None, clock_at=read.read_at) for read in (last, crane, middle)]
    assert [read.read_at for read in in_read_order(no_counters)] == [crane.read_at, middle.read_at, last.read_at]


def test_a_counter_that_wraps_past_eight_digits_counts_across_the_roll_over(crane: AuditRead) -> None:
    near_top = COUNTER_RANGE - 3
    selection = crane.selections["101"]
    price = selection.price
    assert price is not None
    worn = replace(
        selection,
        paid=VendTotals(Tally(near_top, Money(Decimal(1000), "USD")), Tally(near_top, Money(Decimal(1000), "USD"))),
    )
    start = parse_audit(audit_to_text(replace(crane, selections={**crane.selections, "101": worn})))
    later = advanced(start, {name: 5 for name in start.selections})
    assert later.selections["101"].paid.since_init.count == near_top + 5  # type: ignore[union-attr]
    wrapped = replace(
        later.selections["101"],
        paid=VendTotals(Tally(2, Money(Decimal("1006.25"), "USD")), later.selections["101"].paid.since_reset),  # type: ignore[union-attr]
    )
    later = parse_audit(audit_to_text(replace(later, selections={**later.selections, "101": wrapped})))
    sales = sales_between_reads(start, later)
    assert sales.selections["101"].units == 5
    assert sales.selections["101"].value == Money(Decimal("6.25"), "USD")
    assert sales.selections["101"].basis is Basis.ROLL_OVER
    assert sales.warnings == ()


def test_a_counter_gone_backwards_without_a_reset_counts_nothing_and_says_so(crane: AuditRead) -> None:
    later = advanced(crane, sold_plan(crane, 6))
    selection = later.selections["103"]
    shrunk = replace(selection, paid=VendTotals(Tally(900, selection.paid.since_init.value), None))  # type: ignore[union-attr]
    later = parse_audit(audit_to_text(replace(later, selections={**later.selections, "103": shrunk})))
    sales = sales_between_reads(crane, later)
    assert sales.selections["103"].units == 0 and sales.selections["103"].value.amount == 0
    assert sales.selections["103"].basis is Basis.WENT_BACKWARDS
    assert sales.warnings == (
        "selection 103: paid vends since initialisation (count) went backwards from 1090 to 900 with no "
        "re-initialisation or roll-over between the reads: counted 0",
    )
    assert all(figures.units >= 0 for figures in sales.selections.values())


def test_a_re_initialised_machine_counts_what_it_sold_since(crane: AuditRead) -> None:
    """A new control board: lifetime counters and the read counter start again from 0."""
    plan = sold_plan(crane, 8)
    fresh = {
        name: replace(selection, paid=VendTotals(Tally(0, Money(Decimal(0), "USD")), None))
        for name, selection in crane.selections.items()
    }
    counters = replace(crane.counters, reads_since_init=0)  # type: ignore[arg-type]
    cleared = replace(crane, selections=fresh, counters=counters)
    later = advanced(parse_audit(audit_to_text(cleared)), plan)
    sales = sales_between_reads(crane, later)
    assert units(sales) == plan
    sold = [figures for figures in sales.selections.values() if figures.units]
    assert {figures.basis for figures in sold} == {Basis.RE_INITIALISED}
    assert sales.warnings == (
        "the machine was re-initialised between the reads (its read counter went from 5355 to 1): each selection "
        "counts what it sold since; what sold between the earlier read and the re-initialisation is in neither read",
    )


def test_a_selection_first_listed_in_the_later_read_starts_counting_there(crane: AuditRead) -> None:
    trimmed = {name: selection for name, selection in crane.selections.items() if name != "101"}
    start = parse_audit(audit_to_text(replace(crane, selections=trimmed)))
    later = advanced(crane, sold_plan(crane, 3))
    sales = sales_between_reads(start, later)
    assert sales.selections["101"].units == 0 and sales.selections["101"].basis is Basis.NEW_SELECTION
    assert sales.warnings[0].startswith("selection 101 is not in the earlier read")
    assert sales.units == sum(sold_plan(crane, 3).values()) - sold_plan(crane, 3)["101"]
