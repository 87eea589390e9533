"""One cabinet drawn as the merchandiser sees the machine: a temperature banner over a grid of slots.

Geometry (:func:`slot_rect`, :func:`cabinet_rect`) and colours (``widgets.style``) are small functions so
later features — drag and drop, selection, heat-map overlays — place themselves on the same grid.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPicture,
    QPixmap,
    QPixmapCache,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.cabinets import Cabinet
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from designer.validation import check_fill
from widgets import style

# Scene units are pixels at 100 % zoom.
SLOT_WIDTH = 168.0
SLOT_HEIGHT = 112.0
SLOT_GAP = 10.0
CABINET_PADDING = 14.0
BANNER_HEIGHT = 46.0
SLOT_PADDING = 9.0
GLANCE_LOD = 0.33
"""Below this scale the slot's 12–14 px text would land under 5 screen pixels: unreadable, and the costliest
part of a repaint. Slots then draw only their card, category band and fill bar (the tooltip still names them)."""
CORNER = 7.0
# Rows inside a slot, from its top edge: position and price, then the name (two lines), then the category.
LABEL_TOP = 8.0
NAME_TOP = 29.0

MIN_ZOOM = 0.05
LEGIBLE_ZOOM = 0.5
"""Below this scale a product name (14 scene pixels) lands under 7 screen pixels: too small to read."""
READABLE_ZOOM = 0.65
"""Where fitting goes when the whole cabinet would be illegible: names at about 9 screen pixels."""
MAX_ZOOM = 8.0
ZOOM_STEP = 1.25
ZOOM_SETTLE_MS = 150
"""A zoom gesture's steps reuse each slot's pixmap, scaled; this long after the last step slots are redrawn crisp."""
SHARPEN_BATCH = 16
ZOOM_STEP_FRESH = 6  # slots a zoom step may draw from scratch (~0.6 ms each with text): the step stays well in a frame
"""Visible slots redrawn crisp per frame once a gesture settles: all of them at once would be a 25 ms frame."""


def grid_origin() -> QPointF:
    """Top-left corner of slot A1 in scene coordinates."""
    return QPointF(CABINET_PADDING, CABINET_PADDING + BANNER_HEIGHT + CABINET_PADDING)


def slot_rect(position: Position) -> QRectF:
    """Where the slot at ``position`` sits in the scene."""
    origin = grid_origin()
    return QRectF(
        origin.x() + position.column * (SLOT_WIDTH + SLOT_GAP),
        origin.y() + position.row * (SLOT_HEIGHT + SLOT_GAP),
        SLOT_WIDTH,
        SLOT_HEIGHT,
    )


def grid_width(cabinet: Cabinet) -> float:
    return cabinet.columns * SLOT_WIDTH + (cabinet.columns - 1) * SLOT_GAP


def cabinet_rect(cabinet: Cabinet) -> QRectF:
    """The cabinet body: banner and grid with padding around them."""
    grid_height = cabinet.rows * SLOT_HEIGHT + (cabinet.rows - 1) * SLOT_GAP
    return QRectF(
        0.0,
        0.0,
        grid_width(cabinet) + 2 * CABINET_PADDING,
        grid_origin().y() + grid_height + CABINET_PADDING,
    )


def banner_rect(cabinet: Cabinet) -> QRectF:
    return QRectF(CABINET_PADDING, CABINET_PADDING, grid_width(cabinet), BANNER_HEIGHT)


def format_price(price: float) -> str:
    return f"${price:,.2f}"


@cache
def _font(pixel_size: int, weight: QFont.Weight = QFont.Weight.Normal, italic: bool = False) -> QFont:
    """Fonts sized in scene pixels without hinting, so widths scale exactly and elision holds at every zoom."""
    font = QFont()
    font.setPixelSize(pixel_size)
    font.setWeight(weight)
    font.setItalic(italic)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def label_font() -> QFont:
    return _font(13, QFont.Weight.Bold)


def price_font() -> QFont:
    return _font(14, QFont.Weight.Bold)


def name_font() -> QFont:
    return _font(14, QFont.Weight.DemiBold)


def code_font() -> QFont:
    """The selection code's chip beside the position: small, as machines print it on the selection strip."""
    return _font(11, QFont.Weight.Bold)


