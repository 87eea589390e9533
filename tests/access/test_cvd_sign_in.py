"""Sign-in against CVD's users, as the CVD web app does it: the hashes come with the pull, so it works offline."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from storage.access_ledger import AccessLedger
from storage.credentials import SignInRefused, check_password, is_protected
from storage.cvd.pull import pull
from storage.engine import make_engine
from storage.schema import prepare_database


def _ledger(tmp_path: Path) -> AccessLedger:
    return AccessLedger(tmp_path / "access.sqlite", "working")


def test_the_pulled_copy_signs_users_in_with_their_cvd_password_even_with_cvd_gone(
    protected: tuple[Path, Path], tmp_path: Path
) -> None:
    cvd, working = protected
    cvd.unlink()  # offline: the laptop on the road
    engine = prepare_database(f"sqlite:///{working}")

    by_name = check_password(engine, "manager2", "manager2-password", _ledger(tmp_path))
    by_email = check_password(engine, "driver4@example.invalid", "driver4-password", _ledger(tmp_path))

    assert is_protected(engine)
    assert (by_name.username, by_name.role.value) == ("manager2", "manager")
    assert (by_email.username, by_email.role.value) == ("driver4", "driver")
    engine.dispose()


def test_a_wrong_password_and_an_unknown_name_get_the_same_refusal(
    protected: tuple[Path, Path], tmp_path: Path
) -> None:
    engine = prepare_database(f"sqlite:///{protected[1]}")
    with pytest.raises(SignInRefused) as wrong:
        check_password(engine, "manager2", "not-it", _ledger(tmp_path))
    with pytest.raises(SignInRefused) as unknown:
        check_password(engine, "nobody", "manager2-password", _ledger(tmp_path))
    assert str(wrong.value) == str(unknown.value) == "wrong username or password"
    engine.dispose()


def test_five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password(
    protected: tuple[Path, Path], tmp_path: Path
) -> None:
    engine = prepare_database(f"sqlite:///{protected[1]}")
    ledger, now = _ledger(tmp_path), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for _attempt in range(5):
        with pytest.raises(SignInRefused):
            check_password(engine, "driver4", "guess", ledger, now)

    with pytest.raises(SignInRefused, match="locked"):
        check_password(engine, "driver4", "driver4-password", ledger, now + timedelta(minutes=14))
    assert check_password(engine, "driver4", "driver4-password", ledger, now + timedelta(minutes=16)).username == (
        "driver4"
    )
    with sqlite3.connect(protected[0]) as cvd:  # nothing about sign-ins is written back to CVD's users
        row = cvd.execute("SELECT failed_login_attempts, locked_until FROM users WHERE username='driver4'").fetchone()
    assert tuple(row) == (0, None)
    engine.dispose()


def test_a_switched_off_user_is_refused_with_the_right_password(protected: tuple[Path, Path], tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{protected[1]}")
    with pytest.raises(SignInRefused, match="switched off"):
        check_password(engine, "viewer3", "viewer3-password", _ledger(tmp_path))
    engine.dispose()


def test_a_lock_and_a_new_password_set_in_cvd_take_effect_at_the_next_pull(
    protected: tuple[Path, Path], tmp_path: Path
) -> None:
    cvd, working = protected
    until = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    with sqlite3.connect(cvd) as connection:
        connection.execute("UPDATE users SET locked_until = ? WHERE username = 'manager2'", (until,))
        connection.execute(
            "UPDATE users SET password_hash = ? WHERE username = 'admin1'", (generate_password_hash("new-secret"),)
        )
    engine = prepare_database(f"sqlite:///{working}")
    assert check_password(engine, "admin1", "admin1-password", _ledger(tmp_path)).username == "admin1"  # not pulled yet

    cvd_engine = make_engine(f"sqlite:///{cvd}")
    pull(cvd_engine, engine)
    cvd_engine.dispose()

    with pytest.raises(SignInRefused, match="locked"):
        check_password(engine, "manager2", "manager2-password", _ledger(tmp_path))
    with pytest.raises(SignInRefused):
        check_password(engine, "admin1", "admin1-password", _ledger(tmp_path))
    assert check_password(engine, "admin1", "new-secret", _ledger(tmp_path)).role.value == "admin"
    engine.dispose()


def test_the_demo_database_is_unprotected(app_context) -> None:  # type: ignore[no-untyped-def]
    from storage.simulator import build_demo_fleet

    url = f"sqlite:///{app_context.folders.data / 'demo.sqlite'}"
    build_demo_fleet(url, devices=2, days=14, seed=1)
    engine = prepare_database(url)
    assert not is_protected(engine)
    engine.dispose()
