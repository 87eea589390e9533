"""The layout check: the planogram against what the machine itself reports in its latest audit.

A driver loads a new layout on paper; the machine is what customers meet. Its audit says, per selection code, what
it charges for cash and for cards, the capacity it was set up with, how often it sold out and how much it sold. Put
beside the planogram, that shows the drift an operator must fix on the next visit:

* a selection that **vends but is empty or absent** in the planogram (the machine sells something we do not plan);
* a planned slot that **never vends** (no paid vend in the machine's life, or none listed at all: a wrong code, a
  jammed spiral, a product nobody wants);
* **cash and card prices** that differ from the planogram's (the machine's ``PA7`` cash and cashless prices where it
  splits them, else its ``PA1`` price for both);
* **capacities** that differ;
* **sold-outs since the last read** (``PA5``'s count grew, or its last sold-out lies after the earlier read);
* **units per day** per slot since the last read (from :func:`~designer.machine_audits.sales.sales_between_reads`).

Codes are matched as the machine writes them, after trimming leading zeros of numeric codes ("011" is "11"); a
selection written as a position ("A1") also matches the first cabinet's slot at that position. Prices are compared
only in one currency: an audit counted in another currency than the planogram's says so instead.

Pure Python: the planogram side comes in as :class:`PlannedSelection` rows, the machine side as parsed reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from designer.machine_audits.records import AuditRead, SelectionAudit
from designer.machine_audits.sales import SalesBetweenReads, sales_between_reads
from designer.planograms import Planogram
from designer.positions import Position, PositionError
from designer.products import Catalogue

CASH_DEVICES = ("CA",)
CARD_DEVICES = ("DA", "DB")
PRICE_TOLERANCE = Decimal("0.005")
"""Prices closer than half a cent are the same price (a float planogram price against the machine's exact one)."""


class Finding(StrEnum):
    """One kind of difference, in the words the report prints."""

    VENDS_NOT_PLANNED = "vends, but the planogram has it empty or absent"
    NEVER_VENDS = "planned, but the machine never vended it"
    CASH_PRICE = "cash price differs"
    CARD_PRICE = "card price differs"
    CAPACITY = "capacity differs"
    SOLD_OUT = "sold out since the last read"


@dataclass(frozen=True, slots=True)
class PlannedSelection:
    """What the planogram says about one selection code of the device."""

    code: str
    cabinet_index: int
    position: Position
    product_id: int | None
    product_name: str
    capacity: int
    cash_price: Decimal | None
    card_price: Decimal | None


@dataclass(frozen=True, slots=True)
class SelectionCheck:
    """One row of the check: a selection code, both sides, and what differs."""

    code: str
    planned: PlannedSelection | None
    machine: SelectionAudit | None
    machine_cash: Decimal | None
    machine_card: Decimal | None
    units_since_last_read: int | None
    units_per_day: float | None
    sold_outs_since_last_read: int | None
    findings: tuple[Finding, ...]

    @property
    def planned_cash(self) -> Decimal | None:
        """The planogram's cash price (None for an empty or unplanned selection)."""
        return None if self.planned is None or self.planned.product_id is None else self.planned.cash_price

    @property
    def planned_card(self) -> Decimal | None:
        return None if self.planned is None or self.planned.product_id is None else self.planned.card_price

    @property
    def place(self) -> str:
        """Where the slot stands, for people: "A1", or "cabinet 2 A1" beyond the first cabinet; "—" when unplanned."""
        if self.planned is None:
            return "—"
        label = self.planned.position.label
        return label if self.planned.cabinet_index == 0 else f"cabinet {self.planned.cabinet_index + 1} {label}"


@dataclass(frozen=True)
class LayoutCheck:
    """The whole check of one device against one read (and the read before it, when there is one)."""

    device: str
    machine: str
    currency: str
    planogram_currency: str
    read_at: str
    previous_read_at: str | None
    days_between_reads: float | None
    rows: tuple[SelectionCheck, ...]
    warnings: tuple[str, ...] = field(default=())

    def with_finding(self, finding: Finding) -> list[SelectionCheck]:
        return [row for row in self.rows if finding in row.findings]

    @property
    def counts(self) -> dict[Finding, int]:
        return {finding: len(self.with_finding(finding)) for finding in Finding}

    @property
    def differences(self) -> int:
        return sum(1 for row in self.rows if row.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.device,
            "machine": self.machine,
            "read_at": self.read_at,
            "previous_read_at": self.previous_read_at,
            "days_between_reads": None if self.days_between_reads is None else round(self.days_between_reads, 2),
            "currency": self.currency,
            "planogram_currency": self.planogram_currency,
            "summary": {finding.name.lower(): count for finding, count in self.counts.items()},
            "selections": [_row_json(row) for row in self.rows],
            "warnings": list(self.warnings),
        }

    def to_text(self) -> str:
        """The printable report as plain text: a summary line per kind, then one line per differing selection."""
        lines = [
            f"Layout check — {self.device}, machine {self.machine}",
            f"Read {self.read_at}" + (f", previous read {self.previous_read_at}" if self.previous_read_at else
                                      ", no earlier read: sold-outs and units per day need two reads"),
        ]  # fmt: skip
        lines += [f"  {count:>3}  {finding.value}" for finding, count in self.counts.items()]
        lines.append("")
        lines.append(f"{'code':>6}  {'slot':<14} {'product':<28} {'cash':>15} {'card':>15} {'cap.':>7}  findings")
        for row in self.rows:
            if not row.findings:
                continue
            cash = _pair(row.planned_cash, row.machine_cash)
            card = _pair(row.planned_card, row.machine_card)
            capacity = _pair(_cap(row.planned), _cap_m(row.machine))
            lines.append(
                f"{row.code:>6}  {row.place:<14} {_product(row)[:28]:<28} {cash:>15} {card:>15} {capacity:>7}  "
                + "; ".join(finding.value for finding in row.findings)
            )
        lines += [f"Note: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _product(row: SelectionCheck) -> str:
    if row.planned is not None and row.planned.product_id is not None:
        return row.planned.product_name
    if row.machine is not None and row.machine.product_id:
        return f"(machine: {row.machine.product_id})"
    return "(empty)"


def _cap(planned: PlannedSelection | None) -> str:
    return "—" if planned is None or planned.product_id is None else str(planned.capacity)


def _cap_m(machine: SelectionAudit | None) -> str:
    return "—" if machine is None or machine.capacity is None else str(machine.capacity)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _pair(planned: object, machine: object) -> str:
    """ "planned/machine", or one figure when they agree."""
    a = _money(planned) if isinstance(planned, Decimal | type(None)) else str(planned)
    b = _money(machine) if isinstance(machine, Decimal | type(None)) else str(machine)
    return a if a == b or b == "—" else f"{a}/{b}"  # the machine not saying is no difference


def _row_json(row: SelectionCheck) -> dict[str, object]:
    planned = row.planned
    return {
        "selection_code": row.code,
        "slot": None if planned is None else planned.position.label,
        "cabinet_index": None if planned is None else planned.cabinet_index,
        "product_id": None if planned is None else planned.product_id,
        "product_name": None if planned is None or planned.product_id is None else planned.product_name,
        "planned_capacity": None if planned is None or planned.product_id is None else planned.capacity,
        "machine_capacity": None if row.machine is None else row.machine.capacity,
        "planned_cash_price": _number(row.planned_cash),
        "machine_cash_price": _number(row.machine_cash),
        "planned_card_price": _number(row.planned_card),
        "machine_card_price": _number(row.machine_card),
        "units_since_last_read": row.units_since_last_read,
        "units_per_day": None if row.units_per_day is None else round(row.units_per_day, 2),
        "sold_outs_since_last_read": row.sold_outs_since_last_read,
        "findings": [finding.name.lower() for finding in row.findings],
    }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def planned_selections(planograms: Iterable[Planogram], catalogue: Catalogue) -> list[PlannedSelection]:
    """Every position of the device's planograms that has a product or a code of its own, with its effective
    selection code and prices (the slot's own, else the catalogue's)."""
    rows = []
    for planogram in planograms:
        for position, slot in sorted(planogram.slots.items()):
            product = (
                None if slot.product_id is None or slot.product_id not in catalogue else catalogue[slot.product_id]
            )
            price = None if product is None else float(product.price)
            rows.append(
                PlannedSelection(
                    code=slot.effective_selection_code(planogram.cabinet_index),
                    cabinet_index=planogram.cabinet_index,
                    position=position,
                    product_id=slot.product_id,
                    product_name="" if product is None else product.name,
                    capacity=slot.capacity,
                    cash_price=None if price is None else _decimal(slot.cash_price(price)),
                    card_price=None if price is None else _decimal(slot.card_price_or_cash(price)),
                )
            )
    return rows


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 4)))