def detail_font() -> QFont:
    return _font(12)


def stock_font() -> QFont:
    return _font(12, QFont.Weight.DemiBold)


def empty_font() -> QFont:
    return _font(14, QFont.Weight.Normal, italic=True)


def banner_title_font() -> QFont:
    return _font(17, QFont.Weight.Bold)


def banner_detail_font() -> QFont:
    return _font(14)


@cache
def _card_paths() -> tuple[QPainterPath, QPainterPath]:
    """The rounded card and its top colour band, the same for every slot: built once, not per paint."""
    outline = QPainterPath()
    outline.addRoundedRect(QRectF(0.5, 0.5, SLOT_WIDTH - 1, SLOT_HEIGHT - 1), CORNER, CORNER)
    top = QPainterPath()
    top.addRect(QRectF(0, 0, SLOT_WIDTH, 6))
    return outline, outline.intersected(top)


@cache
def _name_line_height() -> float:
    return QFontMetricsF(name_font()).height()


def wrap_in_two_lines(text: str, font: QFont, width: float) -> list[str]:
    """Up to two lines that fit ``width``: whole words on the first line, the rest elided on the second."""
    metrics = QFontMetricsF(font)
    if metrics.horizontalAdvance(text) <= width:
        return [text]
    words = text.split()
    first = ""
    taken = 0
    for word in words:
        candidate = f"{first} {word}" if first else word
        if metrics.horizontalAdvance(candidate) > width:
            break
        first = candidate
        taken += 1
    if taken == 0:  # one very long word: elide it on a single line
        return [metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)]
    rest = " ".join(words[taken:])
    return [first, metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)]


class DropHint(Enum):
    ACCEPT = "accept"
    REFUSE = "refuse"


CODE_CHIP_WIDTH = 58.0  # at most; a longer code is elided (the tooltip and the inspector show it whole)
CODE_CHIP_PADDING = 4.0


@lru_cache(maxsize=8192)
def _laid_out(
    name: str, category: str, price: str, label: str, code: str, card: str
) -> tuple[tuple[str, ...], str, str, str]:
    """Text measured once per product, label and code, not once per slot: a 10×20 cabinet repeats products.

    The top line holds the position, the selection code's chip and the cash price; the category line gives
    room to the card price at its right when cards pay something else."""
    inner = SLOT_WIDTH - 2 * SLOT_PADDING
    price_width = inner - _label_width(label, code) - 8
    card_width = QFontMetricsF(detail_font()).horizontalAdvance(card) + 6 if card else 0.0
    return (
        tuple(wrap_in_two_lines(name, name_font(), inner)),
        QFontMetricsF(detail_font()).elidedText(category, Qt.TextElideMode.ElideRight, inner - card_width),
        QFontMetricsF(price_font()).elidedText(price, Qt.TextElideMode.ElideRight, price_width),
        _code_text(code),
    )


@lru_cache(maxsize=8192)
def _code_text(code: str) -> str:
    return QFontMetricsF(code_font()).elidedText(
        code, Qt.TextElideMode.ElideRight, CODE_CHIP_WIDTH - 2 * CODE_CHIP_PADDING
    )


def _code_chip(label: str, code: str) -> QRectF:
    """Where the selection code's chip stands: just right of the position label, on the top line."""
    left = SLOT_PADDING + QFontMetricsF(label_font()).horizontalAdvance(label) + 5
    width = QFontMetricsF(code_font()).horizontalAdvance(_code_text(code)) + 2 * CODE_CHIP_PADDING
    return QRectF(left, LABEL_TOP + 3, width, 15.0)


def _label_width(label: str, code: str) -> float:
    """The top line's left part: the position label and the code's chip."""
    return _code_chip(label, code).right() - SLOT_PADDING


@dataclass(frozen=True, slots=True)
class SlotText:
    """The strings a filled slot shows, laid out once per content change rather than on every paint."""

    name_lines: list[str]
    category: str
    price: str  # the cash price
    stock: str
    own_price: bool = False  # the slot sells at its own price, not the catalogue's: drawn in the accent colour
    card: str = ""  # "card $1.60" where cards pay another price than cash; drawn at the category line's right
    over_capacity: bool = False  # more stock than the slot holds (CVD allows it): the stock is marked in red


