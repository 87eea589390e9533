"""A database made by the previous release (schema 0013) keeps its users through migration 0014, stays unprotected
until a pull brings CVD's hashes, and its users still sign in as before."""

from __future__ import annotations

from sqlalchemy import text

from storage.credentials import is_protected
from storage.schema import current_revision, head_revision, prepare_database
from storage.users import sign_in

PREVIOUS = "0013_sales_import_lines_by_sale"


def test_users_of_the_previous_release_keep_their_roles_and_the_database_stays_unprotected(database_url: str) -> None:
    old = prepare_database(database_url, revision=PREVIOUS)
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, username, role, ai_features_enabled, is_active) "
                "VALUES (901, 'ana', 'admin', true, true)"
            )
        )
    old.dispose()

    upgraded = prepare_database(database_url)
    assert current_revision(upgraded) == head_revision()
    with upgraded.begin() as connection:
        row = connection.execute(text("SELECT username, role, email, password_hash FROM users WHERE id = 901")).one()
    assert tuple(row) == ("ana", "admin", None, None)
    assert not is_protected(upgraded)
    assert sign_in(upgraded, "ana").role.value == "admin"
    upgraded.dispose()


def test_claude_answers_cached_by_the_previous_release_stay_cached_with_no_owner(database_url: str) -> None:
    old = prepare_database(database_url, revision="0014_user_credentials")
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO llm_cache (key, task, model, answer, created_at, expires_at) "
                "VALUES ('k1', 'what_if', 'claude', '{}', '2026-01-01 08:00:00', '2026-01-02 08:00:00')"
            )
        )
    old.dispose()

    upgraded = prepare_database(database_url)
    with upgraded.begin() as connection:
        assert tuple(connection.execute(text("SELECT key, user_id FROM llm_cache")).one()) == ("k1", None)
    upgraded.dispose()
