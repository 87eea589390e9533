"""Reading a DEX / EVA-DTS audit file into an :class:`AuditRead`, all or nothing.

Field positions follow EVA-DTS 6.x, not CVD's parser (which reads ``PA2``'s since-reset pair as test vends, ``PA3`` as
the cash/cashless split and ``PA4`` as discounts): ``PA1`` selection, price, product id, capacity; ``PA2`` paid vends
(count, value) since initialisation then since reset, then the same for discounted and surcharged vends; ``PA3`` test
vends; ``PA4`` free vends; ``PA5`` last sold-out date, time and count; ``PA7`` one payment device's share; ``LA1`` a
price list's price and vends; ``VA1``–``VA3`` the machine's paid, test and free vends (value first, then count);
``CA2``/``DA2``/``DB2``/``TA2`` the machine's sales per payment device; ``ID1`` identity; ``ID4`` decimals and
currency; ``ID5`` the machine's clock; ``EA3`` the read counters.

A line that cannot be read raises :class:`AuditInvalid` naming its line, record and field; what is odd but harmless
(a CRC that does not verify, an SE count that disagrees, a record nobody knows) becomes a warning on the read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from designer.machine_audits.crc import CrcCheck, crc16_arc
from designer.machine_audits.currencies import currency_of
from designer.machine_audits.lines import SourceLine, decode, source_lines
from designer.machine_audits.records import (
    NO_CURRENCY,
    PAYMENT_DEVICES,
    AuditInvalid,
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

DEFAULT_DECIMALS = 2
MAX_DECIMALS = 6
TWO_DIGIT_YEAR_PIVOT = 80  # YYMMDD: 80–99 are the 1900s, 00–79 the 2000s (machine clocks run years ahead)
_STANDARD_RECORD = re.compile(r"(?:AM|BA|BC|CA|CB|CD|DA|DB|EA|IC|ID|LA|MA|MC|MR|PA|PP|SA|SD|TA|TC|VA)\d{1,3}")
_STRUCTURE = frozenset({"DXS", "DXE", "ST", "SE", "G85", "LS", "LE"})
_PAIR_NAMES = ("count", "value")
_SPANS = ("since initialisation", "since last reset")


_Pair = TypeVar("_Pair")


def _pair_maker(cls: type[_Pair]) -> Callable[[object, object], _Pair]:
    """A fast constructor for a two-field frozen, slotted dataclass (Money, Tally, VendTotals).

    Why: a frozen dataclass's ``__init__`` goes through ``object.__setattr__`` for each field, and a 500-selection
    file builds ~40,000 of these; filling the two slots through their descriptors halves that cost (the parse's
    largest). Same fields, same values, same frozen object afterwards."""
    first, second = (getattr(cls, field.name).__set__ for field in dataclass_fields(cls))  # type: ignore[arg-type]
    new = object.__new__

    def make(a: object, b: object) -> _Pair:
        made = new(cls)
        first(made, a)
        second(made, b)
        return made

    return make


_money = _pair_maker(Money)
_tally = _pair_maker(Tally)
_vend_totals = _pair_maker(VendTotals)


class _Selection:
    """A selection being read: filled by its ``PA`` and ``LA1`` lines, frozen at the end."""

    __slots__ = (
        "capacity",
        "discounts",
        "first_line",
        "free_vends",
        "paid",
        "payment_keys",
        "payments",
        "price",
        "price_lists",
        "product_id",
        "seen",
        "selection",
        "sold_out",
        "surcharges",
        "test_vends",
    )

    def __init__(self, selection: str, price: Money | None, product_id: str, capacity: int | None, line: int) -> None:
        self.selection = selection
        self.price = price
        self.product_id = product_id
        self.capacity = capacity
        self.first_line = line
        self.paid = self.discounts = self.surcharges = self.test_vends = self.free_vends = None
        self.sold_out: SoldOut | None = None
        self.seen: dict[str, int] = {}
        self.payments: list[PaymentSplit] = []
        self.payment_keys: dict[tuple[str, int | None], int] = {}
        self.price_lists: list[PriceListEntry] = []

    def freeze(self) -> SelectionAudit:
        return SelectionAudit(
            self.selection,
            self.price,
            self.product_id,
            self.capacity,
            self.paid,
            self.discounts,
            self.surcharges,
            self.test_vends,
            self.free_vends,
            self.sold_out,
            tuple(self.payments),
            tuple(self.price_lists),
            self.first_line,
        )


class _Reader:
    """One parse's state: where it is, the money scale, and what it has gathered."""

    def __init__(self, lines: list[SourceLine], codec: str) -> None:
        self.lines = lines
        self.codec = codec
        self.number = 0
        self.part = 0
        self.record = ""
        self.decimals = DEFAULT_DECIMALS
        self.currency = NO_CURRENCY
        self._money: dict[int, Money] = {}
        self._totals: dict[tuple[str | bool, ...], VendTotals] = {}
        self.warnings: list[str] = []
        self.unread: set[str] = set()
        self.unknown: dict[str, tuple[int, int]] = {}  # record → (first line, count)

    # --- fields ----------------------------------------------------------------------------------------------

    def invalid(self, index: int | None, expected: str, found: str | None = None, what: str = "") -> AuditInvalid:
        return AuditInvalid(self.number, self.record, index, expected, found, part=self.part, what=what)

    def whole(self, fields: list[str], index: int, what: str) -> int | None:
        if index >= len(fields):
            return None
        text = fields[index]
        if text.isdigit() and text.isascii():  # the common case first: a plain number, no blanks
            return int(text)
        text = text.strip()
        if not text:
            return None
        if text.isdigit() and text.isascii():
            return int(text)
        raise self.invalid(index, "a whole number", text, what)

    def text(self, fields: list[str], index: int) -> str:
        return fields[index].strip() if index < len(fields) else ""

    def money(self, minor_units: int) -> Money:
        cached = self._money.get(minor_units)
        if cached is None:
            cached = _money(Decimal(minor_units).scaleb(-self.decimals), self.currency)
            self._money[minor_units] = cached
        return cached

    def price(self, fields: list[str], index: int, what: str) -> Money | None:
        units = self.whole(fields, index, what)
        if units is None:
            return None
        return self._money.get(units) or self.money(units)

    def tally(self, fields: list[str], count_at: int, value_at: int, what: str, span: str) -> Tally | None:
        count = self.whole(fields, count_at, f"{what} count {span}")
        value = self.whole(fields, value_at, f"{what} value {span}")
        if count is None and value is None:
            return None
        if count is None:
            raise self.invalid(count_at, f"the count beside its value (field {value_at} is {value})", "", what)
        if value is None:
            raise self.invalid(value_at, f"the value beside its count (field {count_at} is {count})", "", what)
        return Tally(count, self.money(value))

    def totals(self, fields: list[str], first: int, what: str, *, value_first: bool = False) -> VendTotals | None:
        """Two (count, value) pairs from ``first`` on: since initialisation, then since reset. ``VA``, ``CA2``,
        ``DA2``… put the value before the count; ``PA`` records the count first."""
        chunk = fields[first : first + 4]
        joined = "".join(chunk)
        if len(chunk) == 4 and all(chunk) and joined.isdigit() and joined.isascii():
            # the common case, four plain numbers: one value per distinct quadruple (zeros abound)
            key = (*chunk, value_first)
            cached = self._totals.get(key)
            if cached is None:
                a, b, c, d = map(int, chunk)
                if value_first:
                    a, b, c, d = b, a, d, c
                money = self._money
                since_init = _tally(a, money.get(b) or self.money(b))
                since_reset = since_init if (a, b) == (c, d) else _tally(c, money.get(d) or self.money(d))
                cached = self._totals[key] = _vend_totals(since_init, since_reset)
            return cached
        return self.totals_field_by_field(fields, first, what, value_first=value_first)

    def totals_field_by_field(
        self, fields: list[str], first: int, what: str, *, value_first: bool = False
    ) -> VendTotals | None:
        """The careful reading: blanks, missing halves and bad numbers, each named."""
        pairs = []
        for offset, span in ((0, _SPANS[0]), (2, _SPANS[1])):
            count_at, value_at = first + offset, first + offset + 1
            if value_first:
                count_at, value_at = value_at, count_at
            pairs.append(self.tally(fields, count_at, value_at, what, span))
        if pairs[0] is None and pairs[1] is None:
            return None
        return VendTotals(pairs[0], pairs[1])

    def moment(self, fields: list[str], date_at: int, time_at: int, what: str) -> datetime | None:
        """A date (YYMMDD or YYYYMMDD) and time (HHMM or HHMMSS) by the machine's clock; an empty or all-zero date
        is no date (a selection that never sold out)."""
        day = self.text(fields, date_at)
        if not day or not day.strip("0"):
            return None
        clock = self.text(fields, time_at)
        if not (day.isdigit() and day.isascii() and len(day) in (6, 8)):
            raise self.invalid(date_at, "a date as YYMMDD or YYYYMMDD", day, f"{what} date")
        if clock and not (clock.isdigit() and clock.isascii() and len(clock) in (4, 6)):
            raise self.invalid(time_at, "a time as HHMM or HHMMSS", clock, f"{what} time")
        if len(day) == 6:
            short = int(day[:2])
            year = 1900 + short if short >= TWO_DIGIT_YEAR_PIVOT else 2000 + short
            month, dom = int(day[2:4]), int(day[4:6])
        else:
            year, month, dom = int(day[:4]), int(day[4:6]), int(day[6:8])
        hour = int(clock[:2]) if clock else 0
        minute = int(clock[2:4]) if clock else 0
        second = int(clock[4:6]) if len(clock) == 6 else 0
        try:
            return datetime(year, month, dom, hour, minute, second)
        except ValueError:
            try:
                datetime(year, month, dom)
            except ValueError:
                raise self.invalid(date_at, "a calendar date", day, f"{what} date") from None
            raise self.invalid(time_at, "a time of day", clock, f"{what} time") from None


