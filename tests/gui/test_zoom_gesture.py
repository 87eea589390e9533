"""A zoom gesture's steps reuse each slot's drawing, scaled; once it settles the grid is as crisp as a fresh one."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from widgets.canvas.cabinet_view import SHARPEN_BATCH, ZOOM_SETTLE_MS, ZOOM_STEP_FRESH, CabinetView, SlotItem

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


def test_a_zoom_out_step_that_uncovers_many_slots_draws_only_a_frames_worth_and_sharpens_them_after(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uncovered slots beyond one frame's worth show their glance mid-gesture; once it settles, all are crisp."""
    cabinet = Cabinet(1, 0, 10, 20, TemperatureZone.AMBIENT)
    planogram = Planogram.from_slots(
        1, 0, [Slot(Position(r, c), 1 + (r + c) % 2, 5, 10, 8) for r in range(10) for c in range(20)]
    )
    view = CabinetView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show_cabinet(cabinet, planogram, CATALOGUE)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_by(2.5)  # close in on a few slots, drawn crisp once the gesture settles
    qtbot.wait(ZOOM_SETTLE_MS * 3)
    rendered: list[Position] = []
    real_render = SlotItem._render_pixmap

    def counting(item: SlotItem, *args: object) -> object:
        rendered.append(item.position)
        return real_render(item, *args)

    monkeypatch.setattr(SlotItem, "_render_pixmap", counting)
    view.zoom_by(1 / 2.5)  # one step back out: dozens of slots come into view at once
    view.viewport().repaint()
    assert len(rendered) <= ZOOM_STEP_FRESH
    qtbot.wait(ZOOM_SETTLE_MS * 3 + 16 * 20)
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    visible = {item.position for item in view.slot_items() if item.sceneBoundingRect().intersects(shown)}
    assert len(visible) > 2 * SHARPEN_BATCH
    assert visible <= set(rendered)  # every visible slot drawn crisp after the gesture
