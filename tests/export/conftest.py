"""Field export tests: offscreen Qt, one small demo fleet shared by the session, no leaked workers."""

from __future__ import annotations

import os

# Before anything imports Qt: no display on CI, and the same rendering on every machine.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine

from designer.products import Catalogue
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from tests.worker_threads import assert_no_worker_left


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-device, 30-day demo fleet, built once; tests only read it (copy it to change anything)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=3, days=30)
    return path


@pytest.fixture(scope="session")
def demo_url(demo_file: Path) -> str:
    return f"sqlite:///{demo_file}"


@pytest.fixture(scope="session")
def demo_engine(demo_url: str) -> Iterator[Engine]:
    engine = prepare_database(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def catalogue(demo_engine: Engine) -> Catalogue:
    return FleetRepository(demo_engine).catalogue()


@pytest.fixture
def fleet_copy(demo_file: Path, tmp_path: Path) -> str:
    """A private copy of the demo fleet for tests that change it."""
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(demo_file, copy)
    return f"sqlite:///{copy}"


def pdf_text(path: Path) -> str:
    """The PDF's text as poppler reads it (layout mode keeps table rows on one line)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian: apt-get install poppler-utils)")
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def read_pdf_text() -> Callable[[Path], str]:
    return pdf_text


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves an export or print running after it ends."""
    yield
    assert_no_worker_left()