def normal_code(code: str) -> str:
    """A code as compared: trimmed, upper case, leading zeros of a numeric code dropped ("011" → "11")."""
    text = code.strip().upper()
    return text.lstrip("0") or "0" if text.isdigit() else text


_LETTER_CODE = re.compile(r"^[A-Z]\d{1,2}$")


def machine_prices(selection: SelectionAudit) -> tuple[Decimal | None, Decimal | None]:
    """(cash, card) as the machine charges them: its PA7 price for cash and for the cashless devices where it
    splits them, else its PA1 price for both."""
    base = None if selection.price is None else selection.price.amount

    def price_of(devices: Sequence[str]) -> Decimal | None:
        prices = [s.price.amount for s in selection.payments if s.device in devices and s.price is not None]
        return prices[0] if prices else base

    return price_of(CASH_DEVICES), price_of(CARD_DEVICES)


def check_layout(
    planned: Sequence[PlannedSelection],
    latest: AuditRead,
    previous: AuditRead | None = None,
    *,
    device: str = "",
    planogram_currency: str = "USD",
) -> LayoutCheck:
    """Compare the device's planned selections with ``latest`` (and the sales and sold-outs since ``previous``)."""
    warnings = list(latest.warnings)
    period: SalesBetweenReads | None = sales_between_reads(previous, latest) if previous is not None else None
    if period is not None:
        warnings += period.warnings
    days = None
    if period is not None and period.start is not None and period.end is not None:
        days = (period.end - period.start).total_seconds() / 86400
        if days <= 0:
            warnings.append("the two reads carry the same or reversed machine times: units per day are not given")
            days = None
    compare_prices = latest.currency == planogram_currency
    if not compare_prices:
        warnings.append(
            f"the machine counts in {latest.currency}, the planogram in {planogram_currency}: prices are shown, "
            "not compared"
        )
    by_code: dict[str, PlannedSelection] = {}
    by_label: dict[str, PlannedSelection] = {}
    for row in planned:
        if normal_code(row.code) in by_code:
            warnings.append(f"selection code {row.code} is planned twice; the check reads the first")
            continue
        by_code[normal_code(row.code)] = row
        if row.cabinet_index == 0:
            by_label.setdefault(row.position.label, row)
    matched: set[str] = set()
    rows: list[SelectionCheck] = []
    for code, selection in latest.selections.items():
        plan = by_code.get(normal_code(code))
        if plan is None and _LETTER_CODE.match(code.strip().upper()):
            plan = by_label.get(_label(code))
        if plan is not None:
            matched.add(normal_code(plan.code))
        sold = period.selections.get(code) if period is not None else None
        earlier = previous.selections.get(code) if previous is not None else None
        rows.append(_row(code, plan, selection, sold.units if sold else None, days, earlier, compare_prices, previous))
    for row in planned:
        if normal_code(row.code) not in matched and row.product_id is not None:
            rows.append(_row(row.code, row, None, None, days, None, compare_prices, previous))
    rows.sort(key=lambda r: _order(r))
    machine = latest.machine.serial or latest.machine.dxs_id
    return LayoutCheck(
        device=device,
        machine=f"{machine} ({latest.machine.model})" if latest.machine.model else machine,
        currency=latest.currency,
        planogram_currency=planogram_currency,
        read_at=_when(latest),
        previous_read_at=None if previous is None else _when(previous),
        days_between_reads=days,
        rows=tuple(rows),
        warnings=tuple(warnings),
    )


