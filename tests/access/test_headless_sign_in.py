"""Headless commands on a protected database: --user plus the password typed at the terminal, or a token; else
exit 3 before anything is read. The demo database acts as --user says, as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ai.headless_sign_in
import main
from designer.command_outcomes import ExitCode


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main.main(argv)
    return code, capsys.readouterr().out


def _typed(password: str | None):  # type: ignore[no-untyped-def]
    return lambda _login: password


def test_a_command_with_no_terminal_and_no_token_is_refused(
    protected: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ai.headless_sign_in, "ask_at_terminal", _typed(None))
    code, out = _run(["--user", "manager2", "experiment", "list", "--db", str(protected[1])], capsys)
    assert code == ExitCode.REFUSED
    assert "protected by CVD passwords" in json.loads(out)["error"] and "PLANOGRAM_TOKEN" in json.loads(out)["error"]


def test_the_password_typed_at_the_terminal_lets_the_command_run(
    protected: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ai.headless_sign_in, "ask_at_terminal", _typed("manager2-password"))
    code, out = _run(["--user", "manager2", "experiment", "list", "--db", str(protected[1])], capsys)
    assert code == ExitCode.DONE and "experiments" in json.loads(out)


def test_a_wrong_password_is_refused_and_counts_toward_the_lock(
    protected: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ai.headless_sign_in, "ask_at_terminal", _typed("guess"))
    answers = [_run(["--user", "admin1", "experiment", "list", "--db", str(protected[1])], capsys) for _ in range(5)]
    monkeypatch.setattr(ai.headless_sign_in, "ask_at_terminal", _typed("admin1-password"))
    locked = _run(["--user", "admin1", "experiment", "list", "--db", str(protected[1])], capsys)

    assert {code for code, _out in answers} == {ExitCode.REFUSED}
    assert json.loads(answers[0][1])["error"] == "wrong username or password"
    assert locked[0] == ExitCode.REFUSED and "locked" in json.loads(locked[1])["error"]


def test_a_token_from_the_token_command_runs_a_script_without_a_prompt(
    protected: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ai.headless_sign_in, "ask_at_terminal", _typed(None))
    code, token = _run(["token", "--user", "driver4", "--db", str(protected[1])], capsys)
    assert code == ExitCode.DONE
    monkeypatch.setenv("PLANOGRAM_TOKEN", token.strip())

    code, out = _run(["experiment", "list", "--db", str(protected[1])], capsys)
    assert code == ExitCode.DONE and "experiments" in json.loads(out)
    monkeypatch.setenv("PLANOGRAM_TOKEN", token.strip()[:-4] + "AAAA")
    forged, out = _run(["experiment", "list", "--db", str(protected[1])], capsys)
    assert forged == ExitCode.REFUSED and "signature" in json.loads(out)["error"]


def test_the_token_acts_as_its_user_whatever_user_is_named(
    protected: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _code, token = _run(["token", "--user", "driver4", "--db", str(protected[1])], capsys)
    monkeypatch.setenv("PLANOGRAM_TOKEN", token.strip())
    create = ["experiment", "create", "--name", "x", "--devices", "1,2", "--start", "2025-08-01"]
    code, out = _run(["--user", "admin1", *create, "--db", str(protected[1])], capsys)
    assert code == ExitCode.REFUSED and "driver" in json.loads(out)["error"]
