"""The cabinet grid: what each slot says, how empty slots look, the zone banner, zooming and fitting."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetricsF, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram, PlanogramStatus, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from widgets import style
from widgets.canvas.cabinet_view import (
    SLOT_PADDING,
    SLOT_WIDTH,
    CabinetView,
    format_price,
    name_font,
    slot_rect,
)

CATALOGUE = Catalogue(
    [
        Product(1, "Orange Juice", "juice", 2.5, temperature_requirement=TemperatureZone.REFRIGERATED),
        Product(2, "Turkey & Swiss Sandwich on Toasted Multigrain with Extra Pickles", "sandwiches", 5.95),
        Product(3, "Supercalifragilisticexpialidociouslylongproductname", "candy", 1.0),
    ]
)


def make_view(qtbot: QtBot, zone: TemperatureZone = TemperatureZone.REFRIGERATED) -> CabinetView:
    cabinet = Cabinet(1, 0, 2, 3, zone)
    planogram = Planogram.from_slots(
        1,
        0,
        [
            Slot(Position(0, 0), 1, quantity=6, capacity=10, par_level=8),
            Slot(Position(0, 1), 2, quantity=0, capacity=5, par_level=3),
            Slot(Position(0, 2), 3, quantity=5, capacity=5),
            Slot(Position(1, 0), None),
            Slot(Position(1, 1), 77, quantity=2, capacity=8),  # a product the catalogue lacks
        ],
        status=PlanogramStatus.ACTIVE,
        version=4,
        id=9,
    )
    view = CabinetView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show_cabinet(cabinet, planogram, CATALOGUE)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_each_slot_shows_its_position_product_price_and_stock(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    a1 = view.slot_item(Position.parse("A1"))
    assert a1 is not None and a1.text is not None
    assert a1.position == Position(0, 0)
    assert a1.text.name_lines == ["Orange Juice"]
    assert a1.text.price == "$2.50"
    assert a1.text.category == "Juice"
    assert a1.text.stock == "6/10"
    assert a1.colour == style.category_colour("juice")
    assert "6 of 10 in stock · par level 8" in a1.toolTip()


def test_long_names_wrap_to_two_lines_and_elide_to_fit_the_slot(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    metrics = QFontMetricsF(name_font())
    inner = SLOT_WIDTH - 2 * SLOT_PADDING
    for label in ("A2", "A3"):
        item = view.slot_item(Position.parse(label))
        assert item is not None and item.text is not None
        assert len(item.text.name_lines) <= 2
        assert all(metrics.horizontalAdvance(line) <= inner + 0.5 for line in item.text.name_lines)
        assert item.text.name_lines[-1].endswith("…")
    a2 = view.slot_item(Position.parse("A2"))
    assert a2 is not None and a2.text is not None
    assert a2.text.name_lines[0].startswith("Turkey & Swiss")


def test_empty_slots_look_empty_and_unknown_products_are_named_by_id(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    empty = [item.position.label for item in view.slot_items() if item.is_empty]
    assert empty == ["B1", "B3"]  # B1 stored empty, B3 not in the planogram at all
    b2 = view.slot_item(Position.parse("B2"))
    assert b2 is not None and b2.text is not None
    assert b2.text.name_lines == ["Product 77"]
    assert b2.text.category == "not in the catalogue"


@pytest.mark.parametrize("zone", list(TemperatureZone))
def test_the_banner_names_the_temperature_zone_in_its_colour(qtbot: QtBot, zone: TemperatureZone) -> None:
    view = make_view(qtbot, zone)
    assert view.banner is not None
    assert view.banner.title == zone.value.upper()
    assert "2 rows × 3 columns" in view.banner.detail
    assert "active planogram, version 4" in view.banner.detail
    colours = {style.zone_colours(z).accent.name() for z in TemperatureZone}
    assert len(colours) == 3


def test_slots_sit_on_the_grid_without_overlapping(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    items = view.slot_items()
    assert [item.position.label for item in items] == ["A1", "A2", "A3", "B1", "B2", "B3"]
    for item in items:
        assert item.sceneBoundingRect().contains(slot_rect(item.position))
    rects = [slot_rect(item.position) for item in items]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    assert view.banner is not None
    assert not any(view.banner.sceneBoundingRect().intersects(rect) for rect in rects)


def test_the_cabinet_fits_the_window_keeping_its_shape(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    shown = view.mapFromScene(view.sceneRect()).boundingRect()
    viewport = view.viewport().rect()
    assert viewport.adjusted(-2, -2, 2, 2).contains(shown)
    assert shown.width() >= viewport.width() - 4 or shown.height() >= viewport.height() - 4
    assert view.transform().m11() == pytest.approx(view.transform().m22())
    view.resize(1200, 500)
    qtbot.wait(10)
    shown = view.mapFromScene(view.sceneRect()).boundingRect()
    assert view.viewport().rect().adjusted(-2, -2, 2, 2).contains(shown)


def wheel(view: CabinetView, modifiers: Qt.KeyboardModifier) -> None:
    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(
        centre,
        QPointF(view.viewport().mapToGlobal(centre.toPoint())),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_ctrl_wheel_zooms_and_fit_returns_to_the_whole_cabinet(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    fitted = view.zoom
    wheel(view, Qt.KeyboardModifier.NoModifier)
    assert view.zoom == pytest.approx(fitted)
    wheel(view, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(fitted * 1.25)
    view.resize(700, 500)  # a zoomed view stays zoomed when the window changes
    qtbot.wait(10)
    assert view.zoom == pytest.approx(fitted * 1.25)
    view.fit_to_window()
    assert view.zoom < fitted


def test_category_colours_are_stable_and_prices_read_as_money() -> None:
    assert style.category_colour("chips").name() == "#f28e2b"
    assert style.category_colour("Chips") == style.category_colour("chips")
    assert style.category_colour("spare parts") == style.category_colour("spare parts")
    assert format_price(2.5) == "$2.50"
    assert format_price(1234.5) == "$1,234.50"


def _marks_in_name_area(view: CabinetView, position: Position) -> int:
    """Pixels in the slot's name area that differ from the card's own tint: the text, as the screen shows it."""
    from collections import Counter

    from PySide6.QtCore import QRectF

    from widgets.canvas.cabinet_view import NAME_TOP

    image = view.viewport().grab().toImage()
    slot = slot_rect(position)
    name_area = QRectF(slot.left() + SLOT_PADDING, slot.top() + NAME_TOP, SLOT_WIDTH - 2 * SLOT_PADDING, 34.0)
    area = view.mapFromScene(name_area).boundingRect()
    colours = [image.pixel(x, y) for x in range(area.left(), area.right()) for y in range(area.top(), area.bottom())]
    tint = Counter(colours).most_common(1)[0][0]
    return sum(colour != tint for colour in colours)


def test_zoomed_far_out_slots_show_colour_and_stock_without_unreadable_text(qtbot: QtBot) -> None:
    from widgets.canvas.cabinet_view import GLANCE_LOD

    near, far = 0.4, 0.26  # name text 5.6 and 3.6 screen pixels high
    assert far < GLANCE_LOD < near
    view = make_view(qtbot)
    view.zoom_by(near / view.zoom)
    qtbot.wait(50)
    assert _marks_in_name_area(view, Position(0, 0)) > 20  # still large enough to read: the name is drawn
    view.zoom_by(far / view.zoom)
    qtbot.wait(50)
    assert _marks_in_name_area(view, Position(0, 0)) == 0  # a 3-pixel smudge of text is left out
    view.zoom_by(0.6 / view.zoom)
    qtbot.wait(50)
    assert _marks_in_name_area(view, Position(0, 0)) > 20  # zooming back in shows the text again
