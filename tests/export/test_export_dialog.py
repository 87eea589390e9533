"""The Export dialog and the Import action, driven as a merchandiser would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from designer.planogram_files import planogram_to_csv
from designer.products import Catalogue
from storage.fleet import FleetRepository
from widgets.field_sheets.export_cli import ExportFormat
from widgets.field_sheets.export_dialog import ExportDialog, import_planogram

PdfText = Callable[[Path], str]


@pytest.fixture
def repository(demo_engine: Engine) -> FleetRepository:
    return FleetRepository(demo_engine)


def open_dialog(qtbot: QtBot, repository: FleetRepository, device_id: int = 1, cabinet: int | None = 0) -> ExportDialog:
    dialog = ExportDialog(repository, device_id, cabinet)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.route_devices.count() == 3 and dialog.export_button.isEnabled())
    return dialog


def finish(qtbot: QtBot, dialog: ExportDialog) -> None:
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=10_000)


def test_exporting_the_cabinet_sheet_runs_in_the_background_and_says_where_it_went(
    qtbot: QtBot, repository: FleetRepository, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    dialog = open_dialog(qtbot, repository)
    dialog.path.setText(str(tmp_path / "sheet"))

    dialog.export()

    assert not dialog.export_button.isEnabled()  # busy while the worker writes
    finish(qtbot, dialog)
    active = repository.active_planogram(1, 0)
    assert active is not None
    assert dialog.status.text() == f"Saved 1 page to {tmp_path / 'sheet.pdf'}; it holds v{active.version} (active)."
    assert dialog.progress.value() == 100
    assert dialog.last_result is not None
    assert dialog.last_result.content_hashes["1_0"] in read_pdf_text(tmp_path / "sheet.pdf")


def test_the_whole_device_and_each_format_can_be_chosen(
    qtbot: QtBot, repository: FleetRepository, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, repository)
    dialog.whole_device.setChecked(True)
    dialog.path.setText(str(tmp_path / "all.pdf"))
    dialog.export()
    finish(qtbot, dialog)
    assert dialog.last_result is not None and dialog.last_result.pages == 3

    dialog.choose(ExportFormat.CSV)
    assert dialog.one_cabinet.isChecked() and not dialog.whole_device.isEnabled()  # a CSV holds one cabinet
    assert dialog.path.text() == str(tmp_path / "all.csv")
    assert not dialog.print_button.isEnabled()
    dialog.export()
    finish(qtbot, dialog)
    assert (tmp_path / "all.csv").read_text(encoding="utf-8").startswith("position,product_id,product_name")


def test_a_route_takes_the_ticked_machines_in_list_order(
    qtbot: QtBot, repository: FleetRepository, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    dialog = open_dialog(qtbot, repository, device_id=2, cabinet=None)
    dialog.choose(ExportFormat.PDF, route=True)
    assert dialog.route_devices.isEnabled() and dialog.route_ids() == (2,)
    dialog.set_route([1, 3])
    dialog.route_devices.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.path.setText(str(tmp_path / "route.pdf"))

    dialog.export()
    finish(qtbot, dialog)

    assert dialog.route_ids() == (1, 3)
    text = read_pdf_text(tmp_path / "route.pdf")
    assert "ROUTE STOP 2 OF 2" in text and "Route totals" in text


def test_a_refused_export_is_explained_and_writes_nothing(
    qtbot: QtBot, repository: FleetRepository, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, repository)
    dialog.path.setText(str(tmp_path / "missing" / "sheet.pdf"))

    dialog.export()
    finish(qtbot, dialog)

    assert dialog.status.text().startswith("Not exported: the folder")
    assert "create it or choose another place" in dialog.status.text()
    dialog.choose(ExportFormat.PDF, route=True)
    dialog.set_route([])
    dialog.export()
    assert dialog.status.text() == "Not exported: tick at least one machine for the route."
    assert list(tmp_path.iterdir()) == []


def test_print_opens_the_system_dialog_and_prints_the_same_pages(
    qtbot: QtBot, repository: FleetRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_pdf_text: PdfText
) -> None:
    target = tmp_path / "printed.pdf"

    def accept(dialog: QPrintDialog) -> int:
        dialog.printer().setOutputFileName(str(target))  # what choosing "Print to file" does
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    dialog = open_dialog(qtbot, repository)

    dialog.print_sheets()
    finish(qtbot, dialog)

    assert dialog.status.text() == "Sent 1 page to the printer."
    assert "Pick list" in read_pdf_text(target)


def test_cancelling_the_print_dialog_prints_nothing(
    qtbot: QtBot, repository: FleetRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QPrintDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    dialog = open_dialog(qtbot, repository)

    dialog.print_sheets()

    assert dialog.export_button.isEnabled() and dialog.status.text() == ""


def test_closing_the_dialog_stops_a_running_export(qtbot: QtBot, repository: FleetRepository, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, repository)
    dialog.whole_device.setChecked(True)
    dialog.path.setText(str(tmp_path / "late.pdf"))

    dialog.export()
    assert dialog.is_busy()
    dialog.reject()

    assert not dialog.is_busy()
    assert dialog._pool.activeThreadCount() == 0
    assert dialog.last_result is None  # the abandoned export's outcome is dropped unseen


def test_import_gives_a_validated_planogram_or_lists_every_problem(
    qtbot: QtBot, repository: FleetRepository, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = repository.device_layout(1)
    cabinet = layout.cabinets[0]
    good = tmp_path / "good.csv"
    good.write_text(planogram_to_csv(layout.planogram_for(cabinet), catalogue), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("position,product_id,capacity\nA1,99999,8\nA1,3,ten\n", encoding="utf-8")
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)

    imported = import_planogram(None, cabinet, catalogue, str(good))
    refused = import_planogram(None, cabinet, catalogue, str(bad))

    assert imported is not None and imported.slots == layout.planogram_for(cabinet).slots
    assert refused is None
    assert shown[0].text() == "bad.csv was not imported; nothing changed."
    assert "line 3, column capacity: 'ten' is not a whole number" in shown[0].informativeText()
    assert "line 2, slot A1: product 99999 is not in the catalogue" in shown[0].informativeText()


def test_a_long_import_shows_its_progress_and_cancel_stops_it_with_nothing_imported(
    qtbot: QtBot, repository: FleetRepository, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

    cabinet = repository.device_layout(1).cabinets[0]
    huge = tmp_path / "huge.csv"
    huge.write_text("position,product_id,capacity\n" + "A1,3,8\n" * 150_000, encoding="utf-8")
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    seen: list[str] = []

    def cancel_once_shown() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        if dialogs:
            seen.append(dialogs[0].labelText())
            dialogs[0].findChild(QPushButton).click()  # the dialog's Cancel button, as a person presses it
        else:
            QTimer.singleShot(20, cancel_once_shown)

    QTimer.singleShot(0, cancel_once_shown)
    assert import_planogram(None, cabinet, catalogue, str(huge)) is None
    assert seen == ["Reading huge.csv…"]
    assert shown == []  # cancelled: no refusal to read, nothing imported


def test_an_unforeseen_failure_while_reading_reaches_the_dialog_not_a_traceback(
    qtbot: QtBot, repository: FleetRepository, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import widgets.field_sheets.export_dialog as export_dialog

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded while decoding a JSON array")

    monkeypatch.setattr(export_dialog, "import_planogram_file", explode)
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    cabinet = repository.device_layout(1).cabinets[0]
    assert import_planogram(None, cabinet, catalogue, str(tmp_path / "deep.json")) is None
    assert shown[0].text() == "deep.json was not imported; nothing changed."
    assert "the file could not be read (RecursionError: maximum recursion depth" in shown[0].informativeText()
