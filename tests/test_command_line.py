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


def _no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(variable, raising=False)


def test_help_runs_without_a_display(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _no_display(monkeypatch)
    with pytest.raises(SystemExit) as exit_:
        main.main(["--help"])
    assert exit_.value.code == 0
    assert "demo" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["--cvd", "postgresql://designer:s3cret@cvd.example/fleet"]])
def test_the_designer_without_a_display_says_so_in_one_line_and_exits_1(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checked before Qt is imported: Qt's own abort (status 134) blamed libxcb-cursor0, which was installed."""
    from designer.command_outcomes import ExitCode

    def no_context(_args: object) -> None:
        raise AssertionError("the designer's context was built (and Qt would be next) without a display")

    _no_display(monkeypatch)
    monkeypatch.setattr(main, "build_context", no_context)
    for qt_module in ("PySide6", "widgets.app", "widgets.sync.open_cvd"):
        monkeypatch.setitem(sys.modules, qt_module, None)  # importing any of them now fails the test

    assert main.main(argv) == ExitCode.NO_DISPLAY == 1

    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "DISPLAY" in err and "xvfb-run .venv/bin/python main.py" in err and "s3cret" not in err


@pytest.mark.parametrize(
    ("environment", "platform"),
    [
        ({"DISPLAY": ":0"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"QT_QPA_PLATFORM": "minimal"}, "linux"),
        ({"QT_QPA_PLATFORM": "vnc:size=1280x800"}, "linux"),
        ({"QT_QPA_PLATFORM": "wayland;offscreen"}, "linux"),
        ({}, "win32"),
        ({}, "darwin"),
    ],
)
def test_a_display_or_a_displayless_qt_platform_lets_the_designer_start(
    environment: dict[str, str], platform: str
) -> None:
    assert main.missing_display(environment, platform) is None


@pytest.mark.parametrize(
    "environment",
    [{}, {"DISPLAY": ""}, {"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": "wayland"}, {"QT_QPA_PLATFORM": ""}],
)
def test_no_display_is_named_on_linux(environment: dict[str, str]) -> None:
    message = main.missing_display(environment, "linux")
    assert message is not None and "\n" not in message and "desktop session" in message


def test_headless_commands_need_no_display(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _no_display(monkeypatch)
    assert main.main(["api", "realtime-analysis", "--help"]) == 0
    assert "placement_score" in capsys.readouterr().out


@pytest.mark.slow
def test_a_real_start_without_a_display_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    """As a user meets it: a fresh process in an environment with no display variables at all."""
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    environment |= {name: os.environ[name] for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME") if name in os.environ}
    done = subprocess.run(
        [sys.executable, "main.py"], cwd=PROJECT, capture_output=True, text=True, timeout=60, env=environment
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert "xvfb-run" in done.stderr and "libxcb" not in done.stderr


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
    listed = [(int(code), name) for code, name in re.findall(r"^\| (\d+) \| ([A-Z_]+) \|", readme, re.MULTILINE)]

    assert listed == [(status.value, name) for name, status in ExitCode.__members__.items()]  # aliases too
    assert [status.value for status in ExitCode] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]


@pytest.mark.parametrize("call", ["main.build_parser()", "main.main(['api', 'realtime-analysis', '--help'])"])
def test_help_loads_no_heavy_library(call: str) -> None:
    """Each command imports its libraries when it runs, so ``--help`` (and a mistyped command) answers at once.

    A fresh interpreter: what this one has imported already says nothing.
    """
    code = f"import sys, main; {call}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    loaded = set(done.stdout.splitlines()[-1].split())
    assert done.returncode == 0, done.stderr
    assert not loaded & {"pandas", "scipy", "sklearn", "alembic", "PySide6", "sqlalchemy", "numpy", "keyring"}
