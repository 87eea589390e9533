"""Which CVD database to sync with, how to reach it, and where its working copy lives.

A ``postgresql://`` URL names the server and the user; the password comes from the OS keyring (service
``planogram-studio``, entry ``cvd:<url without password>``), never from settings or the command line we keep.
Each CVD database gets its own working copy in the user data directory, named by a hash of its URL
(:func:`working_copy_name`; the folder is ``storage.app_context.DataFolders.working_copies``).
"""

from __future__ import annotations

import hashlib

import keyring
import keyring.errors
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError, OperationalError

from storage.cvd.control import SyncProblem
from storage.cvd.schema import cvd_metadata
from storage.engine import display_url, make_engine, normalise_url, sqlite_file

KEYRING_SERVICE = "planogram-studio"
CVD_MARKER_TABLES = {"cabinet_configurations", "planogram_slots", "planograms", "devices"}


def without_password(url: str) -> str:
    """The URL to remember (settings, the working copy): the password stays in the keyring."""
    parsed = make_url(normalise_url(url))
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False)


def keyring_entry(url: str) -> str:
    return f"cvd:{without_password(url)}"


def with_password(url: str) -> str:
    """The URL to connect with: a server URL without a password gets the one kept in the keyring."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" or parsed.password:
        return normalise_url(url)
    try:
        password = keyring.get_password(KEYRING_SERVICE, keyring_entry(url))
    except keyring.errors.KeyringError:
        password = None
    if password is None:
        return normalise_url(url)
    return parsed.set(password=password).render_as_string(hide_password=False)


def remember_password(url: str, password: str) -> None:
    """Keep a server password in the keyring (raises keyring's NoKeyringError where there is none)."""
    keyring.set_password(KEYRING_SERVICE, keyring_entry(url), password)


def open_cvd(url: str) -> Engine:
    """An engine on a CVD database, checked to be one; never alters it by opening."""
    url = normalise_url(url)
    file = sqlite_file(url)
    if file is not None and not file.is_file():
        raise SyncProblem(f"{file} does not exist; name the CVD database file (e.g. cvd.db) or a postgresql:// URL")
    engine = make_engine(with_password(url))
    try:
        tables = set(inspect(engine).get_table_names())
    except (OperationalError, DatabaseError) as error:
        engine.dispose()
        raise SyncProblem(
            f"cannot reach the CVD database {display_url(url)} ({getattr(error, 'orig', error)}); check the URL, "
            f"the network, and that its password is in the keyring under {keyring_entry(url)!r}"
        ) from None
    if not tables >= CVD_MARKER_TABLES:
        engine.dispose()
        raise SyncProblem(
            f"{display_url(url)} is not a CVD database (it lacks {', '.join(sorted(CVD_MARKER_TABLES - tables))}); "
            "name the database the CVD web app uses"
        )
    missing = sorted(set(cvd_metadata.tables) - tables)
    if missing:
        engine.dispose()
        raise SyncProblem(missing_tables_message(url, missing))
    return engine


def missing_tables_message(url: str, missing: list[str]) -> str:
    """Why a CVD database that lacks tables sync reads or writes cannot be synced (running it again cannot help)."""
    return (
        f"{display_url(url)} lacks CVD's table{'s' if len(missing) > 1 else ''} {', '.join(missing)}: it is not a CVD "
        f"database of a version sync knows (sync uses {len(cvd_metadata.tables)} of CVD's tables), and it was left "
        "untouched. Name the database the CVD web app uses, or check that its version matches this Planogram Studio"
    )


def is_cvd_database(url: str) -> bool:
    """Whether ``url`` is an existing CVD web-app database (rather than one of our working copies)."""
    file = sqlite_file(normalise_url(url))
    if file is not None and not file.is_file():
        return False
    engine = make_engine(with_password(url))
    try:
        tables = set(inspect(engine).get_table_names())
    except (OperationalError, DatabaseError):
        return False
    finally:
        engine.dispose()
    return tables >= CVD_MARKER_TABLES and "alembic_version" not in tables


def working_copy_name(cvd_url: str) -> str:
    """The file name of a CVD database's working copy (the folder is the app context's ``DataFolders``)."""
    digest = hashlib.sha256(without_password(cvd_url).encode()).hexdigest()[:12]
    return f"cvd-{digest}.sqlite"
