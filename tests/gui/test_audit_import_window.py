"""Machine audits into the designer: File → Import machine audit… and files dropped on a device's row, a new machine
linked once, and the layout check window with what differs, printable as a PDF."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot
from windows import keyless_window

from designer.machine_audits import audit_to_text
from tests.machine_audits.test_layout_check import read, selection


def _write_reads(folder: Path) -> list[str]:
    first = read(datetime(2025, 7, 1, 9), 5, selection("11", "9.99", 10, sold_outs=0), selection("99", "1.00", 4))
    second = read(datetime(2025, 7, 8, 9), 6, selection("11", "9.99", 24, sold_outs=1), selection("99", "1.00", 9))
    paths = []
    for number, audit in enumerate((first, second)):
        path = folder / f"machine-{number}.dex"
        path.write_text(audit_to_text(audit))
        paths.append(str(path))
    return paths


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The summary box is answered with Close; the link question with the first device offered (the one on
    screen); what each asked is kept."""
    asked: list[str] = []

    def get_item(_parent, _title, label, items, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        asked.append(f"{label} [{items[0]}]")
        return items[0], True

    def summary(box: QMessageBox) -> int:
        asked.append(box.text())
        return 0

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    monkeypatch.setattr(QMessageBox, "exec", summary)
    return asked


def test_importing_from_the_menu_links_the_machine_and_the_check_shows_what_differs(
    qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, answered: list[str]
) -> None:
    paths = _write_reads(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *_a, **_k: (paths, "")))
    with keyless_window(qtbot, fleet_url, monkeypatch) as window:
        device = window.layout_on_screen.device
        window.audits.import_action.trigger()
        assert "Machine SN-42 is new" in answered[0] and device.name in answered[0]
        assert answered[1].startswith("2 new read(s), 0 already imported")

        window.audits.check_action.trigger()
        dialog = window.audits.dialog
        assert dialog is not None and dialog.isVisible()
        view = dialog.view
        codes = [view.table.item(row, 0).text() for row in range(view.table.rowCount())]
        assert "99" in codes  # the machine sells from code 99, which no slot of the planogram carries
        row = codes.index("99")
        assert view.table.item(row, 9).text() == "vends, planned empty"
        assert view.table.item(row, 6).text() == "5"  # sold between the two reads
        assert "selections differ" in view.summary.text()

        pdf = dialog.save_pdf(str(tmp_path / "check.pdf"))
        assert Path(pdf).read_bytes().startswith(b"%PDF")
        dialog.close()

        window.audits.import_action.trigger()  # the same files again change nothing
        assert answered[-1].startswith("0 new read(s), 2 already imported")


def test_audit_files_dropped_on_a_device_row_are_imported_for_that_device(
    qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, answered: list[str]
) -> None:
    paths = _write_reads(tmp_path)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with keyless_window(qtbot, fleet_url, monkeypatch) as window:
        devices = window.device_list
        table = devices.table
        target_row = 1
        point = table.visualRect(table.model().index(target_row, 0)).center()
        target = devices.device_at_point(point)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in [*paths, str(tmp_path / "notes.pdf")]])
        assert target is not None
        buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, keys)
        QApplication.sendEvent(table.viewport(), enter)
        assert enter.isAccepted()  # the row under the pointer takes files
        drop = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, keys)
        QApplication.sendEvent(table.viewport(), drop)
        assert drop.isAccepted()
        assert not [a for a in answered if "is new" in a]  # dropped on a device: linked to it without asking
        assert "notes.pdf" in window.statusBar().currentMessage()
        window.audits.show_layout_check(target)
        assert window.audits.dialog is not None
        assert window.audits.dialog.view.check.device.startswith(
            next(d.name for d in window.repository.devices() if d.id == target)
        )
        window.audits.dialog.close()


def test_the_samples_23_real_uploads_import_through_the_window_as_7_reads(
    qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, answered: list[str]
) -> None:
    """The CVD sample's DEX uploads written out as the files a handheld leaves, chosen in File → Import machine
    audit…: 7 distinct reads of 7 machines (one upload repeated 16 times over), each new machine asked for once."""
    import sqlite3

    from tests.shared_sample import cvd_sample_path

    with sqlite3.connect(cvd_sample_path()) as connection:
        uploads = connection.execute("SELECT id, filename, raw_content FROM dex_reads ORDER BY id").fetchall()
    paths = []
    for upload, name, raw in uploads:
        path = tmp_path / f"{upload:02d}-{Path(name).stem}.txt"
        path.write_text(raw, newline="")
        paths.append(str(path))
    assert len(paths) == 23
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *_a, **_k: (paths, "")))
    with keyless_window(qtbot, fleet_url, monkeypatch) as window:
        summary = window.audits.import_chosen()
        assert summary is not None
        assert (summary.reads_new, summary.reads_already_imported, len(summary.machines)) == (7, 16, 7)
        assert sum("is new" in question for question in answered) == 7  # each machine linked once
        assert window.audits.import_files(paths) is not None
        assert answered[-1].startswith("0 new read(s), 23 already imported")
