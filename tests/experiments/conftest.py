"""Demo fleets for the experiment tests: one plain, and ones with a treatment effect planted on half the devices."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ai.experiments import Assignment, assign_groups
from storage.schema import prepare_database
from storage.simulator import PlantedTreatment, build_demo_fleet

HISTORY_END = date(2026, 6, 30)
PLANTED_START = HISTORY_END - timedelta(days=34)
PLANTED_DEVICES = 24


@pytest.fixture(scope="session")
def plain_fleet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("experiments") / "plain.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=12, days=90, seed=7)
    return path


@pytest.fixture
def plain_fleet(plain_fleet_file: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy per test: experiments write to it."""
    copy = tmp_path / "fleet.sqlite"
    shutil.copy(plain_fleet_file, copy)
    engine = prepare_database(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


def planted_treatment_devices(seed: int) -> tuple[int, ...]:
    types = {device: "any" for device in range(1, PLANTED_DEVICES + 1)}
    return assign_groups(types, Assignment.RANDOMISED, seed=seed).treatment


@pytest.fixture(scope="session", params=[1, 2])
def planted_fleet(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """(engine, treatment devices): demand × 1.10 on the treatment devices from PLANTED_START on."""
    seed = int(request.param)
    treated = planted_treatment_devices(seed)
    path = tmp_path_factory.mktemp("planted") / f"planted-{seed}.sqlite"
    treatment = PlantedTreatment(frozenset(treated), PLANTED_START, 1.10)
    build_demo_fleet(f"sqlite:///{path}", devices=PLANTED_DEVICES, days=120, seed=seed, treatment=treatment)
    engine = prepare_database(f"sqlite:///{path}")
    yield engine, treated
    engine.dispose()
