"""The heat map drawn over a cabinet while a product is dragged: a colour and a score per slot, best slots outlined.

One item paints the whole grid from a numpy array (cached until the next heat map), so showing a new heat
map costs one paint, and the slot items' own caches are never invalidated by it. That paint must fit in a frame
on a busy laptop: the geometry of every cell is computed once per cabinet shape, the colours once per heat map
(vectorised), each kind of mark is drawn in one pass, and a partial repaint (the drop hint moving under the
cursor) draws only the cells it exposes.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from designer.cabinets import Cabinet
from designer.positions import Position
from widgets.canvas.cabinet_view import CORNER, SLOT_GAP, SLOT_HEIGHT, SLOT_WIDTH, cabinet_rect, grid_origin, slot_rect

# Score → colour stops: poor (red), middling (amber), best (green). Shared by the overlay and its legend.
SCORE_STOPS = ((0.0, QColor("#d64541")), (0.5, QColor("#f0b429")), (1.0, QColor("#2e9d52")))
OVERLAY_ALPHA = 120
BEST_OUTLINE = QColor("#1b6e3a")
BADGE_FILL = QColor(255, 255, 255, 215)


@cache
def _colour_of_whole_score(score: int) -> tuple[QColor, QColor, QColor]:
    """(colour, overlay fill, badge text colour) of a whole 0–100 score: 101 entries, built once each."""
    colour = _interpolate(score)
    fill = QColor(colour)
    fill.setAlpha(OVERLAY_ALPHA if score > 0 else 60)
    return colour, fill, colour.darker(160)


def score_colour(score: float) -> QColor:
    """The colour of a 0–100 score (whole scores: a hundredth of the scale is not a visible step)."""
    return QColor(_colour_of_whole_score(round(max(0.0, min(100.0, score))))[0])


def _interpolate(score: float) -> QColor:
    t = max(0.0, min(1.0, score / 100.0))
    for (left, a), (right, b) in itertools.pairwise(SCORE_STOPS):
        if t <= right:
            f = (t - left) / (right - left)
            return QColor(
                round(a.red() + (b.red() - a.red()) * f),
                round(a.green() + (b.green() - a.green()) * f),
                round(a.blue() + (b.blue() - a.blue()) * f),
            )
    return QColor(SCORE_STOPS[-1][1])


def legend_gradient(rect: QRectF) -> QLinearGradient:
    gradient = QLinearGradient(rect.topLeft(), rect.topRight())
    for stop, colour in SCORE_STOPS:
        gradient.setColorAt(stop, colour)
    return gradient


@cache
def _score_font() -> QFont:
    font = QFont()
    font.setPixelSize(30)
    font.setWeight(QFont.Weight.Bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


@dataclass(frozen=True, slots=True)
class _Cell:
    """Where one slot's marks go, in scene coordinates (the layer sits at the scene origin)."""

    position: Position
    fill: QRectF
    outline: QRectF
    badge: QRectF
    wide_badge: QRectF  # room for a label longer than three characters (history figures), centred alike


@cache
def _cells(rows: int, columns: int) -> tuple[_Cell, ...]:
    """Every cell of a cabinet shape, row by row: computed once, not 200 times per paint."""
    cells = []
    for row in range(rows):
        for column in range(columns):
            position = Position(row, column)
            rect = slot_rect(position).adjusted(1, 1, -1, -1)
            badge = QRectF(rect.center().x() - 34, rect.center().y() - 20, 68, 40)
            inset = rect.adjusted(2, 2, -2, -2)
            cells.append(_Cell(position, inset, inset, badge, badge.adjusted(-22, 0, 22, 0)))
    return tuple(cells)


class HeatMapLayer(QGraphicsItem):
    """Scores of one product in every slot; slots it may not stand in are hatched out."""

    def __init__(self, cabinet: Cabinet) -> None:
        super().__init__()
        self.cabinet = cabinet
        self.scores: np.ndarray | None = None
        self.best: set[Position] = set()
        self.labels: dict[Position, str] = {}
        self.hovered: Position | None = None
        self._cells = _cells(cabinet.rows, cabinet.columns)
        self._bounds = cabinet_rect(cabinet)
        self._whole: list[int] = []  # each cell's score rounded to the colour scale's whole steps
        self._texts: list[str] = []  # what each cell's badge says
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # paint() learns what is exposed
        self.setVisible(False)

    def show_scores(self, scores: np.ndarray, best: list[Position], labels: dict[Position, str] | None = None) -> None:
        """Colour every slot by its 0–100 score; ``labels`` replace the printed score (history figures)."""
        self.scores = scores
        self.best = set(best)
        self.labels = labels or {}
        # round(max(0, min(100, s))) for every cell at once: both round half to even; NaN reads as 100 as min() does
        bounded = np.clip(np.nan_to_num(np.asarray(scores, dtype=float), nan=100.0), 0.0, 100.0)
        self._whole = np.rint(bounded).astype(int).ravel().tolist()
        values = np.asarray(scores, dtype=float).ravel().tolist()
        self._texts = [
            self.labels.get(cell.position, f"{value:.0f}") for cell, value in zip(self._cells, values, strict=True)
        ]
        self.setVisible(True)
        self.update()

    def clear(self) -> None:
        self.scores = None
        self.best = set()
        self.labels = {}
        self.setVisible(False)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _exposed(self, exposed: QRectF) -> list[int]:
        """Indices of the cells whose slot meets ``exposed``: a drop hint moving repaints two slots, not 200."""
        origin = grid_origin()
        pitch_x, pitch_y = SLOT_WIDTH + SLOT_GAP, SLOT_HEIGHT + SLOT_GAP
        rows, columns = self.cabinet.rows, self.cabinet.columns
        first_column = max(0, math.floor((exposed.left() - origin.x() - SLOT_WIDTH) / pitch_x))
        last_column = min(columns - 1, math.floor((exposed.right() - origin.x()) / pitch_x))
        first_row = max(0, math.floor((exposed.top() - origin.y() - SLOT_HEIGHT) / pitch_y))
        last_row = min(rows - 1, math.floor((exposed.bottom() - origin.y()) / pitch_y))
        return [
            row * columns + column
            for row in range(first_row, last_row + 1)
            for column in range(first_column, last_column + 1)
        ]

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.scores is None:
            return
        cells, whole, texts = self._cells, self._whole, self._texts
        exposed = self._exposed(option.exposedRect)
        # Slots do not overlap, so drawing each kind of mark over all of them in turn gives the same picture as
        # drawing slot after slot, with far fewer state changes. The washes are axis-aligned rectangles: filled
        # without antialiasing they take the raster engine's fast path (a third of the layer's paint time).
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for index in exposed:
            painter.fillRect(cells[index].fill, _colour_of_whole_score(whole[index])[1])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        best = [index for index in exposed if cells[index].position in self.best]
        if best:
            painter.setPen(QPen(BEST_OUTLINE, 5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for index in best:
                painter.drawRoundedRect(cells[index].outline, CORNER, CORNER)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_FILL)
        for index in exposed:
            painter.drawRoundedRect(cells[index].badge, 10, 10)
        painter.setFont(_score_font())
        pen: QColor | None = None
        for index in exposed:
            text_colour = _colour_of_whole_score(whole[index])[2]
            if text_colour is not pen:
                painter.setPen(text_colour)
                pen = text_colour
            text = texts[index]
            cell = cells[index]
            painter.drawText(cell.wide_badge if len(text) > 3 else cell.badge, Qt.AlignmentFlag.AlignCenter, text)
