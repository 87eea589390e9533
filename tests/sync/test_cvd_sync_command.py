"""``python main.py sync pull|push|status``: headless sync with a JSON report, refusals and problems as JSON too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from main import main
from tests.cvd_builder import CvdFleet
from tests.sync.helpers import edit_and_activate


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def _password_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pulled copy is protected by CVD's hashes: the person types their generated password at the prompt."""
    import ai.headless_sign_in

    monkeypatch.setattr(ai.headless_sign_in, "ask_at_terminal", lambda login: f"{login}-password")


def test_pull_then_push_an_activation_reports_both(
    capsys: pytest.CaptureFixture[str],
    cvd_file: Path,
    tmp_path: Path,
    cvd_fleet: CvdFleet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _password_typed(monkeypatch)
    working = str(tmp_path / "laptop.sqlite")
    code, pulled = _run(capsys, "sync", "pull", "--cvd", str(cvd_file), "--db", working)
    assert code == 0 and pulled["pulled"]["devices"] == cvd_fleet.devices
    assert pulled["pulled"]["sales_new"] == cvd_fleet.sales

    from storage.schema import prepare_database

    engine = prepare_database(f"sqlite:///{working}")
    edit_and_activate(engine, "444", 0, {"A1": (11, 10, 6)})
    engine.dispose()
    code, status = _run(capsys, "sync", "status", "--cvd", str(cvd_file), "--db", working)
    assert (code, status["queue"]) == (0, {"pending": 1})

    code, pushed = _run(capsys, "--user", "manager2", "sync", "push", "--cvd", str(cvd_file), "--db", working)

    assert code == 0 and pushed["pushed"]["pushed"] == 1 and pushed["queue"] == {"done": 1}
    assert pushed["audit_copied"] >= 2  # the save and the activation, now in CVD's audit_log


def test_a_viewer_may_pull_but_not_push(
    capsys: pytest.CaptureFixture[str], cvd_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _password_typed(monkeypatch)
    working = str(tmp_path / "laptop.sqlite")
    _run(capsys, "sync", "pull", "--cvd", str(cvd_file), "--db", working)

    code, body = _run(capsys, "--user", "viewer7", "sync", "push", "--cvd", str(cvd_file), "--db", working)

    assert code == 3 and body["success"] is False and "signed in as a viewer" in body["error"]


def test_a_file_that_is_not_cvd_is_named_in_the_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, body = _run(
        capsys, "sync", "pull", "--cvd", str(tmp_path / "nowhere.sqlite"), "--db", str(tmp_path / "w.sqlite")
    )

    assert code == 2 and "does not exist" in body["error"]


def test_naming_a_cvd_file_with_db_opens_the_designer_through_sync(
    monkeypatch: pytest.MonkeyPatch, cvd_file: Path, tmp_path: Path
) -> None:
    import widgets.sync.open_cvd

    opened: list[str] = []
    monkeypatch.setattr(widgets.sync.open_cvd, "run_designer_on_cvd", lambda _context, url: opened.append(url) or 0)

    assert main(["--db", str(cvd_file)]) == 0
    assert main(["--cvd", "postgresql://merch@server/cvd"]) == 0

    assert opened == [str(cvd_file), "postgresql://merch@server/cvd"]
