"""An export read into sale lines and refused rows: every row either becomes a line or is refused with its line
number and the reason, so an import can be all or nothing.

Dates: an export such as Seed's gives a day only. A line keeps its day (and its time when the file has one); the
storage side places a day-only sale at noon in the mapping's time zone (else this computer's) and stores it in UTC.
Fingerprints: each line's mapped cells, hashed, with the count of identical lines before it in the file (two equal
cash vends of a day are two sales), so importing the same file again finds every line already present.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from designer.command_outcomes import RequestInvalid
from designer.sales_exports.columns import FIELD_WORDS, SEED, ColumnMapping, looks_like_seed
from designer.sales_exports.tables import Cell, ExportTable, open_table

MAX_QUANTITY = 1_000
"""More units than this on one line is a typo, not a vend."""
MAX_PRICE = Decimal("100000")
PAYMENTS = {"cash": "cash", "credit": "card", "card": "card", "debit": "card", "cashless": "card", "mobile": "card"}
"""The payment types exports write, in our two words (anything else is kept lower-cased)."""


@dataclass(slots=True)
class SaleLine:
    """One line of the export, read: what sold, where, when, in which basket, for how much."""

    line_number: int
    machine: str
    device_key: str
    location: str
    product: str
    category: str
    basket: str  # the export's transaction; "" when it has none (the line is its own basket)
    sold_on: date
    sold_time: time | None  # None: the export gives the day only
    payment: str
    coil: str
    quantity: int
    unit_price: Decimal
    fingerprint: bytes = b""


@dataclass(frozen=True, slots=True)
class RefusedRow:
    line_number: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line_number, "reason": self.reason}


@dataclass
class ParsedExport:
    """What a file holds: its lines, its refused rows and how many rows were read (blank rows are not counted)."""

    source: str
    header: list[str]
    lines: list[SaleLine] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)
    rows_read: int = 0

    def machines(self) -> list[str]:
        return sorted({line.machine for line in self.lines})

    def products(self) -> list[str]:
        return sorted({line.product for line in self.lines})

    def device_keys(self) -> dict[str, str]:
        """Each machine's telemetry device id (its last line's)."""
        return {line.machine: line.device_key for line in self.lines}

    def coils_by_machine(self) -> dict[str, set[str]]:
        seen: dict[str, set[str]] = {}
        for line in self.lines:
            seen.setdefault(line.machine, set()).add(line.coil)
        return seen

    def multi_line_baskets(self) -> int:
        """Baskets holding more than one line: the only ones that say what is bought together."""
        sizes = Counter((line.machine, line.basket) for line in self.lines if line.basket)
        return sum(1 for size in sizes.values() if size > 1)


class Stop(Exception):
    """Raised by a progress callback to stop reading (the person pressed Cancel)."""


def read_export(
    path: Path,
    mapping: ColumnMapping | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> ParsedExport:
    """Read ``path`` (CSV or XLSX) by ``mapping`` (None: the Seed layout, which must then match the header)."""
    table = open_table(path)
    if mapping is None:
        if not looks_like_seed(table.header):
            raise RequestInvalid(
                f"{path.name} is not a Seed/ePort export (its header lacks "
                f"{', '.join(SEED.missing_from(table.header)) or 'Transaction'}); map its columns with --format "
                "MAPPING.json (File → Import sales… saves one)"
            )
        mapping = SEED
    return parse_table(table, mapping, progress=progress)


def parse_table(
    table: ExportTable, mapping: ColumnMapping, *, progress: Callable[[int], None] | None = None
) -> ParsedExport:
    """Every row of ``table`` as a line or a refusal; ``progress(rows_read)`` is called every 10,000 rows."""
    missing = mapping.missing_from(table.header)
    if missing:
        raise RequestInvalid([f"the file has no column for the {name}" for name in missing])
    reader = _RowReader(table.header, mapping)
    parsed = ParsedExport(mapping.source, table.header)
    seen: Counter[bytes] = Counter()
    for number, cells in table.rows:
        if not any(cell for cell in cells if not isinstance(cell, str) or cell.strip()):
            continue
        parsed.rows_read += 1
        if progress is not None and parsed.rows_read % 10_000 == 0:
            progress(parsed.rows_read)
        line = reader.line(number, cells)
        if isinstance(line, RefusedRow):
            parsed.refused.append(line)
            continue
        base = _fingerprint(line)
        seen[base] += 1
        line.fingerprint = (
            base if seen[base] == 1 else hashlib.blake2b(base + seen[base].to_bytes(4, "big"), digest_size=16).digest()
        )
        parsed.lines.append(line)
    return parsed


def _fingerprint(line: SaleLine) -> bytes:
    text = "\x1f".join(
        (
            line.machine,
            line.device_key,
            line.product,
            line.coil,
            line.basket,
            line.sold_on.isoformat(),
            line.sold_time.isoformat() if line.sold_time else "",
            str(line.quantity),
            str(line.unit_price),
            line.payment,
        )
    )
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class _RowReader:
    """Reads one row by the mapping, with caches: a million rows share a few hundred dates, prices and names."""

    def __init__(self, header: Sequence[str], mapping: ColumnMapping) -> None:
        where = {name: index for index, name in reversed(list(enumerate(header)))}
        self.columns = {
            name: [where[column] for column in columns if column in where] for name, columns in mapping.columns.items()
        }
        self.mapping = mapping
        self.accepted = {status.strip().lower() for status in mapping.accepted_status}
        self.dates: dict[str, tuple[date, time | None] | None] = {}
        self.prices: dict[str, Decimal | None] = {}
        self.names: dict[str, str] = {}

    def cell(self, cells: Sequence[Cell], name: str) -> Cell:
        for index in self.columns.get(name, ()):
            if index < len(cells):
                value = cells[index]
                if not isinstance(value, str):
                    return value
                value = value.strip()
                if value:
                    return value
        return ""

    def text(self, cells: Sequence[Cell], name: str) -> str:
        value = self.cell(cells, name)
        value = value if isinstance(value, str) else value.isoformat()
        return self.names.setdefault(value, value)

    def line(self, number: int, cells: Sequence[Cell]) -> SaleLine | RefusedRow:
        if self.accepted:
            status = self.text(cells, "status")
            if status.lower() not in self.accepted:
                wanted = " or ".join(self.mapping.accepted_status)
                return RefusedRow(number, f"status {status or '(blank)'!r} is not {wanted}: not a settled sale")
        blank = [
            FIELD_WORDS[name]
            for name in ("machine", "product", "coil", "date", "price")
            if self.cell(cells, name) == ""
        ]
        if blank:
            return RefusedRow(number, f"no {', no '.join(blank)}")
        coil = self.text(cells, "coil")
        if not coil.isdigit():
            return RefusedRow(number, f"coil {coil!r} is not a number such as 148")
        when = self._date(self.cell(cells, "date"))
        if when is None:
            return RefusedRow(
                number,
                f"date {self.text(cells, 'date')!r} is not a date (e.g. 1/1/2022, "
                "Saturday, January 1, 2022 or 2022-01-01)",
            )
        price_text = self.text(cells, "price")
        price = self._price(price_text)
        if price is None:
            return RefusedRow(number, f"unit price {price_text!r} is not an amount from 0 to {MAX_PRICE:,}")
        quantity_text = self.text(cells, "quantity") or "1"
        quantity = int(quantity_text) if quantity_text.isdigit() else 0
        if not 1 <= quantity <= MAX_QUANTITY:
            return RefusedRow(number, f"quantity {quantity_text!r} is not a whole number from 1 to {MAX_QUANTITY:,}")
        payment = self.text(cells, "payment_type")
        return SaleLine(
            number,
            self.text(cells, "machine"),
            self.text(cells, "device_key"),
            self.text(cells, "location"),
            self.text(cells, "product"),
            self.text(cells, "category"),
            self.text(cells, "basket"),
            when[0],
            when[1],
            PAYMENTS.get(payment.lower(), payment.lower()),
            coil,
            quantity,
            price,
        )

    def _date(self, value: Cell) -> tuple[date, time | None] | None:
        if isinstance(value, datetime):
            return value.date(), (value.time() if value.time() != time(0) else None)
        if isinstance(value, date):
            return value, None
        if value in self.dates:
            return self.dates[value]
        found: tuple[date, time | None] | None = None
        for pattern in self.mapping.date_formats:
            try:
                moment = datetime.strptime(value, pattern)
            except ValueError:
                continue
            found = (moment.date(), moment.time() if "%H" in pattern else None)
            break
        self.dates[value] = found
        return found

    def _price(self, text: str) -> Decimal | None:
        if text not in self.prices:
            try:
                amount = Decimal(text.lstrip("$€£").replace(",", ""))
            except InvalidOperation:
                amount = None
            self.prices[text] = (
                amount if amount is not None and amount.is_finite() and 0 <= amount <= MAX_PRICE else None
            )
        return self.prices[text]


def refused_lines(rows: Iterable[RefusedRow]) -> list[dict[str, object]]:
    return [row.to_json() for row in rows]
