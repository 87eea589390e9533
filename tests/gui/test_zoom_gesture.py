"""A zoom gesture's steps reuse each slot's drawing, scaled; once it settles the grid is as crisp as a fresh one."""

from __future__ import annotations

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from widgets.canvas.cabinet_view import ZOOM_SETTLE_MS, CabinetView

CATALOGUE = Catalogue([Product(1, "Orange Juice", "juice", 2.5), Product(2, "Salted Peanuts", "nuts", 1.25)])


def make_view(qtbot: QtBot) -> CabinetView:
    cabinet = Cabinet(1, 0, 2, 3, TemperatureZone.AMBIENT)
    planogram = Planogram.from_slots(
        1, 0, [Slot(Position(0, 0), 1, 6, 10, 8), Slot(Position(1, 2), 2, 3, 8, 4), Slot(Position(0, 2), None)]
    )
    view = CabinetView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show_cabinet(cabinet, planogram, CATALOGUE)
    view.show()
    qtbot.waitExposed(view)
    return view


def grab(view: CabinetView) -> QImage:
    return view.viewport().grab().toImage()


def test_steps_of_a_gesture_show_the_old_drawing_scaled_then_settle_to_the_exact_drawing(qtbot: QtBot) -> None:
    gesture, fresh = make_view(qtbot), make_view(qtbot)
    for _ in range(3):
        gesture.zoom_by(1.1)
    fresh.zoom_by(gesture.zoom / fresh.zoom)
    qtbot.wait(ZOOM_SETTLE_MS * 3)

    gesture.zoom_by(1.07)
    mid_gesture = grab(gesture)
    fresh.zoom_by(1.07)
    qtbot.wait(ZOOM_SETTLE_MS * 3)
    crisp = grab(fresh)
    assert mid_gesture != crisp  # the previous step's drawing, scaled: nothing re-rendered yet
    assert grab(gesture) == crisp  # settled: redrawn for the new zoom, pixel for pixel


def test_scrolling_and_repainting_keep_the_same_drawing(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.zoom_by(2.0)
    qtbot.wait(ZOOM_SETTLE_MS * 3)
    before = grab(view)
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + 37)
    bar.setValue(bar.value() - 37)
    view.viewport().repaint()
    assert grab(view) == before
