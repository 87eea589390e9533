"""Each slot card shows its selection code, and its card price where cards pay another price; the inspector edits
both with undo, and a code another slot uses is refused with the reason on screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from designer.positions import Position
from storage.app_context import AppContext
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.window.main_window import MainWindow

A1, A2 = Position.parse("A1"), Position.parse("A2")


@pytest.fixture
def window(qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    yield window
    window.close()


def _view(window: MainWindow) -> EditableCabinetView:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return view


def test_every_card_shows_its_default_code_and_the_tooltip_names_it(window: MainWindow) -> None:
    view = _view(window)
    index = view.editor.cabinet.index
    prefix = "" if index == 0 else f"{index + 1}-"
    assert [item.selection_code for item in view.slot_items()[:2]] == [f"{prefix}11", f"{prefix}12"]
    assert f"(selection {prefix}11)" in view.slot_item(A1).toolTip()  # type: ignore[union-attr]


def test_a_code_and_card_price_typed_in_the_inspector_show_on_the_card_and_undo_takes_them_back(
    window: MainWindow,
) -> None:
    view = _view(window)
    view.select([A2])
    inspector, item = window.inspector, view.slot_item(A2)
    assert item is not None and item.product is not None
    cash = item.slot.cash_price(item.product.price)
    assert inspector.card_price.value() == pytest.approx(cash) and inspector.card_hint.text() == "the cash price"
    default = inspector.selection_code.text()

    inspector.selection_code.setText("b7")
    inspector.card_price.setValue(cash + 0.10)
    inspector.apply.click()

    assert item.selection_code == "B7" and item.slot.card_price == pytest.approx(round(cash + 0.10, 2))
    assert item.text is not None and item.text.card == f"card ${cash + 0.10:,.2f}"
    assert item.text.price == f"${cash:,.2f}"  # the cash price stays on the top line
    assert f"cash ${cash:,.2f} · card ${cash + 0.10:,.2f}" in item.toolTip()
    assert inspector.selection_code.text() == "B7" and inspector.reset_card_price.isEnabled()

    inspector.reset_card_price.click()
    assert item.slot.card_price is None and item.text.card == ""
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert (item.selection_code, item.slot.card_price) == (default, None)


def test_a_code_another_slot_uses_is_refused_and_nothing_changes(window: MainWindow) -> None:
    view = _view(window)
    taken = view.slot_item(A1).selection_code  # type: ignore[union-attr]
    view.select([A2])
    window.inspector.selection_code.setText(taken)
    window.inspector.apply.click()
    assert view.last_refusal is not None and f"selection code {taken} is also the code of A1" in view.last_refusal
    assert view.slot_item(A2).slot.selection_code is None  # type: ignore[union-attr]


def test_a_cabinet_with_codes_and_card_prices_reads_clearly(window: MainWindow, tmp_path: Path) -> None:
    """A picture of a cabinet with its codes, for a person to look at (kept where CAPTURE_DIR says, if set)."""
    view = _view(window)
    view.select([A2])
    window.inspector.selection_code.setText("A2")
    item = view.slot_item(A2)
    assert item is not None and item.product is not None
    window.inspector.card_price.setValue(item.slot.cash_price(item.product.price) - 0.05)
    window.inspector.apply.click()
    view.select([])
    view.resize(900, 620)
    view.fit_to_window()
    image = view.viewport().grab().toImage()
    out = Path(os.environ.get("CAPTURE_DIR", tmp_path)) / "cabinet_selection_codes.png"
    assert image.save(str(out)) and out.stat().st_size > 0


def test_activating_a_code_the_other_cabinet_runs_is_refused_naming_both_slots(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: warnings.append(text))
    window.cabinet_tabs.setCurrentIndex(1)  # the device's second cabinet (a cooler): its A1 is "2-11"
    view = _view(window)
    assert view.editor.cabinet.index == 1 and view.slot_item(A1).selection_code == "2-11"  # type: ignore[union-attr]
    view.select([A1])
    window.inspector.selection_code.setText("11")  # the snack cabinet's A1
    window.inspector.apply.click()
    assert view.slot_item(A1).selection_code == "11"  # type: ignore[union-attr]

    window.activate_current()

    assert len(warnings) == 1 and "selection code 11 is also the code of A1 in cabinet 0" in warnings[0]
    assert view.editor.is_modified  # nothing was saved or activated
