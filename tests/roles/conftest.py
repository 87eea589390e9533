"""A small working copy with CVD's four users (one per role), local or pulled from CVD."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from designer.roles import Role
from storage.schema import prepare_database
from storage.tables import CabinetRecord, Device, ProductRecord, User

USERS = {Role.ADMIN: "admin", Role.MANAGER: "maria.manager", Role.DRIVER: "dan.driver", Role.VIEWER: "vera.viewer"}


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.delenv("PLANOGRAM_USER", raising=False)
    engine = prepare_database(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    with Session(engine) as session, session.begin():
        session.add_all(User(username=name, role=role.value, ai_features_enabled=True) for role, name in USERS.items())
        session.add(
            Device(id=1, name="Office Lobby 1", asset_number="A-0001", location_type="office", location_name="HQ")
        )
        session.add(CabinetRecord(device_id=1, cabinet_index=0, rows=5, columns=6, temperature_zone="ambient"))
        session.add(
            ProductRecord(
                id=1,
                name="Chips",
                category="snack",
                price=1,
                unit_cost=0,
                temperature_requirement="ambient",
                health_score=3,
            )
        )
    return engine