_SLOT_BOUNDS = QRectF(-1.0, -1.0, SLOT_WIDTH + 2.0, SLOT_HEIGHT + 2.0)
_slot_numbers = itertools.count()


class ZoomStep:
    """How many slots one step of a zoom gesture may still draw from scratch (text rasterised) this frame.

    A zoom-out step can uncover a whole column at once; beyond this many, the uncovered slots show their glance
    (card, colour, gauge) until the gesture settles and the view sharpens them, so the step stays one frame.
    """

    def __init__(self) -> None:
        self.fresh_left = ZOOM_STEP_FRESH

    def take(self) -> bool:
        self.fresh_left -= 1
        return self.fresh_left >= 0


class SlotItem(QGraphicsObject):
    """One slot of the grid. ``position`` is fixed; the content changes with :meth:`set_content`."""

    def __init__(self, position: Position, slot: Slot, product: Product | None, cabinet_index: int = 0) -> None:
        super().__init__()
        self.position = position
        self.cabinet_index = cabinet_index  # the default selection code names a device's further cabinets
        self.slot = slot
        self.product = product
        self._text: SlotText | None = None
        self._picture: QPicture | None = None
        self._glance: QPicture | None = None
        # The drawing in device pixels, kept in QPixmapCache (bounded, as Qt's DeviceCoordinateCache is) under
        # this name, with the transform it was drawn for and the item rectangle it covers.
        self._pixmap_name = f"planogram-slot-{next(_slot_numbers)}"
        self._pixmap_key: tuple[float, float, float, float, float] | None = None
        self._pixmap_source = QRectF()
        self._pixmap_glance = False
        self.drop_hint: DropHint | None = None
        self.zooming = False  # in a zoom gesture: an out-of-date pixmap is drawn scaled instead of redrawn
        self.zoom_step: ZoomStep | None = None  # the view's, while it shows this slot
        self.setPos(slot_rect(position).topLeft())
        self.set_content(slot, product)

    def set_drop_hint(self, hint: DropHint | None) -> None:
        """Outline the slot under a drag: green where the drop would land, red where it is refused."""
        if hint != self.drop_hint:
            self.drop_hint = hint
            self.update()

    @property
    def is_empty(self) -> bool:
        return self.slot.is_empty

    @property
    def colour(self) -> QColor:
        if self.product is None:
            return QColor(style.UNKNOWN_CATEGORY)
        return style.category_colour(self.product.category)

    @property
    def text(self) -> SlotText | None:
        return self._text

    def set_content(self, slot: Slot, product: Product | None) -> None:
        # no prepareGeometryChange(): the bounds never change, and it would re-index the item and repaint wider
        self.slot = slot
        self.product = product
        self._text = None if slot.is_empty else self._lay_out_text(slot, product)
        self._picture = None
        self._glance = None
        QPixmapCache.remove(self._pixmap_name)
        self.setToolTip(self._tool_tip())
        self.update()

    def _lay_out_text(self, slot: Slot, product: Product | None) -> SlotText:
        card = ""
        if product is None:
            name, category, price = f"Product {slot.product_id}", "not in the catalogue", "—"
        else:
            name, category = product.name, style.category_text(product.category)
            price = format_price(slot.cash_price(product.price))
            if slot.card_price is not None:
                card = f"card {format_price(slot.card_price_or_cash(product.price))}"
        name_lines, category_text, price_text, _code = _laid_out(
            name, category, price, self.position.label, self.selection_code, card
        )
        over = slot.quantity > slot.capacity
        return SlotText(
            name_lines=list(name_lines), category=category_text, price=price_text,
            stock=f"{'⚠ ' if over else ''}{slot.quantity}/{slot.capacity}", own_price=slot.price is not None,
            card=card, over_capacity=over,
        )  # fmt: skip

    @property
    def selection_code(self) -> str:
        """The code a customer keys in for this slot."""
        return self.slot.effective_selection_code(self.cabinet_index)

    def _tool_tip(self) -> str:
        label = f"{self.position.label} (selection {self.selection_code})"
        if self.slot.is_empty:
            return f"{label} — empty slot"
        name = self.product.name if self.product else f"Product {self.slot.product_id} (not in the catalogue)"
        lines = [f"{label} — {name}"]
        if self.product is not None:
            price = format_price(self.slot.cash_price(self.product.price))
            if self.slot.price is not None:
                price += f" in this slot (catalogue {format_price(self.product.price)})"
            card = self.slot.card_price_or_cash(self.product.price)
            price = f"cash {price} · card {format_price(card)}" if self.slot.card_price is not None else price
            lines.append(f"{style.category_text(self.product.category)} · {price}")
        lines.append(f"{self.slot.quantity} of {self.slot.capacity} in stock · par level {self.slot.par_level}")
        lines += [f"⚠ {problem.problem}: {problem.fix}" for problem in check_fill(self.slot)]
        return "\n".join(lines)

    def boundingRect(self) -> QRectF:
        return _SLOT_BOUNDS  # asked for several times per slot and repaint: one shared rectangle, built once

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Compose the slot's pixmap, drawn for this exact transform (crisp); mid-zoom, the last one scaled.

        Our own device-pixel cache rather than Qt's DeviceCoordinateCache, which redraws every slot (text
        rasterised at the new size) on each step of a zoom gesture; the view redraws them once it settles.
        """
        transform = painter.worldTransform()
        if widget is None or transform.isRotating():  # printing or exporting: vectors, never a pixmap
            self._paint_content(painter)
            self._paint_state(painter)
            return
        device = transform.mapRect(_SLOT_BOUNDS).toAlignedRect()
        ratio = painter.device().devicePixelRatioF()
        # the sub-pixel offset rounded: scrolling by whole pixels must find the same drawing despite float noise
        offset = (round(transform.dx() - device.x(), 3), round(transform.dy() - device.y(), 3))
        key = (transform.m11(), transform.m22(), *offset, ratio)
        pixmap = QPixmapCache.find(self._pixmap_name)
        glance = QStyleOptionGraphicsItem.levelOfDetailFromTransform(transform) < GLANCE_LOD
        if pixmap is not None and key != self._pixmap_key and self.zooming and glance == self._pixmap_glance:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(self._pixmap_source, pixmap, QRectF(pixmap.rect()))
        elif pixmap is None and self.zooming and self.zoom_step is not None and not self.zoom_step.take():
            # uncovered by a zoom-out step beyond what one frame can draw from scratch: its glance (no text to
            # rasterise) until the gesture settles and the view sharpens it
            if self._glance is None:
                self._glance = self._record_content(glance=True)
            painter.drawPicture(0, 0, self._glance)
        else:
            if pixmap is None or key != self._pixmap_key:
                pixmap = self._render_pixmap(transform, device, ratio)
                QPixmapCache.insert(self._pixmap_name, pixmap)
                self._pixmap_key = key
                self._pixmap_glance = glance  # crossing GLANCE_LOD mid-gesture redraws: text appears or goes at once
                self._pixmap_source = transform.inverted()[0].mapRect(QRectF(device))
            painter.save()
            painter.resetTransform()
            painter.drawPixmap(device.topLeft(), pixmap)
            painter.restore()
        self._paint_state(painter)

    def _render_pixmap(self, transform: QTransform, device: QRect, ratio: float) -> QPixmap:
        pixmap = QPixmap(device.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        recorder = QPainter(pixmap)
        recorder.setTransform(transform * QTransform.fromTranslate(-device.x(), -device.y()))
        self._paint_content(recorder)
        recorder.end()
        return pixmap

    def _paint_content(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform()) < GLANCE_LOD:
            if self._glance is None:
                self._glance = self._record_content(glance=True)
            painter.drawPicture(0, 0, self._glance)
        else:
            if self._picture is None:
                self._picture = self._record_content()
            painter.drawPicture(0, 0, self._picture)

    def _record_content(self, *, glance: bool = False) -> QPicture:
        """The slot's drawing as recorded vector commands: replayed in C++ at any zoom (crisp, and cheap).

        ``glance``: the textless drawing for zooms where text would be unreadable (:data:`GLANCE_LOD`).
        """
        picture = QPicture()
        recorder = QPainter(picture)
        recorder.setRenderHint(QPainter.RenderHint.Antialiasing)
        recorder.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if self._text is None:
            self._paint_empty(recorder, glance=glance)
        else:
            self._paint_filled(recorder, self._text, glance=glance)
        recorder.end()
        return picture

    def _paint_state(self, painter: QPainter) -> None:
        """Selection and drop feedback drawn over the content, so they read on every category colour."""
        colour = None
        if self.drop_hint is DropHint.ACCEPT:
            colour = style.DROP_ACCEPT
        elif self.drop_hint is DropHint.REFUSE:
            colour = style.DROP_REFUSE
        elif self.isSelected():
            colour = style.ACCENT
        if colour is None:
            return
        painter.setPen(QPen(colour, 4.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(1.5, 1.5, SLOT_WIDTH - 3, SLOT_HEIGHT - 3), CORNER, CORNER)

    def _paint_empty(self, painter: QPainter, *, glance: bool = False) -> None:
        rect = QRectF(0.5, 0.5, SLOT_WIDTH - 1, SLOT_HEIGHT - 1)
        pen = QPen(style.EMPTY_SLOT_OUTLINE, 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(style.EMPTY_SLOT_FILL)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        if glance:
            return
        painter.setPen(style.MUTED_TEXT)
        painter.setFont(label_font())
        painter.drawText(
            self._label_rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.position.label
        )
        self._paint_code(painter)
        painter.setFont(empty_font())
        painter.drawText(QRectF(0, 0, SLOT_WIDTH, SLOT_HEIGHT), Qt.AlignmentFlag.AlignCenter, "empty")

    def _paint_filled(self, painter: QPainter, text: SlotText, *, glance: bool = False) -> None:
        colour = self.colour
        outline, band = _card_paths()
        painter.setPen(QPen(colour.darker(115), 1.2))
        painter.setBrush(style.tint(colour, 0.84))
        painter.drawPath(outline)
        painter.fillPath(band, colour)  # the category colour along the top of the rounded card
        if glance:
            self._paint_fill_bar(painter, None)
            return

        inner_left = SLOT_PADDING
        inner_width = SLOT_WIDTH - 2 * SLOT_PADDING
        painter.setPen(style.MUTED_TEXT)
        painter.setFont(label_font())
        label_rect = self._label_rect()
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.position.label)
        self._paint_code(painter)
        painter.setPen(style.ACCENT if text.own_price else style.TEXT)
        painter.setFont(price_font())
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text.price)

        painter.setPen(style.TEXT)
        painter.setFont(name_font())
        line_height = _name_line_height()
        top = NAME_TOP
        for line in text.name_lines:
            painter.drawText(
                QRectF(inner_left, top, inner_width, line_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                line,
            )
            top += line_height
        painter.setPen(style.MUTED_TEXT)
        painter.setFont(detail_font())
        detail_rect = QRectF(inner_left, NAME_TOP + 2 * line_height + 3, inner_width, 15.0)
        painter.drawText(detail_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text.category)
        if text.card:
            painter.setPen(style.ACCENT)
            painter.drawText(detail_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text.card)
        self._paint_fill_bar(painter, text.stock)

    def _paint_code(self, painter: QPainter) -> None:
        """The selection code in an outlined chip beside the position: what the customer keys in."""
        code = self.selection_code
        chip = _code_chip(self.position.label, code)
        painter.setPen(QPen(style.MUTED_TEXT, 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(chip, 3, 3)
        painter.setFont(code_font())
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, _code_text(code))

    def _paint_fill_bar(self, painter: QPainter, stock: str | None) -> None:
        """The stock gauge with its par mark; ``stock`` (e.g. "7/10") printed beside it unless None."""
        painter.setFont(stock_font())
        stock_width = QFontMetricsF(stock_font()).horizontalAdvance("000/000")
        bar_top = SLOT_HEIGHT - SLOT_PADDING - 12.0
        track = QRectF(SLOT_PADDING, bar_top, SLOT_WIDTH - 2 * SLOT_PADDING - stock_width - 6, 10.0)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.FILL_BAR_TRACK)
        painter.drawRoundedRect(track, 3, 3)
        over_capacity = self.slot.quantity > self.slot.capacity
        if self.slot.fill_ratio > 0:
            filled = QRectF(track.left(), track.top(), max(track.width() * self.slot.fill_ratio, 4.0), track.height())
            painter.setBrush(style.DROP_REFUSE if over_capacity else style.FILL_BAR)
            painter.drawRoundedRect(filled, 3, 3)
        if 0 < self.slot.par_level <= self.slot.capacity:
            x = track.left() + track.width() * self.slot.par_level / self.slot.capacity
            painter.setPen(QPen(style.PAR_MARK, 1.6))
            painter.drawLine(QPointF(x, track.top() - 3), QPointF(x, track.bottom() + 3))
        if stock is None:
            return
        painter.setPen(style.DROP_REFUSE if over_capacity else style.TEXT)
        painter.drawText(
            QRectF(track.right() + 6 - stock_width, bar_top - 4, 2 * stock_width, 18.0),  # room for the ⚠ mark
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            stock,
        )

    @staticmethod
    def _label_rect() -> QRectF:
        return QRectF(SLOT_PADDING, LABEL_TOP, SLOT_WIDTH - 2 * SLOT_PADDING, 20.0)


class ZoneBanner(QGraphicsItem):
    """The strip above the grid saying at which temperature the cabinet keeps its products."""

    def __init__(self, cabinet: Cabinet, planogram: Planogram) -> None:
        super().__init__()
        self.cabinet = cabinet
        self._rect = banner_rect(cabinet)
        self.title = cabinet.zone.value.upper()
        if planogram.id is None:
            document = "unsaved proposal" if planogram.slots else "no planogram"
        else:
            document = f"{planogram.status.value} planogram, version {planogram.version}"
        self.detail = f"Cabinet {cabinet.index} · {cabinet.rows} rows × {cabinet.columns} columns · {document}"
        self.setToolTip(f"{cabinet.zone.value.capitalize()} cabinet — {cabinet.describe_extent()}")
        # laid out and drawn once per zoom, not on every repaint of the grid below it (a heat map, an edit)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        colours = style.zone_colours(self.cabinet.zone)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        shape = QPainterPath()
        shape.addRoundedRect(self._rect, CORNER, CORNER)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours.fill)
        painter.drawPath(shape)
        painter.save()
        painter.setClipPath(shape)
        painter.fillRect(QRectF(self._rect.left(), self._rect.top(), 10, self._rect.height()), colours.accent)
        painter.restore()

        text_rect = self._rect.adjusted(24, 0, -16, 0)
        painter.setPen(colours.text)
        painter.setFont(banner_title_font())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        title_width = QFontMetricsF(banner_title_font()).horizontalAdvance(self.title)
        detail_rect = text_rect.adjusted(title_width + 18, 0, 0, 0)
        painter.setFont(banner_detail_font())
        metrics = QFontMetricsF(banner_detail_font())
        name = self.cabinet.name
        if name:
            name_width = min(metrics.horizontalAdvance(name), detail_rect.width() / 2)
            painter.drawText(
                detail_rect,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_width),
            )
            detail_rect = detail_rect.adjusted(0, 0, -(name_width + 18), 0)
        painter.drawText(
            detail_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(self.detail, Qt.TextElideMode.ElideRight, max(detail_rect.width(), 0)),
        )


class CabinetBody(QGraphicsItem):
    """The cabinet's outline behind banner and slots, so the grid reads as one machine."""

    def __init__(self, cabinet: Cabinet) -> None:
        super().__init__()
        self._rect = cabinet_rect(cabinet)
        self.setZValue(-1)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.CABINET_OUTLINE, 1.5))
        painter.setBrush(style.CABINET_BODY)
        painter.drawRoundedRect(self._rect, 10, 10)


