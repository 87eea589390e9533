"""The headless command line: bad arguments get status 2 and a message, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import main
from storage.app_context import AppContext

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
    from storage.app_context import DataFolders

    assert str(DataFolders.for_this_user().demo_database).startswith(os.environ["XDG_DATA_HOME"])


def test_help_runs_without_a_display() -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=PROJECT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0
    assert "demo" in done.stdout and "Traceback" not in done.stderr


def test_user_holds_for_its_own_run_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``--user viewer3`` in one run must not leak into the next (it once did, through the environment)."""
    import getpass

    from storage.demo_command import add_demo_parser

    acted: list[str] = []

    def who_acts(_args: object, context: AppContext) -> int:
        acted.append(context.login)
        return 0

    monkeypatch.setitem(main.COMMANDS, "demo", (add_demo_parser, who_acts))
    database = str(tmp_path / "never-written.sqlite")

    assert main.main(["--user", "viewer3", "demo", "--db", database]) == 0
    assert main.main(["demo", "--db", database]) == 0

    assert acted == ["viewer3", getpass.getuser()]
    assert "PLANOGRAM_USER" not in os.environ


def test_the_exit_statuses_are_the_ones_the_readme_lists() -> None:
    import re

    from designer.command_outcomes import ExitCode

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    listed = {int(code): name for code, name in re.findall(r"^\| (\d) \| ([A-Z_]+) \|", readme, re.MULTILINE)}

    assert listed == {status.value: status.name for status in ExitCode}
    assert [status.value for status in ExitCode] == [0, 1, 2, 3, 4]


def test_help_loads_no_heavy_library() -> None:
    """Each command imports its libraries when it runs, so ``--help`` (and a mistyped command) answers at once."""
    code = "import sys, main; main.build_parser(); print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    loaded = set(done.stdout.split())
    assert done.returncode == 0, done.stderr
    assert not loaded & {"pandas", "scipy", "sklearn", "alembic", "PySide6", "sqlalchemy", "numpy"}
