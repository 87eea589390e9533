"""A CVD database to sync with and working copies.

``cvd_url`` / ``cvd_engine`` / ``cvd_file`` hold the database :mod:`tests.cvd_builder` generates (its figures:
``cvd_fleet``), on SQLite and on PostgreSQL; ``sample_url`` / ``sample_engine`` hold the real CVD sample, for
the tests whose point is that file (they skip without it, and fail in CI: :mod:`tests.shared_sample`).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from sqlalchemy import Engine

from ai.model_store import ModelStore
from ai.services import Services
from storage.cvd.pull import pull
from storage.engine import make_engine
from storage.schema import prepare_database
from tests.cvd_builder import CvdFleet, generated_fleet, write_cvd_database
from tests.memory_keyring import DictKeyring
from tests.shared_sample import cvd_sample_path


def _postgres_database(name: str, *, sample: bool) -> tuple[str, object]:
    support = pytest.importorskip("tests.postgres_support")
    make = support.cvd_sample_postgres if sample else support.cvd_generated_postgres
    url = make(f"sync_{name}"[:40])
    return url, support.drop_database


def _private_database(request: pytest.FixtureRequest, tmp_path: Path, source: Path, sample: bool) -> Iterator[str]:
    """A fresh CVD database: a copy of ``source``, or a PostgreSQL database holding the same rows."""
    if request.param == "sqlite":
        target = tmp_path / "cvd.sqlite"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    url, drop = _postgres_database(request.node.name.replace("[", "_").replace("]", "").lower(), sample=sample)
    yield url
    drop(url)  # type: ignore[operator]


@pytest.fixture(scope="session")
def cvd_fleet() -> CvdFleet:
    """What the generated CVD database holds: its rows and the figures a pull of it must show."""
    return generated_fleet()


@pytest.fixture(scope="session")
def generated_cvd_file(tmp_path_factory: pytest.TempPathFactory, cvd_fleet: CvdFleet) -> Path:
    """The generated CVD database, written once per session; tests work on copies of it."""
    path = tmp_path_factory.mktemp("cvd-generated") / "cvd.sqlite"
    write_cvd_database(f"sqlite:///{path}", cvd_fleet)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def cvd_url(request: pytest.FixtureRequest, tmp_path: Path, generated_cvd_file: Path) -> Iterator[str]:
    """A fresh generated CVD database: a copy of the file, or a PostgreSQL database holding the same rows."""
    yield from _private_database(request, tmp_path, generated_cvd_file, sample=False)


@pytest.fixture
def cvd_file(tmp_path: Path, generated_cvd_file: Path) -> Path:
    """A private SQLite copy of the generated CVD database, for tests that read it back with plain sqlite3."""
    target = tmp_path / "cvd-file.sqlite"
    shutil.copyfile(generated_cvd_file, target)
    return target


@pytest.fixture
def cvd_engine(cvd_url: str) -> Iterator[Engine]:
    engine = make_engine(cvd_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sample_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the real CVD sample (skipped without it, failed in CI), on SQLite or PostgreSQL."""
    yield from _private_database(request, tmp_path, cvd_sample_path(), sample=True)


@pytest.fixture
def sample_engine(sample_url: str) -> Iterator[Engine]:
    engine = make_engine(sample_url)
    yield engine
    engine.dispose()


@pytest.fixture
def working_copy(tmp_path: Path) -> Iterator[Engine]:
    engine = prepare_database(f"sqlite:///{tmp_path / 'working.sqlite'}")
    yield engine
    engine.dispose()


def sqlite_rows(path: Path, query: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query, args).fetchall()


@pytest.fixture
def memory_keyring() -> Iterator[DictKeyring]:
    previous = keyring.get_keyring()
    backend = DictKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


# --- the real sample pulled into a working copy (tests whose point is the real data) --------------------------


@pytest.fixture(scope="module")
def pulled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine, Path]]:
    """A working copy pulled from a copy of the real sample (never the original), shared by a test module."""
    folder = tmp_path_factory.mktemp("real-sample")
    source = folder / "cvd.sqlite"
    shutil.copyfile(cvd_sample_path(), source)
    cvd_engine = make_engine(f"sqlite:///{source}")
    url = f"sqlite:///{folder / 'working.sqlite'}"
    working = prepare_database(url)
    pull(cvd_engine, working)
    cvd_engine.dispose()
    yield url, working, folder
    working.dispose()


@pytest.fixture(scope="module")
def services(pulled: tuple[str, Engine, Path]) -> Services:
    url, engine, folder = pulled
    return Services(url, ModelStore(folder / "models"), engine=engine, login="manager2")