def _label(code: str) -> str:
    try:
        return Position.parse(code.strip().upper()).label
    except PositionError:
        return ""


def _order(row: SelectionCheck) -> tuple[int, int, int, str]:
    if row.planned is None:
        return (1, 0, 0, row.code)
    return (0, row.planned.cabinet_index, row.planned.position.row * 1000 + row.planned.position.column, row.code)


def _when(read: AuditRead) -> str:
    """The read's time as the machine's clock says it (no time zone is known for a machine's clock)."""
    at = read.read_at
    return "unknown time" if at is None else at.strftime("%Y-%m-%d %H:%M") + " (machine clock)"


def _row(
    code: str,
    plan: PlannedSelection | None,
    selection: SelectionAudit | None,
    units: int | None,
    days: float | None,
    earlier: SelectionAudit | None,
    compare_prices: bool,
    previous: AuditRead | None,
) -> SelectionCheck:
    cash, card = machine_prices(selection) if selection is not None else (None, None)
    sold_outs = _sold_outs(selection, earlier, previous)
    findings: list[Finding] = []
    filled = plan is not None and plan.product_id is not None
    if selection is not None and not filled and _vends(selection, units):
        findings.append(Finding.VENDS_NOT_PLANNED)
    if filled and (selection is None or _lifetime(selection) == 0):
        findings.append(Finding.NEVER_VENDS)
    if filled and selection is not None and plan is not None and compare_prices:
        if _differs(plan.cash_price, cash):
            findings.append(Finding.CASH_PRICE)
        if _differs(plan.card_price, card):
            findings.append(Finding.CARD_PRICE)
    if filled and selection is not None and plan is not None and selection.capacity not in (None, plan.capacity):
        findings.append(Finding.CAPACITY)
    if sold_outs:
        findings.append(Finding.SOLD_OUT)
    per_day = None if units is None or days is None else units / days
    return SelectionCheck(code, plan, selection, cash, card, units, per_day, sold_outs, tuple(findings))


