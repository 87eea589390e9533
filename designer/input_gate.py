"""The one gate every headless request and imported JSON file passes before any work is done on it.

A request is read with a byte limit, its nesting depth is measured before ``json`` recursion could overflow
the stack, and it is parsed so that what JSON allows but a planogram cannot hold never becomes a Python value:
NaN and ±Infinity, numbers that overflow a float, whole numbers beyond SQLite's 64-bit integers (or with
thousands of digits), duplicate keys in one object. A second pass then bounds every text and every list, and
names each refusal by its place in the request (``proposed_planogram.slots[3].capacity``) and the limit it
broke. Echoed input is clipped to :data:`MAX_ECHO_CHARS` characters. The endpoints' own range checks (ids,
slot stock, weather, attendance, duplicate products or slots) use the helpers at the end of this module, so
every endpoint words them the same way. Pure Python: no Qt, no SQL; the README's "Input limits" lists the
numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import IO

from designer.command_outcomes import RequestInvalid

MAX_REQUEST_BYTES = 4 * 1024 * 1024
"""A request body: a full 1,000-request batch, each with a 6 × 6 cabinet's 36 slots, is 2.2 MB."""
MAX_DEPTH = 20
"""Nested arrays and objects: the deepest request (a batch of placements with their slots) needs 5."""
MAX_ITEMS = 1_000
"""Entries of any one array or object: slots (a cabinet has at most 200), products, weather days."""
MAX_BATCH = 1_000
"""Requests in one realtime-analysis batch (the only endpoint that takes an array of requests)."""
MAX_TEXT_CHARS = 200
"""Characters of any text or key: positions, dates, names of events and holidays, location types."""
MAX_DIGITS = 19
"""Digits of a whole number: 2^63 − 1, SQLite's largest integer, has 19; longer numbers are never parsed."""
MAX_ID = 2**63 - 1
"""The largest id (and whole number) a request may carry: SQLite's INTEGER range."""
MAX_SLOT_UNITS = 1_000
"""Quantity, capacity or par level of one slot: a spiral holds a few dozen, a drawer a few hundred."""
MAX_ECHO_CHARS = 200
"""Characters of the request quoted back in an error."""
MAX_REFUSALS_NAMED = 5
"""Places named for one repeated value or key; the rest are counted."""
MAX_PROBLEMS_COUNTED = 100
"""The walk stops after this many problems (a request of 10,000 bad values is not walked to its end); the
refusal's message names the first few (:data:`designer.command_outcomes.PROBLEMS_NAMED`) and counts the rest."""


class InputRefused(RequestInvalid):
    """The request broke one of the gate's limits; nothing was read from the database or changed."""


@dataclass(frozen=True)
class Limits:
    """What one kind of input may hold; requests use :data:`REQUEST_LIMITS`, imported files their own bytes."""

    max_bytes: int = MAX_REQUEST_BYTES
    max_depth: int = MAX_DEPTH
    max_items: int = MAX_ITEMS
    max_text: int = MAX_TEXT_CHARS
    max_batch: int = MAX_BATCH
    what: str = "the request"
    bytes_limit: str = "MAX_REQUEST_BYTES"
    """How the byte limit is named in the README (the constant's name for requests)."""
    top_entries: str = "is a batch of {count:,} requests"
    """What an array at the top is, in the refusal (an imported file's is a bare list of slot entries)."""
    batch_limit: str = "MAX_BATCH"
    fix: str = "send a smaller request (split a batch into several calls)"


REQUEST_LIMITS = Limits()


def clip(value: object, limit: int = MAX_ECHO_CHARS) -> str:
    """``repr`` of a piece of input, cut to ``limit`` characters (with how many were left out)."""
    text = str(value) if isinstance(value, _Unreadable) else repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


# --- reading and parsing ------------------------------------------------------------------------------


def read_limited(stream: IO[str] | None, limits: Limits = REQUEST_LIMITS) -> bytes | str:
    """At most ``max_bytes + 1`` bytes of the stream (its binary buffer when it has one): never the whole of
    an endless or gigabyte-sized input. A closed standard input (``sys.stdin`` is None) reads as nothing."""
    if stream is None:
        return b""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read(limits.max_bytes + 1))
    return stream.read(limits.max_bytes + 1)


