"""What the seed's services stand on, opened on first use: the database, its catalogue and cabinets, the models.

The headless ``api`` command builds one per run from the application context (:meth:`Services.for_run`); the
designer passes its own engine, model store, signed-in user and labour cost in. Who acts and what the Settings
say always come from the caller, never from the environment or a settings file found here.
A database that is missing or unreadable becomes :class:`ServiceUnavailable` with a message that names the
problem and the fix, never a traceback, and a missing SQLite file is never created by asking.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from time import perf_counter
from typing import TYPE_CHECKING

from ai.fleet_figures import FleetFigureMemory, FleetFigures
from ai.model_store import ModelStore, load_or_train_placement_model
from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet
from designer.command_outcomes import ExitCode
from designer.products import Catalogue
from designer.roles import Action
from storage.audit import record_ai_run
from storage.database import DatabaseFailure, Engine, explain_failure
from storage.engine import display_url, normalise_url, sqlite_file
from storage.fleet import FleetRepository
from storage.schema import DatabaseProblem, prepare_database
from storage.settings import DEFAULT_LABOUR_COST_PER_SLOT
from storage.users import SignedInUser, sign_in

if TYPE_CHECKING:
    from storage.app_context import AppContext


class ServiceUnavailable(RuntimeError):
    """The database cannot be used; the message says what is wrong and what to do, ``exit_code`` the status."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Services:
    """Lazily opened resources shared by the endpoints of one run (or one designer session)."""

    def __init__(
        self,
        database_url: str,
        model_store: ModelStore | None = None,
        engine: Engine | None = None,
        placement_scorer: PlacementScorer | None = None,
        user: SignedInUser | None = None,
        *,
        login: str | None = None,
        labour_cost_per_slot: float = DEFAULT_LABOUR_COST_PER_SLOT,
    ) -> None:
        """``engine``, ``placement_scorer`` and ``user``, when given, are used as they are (the designer's own).

        ``login`` is who the AI features run for when no signed-in ``user`` is given (signed in on first use);
        ``labour_cost_per_slot`` is the Settings' cost of changing one slot (the break-even of a comparison).
        ``model_store`` is needed only when the placement model must be loaded or trained here.
        """
        self.database_url = normalise_url(database_url)
        self.model_store = model_store
        self.login = login
        self.labour_cost_per_slot = labour_cost_per_slot
        if user is not None:
            self.__dict__["user"] = user
        if engine is not None:
            self.__dict__["engine"] = engine
        if placement_scorer is not None:
            self.__dict__["placement_scorer"] = placement_scorer
        self._cabinets: dict[int, dict[int, Cabinet]] = {}
        self.figure_memory = FleetFigureMemory()
        """Fleet-wide figures kept across requests (the HTTP service's copies share it), keyed on the data."""
        self.known_fingerprint: str | None = None
        """The data's fingerprint as the caller last checked it, or None to read it for each answer: the HTTP
        service's worker checks it every 2 s (as for its models) rather than on every request, where reading it
        (a scan of the stock-outs) would be in proportion to the fleet: 33 ms a request on 1,000 machines."""
        self.source = "api"
        """Where the requests come from, as the audit says it: the ``api`` command, or ``http`` (the service)."""

    @classmethod
    def for_run(cls, context: AppContext) -> Services:
        """The services of one headless run: its database, models folder, acting login and labour cost."""
        return cls(
            context.database_url,
            ModelStore(context.folders.models),
            login=context.login,
            labour_cost_per_slot=context.settings.current.labour_cost_per_slot,
        )

    def acting_as(self, user: SignedInUser) -> Services:
        """The same opened database, catalogue, cabinets and models, answering for ``user``: the HTTP service keeps
        one warm :class:`Services` per worker and hands each request a copy for the user its token names."""
        clone = copy.copy(self)
        clone.__dict__["user"] = user
        return clone

    @cached_property
    def engine(self) -> Engine:
        file = sqlite_file(self.database_url)
        if file is not None and not file.exists():
            raise ServiceUnavailable(
                f"there is no database at {file}; pass --db with an existing database, or build the demo fleet "
                f"there with: python main.py demo --db {file}",
                ExitCode.NO_DATABASE,
            )
        try:
            return prepare_database(self.database_url)
        except DatabaseProblem as problem:
            raise ServiceUnavailable(str(problem), problem.exit_code) from None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Turn a database failure part-way through a request into :class:`ServiceUnavailable`."""
        try:
            yield
        except DatabaseFailure as error:
            problem = explain_failure(error, display_url(self.database_url), sqlite_file(self.database_url))
            raise ServiceUnavailable(str(problem), problem.exit_code) from None

    @cached_property
    def user(self) -> SignedInUser:
        """Who the AI features run for: the designer's signed-in user, else :attr:`login` signed in now."""
        if self.login is None:
            raise ServiceUnavailable("no user to run the AI features for; sign in first (File → Sign in as…)")
        with self.reading():
            return sign_in(self.engine, self.login, audit=False)

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
                    outcome=outcome, response_time_ms=elapsed_ms, source=self.source,
                )  # fmt: skip

    def open(self) -> None:
        """Open the database and read the catalogue and devices now, rather than inside a timed answer."""
        _ = self.catalogue, self.device_ids

    def fleet_figures(self) -> FleetFigures:
        """The fleet-wide figures of the data as it is now (its fingerprint is read on each call, so take them once
        per answer): computed once per data change, then reused by every answer on the same data."""
        with self.reading():
            return self.figure_memory.figures(self.engine, self.known_fingerprint)

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
        if self.model_store is None:
            raise ServiceUnavailable("the placement model is not ready yet; try again when the status bar says so")
        with self.reading():
            model = load_or_train_placement_model(self.engine, self.database_url, self.model_store)
        return PlacementScorer(model, self.catalogue)
