"""A CVD database to sync with (a private copy of the sample, on SQLite and on PostgreSQL) and working copies."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from sqlalchemy import Engine

from storage.engine import make_engine
from storage.schema import prepare_database
from tests.memory_keyring import DictKeyring

CVD_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "cvd" / "cvd_sample.sqlite"


def _postgres_sample(name: str) -> tuple[str, object]:
    support = pytest.importorskip("tests.postgres_support")
    url = support.cvd_sample_postgres(f"sync_{name}"[:40])
    return url, support.drop_database


@pytest.fixture(params=["sqlite", "postgresql"])
def cvd_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh CVD database holding the sample: a copy of the file, or a PostgreSQL database loaded with it."""
    if request.param == "sqlite":
        target = tmp_path / "cvd.sqlite"
        shutil.copyfile(CVD_SAMPLE, target)
        yield f"sqlite:///{target}"
        return
    url, drop = _postgres_sample(request.node.name.replace("[", "_").replace("]", "").lower())
    yield url
    drop(url)  # type: ignore[operator]


@pytest.fixture
def cvd_file(tmp_path: Path) -> Path:
    """A private SQLite copy of the sample, for tests that read it back with plain sqlite3."""
    target = tmp_path / "cvd-file.sqlite"
    shutil.copyfile(CVD_SAMPLE, target)
    return target


@pytest.fixture
def cvd_engine(cvd_url: str) -> Iterator[Engine]:
    engine = make_engine(cvd_url)
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
