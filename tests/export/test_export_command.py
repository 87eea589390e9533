"""The headless ``export`` command: files on success, exit status 2 and one clear line on bad arguments."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import main
from designer.command_outcomes import ExitCode
from widgets.field_sheets.export_cli import add_export_parser, run_export

PdfText = Callable[[Path], str]


class _Parser(argparse.ArgumentParser):
    """Exits 2 with the message, as main.py's parser does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.BAD_INPUT, f"{self.prog}: error: {message}\n")


def run(*arguments: str) -> int:
    """``main.py export …`` in process, through a parser built the way main.py builds its own."""
    parser = _parser()
    try:
        args = parser.parse_args(["export", *arguments])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return run_export(args, main.build_context(args))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planogram-studio")
    parser.add_argument("--db")
    parser.add_argument("--user")
    add_export_parser(parser.add_subparsers(dest="command", parser_class=_Parser))
    return parser


def test_a_device_pdf_is_written_and_summarised_as_json(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], read_pdf_text: PdfText
) -> None:
    out = tmp_path / "device-3.pdf"

    assert run("--device", "3", "--out", str(out), "--db", demo_url) == 0

    summary = json.loads(capsys.readouterr().out)
    assert summary["success"] is True and summary["format"] == "pdf"
    assert summary["files"] == [str(out)] and summary["pages"] == 3
    assert all(code in read_pdf_text(out) for code in summary["content_hashes"].values())


def test_a_device_is_named_by_its_asset_number_as_well_as_its_id(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_asset, by_id = tmp_path / "by-asset.csv", tmp_path / "by-id.csv"

    assert run("--device", "VM-000002", "--cabinet", "0", "--out", str(by_asset), "--db", demo_url) == 0
    assert run("--device", "2", "--cabinet", "0", "--out", str(by_id), "--db", demo_url) == 0

    assert by_asset.read_bytes() == by_id.read_bytes()
    assert len(capsys.readouterr().out.splitlines()) > 1


def test_the_format_follows_the_file_name_and_the_top_level_db_is_honoured(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parser().parse_args(
        ["--db", demo_url, "export", "--device", "1", "--cabinet", "2", "--out", str(tmp_path / "f.json")]
    )

    assert run_export(args, main.build_context(args)) == 0

    assert json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))["cabinet"]["zone"] == "frozen"
    assert json.loads(capsys.readouterr().out)["format"] == "json"


def test_a_route_pdf_is_one_file_with_the_totals_last(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], read_pdf_text: PdfText
) -> None:
    out = tmp_path / "route.pdf"

    assert run("--route", "2,VM-000003,id:1", "--out", str(out), "--db", demo_url) == 0  # ids or asset numbers

    text = read_pdf_text(out)
    assert text.rindex("Route totals") > text.rindex("ROUTE STOP 3 OF 3")
    assert sorted(json.loads(capsys.readouterr().out)["content_hashes"]) == ["1_0", "1_1", "1_2", "2_0", "2_1", "3_0",
                                                                              "3_1", "3_2"]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--device", "99", "--out", "{tmp}/x.pdf"],
            "device 99 is not in this database (no device has that id or asset number); its devices are 1 (asset",
        ),
        (
            ["--device", "1", "--cabinet", "7", "--out", "{tmp}/x.pdf"],
            "device 1 has no cabinet 7; its cabinets are 0, 1, 2",
        ),
        (["--device", "1", "--out", "{tmp}/x.png"], "a PNG export holds one cabinet and device 1 has 3 (0, 1, 2)"),
        (["--device", "1", "--format", "csv", "--out", "{tmp}/x.txt"], "a CSV export holds one cabinet"),
        (["--device", "1", "--out", "{tmp}/missing/x.pdf"], "the folder {tmp}/missing does not exist"),
        (["--device", "1", "--out", "{tmp}"], "is a folder; give a file name"),
        (["--device", "1", "--out", "{tmp}/x.docx"], "the file name 'x.docx' does not say which format"),
        (["--device", "1", "--format", "docx", "--out", "{tmp}/x.pdf"], "'docx' is not a format; use one of pdf, png"),
        (["--route", "1,2", "--out", "{tmp}/x.png"], "a route is exported as one PDF, not PNG"),
        (["--route", "1,2", "--cabinet", "0", "--out", "{tmp}/x.pdf"], "leave out the cabinet"),
        (["--route", "1,1", "--out", "{tmp}/x.pdf"], "a device appears twice on the route"),
        (["--route", "1,x", "--out", "{tmp}/x.pdf"], "device x is not in this database"),
        (["--route", "1,,2", "--out", "{tmp}/x.pdf"], "'1,,2' is not a list of devices"),
        (["--device", "1", "--route", "2", "--out", "{tmp}/x.pdf"], "not allowed with argument --device"),
        (["--out", "{tmp}/x.pdf"], "one of the arguments --device --route is required"),
        (["--device", "0", "--out", "{tmp}/x.pdf"], "device 0 is not in this database"),
        (["--device", "1"], "the following arguments are required: --out"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line_and_write_nothing(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    filled = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]

    assert run(*filled, "--db", demo_url) == 2

    error = capsys.readouterr().err.strip()
    assert message.replace("{tmp}", str(tmp_path)) in error
    assert len(error.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_cabinet_with_nothing_approved_has_no_planogram_file_to_export(
    fleet_copy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import update

    from storage.schema import prepare_database
    from storage.tables import PlanogramRecord

    engine = prepare_database(fleet_copy)
    with engine.begin() as connection:
        connection.execute(
            update(PlanogramRecord).where(PlanogramRecord.device_id == 2, PlanogramRecord.cabinet_index == 1)
            .values(status="archived")
        )  # fmt: skip
    engine.dispose()

    assert run("--device", "2", "--cabinet", "1", "--out", str(tmp_path / "x.csv"), "--db", fleet_copy) == 2
    assert "has no active planogram, so nothing was approved to export" in capsys.readouterr().err
    assert run("--device", "2", "--out", str(tmp_path / "x.pdf"), "--db", fleet_copy) == 0  # the sheet says so


def test_a_missing_database_is_named_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.sqlite"

    assert run("--device", "1", "--out", str(tmp_path / "x.pdf"), "--db", str(missing)) == 10  # NO_DATABASE

    assert f"there is no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_help_documents_the_rules() -> None:
    parser = _Parser(prog="planogram-studio")
    export = add_export_parser(parser.add_subparsers(dest="command"))

    text = export.format_help()

    for rule in ("--route ID_OR_ASSET,...", "png, csv, json", "--cabinet", "exit status", "extension of --out"):
        assert rule in text


def test_main_py_export_end_to_end(
    demo_url: str, tmp_path: Path, read_pdf_text: PdfText, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through ``main.main``, as ``python main.py export …`` runs it (in this process: Qt is offscreen here)."""
    out = tmp_path / "sheet.pdf"
    command = ["export", "--device", "1", "--cabinet", "0"]

    done = main.main([*command, "--out", str(out), "--db", demo_url])
    done_out, done_err = capsys.readouterr()
    refused = main.main([*command, "--out", str(tmp_path / "x.png"), "--db", str(tmp_path / "none.sqlite")])
    refused_err = capsys.readouterr().err

    assert done == 0, done_err
    assert json.loads(done_out)["content_hashes"]["1_0"] in read_pdf_text(out)
    assert refused == 10 and "there is no database" in refused_err  # ExitCode.NO_DATABASE
