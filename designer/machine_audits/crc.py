"""The ``G85`` check value: CRC-16/ARC (polynomial 0x8005 reflected, initial value 0, no final XOR).

It covers every line after ``DXS`` up to the ``G85`` line, each followed by CR LF whatever the file's own line ends
(the seven real files in the CVD sample all verify so, LF files included). Some makers print the two bytes the other
way round; the check says so rather than refusing.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

CHECK_VALUE = 0xBB3D  # CRC-16/ARC of b"123456789", the catalogue's check value


def _byte_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _byte_table()


@cache
def _word_table() -> list[int]:
    """Two bytes at a time: for a reflected 16-bit CRC, two steps depend only on ``crc ^ (b0 | b1 << 8)``, so one
    65,536-entry table halves the Python loop (a 500-selection file is ~150 kB). Built once, on first use (~10 ms)."""
    table = _TABLE

    def two_steps(value: int) -> int:
        value = (value >> 8) ^ table[value & 0xFF]
        return (value >> 8) ^ table[value & 0xFF]

    return [two_steps(value) for value in range(65536)]


def crc16_arc(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data``, continuing from ``crc``."""
    table = _TABLE
    if len(data) < 64:
        for byte in data:
            crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
        return crc
    even = len(data) & ~1
    words = array("H", data[:even])
    if sys.byteorder == "big":
        words.byteswap()
    word_table = _word_table()
    for word in words:
        crc = word_table[crc ^ word]
    if even != len(data):
        crc = (crc >> 8) ^ table[(crc ^ data[-1]) & 0xFF]
    return crc


def crc_of_lines(lines: Iterable[bytes]) -> int:
    """The CRC a ``G85`` after these lines should state: each line plus CR LF."""
    return crc16_arc(b"".join(line + b"\r\n" for line in lines))


@dataclass(frozen=True, slots=True)
class CrcCheck:
    """What a ``G85`` stated against what its lines give."""

    stated: str
    computed: int

    @property
    def verified(self) -> bool:
        return self._stated_value() == self.computed

    @property
    def bytes_swapped(self) -> bool:
        """The maker printed the low byte first (a known firmware habit): the data is intact."""
        swapped = ((self.computed & 0xFF) << 8) | (self.computed >> 8)
        return not self.verified and self._stated_value() == swapped

    def _stated_value(self) -> int | None:
        text = self.stated.strip()
        if len(text) != 4:
            return None
        try:
            return int(text, 16)
        except ValueError:
            return None

    def warning(self, line: int) -> str:
        """The sentence a person reads when the check fails (empty when it verifies)."""
        if self.verified:
            return ""
        computed = f"{self.computed:04X}"
        if self.bytes_swapped:
            return (
                f"line {line}: G85 states {self.stated.strip()!r}, the lines give {computed}: the same CRC "
                "with its two bytes swapped (a maker's habit); the data is intact"
            )
        return (
            f"line {line}: G85 states {self.stated.strip()!r} but the lines give {computed}: the file was "
            "changed after the machine wrote it (edited by hand or damaged); read anyway"
        )
