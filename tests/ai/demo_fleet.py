"""The demo fleet the AI tests share, and a way to read its planted truth."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from storage.fleet import FleetRepository


@dataclass(frozen=True)
class DemoFleet:
    path: Path
    engine: Engine

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def truth(self, key: str) -> object:
        with closing(sqlite3.connect(self.path)) as database:
            (value,) = database.execute("SELECT value FROM simulation_truth WHERE key = ?", (key,)).fetchone()
        return json.loads(value)

    @property
    def repository(self) -> FleetRepository:
        return FleetRepository(self.engine)
