"""The ``G85`` check value: CRC-16/ARC (polynomial 0x8005 reflected, initial value 0, no final XOR).

It covers every line after ``DXS`` up to the ``G85`` line, each followed by CR LF whatever the file's own line ends
(the seven real files in the CVD sample all verify so, LF files included). Some makers print the two bytes the other
way round; the check says so rather than refusing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


VECTOR_FROM_BYTES = 1024
"""From this length on, the CRC is worked out with numpy (a 48-selection file is ~12 kB, a 500-selection one
~150 kB); below it, byte by byte."""
_VECTOR_CHUNK = 1 << 18  # the position table grows no larger than this many bytes (16 MB)


def crc16_arc(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data``, continuing from ``crc``."""
    start = 0
    while len(data) - start >= VECTOR_FROM_BYTES:
        crc = _POSITIONS.crc(data[start : start + _VECTOR_CHUNK], crc)
        start += _VECTOR_CHUNK
    table = _TABLE
    for byte in data[start:]:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


class _PositionTable:
    """The CRC all at once instead of byte by byte (the byte loop was the largest part of a file's parse).

    With no initial value and no final XOR the CRC is linear over GF(2): it is the XOR, over every byte of the data,
    of what that byte alone would give — which depends only on its value and on how many bytes follow it, and is the
    XOR of what its low and its high four bits alone would give. ``table[k, n]`` holds that for bytes followed by
    ``k`` bytes: ``n`` < 16 a low nibble ``n``, ``n`` ≥ 16 a high nibble ``n - 16``. It is built once, doubling (the
    effect of ``k`` bytes on the CRC so far is a 16×16 bit matrix, squared at each step), and grows with the longest
    data seen. An initial value acts as its low byte XORed into the first byte and its high byte into the second.
    """

    def __init__(self) -> None:
        import numpy as np

        self.np = np
        nibbles = [*range(16), *(value << 4 for value in range(16))]
        self.table = np.array([[_TABLE[byte] for byte in nibbles]], dtype=np.uint16)
        self.shift = [_zero_byte(1 << bit) for bit in range(16)]  # one more byte's effect on each bit of the CRC

    def crc(self, data: bytes, crc: int) -> int:
        """CRC-16/ARC of ``data`` (at least 2 bytes) continuing from ``crc``."""
        np = self.np
        if crc:
            data = bytes((data[0] ^ (crc & 0xFF), data[1] ^ (crc >> 8))) + data[2:]
        length = len(data)
        self.grow(length)
        values = np.frombuffer(data, dtype=np.uint8).astype(np.intp)
        rows = np.arange((length - 1) * 32, -1, -32, dtype=np.intp)
        flat = self.table.reshape(-1)
        chosen = flat[rows + (values & 15)] ^ flat[rows + 16 + (values >> 4)]
        return int(np.bitwise_xor.reduce(chosen))

    def grow(self, length: int) -> None:
        np = self.np
        while len(self.table) < length:
            known = self.table
            later = np.zeros_like(known)
            for bit, image in enumerate(self.shift):  # the effect of len(known) more bytes, bit by bit
                if image:
                    later ^= ((known >> bit) & 1) * np.uint16(image)
            self.table = np.concatenate([known, later])
            self.shift = [_apply(self.shift, image) for image in self.shift]


def _zero_byte(state: int) -> int:
    return (state >> 8) ^ _TABLE[state & 0xFF]


def _apply(matrix: list[int], state: int) -> int:
    """A linear map given by the images of the 16 state bits, applied to ``state``."""
    result = 0
    for bit, image in enumerate(matrix):
        if state >> bit & 1:
            result ^= image
    return result


_POSITIONS = _PositionTable()


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
