"""Planograms as files: CSV and JSON export, validated import, and the content hash printed on field sheets.

Exports hold no timestamps, so the same version always gives the same bytes. Imports are all or nothing:
a file becomes a validated :class:`Planogram` or raises :class:`PlanogramFileInvalid` listing every problem
with the line (CSV) or slot entry (JSON) it was found on; the slot rules themselves are
:func:`designer.validation.slots_from_entries`, shared with every other way slots come in.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from designer.cabinets import Cabinet, CabinetTooLarge, check_cabinet_size
from designer.input_gate import InputRefused, Limits, load_json
from designer.planograms import Planogram, PlanogramStatus, Slot, planogram_to_dict
from designer.positions import MAX_COLUMNS, MAX_ROWS, Position, PositionError
from designer.products import Catalogue
from designer.validation import PlanogramInvalid, Problem, slots_from_entries

FORMAT = "planogram-studio/planogram"
FORMAT_VERSION = 1
CSV_COLUMNS = (
    "position",
    "product_id",
    "product_name",
    "cash_price",
    "quantity",
    "capacity",
    "par_level",
    "selection_code",
    "card_price",
)
PRICE_COLUMNS = ("cash_price", "card_price")
OLD_CASH_PRICE = "price"  # files exported before card prices name the cash price so; they import as before
REQUIRED_CSV_COLUMNS = ("position", "product_id")
STAMP_CSV_COLUMNS = ("version", "status")  # which version an exported file holds; read back, never imported
DRAFT_STAMP = "DRAFT — not approved"
NUMBER_COLUMNS = ("quantity", "capacity", "par_level")
HASH_LENGTH = 10
MAX_FILE_BYTES = 2_000_000  # a full 10 × 20 cabinet exports to about 30 kB
PROGRESS_EVERY = 1_000  # lines (or slot entries) between two progress reports
MAX_PROBLEMS = 50  # listed of a refused file; the rest are counted
PLACES_NAMED = 5  # lines (or slot entries) named for one problem; the rest are counted
STRAY_POSITIONS = 10  # more slots than this beyond 10 × 20 means the file is laid out for a larger cabinet
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula
Progress = Callable[[float], None]
_WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """How people recognise the machine a file or sheet is for."""

    id: int
    name: str
    asset_number: str
    location_name: str


class PlanogramFileInvalid(PlanogramInvalid):
    """A file that cannot become a planogram; nothing was imported. Lists the first :data:`MAX_PROBLEMS`
    problems found and counts the rest: a person fixes a file from its first problems, and a file of
    thousands of bad lines must not take minutes (or gigabytes) to describe."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        unique = list(dict.fromkeys(problems))
        super().__init__(unique[:MAX_PROBLEMS])
        self.more = len(unique) - len(self.problems)
        self.source = source

    def __str__(self) -> str:
        count = len(self.problems) + self.more
        listing = "\n".join(f"- {problem}" for problem in self.problems)
        if self.more:
            listing += f"\n- … and {self.more} more problem{'s' * (self.more != 1)} after these"
        return f"{self.source} was not imported (nothing changed); {count} problem{'s' * (count != 1)}:\n{listing}"


# --- identity -------------------------------------------------------------------------------------


