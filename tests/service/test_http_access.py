"""Who may call the HTTP service and how much: tokens (401), roles (403), body size (413), rate limits (429)."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from ai import access_tokens
from ai.model_store import database_identity
from designer.rate_limits import Budget, RateLimits, over_limit
from storage.engine import make_engine

REALTIME = {"planogram_id": "1_0", "product_id": 1, "slot_position": "A1"}
FORECAST = {"device_id": 1, "products": [1], "forecast_days": 3}


def test_no_token_is_refused_with_the_seeds_error(small_demo, serve):
    reply = serve(small_demo).post("realtime-analysis", REALTIME, user=None)
    assert reply.status_code == 401
    assert reply.json()["success"] is False
    assert "Authorization: Bearer" in reply.json()["error"]


def test_a_token_signed_with_another_key_is_refused(small_demo, serve):
    served = serve(small_demo)
    forged, _ = access_tokens.mint(b"x" * 32, 2, "maria.manager", database_identity(small_demo), served.clock())
    reply = served.post("realtime-analysis", REALTIME, Authorization=f"Bearer {forged}")
    assert reply.status_code == 401
    assert "signature" in reply.json()["error"]


def test_an_unsigned_token_is_refused(small_demo, serve):
    served = serve(small_demo)
    claims = jwt.decode(served.token("maria.manager"), options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert served.post("realtime-analysis", REALTIME, Authorization=f"Bearer {unsigned}").status_code == 401


def test_a_token_expires_after_an_hour(small_demo, serve):
    served = serve(small_demo)
    token = served.token("maria.manager")
    assert served.post("realtime-analysis", REALTIME, Authorization=f"Bearer {token}").status_code == 200
    served.clock.advance(timedelta(minutes=61))
    reply = served.post("realtime-analysis", REALTIME, Authorization=f"Bearer {token}")
    assert reply.status_code == 401
    assert "expired" in reply.json()["error"]


def test_a_token_for_another_database_is_refused(small_demo, serve, tmp_path):
    served = serve(small_demo)
    key = (Path(served.config.config_folder) / "api-signing.key").read_text().strip()
    from storage.signing_key import _decode

    other, _ = access_tokens.mint(_decode(key, "test"), 2, "maria.manager", "sqlite:/elsewhere.sqlite", served.clock())
    reply = served.post("realtime-analysis", REALTIME, Authorization=f"Bearer {other}")
    assert reply.status_code == 401
    assert "another database" in reply.json()["error"]


def test_a_revoked_token_is_refused(small_demo, serve):
    served = serve(small_demo)
    headers = {"Authorization": f"Bearer {served.token('maria.manager')}"}
    assert served.client.post("/auth/revoke", headers=headers).status_code == 200
    reply = served.post("realtime-analysis", REALTIME, **headers)
    assert reply.status_code == 401
    assert "revoked" in reply.json()["error"]


@pytest.mark.parametrize("user", ["dan.driver", "vera.viewer"])
def test_a_role_that_may_not_run_ai_gets_403(small_demo, serve, user):
    reply = serve(small_demo).post("demand-forecast", FORECAST, user=user)
    assert reply.status_code == 403
    assert "Only a manager or admin can run AI features" in reply.json()["error"]


def test_a_body_over_the_limit_gets_413(small_demo, serve):
    served = serve(small_demo)
    body = b'{"padding": "' + b"x" * (4 * 1024 * 1024) + b'"}'
    reply = served.client.post(
        "/api/planograms/realtime-analysis",
        content=body,
        headers={"Authorization": f"Bearer {served.token('maria.manager')}", "Content-Type": "application/json"},
    )
    assert reply.status_code == 413
    assert "MAX_REQUEST_BYTES" in reply.json()["error"]


def test_beyond_the_realtime_limit_a_user_gets_429_with_retry_after(small_demo, serve):
    served = serve(small_demo, {"rate_limits": {"realtime_per_minute": 3}})
    codes = [served.post("realtime-analysis", REALTIME).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = served.post("realtime-analysis", REALTIME)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "3 realtime requests a minute" in refused.json()["error"]
    assert served.post("realtime-analysis", REALTIME, user="admin").status_code == 200  # another user's own count
    served.clock.advance(timedelta(seconds=61))
    assert served.post("realtime-analysis", REALTIME).status_code == 200


def test_predictions_have_their_own_budget(small_demo, serve):
    served = serve(small_demo, {"rate_limits": {"predictions_per_minute": 1}})
    assert served.post("demand-forecast", FORECAST).status_code == 200
    assert served.post("demand-forecast", FORECAST).status_code == 429
    assert served.post("realtime-analysis", REALTIME).status_code == 200


def test_the_sliding_window_frees_a_place_when_the_oldest_request_leaves_it():
    limits = RateLimits(realtime_per_minute=2)
    from datetime import UTC, datetime

    start = datetime(2026, 1, 1, tzinfo=UTC)
    earlier = [start, start + timedelta(seconds=30)]
    refused = over_limit(Budget.REALTIME, limits, earlier, start + timedelta(seconds=40))
    assert refused is not None and refused.retry_after_s == 20
    assert over_limit(Budget.REALTIME, limits, earlier, start + timedelta(seconds=61)) is None


def test_an_unknown_endpoint_is_a_bad_request_and_unknown_paths_keep_the_error_shape(small_demo, serve):
    served = serve(small_demo)
    reply = served.post("no-such-endpoint", {})
    assert reply.status_code == 400
    assert "realtime-analysis" in reply.json()["error"]
    missing = served.client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.json()["success"] is False


def test_the_signing_key_file_is_readable_by_its_owner_only(small_demo, serve):
    served = serve(small_demo)
    key_file = Path(served.config.config_folder) / "api-signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_with_a_keyring_the_signing_key_lives_there_and_no_file_is_written(tmp_path):
    import keyring

    from storage.signing_key import signing_key
    from tests.memory_keyring import DictKeyring

    ring = DictKeyring()
    keyring.set_keyring(ring)
    first = signing_key(tmp_path)
    assert first.where == "the system keyring"
    assert signing_key(tmp_path).secret == first.secret
    assert not (tmp_path / "api-signing.key").exists()
    assert ring.passwords


def test_a_key_file_others_can_read_is_refused(tmp_path):
    from storage.signing_key import SigningKeyProblem, signing_key

    signing_key(tmp_path)
    os.chmod(tmp_path / "api-signing.key", 0o644)
    with pytest.raises(SigningKeyProblem, match="chmod 600"):
        signing_key(tmp_path)


def test_every_answered_request_is_audited_as_coming_over_http(small_demo, serve):
    served = serve(small_demo)
    assert served.post("demand-forecast", FORECAST).status_code == 200
    engine = make_engine(small_demo)
    with engine.connect() as connection:
        from sqlalchemy import text

        row = connection.execute(
            text("SELECT user_id, details FROM audit_log WHERE action = 'ai.demand-forecast' ORDER BY id DESC LIMIT 1")
        ).one()
    engine.dispose()
    assert row.user_id == 2
    details = json.loads(row.details)
    assert details["source"] == "http" and details["outcome"] == "answered" and details["device_ids"] == [1]
