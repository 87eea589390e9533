"""``python main.py audit report --device ASSET``: the layout check printed for the field, on the real CVD sample."""

from __future__ import annotations

import json
import shutil

import pytest

from main import main
from tests.shared_sample import cvd_sample_path


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The real sample pulled into a working copy, its 23 DEX uploads imported, the Dixie-Narco 5800 (selections
    A1…) linked to Gym Entrance (asset 555)."""
    folder = tmp_path_factory.mktemp("audit-report")
    cvd = folder / "cvd.sqlite"
    shutil.copy(cvd_sample_path(), cvd)
    copy = f"sqlite:///{folder / 'copy.sqlite'}"
    assert main(["sync", "pull", "--cvd", str(cvd), "--db", copy]) == 0
    assert main(["--user", "manager2", "audit", "import", "--cvd", str(cvd), "--db", copy]) == 0
    assert main(["--user", "manager2", "audit", "link", "DIX", "--device", "555", "--db", copy]) == 0
    return copy


def test_the_report_shows_the_real_differences_of_a_sample_device(
    sample_copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["audit", "report", "--device", "555", "--db", sample_copy]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Layout check — Gym Entrance (asset 555), machine DIX (DN 5800-4)")
    assert "need two reads" in text  # the sample holds one read of this machine
    gatorade = next(line for line in text.splitlines() if line.strip().startswith("A1 "))
    assert "Gatorade" in gatorade and "3.00/1.75" in gatorade and "cash price differs" in gatorade

    assert main(["audit", "report", "--device", "555", "--json", "--db", sample_copy]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["machine"] == "DIX (DN 5800-4)" and body["summary"]["cash_price"] > 0
    a1 = next(s for s in body["selections"] if s["selection_code"] == "A1")
    assert (a1["planned_cash_price"], a1["machine_cash_price"], a1["findings"]) == (
        3.0,
        1.75,
        ["cash_price", "card_price"],
    )


def test_a_device_without_an_audit_is_refused_with_the_way_to_import_one(
    sample_copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["audit", "report", "--device", "222", "--db", sample_copy]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert "has no machine audit" in error and "audit import FILE --device 222" in error


def test_an_unknown_device_is_named(sample_copy: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "report", "--device", "no-such-asset", "--db", sample_copy]) == 2
    assert "no-such-asset" in json.loads(capsys.readouterr().out)["error"]
