"""Which version an export holds: the active one by default and named; a manager's draft stamped "DRAFT — not
approved" on every page and in every file; a driver gets only what was approved (the dialog and the command)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

import main
from designer.command_outcomes import ExitCode
from designer.local_time import local_text
from designer.planogram_files import DRAFT_STAMP, content_hash, import_planogram_file
from designer.planograms import Planogram, PlanogramStatus
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.users import SignedInUser, sign_in
from storage.versions import PlanogramVersions
from widgets.field_sheets.export_cli import ExportFormat, ExportRequest, add_export_parser, export_sheets, run_export
from widgets.field_sheets.export_dialog import ExportDialog, OnScreenVersion

PdfText = Callable[[Path], str]
MANAGER, DRIVER, VIEWER = "maria.manager", "dan.driver", "vera.viewer"


@dataclass(frozen=True, slots=True)
class DraftFleet:
    url: str
    engine: Engine
    active: Planogram  # device 1, cabinet 0
    draft: Planogram  # saved after it, by the manager

    def user(self, name: str) -> SignedInUser:
        return sign_in(self.engine, name, audit=False)


@pytest.fixture
def fleet(fleet_copy: str) -> Iterator[DraftFleet]:
    """The demo fleet with a saved draft (one slot's par level changed) of device 1, cabinet 0."""
    engine = prepare_database(fleet_copy)
    active = FleetRepository(engine).active_planogram(1, 0)
    assert active is not None
    slot = next(active.filled_slots())
    changed = Planogram(1, 0, {**active.slots, slot.position: replace(slot, par_level=slot.par_level - 1)})
    draft = PlanogramVersions(engine).save(changed, user_id=sign_in(engine, MANAGER, audit=False).id)
    assert draft.status is PlanogramStatus.DRAFT and draft.version == active.version + 1
    yield DraftFleet(fleet_copy, engine, active, draft)
    engine.dispose()


def pages_of(text: str) -> list[str]:
    return [page for page in text.split("\f") if page.strip()]


# --- the dialog -----------------------------------------------------------------------------------


def open_dialog(qtbot: QtBot, fleet: DraftFleet, who: str, on_screen: OnScreenVersion | None) -> ExportDialog:
    dialog = ExportDialog(FleetRepository(fleet.engine), 1, 0, user=fleet.user(who), on_screen=on_screen)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.route_devices.count() == 3 and dialog.export_button.isEnabled())
    return dialog


def finish(qtbot: QtBot, dialog: ExportDialog) -> None:
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=10_000)


