"""From a file's bytes to its DEX lines, whatever the maker's wrapping.

Line ends may be CR LF, LF or CR alone; blank lines and a trailing NUL or Ctrl-Z pad carry nothing. N&W handhelds
send the lines inside ``<…|…>`` envelopes: each envelope holds one or more DEX lines separated by ``|``, and an
envelope may itself span physical lines. Each DEX line keeps the physical line number it starts on (and its part
within an envelope) so a refusal can point at it, and its exact text (trailing blanks included: the ``G85`` CRC
covers them).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from designer.machine_audits.records import AuditInvalid

_ENVELOPE = re.compile(r"<([^<>]*)>")
_BOM = "\ufeff"
_PADDING = "\x00\x1a"


class SourceLine(NamedTuple):
    """One DEX line and where it stood: ``part`` is 0 outside an envelope, else its 1-based place inside it."""

    number: int
    part: int
    text: str


def decode(data: str | bytes) -> tuple[str, str]:
    """The file's text and the codec that gives back its bytes (for the CRC). Machines write ASCII; a hand-edited
    file may be UTF-8 or Latin-1, and Latin-1 decodes anything, so no file is refused for its bytes alone."""
    if isinstance(data, str):
        text = data.removeprefix(_BOM)
        if text.isascii():
            return text, "ascii"
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            return text, "utf-8"
        return text, "latin-1"
    raw = bytes(data).removeprefix(b"\xef\xbb\xbf")
    if raw.isascii():
        return raw.decode("ascii"), "ascii"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def source_lines(text: str) -> list[SourceLine]:
    """The DEX lines of ``text`` in order, blank ones left out."""
    text = text.rstrip(_PADDING)
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((line for line in physical if line.strip()), "")
    if first.lstrip().startswith("<"):
        return _enveloped(physical)
    make = SourceLine._make  # tuple.__new__ underneath: a third of the NamedTuple call's cost, 4,500 times a file
    return [make((number, 0, line)) for number, line in enumerate(physical, 1) if line and not line.isspace()]


def _enveloped(physical: list[str]) -> list[SourceLine]:
    """Lines out of ``<…|…>`` envelopes; anything but blanks between envelopes is refused (it would be data read
    by nobody)."""
    starts: list[int] = []  # offset in the joined text where each physical line starts
    offset = 0
    for line in physical:
        starts.append(offset)
        offset += len(line) + 1
    joined = "\n".join(physical)
    lines: list[SourceLine] = []
    previous_end = 0
    for envelope in _ENVELOPE.finditer(joined):
        between = joined[previous_end : envelope.start()]
        if between.strip():
            stray_at = previous_end + len(between) - len(between.lstrip())
            raise AuditInvalid(
                _line_of(starts, stray_at), "", None, "only <…|…> envelopes in an enveloped file", between.strip()[:40]
            )
        parts = envelope.group(1).replace("\n", "").split("|")
        lines.extend(
            SourceLine(_line_of(starts, envelope.start()), place, part)
            for place, part in enumerate(parts, 1)
            if part and not part.isspace()
        )
        previous_end = envelope.end()
    rest = joined[previous_end:]
    if rest.strip():
        raise AuditInvalid(
            _line_of(starts, previous_end + len(rest) - len(rest.lstrip())),
            "",
            None,
            "a closing '>' for every '<' envelope",
            rest.strip()[:40],
        )
    return lines


def _line_of(starts: list[int], offset: int) -> int:
    """The 1-based physical line holding ``offset`` of the joined text."""
    return bisect_right(starts, offset)
