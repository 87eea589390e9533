"""The product palette: a merchandiser finds the product to drag."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from designer.cabinets import TemperatureZone
from designer.products import Catalogue, Product
from widgets.canvas.mime import dragged_product
from widgets.panels.palette import ProductPalette

CATALOGUE = Catalogue(
    [
        Product(1, "Sea Salt Chips", "chips", 1.75, 0.60, TemperatureZone.AMBIENT, 3),
        Product(2, "Cola 20oz", "soda", 2.25, 0.70, TemperatureZone.REFRIGERATED, 2),
        Product(3, "Vanilla Cone", "ice cream", 3.00, 1.10, TemperatureZone.FROZEN, 4),
        Product(4, "Trail Mix", "healthy snacks", 2.50, 0.90, TemperatureZone.AMBIENT, 8),
    ]
)


@pytest.fixture
def palette(qtbot) -> ProductPalette:  # type: ignore[no-untyped-def]
    widget = ProductPalette()
    qtbot.addWidget(widget)
    widget.show_catalogue(CATALOGUE, {2: 6.5, 1: 2.0})
    return widget


def test_searching_narrows_the_list(palette: ProductPalette) -> None:
    palette.search.setText("cola")
    assert palette.visible_product_ids() == [2]
    assert "1 of 4 products" in palette.count.text()


def test_filters_by_category_temperature_and_health(palette: ProductPalette) -> None:
    palette.category.setCurrentIndex(palette.category.findData("chips"))
    assert palette.visible_product_ids() == [1]
    palette.category.setCurrentIndex(0)
    palette.temperature.setCurrentIndex(palette.temperature.findData("frozen"))
    assert palette.visible_product_ids() == [3]
    palette.temperature.setCurrentIndex(0)
    palette.min_health.setValue(5)
    assert palette.visible_product_ids() == [4]


@pytest.mark.parametrize(
    ("column", "order", "expected"),
    [
        (0, Qt.SortOrder.AscendingOrder, [2, 1, 4, 3]),  # name
        (1, Qt.SortOrder.AscendingOrder, [1, 2, 4, 3]),  # price
        (2, Qt.SortOrder.DescendingOrder, [3, 4, 2, 1]),  # margin, best first
    ],
)
def test_sorts_by_name_price_and_margin(
    palette: ProductPalette, column: int, order: Qt.SortOrder, expected: list[int]
) -> None:
    palette.table.sortByColumn(column, order)
    assert palette.visible_product_ids() == expected


def test_sorts_by_sales_velocity_at_this_device(palette: ProductPalette) -> None:
    palette.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert palette.visible_product_ids()[:2] == [2, 1]
    palette.show_velocity({4: 9.0})
    assert palette.visible_product_ids()[0] == 4


def test_ctrl_f_focuses_the_search(palette: ProductPalette, qtbot) -> None:  # type: ignore[no-untyped-def]
    palette.show()
    qtbot.waitExposed(palette)
    palette.activateWindow()
    qtbot.keyClick(palette.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(palette.search.hasFocus)
    assert palette.search.hasFocus()


def test_a_dragged_row_carries_the_product(palette: ProductPalette) -> None:
    palette.search.setText("trail")
    index = palette.proxy.mapToSource(palette.proxy.index(0, 0))
    mime = palette.model.mimeData([index])
    assert dragged_product(mime) == 4 and mime.text() == "Trail Mix"
