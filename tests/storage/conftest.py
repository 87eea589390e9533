"""Every storage test that takes ``database_url`` runs twice: on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_support import cvd_postgres_url, drop_database, fresh_database, postgres_url  # noqa: F401


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fleet.sqlite'}"
        return
    url = fresh_database(request.node.name)
    yield url
    drop_database(url)
