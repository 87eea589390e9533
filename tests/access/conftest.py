"""The real CVD sample with known passwords set on a copy ("<username>-password", werkzeug hashes as CVD's app
writes them; the sample ships them redacted), pulled into a working copy: a protected database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_sample import cvd_sample_path


@pytest.fixture(scope="session")
def pulled_cvd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample copy (cvd.sqlite) with known passwords and its pulled working copy (working.sqlite), made once."""
    import sqlite3

    from werkzeug.security import generate_password_hash

    from storage.cvd.pull import pull
    from storage.engine import make_engine
    from storage.schema import prepare_database

    folder = tmp_path_factory.mktemp("access-cvd")
    shutil.copyfile(cvd_sample_path(), folder / "cvd.sqlite")
    with sqlite3.connect(folder / "cvd.sqlite") as cvd:
        for (username,) in cvd.execute("SELECT username FROM users").fetchall():
            known = generate_password_hash(f"{username}-password")
            cvd.execute("UPDATE users SET password_hash = ? WHERE username = ?", (known, username))
    cvd_engine = make_engine(f"sqlite:///{folder / 'cvd.sqlite'}")
    working = prepare_database(f"sqlite:///{folder / 'working.sqlite'}")
    pull(cvd_engine, working)
    cvd_engine.dispose()
    working.dispose()
    return folder


@pytest.fixture
def protected(pulled_cvd: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private (CVD file, working copy) pair; the copy's users carry the CVD hashes."""
    cvd = tmp_path / "cvd.sqlite"
    working = tmp_path / "working.sqlite"
    shutil.copyfile(pulled_cvd / "cvd.sqlite", cvd)
    shutil.copyfile(pulled_cvd / "working.sqlite", working)
    return cvd, working


@pytest.fixture(autouse=True)
def _no_keyring() -> Iterator[None]:
    """No system keyring unless a test installs one: keys go to 0600 files in the test's config folder."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
