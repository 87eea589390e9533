"""The inspector shows and edits what a slot sells at; the card shows the same price; undo brings it back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from designer.positions import Position
from storage.app_context import AppContext
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.window.main_window import MainWindow

A2 = Position.parse("A2")


@pytest.fixture
def window(qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    yield window
    window.close()


def test_a_price_set_in_the_inspector_shows_on_the_card_and_undo_restores_the_catalogue_price(
    window: MainWindow,
) -> None:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    view.select([A2])
    inspector = window.inspector
    item = view.slot_item(A2)
    assert item is not None and item.product is not None
    catalogue_price = item.product.price
    assert inspector.price.value() == pytest.approx(catalogue_price)
    assert inspector.catalogue_price.text() == f"catalogue ${catalogue_price:.2f}"
    assert not inspector.reset_price.isEnabled()

    inspector.price.setValue(catalogue_price + 0.25)
    inspector.apply.click()

    assert item.slot.price == pytest.approx(round(catalogue_price + 0.25, 2))
    assert item.text is not None and item.text.price == f"${catalogue_price + 0.25:,.2f}" and item.text.own_price
    assert "in this slot (catalogue" in item.toolTip()
    assert inspector.reset_price.isEnabled()
    assert inspector.catalogue_price.text().startswith("this slot's own price")

    inspector.reset_price.click()
    assert item.slot.price is None and item.text.price == f"${catalogue_price:,.2f}"
    window.undo_action.trigger()
    assert item.slot.price == pytest.approx(round(catalogue_price + 0.25, 2))
    window.undo_action.trigger()
    assert item.slot.price is None
    assert inspector.price.value() == pytest.approx(catalogue_price)


def test_an_impossible_price_cannot_be_typed(window: MainWindow) -> None:
    assert window.inspector.price.maximum() == 100.0 and window.inspector.price.minimum() == 0.0