def content_hash(planogram: Planogram) -> str:
    """A short fingerprint of what was approved: which product stands where, at which capacity, par level and
    (where the slot has its own) cash price, card price and selection code.

    Covers the planogram id, the version and the filled slots. Stock quantities are left out on purpose:
    they change at every visit while the approved layout does not. Empty slots count as absent, so a slot
    stored as "empty" and one never filled give the same hash.
    """
    canonical = {
        "planogram": planogram.planogram_id,
        "version": planogram.version,
        "slots": [
            # a slot's own price is part of what was approved; catalogue-priced slots hash as before prices existed
            [slot.position.label, slot.product_id, slot.capacity, slot.par_level, *_own_price(slot), *_own_extras(slot)]
            for slot in planogram.filled_slots()
        ],
    }
    text = json.dumps(canonical, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _own_price(slot: Slot) -> list[float]:
    return [] if slot.price is None else [round(slot.price, 2)]


def _own_extras(slot: Slot) -> list[object]:
    """A card price and a selection code of the slot's own; slots with neither hash as before they existed."""
    if slot.card_price is None and slot.selection_code is None:
        return []
    return [{"card": None if slot.card_price is None else round(slot.card_price, 2), "code": slot.selection_code}]


def version_label(planogram: Planogram) -> str:
    """``v2 (active)`` or ``v3 (draft)``: how every sheet and file names the version it holds."""
    return f"v{planogram.version} ({planogram.status.value})"


def not_approved_stamp(planogram: Planogram) -> str | None:
    """The warning every page of a sheet carries when it holds anything but the approved (active) version.

    A driver must never load from a printout that differs from what was approved without it saying so.
    """
    if planogram.status is PlanogramStatus.DRAFT:
        return DRAFT_STAMP
    if planogram.status is PlanogramStatus.ARCHIVED:
        return "ARCHIVED — no longer approved"
    return None


# --- export ---------------------------------------------------------------------------------------


def _slot_rows(planogram: Planogram, catalogue: Catalogue) -> list[dict[str, object]]:
    """The stored slots in reading order, with the product's name, the selection code the machine sells it under
    and the prices it sells at for cash and by card (what to set on the machine, defaults included)."""
    rows = []
    for entry in planogram_to_dict(planogram)["slots"]:  # type: ignore[attr-defined]
        product = catalogue.get(entry["product_id"]) if entry["product_id"] is not None else None
        slot = planogram.slots[Position.parse(entry["position"])]
        rows.append(
            {
                "position": entry["position"],
                "product_id": entry["product_id"],
                "product_name": product.name if product else None,
                "cash_price": round(slot.cash_price(product.price), 2) if product else None,
                "quantity": entry["quantity"],
                "capacity": entry["capacity"],
                "par_level": entry["par_level"],
                "selection_code": planogram.selection_code(slot.position),
                "card_price": round(slot.card_price_or_cash(product.price), 2) if product else None,
            }
        )
    return rows


def planogram_to_json(
    planogram: Planogram, cabinet: Cabinet, catalogue: Catalogue, device: DeviceIdentity | None = None
) -> str:
    """The planogram with its machine, cabinet and content hash; importing it gives an equal planogram."""
    document: dict[str, object] = {"format": FORMAT, "format_version": FORMAT_VERSION}
    document.update(planogram_to_dict(planogram))
    if device is not None:
        document["device"] = {
            "id": device.id,
            "name": device.name,
            "asset_number": device.asset_number,
            "location_name": device.location_name,
        }
    document["cabinet"] = {
        "index": cabinet.index,
        "name": cabinet.name,
        "rows": cabinet.rows,
        "columns": cabinet.columns,
        "zone": cabinet.zone.value,
    }
    document["content_hash"] = content_hash(planogram)
    document["draft"] = planogram.status is PlanogramStatus.DRAFT
    document["version_label"] = version_label(planogram)
    document["slots"] = _slot_rows(planogram, catalogue)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def planogram_to_csv(planogram: Planogram, catalogue: Catalogue, *, stamped: bool = False) -> str:
    """One line per stored slot under the header ``position,product_id,product_name,cash_price,…``; empty cells for
    an empty slot's product and prices. ``stamped`` adds the ``version`` and ``status`` columns, so a file handed to the
    field says on every line whether it holds the active version or a draft (the import skips them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # Python's writer quotes a field holding "\n" (the line end) but not a bare "\r", which a spreadsheet or our
    # own reader then takes as a line break: such a row is written with every field quoted.
    quoting_all = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS + (STAMP_CSV_COLUMNS if stamped else ()))
    stamp = [planogram.version, planogram.status.value] if stamped else []
    for row in _slot_rows(planogram, catalogue):
        cells = [
            "" if row[column] is None else (f"{row[column]:.2f}" if column in PRICE_COLUMNS else row[column])
            for column in CSV_COLUMNS
        ]
        cells[CSV_COLUMNS.index("product_name")] = neutralised(str(cells[CSV_COLUMNS.index("product_name")]))
        (quoting_all if any("\r" in str(cell) for cell in cells) else writer).writerow(cells + stamp)
    return buffer.getvalue()


def neutralised(text: str) -> str:
    """A text cell a spreadsheet will show as text, never run as a formula (OWASP's CSV-injection advice): a
    leading ``= + - @``, tab or carriage return gets a ``'`` before it. :func:`as_written` takes it off again."""
    return f"'{text}" if text[:1] in FORMULA_TRIGGERS else text


def as_written(cell: str) -> str:
    """The text :func:`neutralised` was given: a ``'`` before a formula trigger is ours, not the name's."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_TRIGGERS else cell


# --- import ---------------------------------------------------------------------------------------


def import_planogram_file(
    path: str | Path, cabinet: Cabinet, catalogue: Catalogue, *, progress: Progress | None = None
) -> Planogram:
    """Read a CSV or JSON planogram file for ``cabinet``; the kind follows the suffix, or the content without one.

    ``progress`` is told the share of the file read so far, every :data:`PROGRESS_EVERY` lines; it may raise to
    stop the import (a person's Cancel), and nothing is imported then."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PlanogramFileInvalid(
            path.name,
            [
                Problem(
                    None,
                    f"the file cannot be read ({error.strerror or error})",
                    "check the path and that you may read it",
                )
            ],
        ) from None
    kind = path.suffix.lower().lstrip(".") or None
    return read_planogram(data, cabinet, catalogue, source=path.name, kind=kind, progress=progress)


def read_planogram(
    data: bytes,
    cabinet: Cabinet,
    catalogue: Catalogue,
    *,
    source: str = "the file",
    kind: str | None = None,
    progress: Progress | None = None,
) -> Planogram:
    """Bytes of a CSV or JSON planogram → a validated planogram for ``cabinet``, or :class:`PlanogramFileInvalid`."""
    text = _decode(data, source)
    if kind not in ("csv", "json"):
        kind = "json" if text.lstrip()[:1] in ("{", "[") else "csv"
    if kind == "json":
        return planogram_from_json(text, cabinet, catalogue, source=source, progress=progress)
    return planogram_from_csv(text, cabinet, catalogue, source=source, progress=progress)


def _decode(data: bytes, source: str) -> str:
    def refuse(problem: str, fix: str) -> PlanogramFileInvalid:
        return PlanogramFileInvalid(source, [Problem(None, problem, fix)])

    export_again = "export the planogram again from Planogram Studio, or save the sheet as 'CSV UTF-8'"
    if len(data) > MAX_FILE_BYTES:
        raise refuse(
            f"the file is {len(data) / 1_000_000:.1f} MB; a planogram file is a few kilobytes",
            "check that you chose the right file",
        )
    if not data.strip():
        raise refuse("the file is empty", export_again)
    if b"\x00" in data:
        raise refuse("the file holds binary data (it contains NUL bytes), not CSV or JSON text", export_again)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse(
            f"the file is not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start} cannot be read",
            export_again,
        ) from None


def _whole_number(cell: str) -> int | None:
    return int(cell) if _WHOLE_NUMBER.match(cell) else None


def _name_problem(where: str, entry: Mapping[str, object], name: object, catalogue: Catalogue) -> Problem | None:
    """A product name that contradicts the product id: the id decides, so a mismatch means one of them is wrong."""
    product_id = entry.get("product_id")
    if name in (None, "") or not isinstance(product_id, int) or product_id not in catalogue:
        return None
    if not isinstance(name, str):
        return Problem(None, f"{where}: product name {name!r} is not text", "write the name as text, or leave it out")
    actual = catalogue[product_id].name
    if name.strip().casefold() == actual.strip().casefold():
        return None
    return Problem(
        None,
        f"{where}: {name!r} is not the name of product {product_id} ({actual})",
        "correct the product id, or clear the product name to go by the id alone",
    )


def _slot_keys(text: object) -> list[str]:
    """The labels :func:`slots_from_entries` may name this entry's problems by: as written and as parsed."""
    keys = [text if isinstance(text, str) else repr(text)]
    with contextlib.suppress(PositionError):
        keys.append(Position.parse(text).label)
    return list(dict.fromkeys(keys))


def _where(unit: str, numbers: Sequence[int]) -> str:
    """``line 7``, ``lines 3 and 9``, ``slot entries 2, 5 and 8``, ``lines 1, 2, 3, 4, 5 and 3,995 more``."""
    if len(numbers) == 1:
        return f"{unit} {numbers[0]}"
    plural = "slot entries" if unit == "slot entry" else f"{unit}s"
    if len(numbers) > PLACES_NAMED:
        return f"{plural} {', '.join(map(str, numbers[:PLACES_NAMED]))} and {len(numbers) - PLACES_NAMED:,} more"
    return f"{plural} {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def _locate(problems: list[Problem], places: Mapping[str, list[int]], unit: str) -> list[Problem]:
    """Prefix each slot problem with where the slot is written in the file (``line 7``, ``slot entry 3``).

    A slot written many times is one problem naming its lines, not one per repeat (that was quadratic: 8,000
    repeats of A1 took 114 s and 1.5 GB to describe).
    """
    located = []
    for problem in dict.fromkeys(problems):
        numbers = places.get(problem.slot or "")
        if numbers:
            located.append(
                Problem(None, f"{_where(unit, numbers)}, slot {problem.slot}: {problem.problem}", problem.fix)
            )
        else:
            located.append(problem)
    return located


def _check_extent(entries: Sequence[Mapping[str, object]]) -> Problem | None:
    """A layout made for a cabinet beyond 10 × 20 is refused once, not once per slot outside the cabinet.

    A few stray positions (a typo like ``Z99``) are left to the slot rules, which name each line.
    """
    rows = columns = beyond = 0
    for entry in entries:
        try:
            position = Position.parse(entry.get("position"))
        except PositionError:
            continue
        rows, columns = max(rows, position.row + 1), max(columns, position.column + 1)
        beyond += position.row >= MAX_ROWS or position.column >= MAX_COLUMNS
    if beyond <= STRAY_POSITIONS:
        return None
    try:
        check_cabinet_size(rows, columns)
    except CabinetTooLarge as error:
        return Problem(
            None,
            f"the file's slots reach {Position(rows - 1, columns - 1).label}: {error}",
            "import the layout as several files of at most 10 rows × 20 columns, one per cabinet",
        )
    return None


def _validated_slots(
    entries: list[dict[str, object]],
    places: dict[str, list[int]],
    unit: str,
    problems: list[Problem],
    cabinet: Cabinet,
    catalogue: Catalogue,
    source: str,
) -> list[Slot]:
    """Run the shared slot rules over every entry; raise with the file's own problems and the rules' together."""
    extent = _check_extent(entries)
    if extent is not None:
        raise PlanogramFileInvalid(source, [*problems, extent])
    try:
        slots = slots_from_entries(entries, cabinet, catalogue)
    except PlanogramInvalid as invalid:
        problems = problems + _locate(invalid.problems, places, unit)
        slots = []
    if problems:
        raise PlanogramFileInvalid(source, problems)
    return slots


def planogram_from_csv(
    text: str, cabinet: Cabinet, catalogue: Catalogue, *, source: str = "the file", progress: Progress | None = None
) -> Planogram:
    """CSV with a header row naming its columns (:data:`CSV_COLUMNS`; ``position`` and ``product_id`` required).

    A blank ``product_id`` is an empty slot; blank numbers take the designer's defaults. A ``cash_price`` (``price``
    in files from before card prices) other than the catalogue's becomes the slot's own price; blank or the
    catalogue's own follows the catalogue. A ``card_price`` blank or equal to the cash price pays the cash price;
    a ``selection_code`` blank or equal to the position's default keeps the default.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        header_line = reader.line_num
        if header is None:
            raise PlanogramFileInvalid(source, [Problem(None, "the file has no lines", "export the planogram again")])
        columns = [cell.strip().lower().replace(" ", "_") for cell in header]
        _check_header(columns, header_line, source)
        entries: list[dict[str, object]] = []
        places: dict[str, list[int]] = {}
        problems: list[Problem] = []
        lines = text.count("\n") + 1
        for row in reader:
            if progress is not None and reader.line_num % PROGRESS_EVERY == 0:
                progress(reader.line_num / lines)
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) != len(columns):
                problems.append(
                    Problem(
                        None,
                        f"line {line} has {len(row)} values but the header names {len(columns)} columns",
                        "give every line the header's columns, leaving a cell empty where there is no value",
                    )
                )
                continue
            entry, entry_problems = _csv_entry(dict(zip(columns, (cell.strip() for cell in row), strict=True)), line)
            name_problem = _name_problem(
                f"line {line}, column product_name", entry, entry.pop("product_name"), catalogue
            )
            problems.extend(entry_problems + ([name_problem] if name_problem else []))
            if entry_problems:
                continue
            for key in _slot_keys(entry.get("position")):
                places.setdefault(key, []).append(line)
            entries.append(entry)
    except csv.Error as error:
        raise PlanogramFileInvalid(
            source,
            [Problem(None, f"line {reader.line_num} cannot be read as CSV ({error})", "save the file as plain CSV")],
        ) from None
    if not entries and not problems:
        problems.append(Problem(None, "the file has a header but no slots", "add one line per slot under the header"))
    slots = _validated_slots(entries, places, "line", problems, cabinet, catalogue, source)
    return Planogram.from_slots(cabinet.device_id, cabinet.index, slots, name=f"Imported from {source}")


def _check_header(columns: list[str], line: int, source: str) -> None:
    problems = []
    expected = ", ".join(CSV_COLUMNS)
    known = (*CSV_COLUMNS, *STAMP_CSV_COLUMNS, OLD_CASH_PRICE)
    unknown = [column or "(blank)" for column in columns if column not in known]
    if unknown:
        names = ", ".join(repr(column) for column in unknown)
        problems.append(
            Problem(
                None, f"line {line}: unknown column{'s' * (len(unknown) > 1)} {names}", f"use the columns {expected}"
            )
        )
    repeated = sorted({column for column in columns if columns.count(column) > 1 and column})
    if OLD_CASH_PRICE in columns and "cash_price" in columns:
        problems.append(
            Problem(None, f"line {line}: columns 'price' and 'cash_price' both give the cash price",
                    "keep cash_price (price is its old name)")
        )  # fmt: skip
    if repeated:
        problems.append(
            Problem(
                None, f"line {line}: column {', '.join(map(repr, repeated))} appears twice", "keep one of each column"
            )
        )
    missing = [column for column in REQUIRED_CSV_COLUMNS if column not in columns]
    if missing:
        problems.append(
            Problem(
                None,
                f"line {line}: the header has no {' or '.join(map(repr, missing))} column",
                f"start the file with the header {expected}",
            )
        )
    if problems:
        raise PlanogramFileInvalid(source, problems)


def _csv_entry(cells: dict[str, str], line: int) -> tuple[dict[str, object], list[Problem]]:
    """Text cells → a slot entry with whole numbers, or the cells that are not whole numbers."""
    entry: dict[str, object] = {
        "position": cells["position"],
        "product_name": as_written(cells.get("product_name", "")),
    }
    if cells.get("selection_code", ""):
        entry["selection_code"] = cells["selection_code"]
    problems = []
    for column in ("product_id", *NUMBER_COLUMNS):
        cell = cells.get(column, "")
        if cell == "":
            if column == "product_id":
                entry[column] = None
            continue
        number = _whole_number(cell)
        if number is None:
            what = "a product id" if column == "product_id" else column.replace("_", " ")
            problems.append(
                Problem(
                    None,
                    f"line {line}, column {column}: {cell!r} is not a whole number",
                    f"write {what} as a whole number, e.g. {'12' if column == 'product_id' else '8'}",
                )
            )
        else:
            entry[column] = number
    for column in (OLD_CASH_PRICE, *PRICE_COLUMNS):
        price = cells.get(column, "")
        if price == "":
            continue
        try:
            entry[_ENTRY_KEYS.get(column, column)] = float(price.removeprefix("$"))
        except ValueError:
            problems.append(
                Problem(None, f"line {line}, column {column}: {price!r} is not a price", "write the price as 1.50")
            )
    return entry, problems


_SLOT_FIELDS = frozenset((*CSV_COLUMNS, OLD_CASH_PRICE))
_ENTRY_KEYS = {"cash_price": "price"}  # the file's column → the slot entry's key (the slot's ``price`` is cash)


def planogram_from_json(
    text: str, cabinet: Cabinet, catalogue: Catalogue, *, source: str = "the file", progress: Progress | None = None
) -> Planogram:
    """A JSON planogram as :func:`planogram_to_json` writes it (or a bare list of slot entries)."""
    try:
        # the input gate: depth, size and numbers bounded before parsing (a 10,000-deep file overflowed the stack)
        limits = Limits(
            MAX_FILE_BYTES,
            max_text=2_000,
            what="the file",
            bytes_limit="MAX_FILE_BYTES",
            top_entries="holds {count:,} slot entries",
            batch_limit="MAX_ITEMS",
        )
        document = load_json(text, limits)
    except InputRefused as refused:
        found = [str(problem).partition(". Fix: ")[0] for problem in refused.problems]
        raise PlanogramFileInvalid(
            source, [Problem(None, text, "export the planogram again") for text in found]
        ) from None
    except json.JSONDecodeError as error:
        raise PlanogramFileInvalid(
            source,
            [
                Problem(
                    None,
                    f"the file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                    "correct the JSON there, or export the planogram again",
                )
            ],
        ) from None
    if isinstance(document, list):
        document = {"slots": document}
    if not isinstance(document, dict) or not isinstance(document.get("slots"), list):
        kind = type(document).__name__ if not isinstance(document, dict) else "object without a 'slots' list"
        raise PlanogramFileInvalid(
            source,
            [Problem(None, f"the file holds a JSON {kind}, not a planogram", 'give the slots as {"slots": [...]}')],
        )
    problems = _document_problems(document, cabinet, source)
    entries: list[dict[str, object]] = []
    places: dict[str, list[int]] = {}
    for number, raw in enumerate(document["slots"], start=1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number / len(document["slots"]))
        where = f"slot entry {number}"
        if not isinstance(raw, dict):
            problems.append(
                Problem(None, f"{where} is not an object", 'give each slot as {"position": "A1", "product_id": 3, …}')
            )
            continue
        unknown = sorted(set(raw) - _SLOT_FIELDS)
        if unknown:
            problems.append(
                Problem(
                    None,
                    f"{where}: unknown field{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))}",
                    f"use the fields {', '.join(CSV_COLUMNS)}",
                )
            )
            continue
        if OLD_CASH_PRICE in raw and "cash_price" in raw:
            problems.append(
                Problem(
                    None, f"{where}: both price and cash_price are given", "keep cash_price (price is its old name)"
                )
            )
            continue
        entry = {_ENTRY_KEYS.get(key, key): value for key, value in raw.items() if key != "product_name"}
        name_problem = _name_problem(f"{where}, field product_name", entry, raw.get("product_name"), catalogue)
        if name_problem:
            problems.append(name_problem)
        for key in _slot_keys(entry.get("position")):
            places.setdefault(key, []).append(number)
        entries.append(entry)
    slots = _validated_slots(entries, places, "slot entry", problems, cabinet, catalogue, source)
    planogram = Planogram.from_slots(
        cabinet.device_id,
        cabinet.index,
        slots,
        name=document.get("name") or "",
        status=PlanogramStatus(document.get("status") or PlanogramStatus.DRAFT.value),
        version=document.get("version") or 1,
        id=document.get("id"),
    )
    _check_hash(document, planogram, source)
    return planogram


def _document_problems(document: dict[str, object], cabinet: Cabinet, source: str) -> list[Problem]:
    """The file-level fields: format, cabinet size, version, status, name; a cabinet too large to process is
    refused at once, since every slot beyond 10 × 20 would otherwise be listed too."""
    problems = []
    if document.get("format", FORMAT) != FORMAT:
        problems.append(
            Problem(
                None,
                f"field format: {document['format']!r} is not a Planogram Studio planogram ({FORMAT!r})",
                "choose a planogram exported from Planogram Studio",
            )
        )
    shape = document.get("cabinet")
    if shape is not None:
        rows = shape.get("rows") if isinstance(shape, dict) else None
        columns = shape.get("columns") if isinstance(shape, dict) else None
        if not (isinstance(rows, int) and isinstance(columns, int)) or isinstance(rows, bool):
            problems.append(
                Problem(None, "field cabinet: rows and columns must be whole numbers", 'e.g. "cabinet": {"rows": 6, …}')
            )
        else:
            try:
                check_cabinet_size(rows, columns)
            except CabinetTooLarge as error:
                raise PlanogramFileInvalid(
                    source,
                    [Problem(None, f"field cabinet: {error}", "import into a cabinet of at most 10 rows × 20 columns")],
                ) from None
            else:
                if (rows, columns) != (cabinet.rows, cabinet.columns):
                    problems.append(
                        Problem(
                            None,
                            f"field cabinet: the file is for a cabinet of {rows} rows × {columns} columns, but this "
                            f"cabinet has {cabinet.describe_extent()}",
                            "import it into a cabinet of the same size",
                        )
                    )
    version = document.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.append(Problem(None, f"field version: {version!r} is not a version number", "use 1, 2, 3, …"))
    status = document.get("status", PlanogramStatus.DRAFT.value)
    if not isinstance(status, str) or status not in {member.value for member in PlanogramStatus}:
        problems.append(Problem(None, f"field status: {status!r} is not a status", "use draft, active or archived"))
    if not isinstance(document.get("name", ""), str):
        problems.append(Problem(None, "field name: the name is not text", "write the name in quotes"))
    planogram_id = document.get("id")
    if planogram_id is not None and (isinstance(planogram_id, bool) or not isinstance(planogram_id, int)):
        problems.append(Problem(None, f"field id: {planogram_id!r} is not a whole number", "remove the id field"))
    return problems


def _check_hash(document: dict[str, object], planogram: Planogram, source: str) -> None:
    """A file that claims a content hash must still hold that content: it was edited after export otherwise."""
    claimed = document.get("content_hash")
    if claimed is None:
        return
    device_id, cabinet_index = document.get("device_id"), document.get("cabinet_index")
    as_exported = Planogram(
        device_id if isinstance(device_id, int) else planogram.device_id,
        cabinet_index if isinstance(cabinet_index, int) else planogram.cabinet_index,
        planogram.slots,
        version=planogram.version,
    )
    actual = content_hash(as_exported)
    if claimed != actual:
        raise PlanogramFileInvalid(
            source,
            [
                Problem(
                    None,
                    f"field content_hash: the file says {claimed!r} but its slots give {actual!r}, so it was changed "
                    "after it was exported and is not the approved version",
                    "export the approved version again, or remove the content_hash field to import an edited layout",
                )
            ],
        )