def test_the_active_version_is_the_default_and_the_dialog_names_it(
    qtbot: QtBot, fleet: DraftFleet, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    dialog = open_dialog(qtbot, fleet, MANAGER, OnScreenVersion(fleet.draft))
    info = next(i for i in PlanogramVersions(fleet.engine).history(1, 0) if i.version == fleet.active.version)

    assert dialog.active_version.isChecked() and not dialog.exports_on_screen_version()
    assert dialog.active_version.text() == (
        f"Active version v{fleet.active.version}, "
        f"saved {local_text(info.created_at, '%d %b %Y %H:%M')} by {info.created_by}"
    )
    dialog.path.setText(str(tmp_path / "active.pdf"))
    dialog.export()
    finish(qtbot, dialog)

    text = read_pdf_text(tmp_path / "active.pdf")
    assert f"v{fleet.active.version} (active)" in text and content_hash(fleet.active) in text
    assert "DRAFT" not in text
    assert dialog.status.text().endswith(f"; it holds v{fleet.active.version} (active).")


def test_a_manager_may_export_the_draft_on_screen_stamped_on_every_page(
    qtbot: QtBot, fleet: DraftFleet, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    dialog = open_dialog(qtbot, fleet, MANAGER, OnScreenVersion(fleet.draft))
    dialog.path.clear()
    assert dialog.draft_version.isEnabled()
    assert dialog.draft_version.text().startswith(f"The draft on screen, v{fleet.draft.version} (draft), saved ")
    assert dialog.draft_version.text().endswith(f"by {MANAGER}")

    dialog.draft_version.setChecked(True)

    assert not dialog.whole_device.isEnabled() and dialog.one_cabinet.isChecked()  # a draft is one cabinet's
    assert dialog.version_note.text() == f'Every page and file says "{DRAFT_STAMP}".'
    assert Path(dialog.path.text()).name == f"device-1-cabinet-0-v{fleet.draft.version}-draft.pdf"
    dialog.path.setText(str(tmp_path / "draft.pdf"))
    dialog.export()
    finish(qtbot, dialog)

    pages = pages_of(read_pdf_text(tmp_path / "draft.pdf"))
    assert dialog.last_result is not None and len(pages) == dialog.last_result.pages >= 1
    assert all(DRAFT_STAMP in page and f"v{fleet.draft.version} (draft)" in page for page in pages)
    assert content_hash(fleet.draft) in pages[0] and "not approved" in pages[0]
    assert dialog.status.text().endswith(f"; it holds v{fleet.draft.version} (draft).")


def test_a_driver_exports_only_active_versions_and_is_told_why(qtbot: QtBot, fleet: DraftFleet) -> None:
    dialog = open_dialog(qtbot, fleet, DRIVER, OnScreenVersion(fleet.draft))

    assert not dialog.draft_version.isEnabled() and dialog.active_version.isChecked()
    reason = "Only a manager or admin can export a version that is not the active one; you are signed in as a driver"
    assert dialog.draft_version.toolTip().startswith(reason)
    assert dialog.version_note.text().startswith(reason)
    dialog.draft_version.setChecked(True)  # even if it were ticked somehow
    assert dialog.request(for_print=True).version is None


def test_a_draft_with_unsaved_edits_must_be_saved_before_it_is_exported(qtbot: QtBot, fleet: DraftFleet) -> None:
    dialog = open_dialog(qtbot, fleet, MANAGER, OnScreenVersion(fleet.draft, unsaved=True))

    assert not dialog.draft_version.isEnabled()
    assert dialog.version_note.text().startswith("Save the draft first (Ctrl+S)")


def test_the_active_version_on_screen_offers_no_draft(qtbot: QtBot, fleet: DraftFleet) -> None:
    dialog = open_dialog(qtbot, fleet, MANAGER, OnScreenVersion(fleet.active))

    assert not dialog.draft_version.isEnabled()
    assert dialog.version_note.text() == "The designer shows the active version; there is no draft on screen."


# --- files and images -----------------------------------------------------------------------------


def test_csv_and_json_files_say_which_version_they_hold(fleet: DraftFleet, tmp_path: Path) -> None:
    manager = fleet.user(MANAGER).id
    draft_csv, draft_json, active_json = tmp_path / "d.csv", tmp_path / "d.json", tmp_path / "a.json"

    export_sheets(fleet.engine, ExportRequest(ExportFormat.CSV, (1,), 0, out=draft_csv, draft=True), user_id=manager)
    export_sheets(fleet.engine, ExportRequest(ExportFormat.JSON, (1,), 0, out=draft_json, draft=True), user_id=manager)
    export_sheets(fleet.engine, ExportRequest(ExportFormat.JSON, (1,), 0, out=active_json), user_id=manager)

    header, *lines = draft_csv.read_text(encoding="utf-8").splitlines()
    assert header.endswith(",version,status") and lines
    assert all(line.endswith(f",{fleet.draft.version},draft") for line in lines)
    document = json.loads(draft_json.read_text(encoding="utf-8"))
    assert document["status"] == "draft" and document["draft"] is True
    assert document["version_label"] == f"v{fleet.draft.version} (draft)"
    active = json.loads(active_json.read_text(encoding="utf-8"))
    assert active["status"] == "active" and active["draft"] is False
    cabinet = FleetRepository(fleet.engine).cabinets(1)[0]
    catalogue = FleetRepository(fleet.engine).catalogue()
    assert import_planogram_file(draft_csv, cabinet, catalogue).slots == fleet.draft.slots  # still importable


def test_a_draft_png_carries_the_red_stamp_and_the_active_one_does_not(fleet: DraftFleet, tmp_path: Path) -> None:
    manager = fleet.user(MANAGER).id
    export_sheets(fleet.engine, ExportRequest(ExportFormat.PNG, (1,), 0, out=tmp_path / "d.png", draft=True),
                  user_id=manager)  # fmt: skip
    export_sheets(fleet.engine, ExportRequest(ExportFormat.PNG, (1,), 0, out=tmp_path / "a.png"), user_id=manager)

    def band_colour(path: Path) -> QColor:
        image = QImage(str(path))
        return image.pixelColor(image.width() // 2, round(image.height() * 40 / 2970))  # inside the stamp band

    assert band_colour(tmp_path / "d.png").name() == "#b3261e"
    assert band_colour(tmp_path / "a.png").name() == "#ffffff"


# --- the command ----------------------------------------------------------------------------------


def run(*arguments: str) -> int:
    parser = argparse.ArgumentParser(prog="planogram-studio", exit_on_error=False)
    parser.add_argument("--db")
    parser.add_argument("--user")
    add_export_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(arguments))
    return run_export(args, main.build_context(args))


def test_the_command_exports_the_active_version_by_default_and_names_it(
    fleet: DraftFleet, tmp_path: Path, capsys: pytest.CaptureFixture[str], read_pdf_text: PdfText
) -> None:
    out = tmp_path / "sheet.pdf"

    assert run("--user", DRIVER, "export", "--device", "1", "--cabinet", "0", "--out", str(out), "--db", fleet.url) == 0

    assert json.loads(capsys.readouterr().out)["versions"] == {"1_0": f"v{fleet.active.version} (active)"}
    assert "DRAFT" not in read_pdf_text(out)


def test_a_manager_exports_the_draft_or_a_numbered_version_stamped(
    fleet: DraftFleet, tmp_path: Path, capsys: pytest.CaptureFixture[str], read_pdf_text: PdfText
) -> None:
    cabinet = ("--device", "1", "--cabinet", "0", "--db", fleet.url)

    assert run("--user", MANAGER, "export", *cabinet, "--draft", "--out", str(tmp_path / "draft.pdf")) == 0
    assert json.loads(capsys.readouterr().out)["versions"] == {"1_0": f"v{fleet.draft.version} (draft)"}
    assert run("--user", MANAGER, "export", *cabinet, "--version", "1", "--out", str(tmp_path / "v1.pdf")) == 0
    assert json.loads(capsys.readouterr().out)["versions"] == {"1_0": "v1 (archived)"}

    draft_pages = pages_of(read_pdf_text(tmp_path / "draft.pdf"))
    assert draft_pages and all(DRAFT_STAMP in page for page in draft_pages)
    assert all("ARCHIVED — no longer approved" in page for page in pages_of(read_pdf_text(tmp_path / "v1.pdf")))


@pytest.mark.parametrize("who", [DRIVER, VIEWER])
@pytest.mark.parametrize("which", [["--draft"], ["--version", "1"]])
def test_a_driver_or_viewer_asking_for_another_version_is_refused_with_exit_3(
    fleet: DraftFleet, tmp_path: Path, capsys: pytest.CaptureFixture[str], who: str, which: list[str]
) -> None:
    out = tmp_path / "x.pdf"
    cabinet = ("--device", "1", "--cabinet", "0")

    status = run("--user", who, "export", *cabinet, *which, "--out", str(out), "--db", fleet.url)

    assert status == ExitCode.REFUSED
    assert f"you are signed in as a {who.split('.')[1]}" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--device", "1", "--draft"], "versions are numbered per cabinet and device 1 has 3; name one with --cabinet"),
        (["--device", "1", "--cabinet", "1", "--draft"], "cabinet 1 of device 1 has no draft newer than its active"),
        (["--device", "1", "--cabinet", "0", "--version", "9"], "cabinet 0 of device 1 has no version 9; its versions"),
        (["--route", "1,2", "--draft"], "a route holds each machine's active versions"),
    ],
)
def test_a_version_that_cannot_be_exported_as_asked_exits_2(
    fleet: DraftFleet, tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()

    assert run("--user", MANAGER, "export", *arguments, "--out", str(out / "x.pdf"), "--db", fleet.url) == 2

    assert message in capsys.readouterr().err
    assert list(out.iterdir()) == []