class CabinetView(QGraphicsView):
    """Shows one cabinet; fits the window until the user zooms (Ctrl+wheel), and fits again on request."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.cabinet: Cabinet | None = None
        self.banner: ZoneBanner | None = None
        self._slots: dict[Position, SlotItem] = {}
        self._fits_window = True
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setBackgroundBrush(QBrush(style.VIEW_BACKGROUND))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self._zoom_settled = QTimer(self)
        self._zoom_settled.setSingleShot(True)
        self._zoom_settled.setInterval(ZOOM_SETTLE_MS)
        self._zoom_settled.timeout.connect(self._end_zoom_gesture)
        self._gestures = 0  # a new gesture step stops a sharpening still under way
        self._zoom_step = ZoomStep()

    def show_cabinet(self, cabinet: Cabinet, planogram: Planogram, catalogue: Catalogue) -> None:
        """Draw ``cabinet`` holding ``planogram``; products are looked up in ``catalogue``."""
        scene = self.scene()
        scene.clear()
        self._slots.clear()
        self.cabinet = cabinet
        scene.addItem(CabinetBody(cabinet))
        self.banner = ZoneBanner(cabinet, planogram)
        scene.addItem(self.banner)
        for position in cabinet.positions():
            slot = planogram.slot_at(position)
            product = catalogue.get(slot.product_id) if slot.product_id is not None else None
            item = SlotItem(position, slot, product, cabinet.index)
            item.zoom_step = self._zoom_step
            scene.addItem(item)
            self._slots[position] = item
        scene.setSceneRect(cabinet_rect(cabinet).adjusted(-12, -12, 12, 12))
        self.fit_to_window()

    def refresh(self, planogram: Planogram, catalogue: Catalogue, positions: Iterable[Position]) -> None:
        """Repaint only the slots an edit changed (its change-set)."""
        for position in positions:
            item = self._slots.get(position)
            if item is not None:
                slot = planogram.slot_at(position)
                product = catalogue.get(slot.product_id) if slot.product_id is not None else None
                item.set_content(slot, product)

    def refresh_banner(self, planogram: Planogram) -> None:
        """After a save or activation the banner names the new version."""
        if self.banner is not None and self.cabinet is not None:
            self.scene().removeItem(self.banner)
            self.banner = ZoneBanner(self.cabinet, planogram)
            self.scene().addItem(self.banner)

    def slot_items(self) -> list[SlotItem]:
        """Every slot, row by row from A1."""
        return [self._slots[position] for position in sorted(self._slots)]

    def slot_item(self, position: Position) -> SlotItem | None:
        return self._slots.get(position)

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def fit_to_window(self) -> None:
        """Show the whole cabinet, as large as the window allows; resizing keeps it fitted.

        A wide cabinet (6×9) in a narrow view would shrink its text out of reading while half the view stands
        empty below it: it then fills the view's height instead, up to a readable size, from its first column,
        and the rest of the row is a sideways scroll away.
        """
        self._fits_window = True
        scene = self.scene().sceneRect()
        if scene.isEmpty():
            return
        self.fitInView(scene, Qt.AspectRatioMode.KeepAspectRatio)
        whole = self.zoom
        if whole >= LEGIBLE_ZOOM:
            return
        sideways = self.horizontalScrollBar()
        # the height left once the sideways scrollbar this fit brings is shown
        room = self.viewport().height() - (0 if sideways.isVisible() else sideways.sizeHint().height()) - 4
        target = min(READABLE_ZOOM, room / scene.height())
        if target > whole * 1.05:
            self.setTransform(QTransform.fromScale(target, target))
            sideways.setValue(sideways.minimum())

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def zoom_by(self, factor: float) -> None:
        """Scale by ``factor`` within sensible limits; the view stops following the window size."""
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom * factor))
        if self.zoom > 0:
            self._fits_window = False
            self._zooming(True)
            self._zoom_step.fresh_left = ZOOM_STEP_FRESH
            self._zoom_settled.start()
            self.scale(target / self.zoom, target / self.zoom)

    def _zooming(self, on: bool) -> None:
        self._gestures += 1
        for item in self._slots.values():
            item.zooming = on

    def _end_zoom_gesture(self) -> None:
        """The gesture is over: slots are redrawn crisp at the zoom it stopped at, the visible ones a batch a frame."""
        shown = self.mapToScene(self.viewport().rect()).boundingRect()
        waiting: list[SlotItem] = []
        for item in self._slots.values():
            if item.sceneBoundingRect().intersects(shown):
                waiting.append(item)
            else:
                item.zooming = False  # redrawn when scrolled into view
        self._sharpen(self._gestures, waiting)

    def _sharpen(self, gesture: int, waiting: list[SlotItem]) -> None:
        if gesture != self._gestures:
            return
        for item in waiting[:SHARPEN_BATCH]:
            item.zooming = False
            item.update()
        if len(waiting) > SHARPEN_BATCH:
            QTimer.singleShot(16, self, lambda: self._sharpen(gesture, waiting[SHARPEN_BATCH:]))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fits_window:
            self.fit_to_window()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fits_window:
            self.fit_to_window()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)
