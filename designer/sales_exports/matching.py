"""Names in an export matched to ours: exactly, else a close name proposed for the person to confirm.

An export's "Coca Cola - Zero Sugar" may be our "Coca-Cola Zero Sugar": a guess is never applied on its own (a wrong
match would pour one product's sales into another's history), it is offered with its similarity and the person
accepts it or lets the import create a new record.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CLOSE_ENOUGH = 0.8
"""The similarity (difflib's ratio on case-folded names) from which a name is proposed as the same thing."""


@dataclass(frozen=True, slots=True)
class MatchProposal:
    """The export's ``name`` may be our record ``match_id`` (``match_name``), ``similarity`` 0–1."""

    kind: str  # device | product
    name: str
    match_id: int
    match_name: str
    similarity: float

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "match_id": self.match_id,
            "match_name": self.match_name,
            "similarity": round(self.similarity, 3),
        }


def _folded(name: str) -> str:
    return " ".join(name.casefold().replace("-", " ").split())


def exact_matches(names: Iterable[str], ours: Mapping[int, str]) -> dict[str, int]:
    """Each name that is one of ours, ignoring case, spacing and hyphens."""
    by_name = {_folded(name): record for record, name in sorted(ours.items(), reverse=True)}
    return {name: by_name[_folded(name)] for name in names if _folded(name) in by_name}


def propose_matches(kind: str, names: Iterable[str], ours: Mapping[int, str]) -> list[MatchProposal]:
    """For each name with no exact match, our closest record when it is :data:`CLOSE_ENOUGH` alike."""
    exact = exact_matches(names, ours)
    folded = {_folded(name): record for record, name in ours.items()}
    proposals = []
    for name in sorted(set(names) - set(exact)):
        close = difflib.get_close_matches(_folded(name), list(folded), n=1, cutoff=CLOSE_ENOUGH)
        if close:
            record = folded[close[0]]
            ratio = difflib.SequenceMatcher(None, _folded(name), close[0]).ratio()
            proposals.append(MatchProposal(kind, name, record, ours[record], ratio))
    return proposals