def request_text(raw: bytes | str, limits: Limits = REQUEST_LIMITS) -> str:
    """The body as text, refused when it is over the byte limit or is not UTF-8."""
    if isinstance(raw, str):
        size = len(raw) if len(raw) > limits.max_bytes else len(raw.encode("utf-8", "surrogatepass"))
    else:
        size = len(raw)
    if size > limits.max_bytes:
        raise InputRefused(
            f"{limits.what} is more than {limits.max_bytes:,} bytes, the limit ({limits.bytes_limit}). "
            f"Fix: {limits.fix}"
        )
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputRefused(
            f"{limits.what} is not UTF-8 text (byte {error.start:,} cannot be read). Fix: send it encoded as UTF-8"
        ) from None


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest, counting brackets outside strings: linear time, no recursion.

    On the UTF-8 bytes (no byte of a multi-byte character is a quote, a backslash or a bracket): strings are cut
    out, every byte but the four brackets is deleted, and the running sum of +1/−1 is taken at C speed.
    """
    if "[" not in text and "{" not in text:
        return 0
    brackets = _STRING.sub(b"", text.encode("utf-8", "surrogatepass")).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
"""A JSON string, or an unterminated one running to the end (so every quote starts one match: linear time)."""
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def load_json(text: str, limits: Limits = REQUEST_LIMITS) -> object:
    """Parse JSON within the limits; :class:`InputRefused` names the place and the limit of every breach.

    Malformed JSON raises :class:`json.JSONDecodeError` as ``json.loads`` would, so callers keep their wording.
    """
    request_text(text, limits)
    depth = nesting_depth(text)
    if depth > limits.max_depth:
        raise InputRefused(
            f"{limits.what} nests arrays and objects {depth:,} deep; the limit is {limits.max_depth} (MAX_DEPTH). "
            "Fix: send the documented shape"
        )
    try:
        document = _DECODER.decode(text)
    except RecursionError:  # the depth scan makes this unreachable; kept so no traceback can ever escape
        raise InputRefused(f"{limits.what} nests too deeply. Fix: send the documented shape") from None
    problems = structure_problems(document, limits)
    if problems:
        raise InputRefused(problems)
    return document


class _Unreadable:
    """A JSON value a planogram cannot hold, kept as its text so the walk can name where it stood."""

    __slots__ = ("reason", "text")

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason

    def __str__(self) -> str:
        return self.text if len(self.text) <= 24 else f"{self.text[:12]}…{self.text[-4:]} ({len(self.text):,} chars)"


class _DuplicateKeys(dict):  # type: ignore[type-arg]
    """An object that named a key twice (JSON keeps the last silently; a request must not be ambiguous)."""

    repeated: tuple[str, ...] = ()


def _whole(text: str) -> int | _Unreadable:
    digits = len(text) - text.startswith("-")
    if digits > MAX_DIGITS:
        return _Unreadable(text, f"a whole number of {digits:,} digits, beyond ±{MAX_ID:,} (SQLite's integers)")
    number = int(text)
    if abs(number) > MAX_ID:
        return _Unreadable(text, f"beyond ±{MAX_ID:,} (SQLite's integers)")
    return number


def _decimal(text: str) -> float | _Unreadable:
    number = float(text)
    if not math.isfinite(number):
        return _Unreadable(text, "too large for a number (it overflows to infinity)")
    return number


def _constant(text: str) -> _Unreadable:
    return _Unreadable(text, "not a number JSON allows (NaN and Infinity are not JSON)")


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    marked = _DuplicateKeys(found)
    marked.repeated = tuple(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
    return marked


_DECODER = json.JSONDecoder(parse_float=_decimal, parse_int=_whole, parse_constant=_constant, object_pairs_hook=_object)


def structure_problems(document: object, limits: Limits = REQUEST_LIMITS) -> list[str]:
    """Every value a request must not hold, named by its place (iterative: the depth was checked first)."""
    problems: list[str] = []
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        place, value = stack.pop()
        name = place or limits.what
        if isinstance(value, _Unreadable):
            problems.append(f"{name} {value} is {value.reason}. Fix: send a finite number in the documented range")
        elif isinstance(value, str):
            problems.extend(_text_problems(name, value, limits))
        elif isinstance(value, dict):
            if len(value) > limits.max_items:
                problems.append(
                    f"{name} has {len(value):,} fields; the limit is {limits.max_items:,} (MAX_ITEMS). "
                    "Fix: send only the documented fields"
                )
                continue
            if isinstance(value, _DuplicateKeys):
                keys = ", ".join(clip(key, 40) for key in value.repeated[:MAX_REFUSALS_NAMED])
                problems.append(f"{name} names {keys} more than once. Fix: give each field once")
            for key, item in reversed(value.items()):
                key_problems = _text_problems(f"a field name in {name}", key, limits)
                problems.extend(key_problems)
                if not key_problems:
                    stack.append((f"{place}.{key}" if place else key, item))
        elif isinstance(value, list) and not place:
            if len(value) > limits.max_batch:
                problems.append(
                    f"{limits.what} {limits.top_entries.format(count=len(value))}; the limit is "
                    f"{limits.max_batch:,} ({limits.batch_limit}). Fix: split it into several calls"
                )
                continue
            stack.extend((f"[{index}]", item) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, list):
            if len(value) > limits.max_items:
                problems.append(
                    f"{name} has {len(value):,} entries; the limit is {limits.max_items:,} (MAX_ITEMS). "
                    "Fix: send fewer entries, or split them over several calls"
                )
                continue
            stack.extend((f"{place}[{index}]", item) for index, item in reversed(list(enumerate(value))))
        if len(problems) >= MAX_PROBLEMS_COUNTED:
            problems.append(f"{limits.what} was not read further. Fix: correct the problems named first")
            break
    return problems


def _text_problems(name: str, text: str, limits: Limits) -> list[str]:
    problems = []
    if len(text) > limits.max_text:
        problems.append(
            f"{name} is {len(text):,} characters long ({clip(text, 40)}); the limit is {limits.max_text} "
            "(MAX_TEXT_CHARS). Fix: shorten it"
        )
    elif not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(f"{name} holds a lone surrogate escape (\\ud800–\\udfff). Fix: send valid Unicode text")
    return problems


def gate_request(raw: bytes | str, *, batch: bool, limits: Limits = REQUEST_LIMITS) -> object:
    """The whole gate for one headless call: bytes → checked JSON; ``batch`` when an array of requests is allowed.

    :class:`json.JSONDecodeError` for malformed JSON, :class:`InputRefused` for everything else.
    """
    document = load_json(request_text(raw, limits), limits)
    if isinstance(document, list) and not batch:
        raise InputRefused(f"{limits.what} is an array; this endpoint answers one request. Fix: send one JSON object")
    return document


# --- the endpoints' range checks ------------------------------------------------------------------------


def whole_number_problem(value: object, field: str, low: int, high: int, example: str = "") -> str | None:
    """``field`` must be a whole number (not true/false, not 3.0) from ``low`` to ``high``; None when it is."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return None
    fix = f"send a whole number from {low:,} to {high:,}" + (f", e.g. {example}" if example else "")
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{field} {clip(value, 40)} is not a whole number. Fix: {fix}"
    return f"{field} {clip(value, 40)} is out of range. Fix: {fix}"


