"""Slot positions as merchandisers write them: a row letter from the top, a column from 1 (``B3``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_ROWS = 10
MAX_COLUMNS = 20
ROW_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_POSITION = re.compile(r"^\s*([A-Za-z])\s*(\d{1,3})\s*$")


class PositionError(ValueError):
    """A position that cannot name a slot; the message says what a valid one looks like."""


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """A slot's place in a cabinet; ``row`` and ``column`` are zero-based internally."""

    row: int
    column: int

    @classmethod
    def parse(cls, text: object) -> Position:
        """Read ``"A1"``-style text; anything else raises :class:`PositionError` with a fix."""
        if not isinstance(text, str):
            raise PositionError(
                f"slot position {text!r} is not text; write it as a row letter and a column number, e.g. 'A1'"
            )
        return _parsed(text)

    @property
    def label(self) -> str:
        return f"{ROW_LETTERS[self.row]}{self.column + 1}"

    def __str__(self) -> str:
        return self.label

    def moved(self, rows: int, columns: int) -> Position:
        """The neighbouring position; may fall outside a cabinet (callers check with the cabinet)."""
        return Position(self.row + rows, self.column + columns)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Position:
    """One parse per label (a fleet's versions repeat a few hundred labels tens of thousands of times); the
    cache is bounded because labels come from files and users too. Refusals raise and are not cached."""
    match = _POSITION.match(text)
    if match is None:
        raise PositionError(
            f"slot position {text!r} is not a position; write a row letter (A = top) "
            "and a column number from 1, e.g. 'A1' or 'C12'"
        )
    letter, digits = match.groups()
    column = int(digits)
    if column < 1:
        raise PositionError(f"slot position {text!r} has column 0; columns are numbered from 1, e.g. 'A1'")
    return Position(ROW_LETTERS.index(letter.upper()), column - 1)
