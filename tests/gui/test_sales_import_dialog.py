"""File → Import sales…: the real export previewed with its columns read, checked, imported, and summarised."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from storage.schema import prepare_database
from tests.sales_exports.seed_files import seed_row, write_seed
from tests.shared_sample import seed_export_path
from widgets.sales_import.dialog import SalesImportDialog


def test_a_seed_export_is_previewed_checked_and_imported(qtbot: QtBot, tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'f.sqlite'}")
    path = write_seed(tmp_path / "s.csv", [seed_row(), seed_row(product="Cola", coil="141"), seed_row(status="Void")])
    dialog = SalesImportDialog(engine, path)
    qtbot.addWidget(dialog)
    assert "Seed" in dialog.format_label.text() and dialog.preview.rowCount() == 3
    dialog.check()
    assert "2 new sales" in dialog.findings.text() and "line 4" in dialog.findings.text()
    dialog.skip_refused.setChecked(True)
    dialog.run_import()
    assert "Imported 2 sales" in dialog.findings.text()


def test_the_real_export_in_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'f.sqlite'}")
    dialog = SalesImportDialog(engine, seed_export_path())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.check()
    assert "6,445 rows read: 6,441 new sales" in dialog.findings.text()
    assert "279 baskets hold more than one item" in dialog.findings.text()