def parse_audit(data: str | bytes) -> AuditRead:
    """The whole read in ``data`` (a file's bytes or text), or :class:`AuditInvalid` and nothing."""
    text, codec = decode(data)
    return parse_source_lines(source_lines(text), codec)


def parse_source_lines(lines: list[SourceLine], codec: str) -> AuditRead:
    """The read in a file's DEX lines (:func:`designer.machine_audits.lines.source_lines` of its text, ``codec``
    the one :func:`~designer.machine_audits.lines.decode` gave): for the importer, which hashes the same lines."""
    if not lines:
        raise AuditInvalid(1, "", None, "a DEX audit starting with DXS", "an empty file")
    return _Parse(lines, codec).run()


class _Parse(_Reader):
    """The walk over the lines: structure (DXS, ST/SE, G85, LS/LE, DXE) and one handler per record read."""

    def __init__(self, lines: list[SourceLine], codec: str) -> None:
        super().__init__(lines, codec)
        self.machine: MachineIdentity | None = None
        self.identity_line = 0
        self.dxs_id = ""
        self.dex_version = ""
        self.clock_at: datetime | None = None
        self.counters: ReadCounters | None = None
        self.machine_totals: dict[str, VendTotals | None] = {}
        self.payment_totals: dict[str, VendTotals] = {}
        self.selections: dict[str, _Selection] = {}
        self.current: _Selection | None = None
        self.crc_results: list[bool] = []
        self.block_start: int | None = None  # index of the open ST line
        self.blocks = 0
        self.loops: list[tuple[str, int]] = []
        self.id4: tuple[int, str, str] | None = None
        self.handlers = {
            "ID1": self.id1,
            "ID4": self.id4_again,
            "ID5": self.id5,
            "EA3": self.ea3,
            "VA1": self.va,
            "VA2": self.va,
            "VA3": self.va,
            "CA2": self.device_totals,
            "DA2": self.device_totals,
            "DB2": self.device_totals,
            "TA2": self.device_totals,
            "PA1": self.pa1,
            "PA2": self.pa2,
            "PA3": self.pa3,
            "PA4": self.pa4,
            "PA5": self.pa5,
            "PA7": self.pa7,
            "LA1": self.la1,
        }

    def at(self, line: SourceLine, record: str) -> None:
        self.number, self.part, self.record = line.number, line.part, record

    def run(self) -> AuditRead:
        lines = self.lines
        first, last = lines[0], lines[-1]
        self.at(first, first.text.split("*", 1)[0].strip())
        if self.record != "DXS":
            raise self.invalid(None, "DXS, the line every audit file starts with", first.text[:40])
        self.dxs(first.text.split("*"))
        self.scale(lines)
        handlers = self.handlers
        for index in range(1, len(lines)):
            line = lines[index]
            fields = line.text.split("*")
            record = fields[0].strip()
            self.number, self.part, self.record = line.number, line.part, record
            handler = handlers.get(record)
            if handler is not None:
                handler(fields)
            elif record in _STRUCTURE:
                self.structure(index, record, fields)
            elif _STANDARD_RECORD.fullmatch(record):
                self.unread.add(record)
            else:
                seen = self.unknown.get(record)
                self.unknown[record] = (line.number, 1) if seen is None else (seen[0], seen[1] + 1)
        self.at(last, last.text.split("*", 1)[0].strip())
        if self.record != "DXE":
            raise self.invalid(None, "DXE, the line every audit file ends with (a read cut short?)", last.text[:40])
        return self.result()

    # --- structure -------------------------------------------------------------------------------------------

    def dxs(self, fields: list[str]) -> None:
        self.dxs_id = self.text(fields, 1)
        self.dex_version = self.text(fields, 3)

    def structure(self, index: int, record: str, fields: list[str]) -> None:
        if record == "ST":
            if self.block_start is not None:
                opened = self.lines[self.block_start].number
                raise self.invalid(None, f"SE closing the transaction set opened on line {opened} before a new ST")
            self.block_start = index
            self.blocks += 1
        elif record == "SE":
            if self.block_start is None:
                raise self.invalid(None, "an ST before SE (SE closes a transaction set)")
            stated = self.whole(fields, 1, "number of included segments")
            counted = index - self.block_start + 1
            if stated is not None and stated != counted:
                self.warnings.append(
                    f"line {self.number}: SE says the transaction set holds {stated} lines; it holds {counted}"
                )
            self.block_start = None
        elif record == "G85":
            self.g85(index, fields)
        elif record == "LS":
            self.loops.append((self.text(fields, 1), self.number))
        elif record == "LE":
            loop = self.text(fields, 1)
            if not self.loops or self.loops[-1][0] != loop:
                opened = f"LS*{self.loops[-1][0]} (line {self.loops[-1][1]})" if self.loops else "no loop"
                self.warnings.append(f"line {self.number}: LE*{loop} does not close the open loop ({opened})")
            if self.loops and self.loops[-1][0] == loop:
                self.loops.pop()
        elif record == "DXE":
            if index != len(self.lines) - 1:
                self.at(self.lines[index + 1], self.lines[index + 1].text.split("*", 1)[0].strip())
                raise self.invalid(None, "nothing after DXE (one file holds one read)", self.lines[index + 1].text[:40])
            sets = self.whole(fields, 2, "number of transaction sets")
            if self.blocks and sets is not None and sets != self.blocks:
                self.warnings.append(
                    f"line {self.number}: DXE says {sets} transaction sets; the file holds {self.blocks}"
                )
        elif record == "DXS":
            raise self.invalid(None, "one DXS per file (a second read starts here)")

    def g85(self, index: int, fields: list[str]) -> None:
        """Checks the CRC over the lines after DXS (or, in a later transaction set, from its own ST)."""
        stated = self.text(fields, 1)
        check = CrcCheck(stated, crc16_arc(self.covered(1, index)))
        if not check.verified and self.block_start not in (None, 1):
            block_check = CrcCheck(stated, crc16_arc(self.covered(self.block_start, index)))
            if block_check.verified or block_check.bytes_swapped:
                check = block_check
        self.crc_results.append(check.verified)
        if not check.verified:
            self.warnings.append(check.warning(self.number))

    def covered(self, start: int, end: int) -> bytes:
        """The bytes a G85 covers: lines ``start`` to ``end`` (exclusive), each with CR LF, in the file's codec."""
        return "".join(line.text + "\r\n" for line in self.lines[start:end]).encode(self.codec)

    def scale(self, lines: list[SourceLine]) -> None:
        """Reads ``ID4`` before anything else, wherever it stands: every amount is scaled by its decimals."""
        for line in lines:
            if line.text.startswith("ID4"):
                fields = line.text.split("*")
                if fields[0].strip() != "ID4":
                    continue
                self.at(line, "ID4")
                decimals = self.whole(fields, 1, "decimal point position")
                if decimals is not None and decimals > MAX_DECIMALS:
                    raise self.invalid(
                        1, f"0 to {MAX_DECIMALS} decimal places", str(decimals), "decimal point position"
                    )
                if decimals is None:
                    self.warnings.append(
                        f"line {line.number}: ID4 gives no decimal places: amounts read with {DEFAULT_DECIMALS}"
                    )
                    decimals = DEFAULT_DECIMALS
                numeric = self.whole(fields, 2, "currency numeric code")
                letters = self.text(fields, 3)
                self.decimals = decimals
                self.currency, notes = currency_of(numeric, letters)
                self.warnings.extend(f"line {line.number}: {note}" for note in notes)
                self.id4 = (decimals, self.currency, letters)
                return
        self.warnings.append(
            f"no ID4 line: amounts read with {DEFAULT_DECIMALS} decimal places and no currency ({NO_CURRENCY})"
        )

    # --- identity and counters -------------------------------------------------------------------------------

    def id1(self, fields: list[str]) -> None:
        machine = MachineIdentity(
            self.dxs_id,
            serial=self.text(fields, 1),
            model=self.text(fields, 2),
            build=self.text(fields, 3),
            location=self.text(fields, 4),
            asset=self.text(fields, 6),
        )
        if self.machine is None:
            self.machine, self.identity_line = machine, self.number
        elif machine != self.machine:
            self.warnings.append(
                f"line {self.number}: a second ID1 (serial {machine.serial!r}) differs from the one on line "
                f"{self.identity_line} (serial {self.machine.serial!r}); the first is kept"
            )

    def id4_again(self, fields: list[str]) -> None:
        decimals = self.whole(fields, 1, "decimal point position")
        if self.id4 is not None and decimals is not None and decimals != self.id4[0]:
            raise self.invalid(1, f"the same decimal places as the first ID4 ({self.id4[0]})", str(decimals))

    def id5(self, fields: list[str]) -> None:
        moment = self.moment(fields, 1, 2, "machine clock")
        if self.clock_at is None:
            self.clock_at = moment

    def ea3(self, fields: list[str]) -> None:
        counters = ReadCounters(
            reads_with_reset=self.whole(fields, 1, "reads with reset since initialisation"),
            read_at=self.moment(fields, 2, 3, "this read"),
            interrogator=self.text(fields, 4),
            previous_read_at=self.moment(fields, 5, 6, "previous read"),
            previous_interrogator=self.text(fields, 7),
            reads_since_init=self.whole(fields, 9, "reads since initialisation"),
            resets_since_init=self.whole(fields, 10, "resets since initialisation"),
        )
        if self.counters is None:
            self.counters = counters
        elif counters != self.counters:
            self.warnings.append(f"line {self.number}: a second EA3 differs from the first; the first is kept")

    def va(self, fields: list[str]) -> None:
        what = {"VA1": "paid vends", "VA2": "test vends", "VA3": "free vends"}[self.record]
        if self.record in self.machine_totals:
            raise self.invalid(None, f"one {self.record} per read")
        self.machine_totals[self.record] = self.totals_or_none(fields, what)

    def device_totals(self, fields: list[str]) -> None:
        device = self.record[:2]
        if device in self.payment_totals:
            raise self.invalid(None, f"one {self.record} per read")
        totals = self.totals_or_none(fields, f"{PAYMENT_DEVICES[device]} sales")
        if totals is not None:
            self.payment_totals[device] = totals

    def totals_or_none(self, fields: list[str], what: str) -> VendTotals | None:
        return self.totals(fields, 1, what, value_first=True)

    # --- selections ------------------------------------------------------------------------------------------

    def pa1(self, fields: list[str]) -> None:
        selection = self.text(fields, 1)
        if not selection:
            raise self.invalid(1, "a selection number (e.g. 12 or A1)", "", "selection")
        earlier = self.selections.get(selection)
        if earlier is not None:
            raise self.invalid(1, f"each selection once (selection {selection} began on line {earlier.first_line})")
        self.current = self.selections[selection] = _Selection(
            selection,
            self.price(fields, 2, "price"),
            self.text(fields, 3),
            self.whole(fields, 4, "capacity"),
            self.number,
        )

    def belonging(self, key: str) -> _Selection:
        """The selection the line belongs to (the last ``PA1``), which must not have had this record yet."""
        current = self.current
        if current is None:
            raise self.invalid(None, f"a PA1 before {self.record} (whose selection is it?)")
        seen = current.seen.get(key)
        if seen is not None:
            raise self.invalid(None, f"one {self.record} per selection ({current.selection} had one on line {seen})")
        current.seen[key] = self.number
        return current

    def pa2(self, fields: list[str]) -> None:
        current = self.belonging("PA2")
        current.paid = self.totals(fields, 1, "paid vends")
        current.discounts = self.totals(fields, 5, "discounted vends")
        current.surcharges = self.totals(fields, 9, "surcharged vends")

    def pa3(self, fields: list[str]) -> None:
        self.belonging("PA3").test_vends = self.totals(fields, 1, "test vends")

    def pa4(self, fields: list[str]) -> None:
        self.belonging("PA4").free_vends = self.totals(fields, 1, "free vends")

    def pa5(self, fields: list[str]) -> None:
        last_at = self.moment(fields, 1, 2, "last sold out")
        count = self.whole(fields, 3, "times sold out")
        self.belonging("PA5").sold_out = None if last_at is None and count is None else SoldOut(last_at, count)

    def named_selection(self, fields: list[str], index: int) -> _Selection:
        found = self.selections.get(fields[index]) if index < len(fields) else None
        if found is not None:
            return found
        selection = self.text(fields, index)
        found = self.selections.get(selection)
        if found is None:
            raise self.invalid(index, "a selection that a PA1 above has opened", selection, "selection")
        return found

    def pa7(self, fields: list[str]) -> None:
        selection = self.named_selection(fields, 1)
        device = fields[2] if len(fields) > 2 else ""
        if device not in PAYMENT_DEVICES:
            device = device.strip()
        if device not in PAYMENT_DEVICES:
            raise self.invalid(2, "a payment device: CA, DA, DB or TA", device, "payment device")
        price_list = self.whole(fields, 3, "price list")
        seen = selection.payment_keys.get((device, price_list))
        if seen is not None:
            raise self.invalid(2, f"one PA7 per device and price list ({device} was on line {seen})", device)
        selection.payment_keys[(device, price_list)] = self.number
        selection.payments.append(
            PaymentSplit(
                device,
                price_list,
                self.price(fields, 4, "applied price"),
                self.totals(fields, 5, f"{PAYMENT_DEVICES[device]} vends"),
            )
        )

    def la1(self, fields: list[str]) -> None:
        price_list = self.whole(fields, 1, "price list")
        if price_list is None:
            raise self.invalid(1, "a price list number", "", "price list")
        selection = self.named_selection(fields, 2)
        if any(entry.price_list == price_list for entry in selection.price_lists):
            raise self.invalid(1, f"one LA1 per selection and price list (list {price_list} came before)")
        selection.price_lists.append(
            PriceListEntry(
                price_list,
                self.price(fields, 3, "price"),
                self.whole(fields, 4, "paid vends since initialisation"),
                self.whole(fields, 5, "paid vends since last reset"),
            )
        )

    # --- the result ------------------------------------------------------------------------------------------

    def result(self) -> AuditRead:
        if self.block_start is not None:
            self.warnings.append(f"the transaction set opened on line {self.lines[self.block_start].number} has no SE")
        for loop, line in self.loops:
            self.warnings.append(f"line {line}: LS*{loop} is never closed by LE*{loop}")
        for record, (line, count) in self.unknown.items():
            times = f"{count} lines from line {line}" if count > 1 else f"line {line}"
            self.warnings.append(f"unknown record {record!r} ({times}) ignored")
        totals = self.machine_totals
        return AuditRead(
            machine=self.machine if self.machine is not None else MachineIdentity(self.dxs_id),
            dex_version=self.dex_version,
            currency=self.currency,
            decimals=self.decimals,
            selections={name: selection.freeze() for name, selection in self.selections.items()},
            clock_at=self.clock_at,
            counters=self.counters,
            totals=MachineTotals(totals.get("VA1"), totals.get("VA2"), totals.get("VA3")),
            payment_totals=self.payment_totals,
            crc_verified=all(self.crc_results) if self.crc_results else None,
            warnings=tuple(self.warnings),
            unread_records=tuple(sorted(self.unread)),
        )
