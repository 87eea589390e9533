"""Fixtures for the Claude tests: a dict keyring, a fake Messages API, a fresh database and fast settings.

No test ever reaches Anthropic: the real SDK is pointed at :mod:`fake_messages_api` on 127.0.0.1, and the key
is a fake whose every appearance outside the keyring is a leak the secrecy tests look for.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the panel and dialog tests need no display

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest
from fake_messages_api import FakeMessagesApi

from ai.llm.client import ClaudeClient
from storage.keys import ApiKey, KeyStore
from storage.llm_ledger import LlmLedger
from storage.schema import prepare_database
from storage.settings import AppSettings, SettingsStore
from tests.memory_keyring import DictKeyring

FAKE_KEY = "sk-ant-api03-FAKE-planogram-studio-9f8e7d6c5b4a-never-leak"


class FakeClock:
    """Time that moves only when told to (sleeping moves it too)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.wall = start or datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
        self.mono = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.mono

    def now(self) -> datetime:
        return self.wall

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)


@pytest.fixture
def dict_keyring() -> Iterator[DictKeyring]:
    previous = keyring.get_keyring()
    backend = DictKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A headless computer: keyring's 'fail' backend, as on CI."""
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def fake_api() -> Iterator[FakeMessagesApi]:
    with FakeMessagesApi() as api:
        yield api


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database brought to the current schema per run; each test gets a copy (migrating takes ~0.3 s)."""
    file = tmp_path_factory.mktemp("template") / "studio.sqlite"
    prepare_database(f"sqlite:///{file}").dispose()
    return file


@pytest.fixture
def database_url(tmp_path: Path, migrated_database: Path) -> str:
    file = tmp_path / "studio.sqlite"
    shutil.copyfile(migrated_database, file)
    return f"sqlite:///{file}"


@pytest.fixture
def ledger(database_url: str) -> Iterator[LlmLedger]:
    engine = prepare_database(database_url)
    yield LlmLedger(engine, host="test-host")
    engine.dispose()


def fast_settings(**timeouts: float) -> AppSettings:
    """Defaults with short time limits, so timeout tests take a fraction of a second."""
    settings = AppSettings()
    models = dict(settings.llm.models)
    for task, choice in models.items():
        models[task] = dataclasses.replace(choice, timeout_s=timeouts.get(task.value, 1.0))
    return dataclasses.replace(settings, llm=dataclasses.replace(settings.llm, models=models))


@pytest.fixture
def settings_store(tmp_path: Path) -> SettingsStore:
    store = SettingsStore(tmp_path / "config" / "settings.json")
    store.save(fast_settings())
    return store


@pytest.fixture
def keys(dict_keyring: DictKeyring) -> KeyStore:
    store = KeyStore()
    store.save(ApiKey(FAKE_KEY))
    return store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(
    settings_store: SettingsStore, keys: KeyStore, ledger: LlmLedger, fake_api: FakeMessagesApi, clock: FakeClock
) -> Iterator[ClaudeClient]:
    claude = ClaudeClient(settings_store, keys, ledger, clock=clock, base_url=fake_api.url)
    yield claude
    claude.close()


# --- facts shaped like the seed's responses ------------------------------------------------------------


def slot_facts(score: float = 42.0, **overrides: Any) -> dict[str, Any]:
    """A realtime-analysis answer (the seed's shape) for one slot."""
    facts: dict[str, Any] = {
        "success": True,
        "placement_score": score,
        "confidence": 0.81,
        "feedback": {
            "pros": ["Eye-level placement", "High velocity product: sells 3.20 a day at similar machines"],
            "cons": ["Away from complementary items"],
            "suggestions": ["Consider placing near beverages"],
        },
        "zone_analysis": {
            "current_zone_value": 1.5,
            "optimal_zones": ["A4", "A5"],
            "reason": "Premium visibility zone",
        },
        "response_time_ms": 3,
    }
    facts.update(overrides)
    return facts


def revenue_facts() -> dict[str, Any]:
    """A predict-revenue answer (the seed's example)."""
    return {
        "success": True,
        "predictions": {
            "baseline": {"daily_revenue": 145.50, "monthly_revenue": 4365.00, "top_products": []},
            "proposed": {
                "daily_revenue": 168.75,
                "monthly_revenue": 5062.50,
                "revenue_lift": 16.0,
                "confidence_interval": {"lower": 155.20, "upper": 182.30},
            },
            "break_even_analysis": {"implementation_cost": 25.00, "days_to_recover": 1.1, "roi_30_days": 672.50},
            "risk_factors": [
                {"factor": "New product introduction", "impact": "medium", "mitigation": "Monitor closely first week"}
            ],
        },
        "model_metadata": {"model_version": "2.1.0", "confidence_score": 0.87, "data_quality_score": 0.92},
    }


@pytest.fixture
def unused_port_url() -> str:
    """A local address where nothing listens: the SDK gets 'connection refused', as when offline."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def no_leaked_threads(qapp: object) -> Iterator[None]:
    """For the GUI tests: no worker may outlive its test (it could call into deleted widgets)."""
    from PySide6.QtCore import QThreadPool

    yield
    pool = QThreadPool.globalInstance()
    pool.waitForDone(5_000)
    assert pool.activeThreadCount() == 0, f"{pool.activeThreadCount()} worker thread(s) outlived the test"
