"""The token endpoint checks CVD's passwords as CVD does; the real ``main.py serve`` process answers as ``api``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.cvd_builder import pulled_working_copy

PROJECT = Path(__file__).resolve().parents[2]
REALTIME = {"planogram_id": "1_0", "product_id": 1, "slot_position": "B2"}


@pytest.fixture(scope="module")
def cvd_copy(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A generated CVD database (passwords "<username>-password") pulled into a working copy that names it."""
    from storage.cvd.sync import remember_source
    from storage.engine import make_engine

    folder = tmp_path_factory.mktemp("cvd-service")
    working = pulled_working_copy(folder)
    engine = make_engine(working)
    remember_source(engine, f"sqlite:///{folder / 'cvd.sqlite'}")
    engine.dispose()
    return working


def sign_in(served, username: str, password: str):  # type: ignore[no-untyped-def]
    return served.client.post("/auth/token", json={"username": username, "password": password})


def test_a_cvd_user_signs_in_with_their_cvd_password_and_the_token_opens_the_api(cvd_copy, serve):
    served = serve(cvd_copy)
    reply = sign_in(served, "manager2", "manager2-password")
    assert reply.status_code == 200, reply.text
    token = reply.json()["access_token"]
    assert 3599 <= reply.json()["expires_in"] <= 3600  # an hour, in whole seconds of the JWT
    request = {"device_id": 1, "forecast_days": 2}
    forecast = served.post("demand-forecast", request, None, Authorization=f"Bearer {token}")
    assert forecast.status_code in (200, 400), forecast.text  # authenticated: the endpoint itself answered
    assert forecast.status_code != 401


def test_a_cvd_user_may_sign_in_with_their_email(cvd_copy, serve):
    assert sign_in(serve(cvd_copy), "manager5@example.invalid", "manager5-password").status_code == 200


def test_a_wrong_password_and_an_unknown_name_get_the_same_401(cvd_copy, serve):
    served = serve(cvd_copy)
    wrong = sign_in(served, "driver4", "guess")
    unknown = sign_in(served, "nobody", "guess")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"] == "wrong username or password"


def test_five_failures_lock_the_account_for_fifteen_minutes(cvd_copy, serve):
    from datetime import timedelta

    served = serve(cvd_copy)
    for _ in range(5):
        assert sign_in(served, "driver6", "guess").status_code == 401
    locked = sign_in(served, "driver6", "driver6-password")
    assert locked.status_code == 401
    assert "locked" in locked.json()["error"]
    served.clock.advance(timedelta(minutes=16))
    assert sign_in(served, "driver6", "driver6-password").status_code == 200


def test_a_switched_off_cvd_user_cannot_sign_in(cvd_copy, serve):
    reply = sign_in(serve(cvd_copy), "viewer3", "viewer3-password")
    assert reply.status_code == 401
    assert "switched off" in reply.json()["error"]


def test_a_database_without_passwords_says_how_to_get_a_token(small_demo, serve):
    reply = sign_in(serve(small_demo), "maria.manager", "anything")
    assert reply.status_code == 401
    assert "python main.py token --user maria.manager" in reply.json()["error"]


def _environment(folder: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    environment |= {f"XDG_{kind}_HOME": str(folder / kind.lower()) for kind in ("DATA", "CONFIG", "CACHE")}
    return environment | {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "QT_QPA_PLATFORM": "offscreen"}


def _main(environment: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=PROJECT, env=environment, input=stdin, capture_output=True, text=True
    )


@pytest.mark.slow
def test_the_served_answer_is_the_api_commands_answer(small_demo, tmp_path):
    """A real ``main.py serve`` process, a token from ``main.py token``, and the same request through ``api``."""
    environment = _environment(tmp_path)
    database = small_demo.removeprefix("sqlite:///")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--db", database, "--port", str(port)],
        cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                health = json.loads(urllib.request.urlopen(base + "/health", timeout=1).read())
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.5)
        assert health["status"] == "ok"
        minted = _main(environment, "token", "--user", "maria.manager", "--db", database)
        assert minted.returncode == 0, minted.stdout + minted.stderr
        request = urllib.request.Request(
            base + "/api/planograms/realtime-analysis", data=json.dumps(REALTIME).encode(), method="POST",
            headers={"Authorization": f"Bearer {minted.stdout.strip()}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=120) as reply:
            served = json.loads(reply.read())
        command = _main(environment, "--user", "maria.manager", "api", "realtime-analysis", "--db", database,
                        stdin=json.dumps(REALTIME))  # fmt: skip
        assert command.returncode == 0, command.stdout
        answered = json.loads(command.stdout)
        for body in (served, answered):
            body.pop("response_time_ms")
        assert served == answered
        openapi = json.loads(urllib.request.urlopen(base + "/openapi.json", timeout=5).read())
        assert {f"/api/planograms/{name}" for name in ("realtime-analysis", "predict-revenue")} <= set(openapi["paths"])
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_another_address_without_tls(tmp_path):
    done = _main(_environment(tmp_path), "serve", "--db", str(tmp_path / "none.sqlite"), "--host", "0.0.0.0")
    assert done.returncode == 2
    assert "without TLS" in json.loads(done.stdout)["error"]


def test_a_token_for_someone_not_in_the_database_is_refused(small_demo, tmp_path):
    done = _main(_environment(tmp_path), "token", "--user", "mallory", "--db", small_demo)
    assert done.returncode == 3
    assert "not a user" in json.loads(done.stdout)["error"]
