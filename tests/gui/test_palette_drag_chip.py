"""Dragging from the palette: a small chip with the product's name follows the cursor, beside it, so the slot
under the cursor and the score the heat map prints in its middle stay in sight."""

from __future__ import annotations

from typing import ClassVar

import pytest
from PySide6.QtCore import QMimeData, QPoint, QRect, Qt
from PySide6.QtGui import QPixmap
from pytestqt.qtbot import QtBot

from designer.cabinets import TemperatureZone
from designer.products import Catalogue, Product
from widgets.canvas.cabinet_view import SLOT_HEIGHT, SLOT_WIDTH
from widgets.canvas.mime import dragged_product
from widgets.panels import palette as palette_module
from widgets.panels.palette import CHIP_MAX_WIDTH, ProductPalette

LONG_NAME = "Kettle Brand Sea Salt & Vinegar Potato Chips, Family Size Sharing Bag"
CATALOGUE = Catalogue([Product(1, LONG_NAME, "chips", 2.25, 0.90, TemperatureZone.AMBIENT, 3)])


class RecordingDrag:
    """Stands in for QDrag (offscreen, a real drag returns at once): keeps what would follow the cursor."""

    made: ClassVar[list[RecordingDrag]] = []

    def __init__(self, _source: object) -> None:
        self.pixmap = QPixmap()
        self.hot_spot = QPoint()
        self.mime: QMimeData | None = None
        RecordingDrag.made.append(self)

    def setMimeData(self, mime: QMimeData) -> None:
        self.mime = mime

    def setPixmap(self, pixmap: QPixmap) -> None:
        self.pixmap = pixmap

    def setHotSpot(self, point: QPoint) -> None:
        self.hot_spot = point

    def exec(self, *_actions: object) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


def test_the_dragged_product_is_a_small_chip_beside_the_cursor(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    palette = ProductPalette()
    qtbot.addWidget(palette)
    palette.resize(440, 300)
    palette.show_catalogue(CATALOGUE, {})
    palette.show()
    qtbot.waitExposed(palette)
    monkeypatch.setattr(palette_module, "QDrag", RecordingDrag)
    RecordingDrag.made.clear()
    palette.table.selectRow(0)

    palette.table.startDrag(Qt.DropAction.CopyAction)

    (drag,) = RecordingDrag.made
    assert drag.mime is not None and dragged_product(drag.mime) == 1
    ratio = drag.pixmap.devicePixelRatio()
    chip = QRect(-drag.hot_spot, (drag.pixmap.size().toSizeF() / ratio).toSize())  # where it is, cursor at 0,0
    row_width = palette.table.viewport().width()
    assert chip.width() <= CHIP_MAX_WIDTH < row_width / 2, "a chip, not the whole palette row"
    assert chip.height() <= palette.table.rowHeight(0) + 12
    # the score sits in the middle of the slot under the cursor, ~70 % of a slot's size on screen at most
    score_badge = QRect(-int(SLOT_WIDTH * 0.35 / 2), -int(SLOT_HEIGHT * 0.35 / 2), int(SLOT_WIDTH * 0.35),
                        int(SLOT_HEIGHT * 0.35))  # fmt: skip
    assert not chip.contains(QPoint(0, 0)) and not chip.intersects(score_badge)
    image = drag.pixmap.toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).alpha() == 255, "the chip is drawn, not blank"
