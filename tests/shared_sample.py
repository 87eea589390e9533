"""The real CVD sample (``../shared/cvd/cvd_sample.sqlite``), for the few tests whose point is that very file.

Why one rule here: a fresh clone has no ``../shared`` beside it, so those tests skip there and say why; CI always
has it, so under ``CI`` a missing sample fails the test instead of hiding behind a skip. Every other test builds
its own CVD database (:mod:`tests.cvd_builder`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CVD_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "cvd" / "cvd_sample.sqlite"
SEED_EXPORT = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "seed_eport_transactions_2022_jan-aug.csv"


def in_ci() -> bool:
    """Whether the environment says this is a CI run (``CI=true``, as CI services and ``.ci/run`` set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def cvd_sample_path() -> Path:
    """The sample's path; skips the calling test when it is absent, or fails it in CI."""
    return shared_file(CVD_SAMPLE, "the real CVD sample")


def seed_export_path() -> Path:
    """The real Seed / ePort transaction export's path; skips the calling test when it is absent, or fails it in CI."""
    return shared_file(SEED_EXPORT, "the real Seed export")


def shared_file(path: Path, what: str) -> Path:
    """``path`` in ``../shared``; skips the calling test when it is absent, or fails it in CI."""
    if path.is_file():
        return path
    reason = f"{what} is not beside this checkout ({path})"
    if in_ci():
        pytest.fail(f"{reason}; CI runs with ../shared beside the checkout", pytrace=False)
    pytest.skip(reason)
