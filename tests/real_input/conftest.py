"""The real-input suite's set-up: one Xvfb and one demo database for the session, the designer per test.

Skipped, with one line saying why, where Xvfb, xdotool or ImageMagick's ``import`` is missing; on CI (``CI``
set) a missing tool fails the run instead, so the suite cannot silently stop running there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.real_input.screen import ROOT, Launch, RunningDesigner, VirtualScreen, missing_tools


@pytest.fixture(scope="session")
def virtual_screen() -> Iterator[VirtualScreen]:
    missing = missing_tools()
    if missing:
        reason = f"real-input suite needs {', '.join(missing)} (apt-get install xvfb xdotool imagemagick)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    screen = VirtualScreen()
    yield screen
    screen.stop()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``main.py demo --devices 4 --days 60``, built once; each test works on its own copy."""
    target = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    subprocess.run(
        [sys.executable, "main.py", "demo", "--db", str(target), "--devices", "4", "--days", "60"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


@pytest.fixture
def demo_copy(demo_database: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_database, copy)
    return copy


@pytest.fixture
def launch(virtual_screen: VirtualScreen, tmp_path: Path) -> Iterator[Launch]:
    """Start the designer with these arguments (private XDG folders under the test's tmp dir); stopped after."""
    running: list[RunningDesigner] = []

    def start(arguments: Sequence[str], *, until: str = "a device") -> RunningDesigner:
        """``until`` "a device" waits for one on screen; "a window" only for the window (a dialog may be up)."""
        designer = RunningDesigner(virtual_screen.name, arguments, tmp_path / "home", tmp_path / "designer.log")
        running.append(designer)
        if until == "a device":
            designer.wait_for_window()
        return designer

    yield start
    for designer in running:
        designer.stop()


@pytest.fixture(scope="session")
def cvd_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CVD web-app database (``python -m tests.cvd_builder``), built once; users admin1, manager2, …"""
    target = tmp_path_factory.mktemp("cvd") / "cvd.sqlite"
    subprocess.run(
        [sys.executable, "-m", "tests.cvd_builder", str(target)], cwd=ROOT, check=True, capture_output=True, timeout=300
    )
    return target
