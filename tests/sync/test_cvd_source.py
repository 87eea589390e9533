"""Naming a CVD database: its server password comes from the keyring, its working copy is its own, and the file
itself is never migrated."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.app_context import AppContext
from storage.cvd.control import SyncProblem
from storage.cvd.source import (
    is_cvd_database,
    open_cvd,
    remember_password,
    with_password,
    without_password,
)
from storage.cvd.sync import source_of, sync
from storage.schema import DatabaseProblem, prepare_database
from tests.cvd_builder import CvdFleet
from tests.sync.conftest import DictKeyring
from tests.sync.helpers import table_digests


def test_a_server_password_comes_from_the_keyring_and_is_never_remembered_elsewhere(
    memory_keyring: DictKeyring,
) -> None:
    url = "postgresql+psycopg://merch@cvd.example:5432/cvd"
    remember_password(url, "s3cret")

    assert make_url(with_password(url)).password == "s3cret"
    assert "s3cret" not in without_password(with_password(url))
    assert list(memory_keyring.passwords) == [("planogram-studio", f"cvd:{url}")]


def test_each_cvd_database_gets_its_own_working_copy(cvd_file: Path, tmp_path: Path, app_context: AppContext) -> None:
    other = tmp_path / "other-operator.sqlite"
    other.write_bytes(cvd_file.read_bytes())
    folders = app_context.folders

    assert folders.working_copy(str(cvd_file)) != folders.working_copy(str(other))
    assert folders.working_copy(str(cvd_file)).name.startswith("cvd-")
    assert folders.working_copy(str(cvd_file)).parent == folders.working_copies


def test_opening_the_cvd_file_directly_is_refused_and_points_at_sync(cvd_file: Path) -> None:
    before = table_digests(cvd_file)
    assert is_cvd_database(str(cvd_file))
    with pytest.raises(DatabaseProblem, match="--cvd"):
        prepare_database(str(cvd_file))
    assert table_digests(cvd_file) == before


def test_a_sync_remembers_its_source_without_a_password(cvd_file: Path, tmp_path: Path, cvd_fleet: CvdFleet) -> None:
    working = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    report = sync(str(cvd_file), working)

    assert report.pulled is not None and report.pulled.devices == cvd_fleet.devices
    engine = prepare_database(working)
    assert source_of(engine) == f"sqlite:///{cvd_file}"
    assert not is_cvd_database(working)  # a working copy is ours, not CVD's
    engine.dispose()


def test_a_database_that_is_not_cvd_is_named_as_such(tmp_path: Path) -> None:
    ours = tmp_path / "ours.sqlite"
    prepare_database(f"sqlite:///{ours}").dispose()
    with pytest.raises(SyncProblem, match="not a CVD database"):
        open_cvd(str(ours))
    with pytest.raises(SyncProblem, match="does not exist"):
        open_cvd(str(tmp_path / "missing.sqlite"))
