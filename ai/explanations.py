"""The right to an explanation: what every AI answer says about how it was reached.

Each service fills one :class:`Explanation` from its own fitted model — the logic (model type and version), the
factors with the weight or contribution the model gives them, the data the model was fitted on or used, and the
limitations the data shows for this case — and sends :meth:`Explanation.to_json` as the response's
``explanation``. Numbers come from the models only (never from a language model); the designer's "Why?" view reads
the same JSON back with :meth:`Explanation.from_json`, so the window and the API can never tell different stories.

A factor's ``contribution`` is in its own ``unit`` (a sales multiplier, dollars a day, units over the forecast, a
basket lift); its ``weight`` is its share of the explanation's total size, so factors of one answer compare (and
the view draws a bar) whatever their unit. For a multiplier the size is |log(multiplier)|: ×2 and ×0.5 weigh alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

MULTIPLIER = "×"
"""The unit of a factor that multiplies the answer (1 = no effect)."""
NEGLIGIBLE = 0.005
"""A factor whose size is below this (half a percent as a multiplier) says nothing worth a line."""


def _day(value: date | datetime | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Factor:
    """One thing the model weighed, with what the model made of it."""

    name: str
    contribution: float
    unit: str
    detail: str = ""
    """Where the number comes from, in a few words (e.g. "learnt row effect of 6-row cabinets")."""

    @property
    def size(self) -> float:
        """How much the factor moves the answer, comparable across units of one explanation."""
        if self.unit == MULTIPLIER:
            return abs(math.log(self.contribution)) if self.contribution > 0 else 0.0
        return abs(self.contribution)

    @property
    def direction(self) -> str:
        neutral = 1.0 if self.unit == MULTIPLIER else 0.0
        if abs(self.contribution - neutral) < 1e-12:
            return "none"
        return "raises" if self.contribution > neutral else "lowers"


@dataclass(frozen=True)
class DataUsed:
    """The period and the rows the model was fitted on, or read, for this answer."""

    first_day: date | None
    last_day: date | None
    rows: Mapping[str, int | float] = field(default_factory=dict)
    """What was counted and how many, e.g. ``{"sales_rows": 81234, "slot_spans": 912}``."""

    def to_json(self) -> dict[str, object]:
        days = (self.last_day - self.first_day).days + 1 if self.first_day and self.last_day else 0
        return {
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "calendar_days": days,
            "rows": {key: _plain(value) for key, value in self.rows.items()},
        }

    @classmethod
    def between(
        cls, first: date | datetime | str | None, last: date | datetime | str | None, **rows: int | float
    ) -> DataUsed:
        return cls(_day(first), _day(last), rows)


@dataclass(frozen=True)
class ModelLogic:
    """The logic involved: what kind of model, which fitted version, and its model-wide fitted figures."""

    kind: str
    version: str
    fingerprint: str | None = None
    parameters: Mapping[str, float | int | str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "parameters": {key: _plain(value) for key, value in self.parameters.items()},
        }


@dataclass(frozen=True)
class Explanation:
    """Model, factors (largest first), data used and limitations of one AI answer."""

    model: ModelLogic
    factors: tuple[Factor, ...]
    data_used: DataUsed
    limitations: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, model: ModelLogic, factors: Iterable[Factor], data_used: DataUsed, limitations: Iterable[str] = ()
    ) -> Explanation:
        """The explanation with negligible factors left out and the rest ordered by size, largest first."""
        kept = sorted((f for f in factors if f.size >= NEGLIGIBLE), key=lambda f: (-f.size, f.name))
        return cls(model, tuple(kept), data_used, tuple(dict.fromkeys(limitations)))

    def to_json(self, model_part: Mapping[str, object] | None = None) -> dict[str, object]:
        """The response's ``explanation``; ``model_part`` is a model's JSON built once and shared by many answers."""
        total = sum(f.size for f in self.factors) or 1.0
        return {
            "model": model_part if model_part is not None else self.model.to_json(),
            "factors": [
                {
                    "name": f.name,
                    "contribution": _plain(f.contribution),
                    "unit": f.unit,
                    "direction": f.direction,
                    "weight": round(f.size / total, 4),
                    **({"detail": f.detail} if f.detail else {}),
                }
                for f in self.factors
            ],
            "data_used": self.data_used.to_json(),
            "limitations": list(self.limitations),
        }

    @classmethod
    def from_json(cls, body: Mapping[str, object]) -> Explanation:
        """Read an ``explanation`` object back (the designer's "Why?" view shows what the API sent)."""
        model = body.get("model") or {}
        data = body.get("data_used") or {}
        assert isinstance(model, Mapping) and isinstance(data, Mapping)
        factors = tuple(
            Factor(str(f["name"]), float(f["contribution"]), str(f["unit"]), str(f.get("detail", "")))
            for f in body.get("factors") or []  # type: ignore[union-attr]
        )
        return cls(
            ModelLogic(
                str(model.get("type", "")),
                str(model.get("version", "")),
                model.get("fingerprint"),  # type: ignore[arg-type]
                dict(model.get("parameters") or {}),  # type: ignore[call-overload]
            ),
            factors,
            DataUsed(_day(data.get("first_day")), _day(data.get("last_day")), dict(data.get("rows") or {})),  # type: ignore[arg-type, call-overload]
            tuple(str(text) for text in body.get("limitations") or []),  # type: ignore[union-attr]
        )

    def weights(self) -> list[float]:
        """Each factor's share of the explanation's total size (what the view's bars draw)."""
        total = sum(f.size for f in self.factors) or 1.0
        return [f.size / total for f in self.factors]


def multiplier(value: float) -> float:
    """A multiplier rounded for the JSON (4 significant decimals keep ×1.0004 apart from ×1)."""
    return round(float(value), 4)


def _plain(value: object) -> object:
    """Numbers as JSON numbers (numpy scalars become floats and ints), rounded to what a reader can use."""
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return value
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return round(number, 4)
