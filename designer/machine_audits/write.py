"""Writing an :class:`AuditRead` back as an EVA-DTS file, with a correct ``G85``.

Why a writer in an importer: the round-trip property tests generate reads, write them and read them back, and the
delta tests to come advance a machine's counters and write the next read. It writes the records the parser reads,
in the order machines send them (``DXS``, ``ST``, identity, totals, each selection's ``PA`` lines, ``LA1``, ``EA3``,
``G85``, ``SE``, ``DXE``), CR LF line ends, dates as YYYYMMDD and times as HHMMSS.
"""

from __future__ import annotations

from datetime import datetime

from designer.machine_audits.crc import crc_of_lines
from designer.machine_audits.currencies import ISO_NUMERIC
from designer.machine_audits.records import AuditRead, Money, SelectionAudit, Tally, VendTotals

_FORBIDDEN = ("*", "|", "<", ">", "\r", "\n")


def audit_to_text(read: AuditRead) -> str:
    """The file a machine would send for ``read`` (``parse_audit`` of it gives ``read`` back, warnings aside)."""
    writer = _Writer(read.decimals)
    body = [
        _line("ST", "001", "0001"),
        _line(
            "ID1",
            writer.text(read.machine.serial),
            writer.text(read.machine.model),
            writer.text(read.machine.build),
            writer.text(read.machine.location),
            "",
            writer.text(read.machine.asset),
        ),
        _line("ID4", str(read.decimals), _numeric_currency(read.currency), read.currency),
    ]
    if read.clock_at is not None:
        body.append(_line("ID5", *_moment(read.clock_at)))
    for record, totals in (("VA1", read.totals.paid), ("VA2", read.totals.test_vends), ("VA3", read.totals.free_vends)):
        if totals is not None:
            body.append(_line(record, *writer.totals(totals, value_first=True)))
    for device, totals in read.payment_totals.items():
        body.append(_line(f"{device}2", *writer.totals(totals, value_first=True)))
    for selection in read.selections.values():
        body.extend(writer.selection(selection))
    for selection in read.selections.values():
        for entry in selection.price_lists:
            body.append(
                _line(
                    "LA1",
                    str(entry.price_list),
                    writer.text(selection.selection),
                    writer.amount(entry.price),
                    _number(entry.vends_since_init),
                    _number(entry.vends_since_reset),
                )
            )
    if read.counters is not None:
        counters = read.counters
        body.append(
            _line(
                "EA3",
                _number(counters.reads_with_reset),
                *_moment(counters.read_at),
                writer.text(counters.interrogator),
                *_moment(counters.previous_read_at),
                writer.text(counters.previous_interrogator),
                "",
                _number(counters.reads_since_init),
                _number(counters.resets_since_init),
            )
        )
    crc = crc_of_lines(line.encode("utf-8") for line in body)
    body.append(_line("G85", f"{crc:04X}"))
    body.append(_line("SE", str(len(body) + 1), "0001"))
    lines = [_line("DXS", writer.text(read.machine.dxs_id), "VA", writer.text(read.dex_version), "1"), *body]
    lines.append(_line("DXE", "1", "1"))
    return "".join(line + "\r\n" for line in lines)


class _Writer:
    """Formats values at one read's decimal places."""

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals

    def text(self, value: str) -> str:
        if value != value.strip() or any(mark in value for mark in _FORBIDDEN):
            raise ValueError(f"{value!r} cannot stand in a DEX field (separators, line ends or outer blanks)")
        return value

    def amount(self, money: Money | None) -> str:
        if money is None:
            return ""
        scaled = money.amount.scaleb(self.decimals)
        if scaled != scaled.to_integral_value() or scaled < 0:
            raise ValueError(f"{money} is not a whole number of minor units at {self.decimals} decimal places")
        return str(int(scaled))

    def tally(self, tally: Tally | None, *, value_first: bool) -> list[str]:
        if tally is None:
            return ["", ""]
        count, value = str(tally.count), self.amount(tally.value)
        return [value, count] if value_first else [count, value]

    def totals(self, totals: VendTotals | None, *, value_first: bool = False) -> list[str]:
        if totals is None:
            return ["", "", "", ""]
        return [
            *self.tally(totals.since_init, value_first=value_first),
            *self.tally(totals.since_reset, value_first=value_first),
        ]

    def selection(self, selection: SelectionAudit) -> list[str]:
        name = self.text(selection.selection)
        lines = [
            _line(
                "PA1", name, self.amount(selection.price), self.text(selection.product_id), _number(selection.capacity)
            )
        ]
        if selection.paid is not None or selection.discounts is not None or selection.surcharges is not None:
            lines.append(
                _line(
                    "PA2",
                    *self.totals(selection.paid),
                    *self.totals(selection.discounts),
                    *self.totals(selection.surcharges),
                )
            )
        if selection.test_vends is not None:
            lines.append(_line("PA3", *self.totals(selection.test_vends)))
        if selection.free_vends is not None:
            lines.append(_line("PA4", *self.totals(selection.free_vends)))
        if selection.sold_out is not None:
            lines.append(_line("PA5", *_moment(selection.sold_out.last_at), _number(selection.sold_out.count)))
        for split in selection.payments:
            lines.append(
                _line(
                    "PA7",
                    name,
                    split.device,
                    _number(split.price_list),
                    self.amount(split.price),
                    *self.totals(split.sales),
                )
            )
        return lines


def _line(record: str, *fields: str) -> str:
    """A record with its trailing empty fields left off, as machines write them."""
    values = list(fields)
    while values and not values[-1]:
        values.pop()
    return "*".join((record, *values))


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _moment(moment: datetime | None) -> tuple[str, str]:
    if moment is None:
        return "", ""
    return moment.strftime("%Y%m%d"), moment.strftime("%H%M%S")


def _numeric_currency(currency: str) -> str:
    number = ISO_NUMERIC.get(currency)
    return "" if number is None else f"{number:03d}"
