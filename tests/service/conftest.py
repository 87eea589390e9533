"""A small demo fleet and the HTTP service on it, in-process (FastAPI's test client) with a clock tests can move."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from ai.http_service import ServiceConfig, create_app
from storage.simulator import build_demo_fleet


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four machines, 60 days: every endpoint answers, and the placement model trains in a second or two."""
    path = tmp_path_factory.mktemp("service-fleet") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=4, days=60, seed=7)
    return f"sqlite:///{path}"


@dataclass
class Clock:
    """The service's wall clock, moved by tests (tokens expire without sleeping)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Served:
    client: TestClient
    config: ServiceConfig
    clock: Clock

    def token(self, user: str) -> str:
        from ai import access_tokens
        from ai.model_store import database_identity
        from storage.credentials import known_user
        from storage.engine import make_engine
        from storage.signing_key import signing_key

        engine = make_engine(self.config.database_url)
        stored = known_user(engine, user)
        engine.dispose()
        assert stored is not None, f"no user {user} in the test database"
        key = signing_key(Path(self.config.config_folder)).secret
        identity = database_identity(self.config.database_url)
        text, _ = access_tokens.mint(key, stored.user_id, user, identity, self.clock())
        return text

    def post(self, endpoint: str, body: object, user: str | None = "maria.manager", **headers: str) -> Response:
        if user is not None:
            headers.setdefault("Authorization", f"Bearer {self.token(user)}")
        return self.client.post(f"/api/planograms/{endpoint}", json=body, headers=headers)


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One models folder for every test's service: the placement model is trained once per run, not per test."""
    return tmp_path_factory.mktemp("service-models")


@pytest.fixture
def serve(tmp_path: Path, trained_models: Path) -> Iterator[Callable[..., Served]]:
    """Start the service on a database (with optional settings JSON); stopped at the end of the test."""
    clients: list[TestClient] = []

    def start(database_url: str, settings: dict | None = None) -> Served:
        config = ServiceConfig(database_url, str(tmp_path / "data"), str(tmp_path / "config"))
        (tmp_path / "data").mkdir(parents=True, exist_ok=True)
        if not (tmp_path / "data" / "models").exists():
            (tmp_path / "data" / "models").symlink_to(trained_models, target_is_directory=True)
        if settings is not None:
            import json

            (tmp_path / "config").mkdir(parents=True, exist_ok=True)
            (tmp_path / "config" / "settings.json").write_text(json.dumps({"version": 2, **settings}))
        clock = Clock()
        client = TestClient(create_app(config, clock))
        client.__enter__()  # runs the lifespan: the models load before the first request
        clients.append(client)
        return Served(client, config, clock)

    yield start
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """No keyring unless a test installs one: the signing key goes to the key file in the test's config folder."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