def id_problem(value: object, field: str) -> str | None:
    """An id: a whole number from 1 to :data:`MAX_ID` (what SQLite can store and look up)."""
    return whole_number_problem(value, field, 1, MAX_ID, "1")


def number_problem(value: object, field: str, low: float, high: float, unit: str = "") -> str | None:
    """A finite number (whole or decimal, not true/false) from ``low`` to ``high``; None when it is."""
    finite = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if finite and low <= value <= high:  # type: ignore[operator]
        return None
    what = "is not a number" if not finite else "is out of range"
    return f"{field} {clip(value, 40)} {what}. Fix: send a number from {low:,} to {high:,}{unit}"


def repeated_at(values: Iterable[Hashable]) -> dict[Hashable, list[int]]:
    """Values given more than once, with the (0-based) places they stand at, in first-seen order."""
    places: dict[Hashable, list[int]] = {}
    for index, value in enumerate(values):
        places.setdefault(value, []).append(index)
    return {value: found for value, found in places.items() if len(found) > 1}


def repeated_problems(values: Iterable[Hashable], field: str, what: str = "") -> list[str]:
    """``field`` lists a value twice: one problem per repeated value naming where it stands (first few places)."""
    problems = []
    for value, places in repeated_at(values).items():
        named = ", ".join(f"{field}[{place}]" for place in places[:MAX_REFUSALS_NAMED])
        if len(places) > MAX_REFUSALS_NAMED:
            named += f" and {len(places) - MAX_REFUSALS_NAMED:,} more"
        problems.append(f"{what}{clip(value, 40)} is listed {len(places):,} times ({named}). Fix: list it once")
    return problems


SLOT_UNIT_FIELDS = ("quantity", "capacity", "par_level")


def slot_entry_problems(entries: object, field: str) -> list[str]:
    """What the designer's slot checks do not bound: stock above :data:`MAX_SLOT_UNITS`, a position listed twice.

    Entries that are not objects, mistyped values, negative stock and unknown products are left for the
    designer's own checks (:mod:`designer.validation`), which word them per slot as the editor does; ids beyond
    :data:`MAX_ID` never get past :func:`load_json`.
    """
    if not isinstance(entries, list):
        return []
    problems: list[str] = []
    positions: list[Hashable] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        place = f"{field}[{index}]"
        for key in SLOT_UNIT_FIELDS:
            value = entry.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SLOT_UNITS:
                problems.append(
                    f"{place}.{key} {value:,} is more than {MAX_SLOT_UNITS:,}. Fix: send 0 to {MAX_SLOT_UNITS:,}"
                )
        position = entry.get("position")
        positions.append(position.strip().upper() if isinstance(position, str) else ("not a position", index))
    problems.extend(repeated_problems(positions, field, "slot "))
    return problems
