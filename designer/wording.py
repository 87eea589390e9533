"""Counts in a merchandiser's words: "1 cabinet", "745 cabinets" (one rule for every message that counts things)."""

from __future__ import annotations


def counted(count: int, word: str) -> str:
    """``count`` with ``word``, plural unless the count is one; thousands are separated ("1,000 machines")."""
    return f"{count:,} {word}" + ("" if count == 1 else "s")
