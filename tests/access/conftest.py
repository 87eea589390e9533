"""The real CVD sample with known passwords set on a copy ("<username>-password", werkzeug hashes as CVD's app
writes them; the sample ships them redacted), pulled into a working copy: a protected database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.protected_sample import protected_sample


@pytest.fixture(scope="session")
def pulled_cvd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample copy (cvd.sqlite) with known passwords and its pulled working copy (working.sqlite), made once."""
    folder = tmp_path_factory.mktemp("access-cvd")
    protected_sample(folder)
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
