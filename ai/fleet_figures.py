"""Fleet-wide figures computed once per data change and reused by every per-device answer.

A forecast for one machine shrinks its levels toward the fleet's rate of each product and reads which days of the
fleet hold data; a personalised planogram compares the machine with its peers' sales. Read afresh, that is work in
proportion to the fleet (on 200 machines most of a forecast's 2.5 s and a personalisation's 0.7 s), repeated for
every request although the answer only changes when the data does. :class:`FleetFigures` keeps each such figure
under the data fingerprint the placement model is saved with (:func:`ai.model_store.data_fingerprint`: sales,
stock-outs, planograms put in force, products, devices, cabinets), so new sales, a re-sync or a pruned history
give new figures while an unchanged database answers from memory, and a request's own work is its machine's.

The memory is bounded (:class:`cachetools.LRUCache`: figures of superseded data are the first to go) and safe for
the HTTP service's threads: a figure another thread is computing is waited for, not computed twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar

from cachetools import LRUCache, cached

from ai.fleet_days import data_days
from ai.model_store import data_fingerprint
from storage.database import Engine

Figure = TypeVar("Figure")

FIGURES_KEPT = 4096
"""Figures kept at once: one per machine (its recent sales) on a fleet of a few thousand, and a few fleet-wide
ones (days with data, the fleet's rates as of a day). About 15 kB a machine: some 60 MB at most."""


class FleetFigureMemory:
    """The bounded store one database's services share (the HTTP service's worker keeps one per opening)."""

    def __init__(self, size: int = FIGURES_KEPT) -> None:
        self.store: LRUCache = LRUCache(maxsize=size)
        self.computed = 0
        """How many figures were computed rather than reused (for tests and benches)."""
        condition = threading.Condition(threading.RLock())

        def key(_engine: Engine, fingerprint: str, figure: Callable[..., object], args: tuple[Hashable, ...]) -> tuple:
            return (fingerprint, figure, args)

        @cached(self.store, key=key, lock=condition, condition=condition)
        def compute(engine: Engine, _fingerprint: str, figure: Callable[..., object], args: tuple) -> object:
            self.computed += 1
            return figure(engine, *args)

        self._compute = compute

    def figures(self, engine: Engine, fingerprint: str | None = None) -> FleetFigures:
        """The figures of ``engine``'s data as it is now: its fingerprint read here, unless the caller has just read
        it (the HTTP service's worker checks it every 2 s, and a change gives the worker new services)."""
        return FleetFigures(engine, fingerprint if fingerprint is not None else data_fingerprint(engine), self)


class FleetFigures:
    """One request's view of the memory: the figures of the data as it was when the request began."""

    def __init__(self, engine: Engine, fingerprint: str, memory: FleetFigureMemory) -> None:
        self.engine = engine
        self.fingerprint = fingerprint
        self.memory = memory

    def of(self, figure: Callable[..., Figure], *args: Hashable) -> Figure:
        """``figure(engine, *args)``, computed once for this data and reused after; the result is shared, so
        callers read it and never change it."""
        return self.memory._compute(self.engine, self.fingerprint, figure, args)  # type: ignore[return-value]

    def days_with_data(self) -> tuple[date, ...]:
        """Every day on which some machine of the fleet sold (:func:`ai.fleet_days.data_days`), ascending."""
        return self.of(_all_days_with_data)


def _all_days_with_data(engine: Engine) -> tuple[date, ...]:
    return tuple(data_days(engine))
