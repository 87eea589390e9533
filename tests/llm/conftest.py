"""Fixtures for the Claude tests: a dict keyring, a fake Messages API, a fresh database and fast settings.

No test ever reaches Anthropic: the real SDK is pointed at :mod:`fake_messages_api` on 127.0.0.1, and the key
is a fake whose every appearance outside the keyring is a leak the secrecy tests look for.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the panel and dialog tests need no display

import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from ai.llm.client import ClaudeClient
from storage.keys import ApiKey, KeyStore
from storage.llm_ledger import LlmLedger
from storage.schema import prepare_database
from storage.settings import SettingsStore
from tests.llm.fake_messages_api import FakeMessagesApi
from tests.llm.support import FAKE_KEY, FakeClock, fast_settings
from tests.memory_keyring import DictKeyring
from tests.worker_threads import assert_no_worker_left


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

    yield
    assert_no_worker_left()
