"""What the seed's services stand on, opened on first use: the database, its catalogue and cabinets, the models.

The headless ``api`` command builds one per run; the designer passes its own engine and model store in.
A database that is missing or unreadable becomes :class:`ServiceUnavailable` with a message that names the
problem and the fix, never a traceback, and a missing SQLite file is never created by asking.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ai.model_store import ModelStore, load_or_train_placement_model
from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet
from designer.products import Catalogue
from storage.engine import display_url, normalise_url, sqlite_file
from storage.fleet import FleetRepository
from storage.schema import DatabaseProblem, prepare_database


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
    ) -> None:
        """``engine`` and ``placement_scorer``, when given, are used as they are (the designer's own)."""
        self.database_url = normalise_url(database_url)
        self.model_store = model_store or ModelStore()
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
        except SQLAlchemyError as error:
            raise ServiceUnavailable(
                f"{display_url(self.database_url)} could not be read ({getattr(error, 'orig', error)}); "
                "open another database, or restore this one from a backup"
            ) from None

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
