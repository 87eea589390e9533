"""File → Import sales…: the real export previewed with its columns read, checked, imported, and summarised."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from designer.sales_exports.saved_mappings import SavedMappings
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


def test_columns_picked_once_are_offered_for_the_next_file_from_the_same_source(qtbot: QtBot, tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'f.sqlite'}")
    mappings = SavedMappings(tmp_path / "mappings")
    march = tmp_path / "vendsys_march.csv"
    march.write_text("Site,Item,Pos,When,Amount\nLobby,Cola,11,2022-03-01,1.50\nLobby,Chips,12,2022-03-02,1.00\n")
    first = SalesImportDialog(engine, march, mappings=mappings)
    qtbot.addWidget(first)
    assert not first.saved_choice.isVisible() and "choose the column" in first.format_label.text()
    for field, column in {
        "machine": "Site",
        "product": "Item",
        "coil": "Pos",
        "date": "When",
        "price": "Amount",
    }.items():
        first.choices[field].setCurrentIndex(first.choices[field].findData(column))
    first.check()
    first.run_import()
    assert "Imported 2 sales" in first.findings.text() and "Columns kept" in first.findings.text()

    april = tmp_path / "vendsys_april.csv"
    april.write_text("Item,Site,When,Pos,Amount\nTea,Lobby,2022-04-01,12,2.00\n")  # same columns, reordered
    second = SalesImportDialog(engine, april, mappings=mappings)
    qtbot.addWidget(second)
    assert "saved for this export's header (vendsys_march)" in second.format_label.text()
    assert second.choices["coil"].currentData() == "Pos" and second.choices["machine"].currentData() == "Site"
    second.check()
    assert "1 new sales" in second.findings.text()
    second.run_import()
    assert "Imported 1 sales" in second.findings.text()
