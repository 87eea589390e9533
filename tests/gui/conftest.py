"""pytest-qt set-up for the GUI tests: offscreen Qt, a small fixture fleet, and no leaked worker threads."""

from __future__ import annotations

import os

# Before anything imports Qt: no display on CI, and the same rendering on every machine.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_fleet import build_fixture_fleet  # tests/gui is on sys.path: it has no __init__.py
from PySide6.QtWidgets import QApplication

from tests.worker_threads import assert_no_worker_left


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a worker running: a thread outliving its window can call into deleted widgets.

    A job's last instructions may still run just after its result was delivered, so the pool gets a moment
    to finish; a job that is stuck or ignores ``should_stop`` is still running after it, and fails the test.
    """
    yield
    assert_no_worker_left()


@pytest.fixture
def fleet_url(tmp_path: Path) -> str:
    """A fresh database holding the fixture fleet (see ``fixture_fleet``); no simulator involved."""
    url = f"sqlite:///{tmp_path}/t.sqlite"
    build_fixture_fleet(url)
    return url
