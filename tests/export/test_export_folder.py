"""Where the Export dialog saves: the default folder made on first use, the last folder remembered in the settings,
and a route's own file name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from storage.fleet import FleetRepository
from storage.settings import SETTINGS_VERSION, SettingsStore
from widgets.field_sheets.export_cli import ExportFormat
from widgets.field_sheets.export_dialog import ExportDialog


def _clock() -> datetime:
    return datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def open_dialog(
    qtbot: QtBot,
    engine: Engine,
    *,
    settings: SettingsStore | None = None,
    default_folder: Path | None = None,
    device_id: int = 1,
    cabinet: int | None = 0,
) -> ExportDialog:
    dialog = ExportDialog(
        FleetRepository(engine), device_id, cabinet, settings=settings, default_folder=default_folder, clock=_clock
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.route_devices.count() == 3 and dialog.export_button.isEnabled())
    return dialog


def finish(qtbot: QtBot, dialog: ExportDialog) -> None:
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=10_000)


def test_the_first_export_creates_the_missing_default_folder_and_says_so(
    qtbot: QtBot, demo_engine: Engine, tmp_path: Path
) -> None:
    documents = tmp_path / "home" / "Documents"
    dialog = open_dialog(qtbot, demo_engine, default_folder=documents)
    assert dialog.path.text() == str(documents / "device-1-cabinet-0.pdf")

    dialog.export()
    finish(qtbot, dialog)

    assert (documents / "device-1-cabinet-0.pdf").is_file()
    status = dialog.status.text()
    assert status.startswith(f"Saved 1 page to {documents / 'device-1-cabinet-0.pdf'}; it holds v")
    assert status.endswith(f"(the folder {documents} was created for it).")


def test_a_default_folder_that_cannot_be_made_falls_back_to_the_home_folder(
    qtbot: QtBot, demo_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "Documents").write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    dialog = open_dialog(qtbot, demo_engine, default_folder=home / "Documents" / "Sheets")

    dialog.export()
    finish(qtbot, dialog)

    assert (home / "device-1-cabinet-0.pdf").is_file()
    assert dialog.path.text() == str(home / "device-1-cabinet-0.pdf")
    assert f"{home / 'Documents' / 'Sheets'} could not be created" in dialog.status.text()
    assert f"saved in {home})." in dialog.status.text()


def test_a_folder_the_user_typed_is_not_created(qtbot: QtBot, demo_engine: Engine, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, demo_engine, default_folder=tmp_path / "Documents")
    dialog.path.setText(str(tmp_path / "typo" / "sheet.pdf"))

    dialog.export()
    finish(qtbot, dialog)

    assert dialog.status.text().startswith("Not exported: the folder")
    assert not (tmp_path / "typo").exists() and not (tmp_path / "Documents").exists()


def test_the_dialog_offers_the_last_export_folder_next_time(qtbot: QtBot, demo_engine: Engine, tmp_path: Path) -> None:
    settings_file = tmp_path / "config" / "settings.json"
    chosen = tmp_path / "field"
    chosen.mkdir()
    first = open_dialog(qtbot, demo_engine, settings=SettingsStore(settings_file), default_folder=tmp_path / "Docs")
    first.path.setText(str(chosen / "my-sheet.pdf"))
    first.export()
    finish(qtbot, first)
    first.accept()

    again = SettingsStore(settings_file)  # as the next run reads it
    second = open_dialog(qtbot, demo_engine, settings=again, default_folder=tmp_path / "Docs")

    assert again.current.export_folder == str(chosen)
    assert json.loads(settings_file.read_text(encoding="utf-8"))["export_folder"] == str(chosen)
    assert second.path.text() == str(chosen / "device-1-cabinet-0.pdf")


def test_a_remembered_folder_that_is_gone_gives_way_to_the_default(
    qtbot: QtBot, demo_engine: Engine, tmp_path: Path
) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"version": 2, "export_folder": str(tmp_path / "removed")}), encoding="utf-8")

    dialog = open_dialog(qtbot, demo_engine, settings=SettingsStore(settings_file), default_folder=tmp_path / "Docs")

    assert dialog.path.text() == str(tmp_path / "Docs" / "device-1-cabinet-0.pdf")


def test_an_old_settings_file_without_the_export_folder_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "labour_cost_per_slot": 2.5, "llm": {"monthly_cap_usd": 4}}))

    store = SettingsStore(path)

    assert store.problem is None
    assert store.current.export_folder is None
    assert store.current.labour_cost_per_slot == 2.5 and store.current.llm.monthly_cap_usd == 4.0
    store.save(store.current)
    raw = json.loads(path.read_text())
    assert raw["version"] == SETTINGS_VERSION and raw["export_folder"] is None and raw["labour_cost_per_slot"] == 2.5


def test_a_route_export_gets_a_name_of_its_own(qtbot: QtBot, demo_engine: Engine, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, demo_engine, default_folder=tmp_path)
    dialog.choose(ExportFormat.PDF, route=True)
    assert dialog.path.text() == str(tmp_path / "route-1-2025-03-04.pdf")

    dialog.set_route([1, 3])
    assert dialog.path.text() == str(tmp_path / "route-1-3-2025-03-04.pdf")
    dialog.route_devices.item(1).setCheckState(Qt.CheckState.Checked)
    assert dialog.path.text() == str(tmp_path / "route-1-2-3-2025-03-04.pdf")

    dialog.export()
    finish(qtbot, dialog)
    assert (tmp_path / "route-1-2-3-2025-03-04.pdf").is_file()
    assert not (tmp_path / "device-1-cabinet-0.pdf").exists()

    dialog.choose(ExportFormat.CSV)  # back to one cabinet: its own name again, not the route's
    assert dialog.path.text() == str(tmp_path / "device-1-cabinet-0.csv")
