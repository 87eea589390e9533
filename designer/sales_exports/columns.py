"""Which column of a sales export holds what: the Cantaloupe Seed / ePort layout built in, any other saved per source.

A mapping names, for each field a sale needs, the column (or columns, the first non-blank wins) that holds it. The
Seed layout reads the machine's own coil, price and quantity (``RCoil``/``RPrice``/``RQty``) and falls back on the
back office's mapped copies (``MCoil``/…) when a machine's copy is blank. Mappings are saved as JSON, one per source,
so the operator picks columns once per telemetry supplier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from designer.command_outcomes import RequestInvalid

REQUIRED_FIELDS = ("machine", "product", "coil", "date", "price")
"""Without these a line cannot become a sale on a slot: which machine, what, where in it, when, at what price."""
OPTIONAL_FIELDS = ("basket", "quantity", "payment_type", "device_key", "location", "category", "status")
"""A missing basket makes every line its own basket; a missing quantity is 1; a missing status accepts every line."""
FIELD_WORDS = {
    "machine": "machine",
    "product": "product",
    "coil": "coil (selection)",
    "date": "date",
    "price": "unit price",
    "basket": "basket (transaction)",
    "quantity": "quantity",
    "payment_type": "payment type",
    "device_key": "telemetry device id",
    "location": "location",
    "category": "category",
    "status": "status",
}
"""How the mapping dialog and the refusals name each field."""
DATE_FORMATS = ("%m/%d/%Y", "%A, %B %d, %Y", "%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S")
"""Both Seed spellings (``1/1/2022`` and ``Saturday, January 1, 2022``), ISO dates, and dates with a time."""


@dataclass(frozen=True)
class ColumnMapping:
    """For each field, the header names that may hold it (first non-blank wins); ``accepted_status`` are the status
    values a line must carry to count (empty: any)."""

    source: str
    columns: Mapping[str, tuple[str, ...]]
    date_formats: tuple[str, ...] = DATE_FORMATS
    accepted_status: tuple[str, ...] = ()
    currency: str = "USD"
    time_zone: str | None = None  # None: this computer's zone; the export's dates are read as local days there
    version: int = field(default=1)

    def missing_from(self, header: Sequence[str]) -> list[str]:
        """The required fields none of whose columns the header has, in the user's words."""
        present = set(header)
        return [
            f"{FIELD_WORDS[name]} (column {' or '.join(repr(c) for c in self.columns.get(name, ())) or 'not chosen'})"
            for name in REQUIRED_FIELDS
            if not present.intersection(self.columns.get(name, ()))
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "source": self.source,
            "columns": {name: list(names) for name, names in self.columns.items()},
            "date_formats": list(self.date_formats),
            "accepted_status": list(self.accepted_status),
            "currency": self.currency,
            "time_zone": self.time_zone,
        }


SEED = ColumnMapping(
    source="seed",
    columns={
        "machine": ("Machine",),
        "product": ("Product",),
        "coil": ("RCoil", "MCoil"),
        "date": ("TransDate",),
        "price": ("RPrice", "MPrice"),
        "basket": ("Transaction",),
        "quantity": ("RQty", "MQty"),
        "payment_type": ("Type",),
        "device_key": ("Device ID",),
        "location": ("Location",),
        "category": ("Category",),
        "status": ("Status",),
    },
    accepted_status=("Processed",),
)
"""The Cantaloupe Seed / ePort transaction export (``Status, Device ID, Location, Machine, Product, Category,
Transaction, TransDate, Type, RCoil, RPrice, RQty, MCoil, MPrice, MQty, LineTotal, TransTotal, Prcd Date``)."""


def looks_like_seed(header: Sequence[str]) -> bool:
    """Whether a header is the Seed export's (its required columns all present)."""
    return not SEED.missing_from(header) and "Transaction" in header


def mapping_from_json(data: object, *, where: str = "the mapping") -> ColumnMapping:
    """A mapping from its JSON form; a wrong one raises :class:`RequestInvalid` naming the fix."""
    if not isinstance(data, dict):
        raise RequestInvalid(f"{where} is not a JSON object with 'columns'; save one from File → Import sales…")
    columns = data.get("columns")
    if not isinstance(columns, dict):
        raise RequestInvalid(f"{where} has no 'columns' object naming the column of each field")
    known = set(REQUIRED_FIELDS) | set(OPTIONAL_FIELDS)
    problems = [
        f"{where}: unknown field {name!r} (known: {', '.join(sorted(known))})" for name in columns if name not in known
    ]
    chosen: dict[str, tuple[str, ...]] = {}
    for name, value in columns.items():
        names = (value,) if isinstance(value, str) else value
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) and n for n in names):
            problems.append(f"{where}: field {name!r} must name a column (text) or a list of columns")
            continue
        if names:
            chosen[name] = tuple(names)
    problems += [
        f"{where}: no column chosen for the {FIELD_WORDS[name]}" for name in REQUIRED_FIELDS if name not in chosen
    ]
    if problems:
        raise RequestInvalid(problems)
    kwargs: dict[str, object] = {}
    for item in fields(ColumnMapping):
        if item.name in ("date_formats", "accepted_status") and isinstance(data.get(item.name), list):
            kwargs[item.name] = tuple(str(v) for v in data[item.name])
        elif item.name in ("currency", "time_zone") and isinstance(data.get(item.name), str):
            kwargs[item.name] = data[item.name]
    return ColumnMapping(source=str(data.get("source") or "mapping"), columns=chosen, **kwargs)  # type: ignore[arg-type]


def load_mapping(path: Path) -> ColumnMapping:
    """A saved mapping file; an unreadable one raises :class:`RequestInvalid`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise RequestInvalid(f"the mapping {path} cannot be read as JSON ({problem})") from None
    return mapping_from_json(data, where=f"the mapping {path.name}")


def save_mapping(mapping: ColumnMapping, path: Path) -> None:
    """Write the mapping as JSON (a temp file replaced in one step: a crash never leaves half a mapping)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(json.dumps(mapping.to_json(), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
