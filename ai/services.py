"""What the seed's services stand on, opened on first use: the database, its catalogue and cabinets, the models.

The headless ``api`` command builds one per run; the designer passes its own engine and model store in.
A database that is missing or unreadable becomes :class:`ServiceUnavailable` with a message that names the
problem and the fix, never a traceback, and a missing SQLite file is never created by asking.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from time import perf_counter

from ai.model_store import ModelStore, load_or_train_placement_model
from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet
from designer.products import Catalogue
from designer.roles import Action
from storage.audit import record_ai_run
from storage.database import DatabaseFailure, Engine
from storage.engine import display_url, normalise_url, sqlite_file
from storage.fleet import FleetRepository
from storage.schema import DatabaseProblem, prepare_database
from storage.users import SignedInUser, sign_in


class ServiceUnavailable(RuntimeError):
    """The database cannot be used; the message says what is wrong and what to do."""


class Services:
    """Lazily opened resources shared by the endpoints of one run (or one designer session)."""

    def __init__(
        self,
        database_url: str,
        model_store: ModelStore | None = None,
        engine: Engine | None = None,
        placement_scorer: PlacementScorer | None = None,
        user: SignedInUser | None = None,
    ) -> None:
        """``engine``, ``placement_scorer`` and ``user``, when given, are used as they are (the designer's own)."""
        self.database_url = normalise_url(database_url)
        self.model_store = model_store or ModelStore()
        if user is not None:
            self.__dict__["user"] = user
        if engine is not None:
            self.__dict__["engine"] = engine
        if placement_scorer is not None:
            self.__dict__["placement_scorer"] = placement_scorer
        self._cabinets: dict[int, dict[int, Cabinet]] = {}

    @cached_property
    def engine(self) -> Engine:
        file = sqlite_file(self.database_url)
        if file is not None and not file.exists():
            raise ServiceUnavailable(
                f"there is no database at {file}; pass --db with an existing database, or build the demo fleet "
                f"there with: python main.py demo --db {file}"
            )
        try:
            return prepare_database(self.database_url)
        except DatabaseProblem as problem:
            raise ServiceUnavailable(str(problem)) from None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Turn a database failure part-way through a request into :class:`ServiceUnavailable`."""
        try:
            yield
        except DatabaseFailure as error:
            raise ServiceUnavailable(
                f"{display_url(self.database_url)} could not be read ({getattr(error, 'orig', error)}); "
                "open another database, or restore this one from a backup"
            ) from None

    @cached_property
    def user(self) -> SignedInUser:
        """Who the AI features run for: the designer's signed-in user, else ``--user``/the OS login."""
        with self.reading():
            return sign_in(self.engine, audit=False)

    @contextmanager
    def ai_run(self, feature: str, device_ids: list[int], cabinet_indexes: list[int]) -> Iterator[None]:
        """Refuse a user who may not run AI features, then audit the run as ``ai.<feature>`` with its time.

        Only ids and the time are recorded, never the request (it may carry shopper or location details).
        """
        user = self.user
        user.require(Action.RUN_AI)
        started = perf_counter()
        outcome = "failed"
        try:
            yield
            outcome = "answered"
        finally:
            elapsed_ms = round((perf_counter() - started) * 1000, 1)
            with self.reading():
                record_ai_run(
                    self.engine, user.id, feature, device_ids, cabinet_indexes,
                    outcome=outcome, response_time_ms=elapsed_ms, source="api",
                )  # fmt: skip

    def open(self) -> None:
        """Open the database and read the catalogue and devices now, rather than inside a timed answer."""
        _ = self.catalogue, self.device_ids

    @cached_property
    def repository(self) -> FleetRepository:
        return FleetRepository(self.engine)

    @cached_property
    def catalogue(self) -> Catalogue:
        with self.reading():
            return self.repository.catalogue()

    @cached_property
    def device_ids(self) -> frozenset[int]:
        with self.reading():
            return frozenset(device.id for device in self.repository.devices())

    def cabinet(self, device_id: int, cabinet_index: int) -> Cabinet | None:
        """A cabinet as the database describes it (None when the device has no such cabinet)."""
        if device_id not in self._cabinets:
            with self.reading():
                self._cabinets[device_id] = {c.index: c for c in self.repository.cabinets(device_id)}
        return self._cabinets[device_id].get(cabinet_index)

    @cached_property
    def placement_scorer(self) -> PlacementScorer:
        """The saved placement model when the data is unchanged, else trained now (seconds on the demo fleet)."""
        with self.reading():
            model = load_or_train_placement_model(self.engine, self.database_url, self.model_store)
        return PlacementScorer(model, self.catalogue)
