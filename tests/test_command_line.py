"""The headless command line: bad arguments get status 2 and a message, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import main

PROJECT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["demo"], "--db"),
        (["demo", "--db", "x.sqlite", "--devices", "0"], "at least 1"),
        (["demo", "--db", "x.sqlite", "--days", "many"], "not a whole number"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main.main(argv)
    assert exit_.value.code == 2
    assert words in capsys.readouterr().err


def test_the_default_database_lives_in_the_user_data_directory(tmp_path: Path) -> None:
    from storage.engine import default_database_path

    assert str(default_database_path()).startswith(os.environ["XDG_DATA_HOME"])


def test_help_runs_without_a_display() -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=PROJECT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0
    assert "demo" in done.stdout and "Traceback" not in done.stderr
