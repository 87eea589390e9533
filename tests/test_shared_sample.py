"""Tests of the real CVD sample skip on a clone without ``../shared``, and fail in CI, where it is always present."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import shared_sample


def test_a_missing_sample_skips_here_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shared_sample, "CVD_SAMPLE", tmp_path / "cvd_sample.sqlite")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not beside this checkout"):
        shared_sample.cvd_sample_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI runs with \.\./shared"):
        shared_sample.cvd_sample_path()


def test_a_present_sample_is_used_in_ci_and_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    present = tmp_path / "cvd_sample.sqlite"
    present.write_bytes(b"SQLite format 3\x00")
    monkeypatch.setattr(shared_sample, "CVD_SAMPLE", present)
    for ci in ("true", ""):
        monkeypatch.setenv("CI", ci)
        assert shared_sample.cvd_sample_path() == present