def _lifetime(selection: SelectionAudit) -> int:
    paid = selection.paid
    if paid is None:
        return 0
    tally = paid.since_init or paid.since_reset
    return 0 if tally is None else tally.count


def _vends(selection: SelectionAudit, units_since_last_read: int | None) -> bool:
    """Sold in the last period when two reads say so, else ever (by the counters the read has)."""
    if units_since_last_read is not None:
        return units_since_last_read > 0
    return _lifetime(selection) > 0


def _differs(planned: Decimal | None, machine: Decimal | None) -> bool:
    return planned is not None and machine is not None and abs(planned - machine) > PRICE_TOLERANCE


def _sold_outs(
    selection: SelectionAudit | None, earlier: SelectionAudit | None, previous: AuditRead | None
) -> int | None:
    """How often the selection sold out since the earlier read (None without an earlier read or PA5 line)."""
    if selection is None or previous is None or selection.sold_out is None:
        return None
    now = selection.sold_out
    before = earlier.sold_out if earlier is not None else None
    if now.count is not None and before is not None and before.count is not None and now.count >= before.count:
        return now.count - before.count
    if now.last_at is not None and previous.read_at is not None:
        return 1 if now.last_at > previous.read_at else 0
    return None


__all__ = [
    "Finding",
    "LayoutCheck",
    "PlannedSelection",
    "SelectionCheck",
    "check_layout",
    "machine_prices",
    "normal_code",
    "planned_selections",
]
