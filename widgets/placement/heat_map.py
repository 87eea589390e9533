"""The heat map drawn over a cabinet while a product is dragged: a colour and a score per slot, best slots outlined.

One item paints the whole grid from a numpy array (cached until the next heat map), so showing a new heat
map costs one paint, and the slot items' own caches are never invalidated by it.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from designer.cabinets import Cabinet
from designer.positions import Position
from widgets.canvas.cabinet_view import CORNER, cabinet_rect, slot_rect

# Score → colour stops: poor (red), middling (amber), best (green). Shared by the overlay and its legend.
SCORE_STOPS = ((0.0, QColor("#d64541")), (0.5, QColor("#f0b429")), (1.0, QColor("#2e9d52")))
OVERLAY_ALPHA = 120
BEST_OUTLINE = QColor("#1b6e3a")


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


class HeatMapLayer(QGraphicsItem):
    """Scores of one product in every slot; slots it may not stand in are hatched out."""

    def __init__(self, cabinet: Cabinet) -> None:
        super().__init__()
        self.cabinet = cabinet
        self.scores: np.ndarray | None = None
        self.best: set[Position] = set()
        self.labels: dict[Position, str] = {}
        self.hovered: Position | None = None
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setVisible(False)

    def show_scores(self, scores: np.ndarray, best: list[Position], labels: dict[Position, str] | None = None) -> None:
        """Colour every slot by its 0–100 score; ``labels`` replace the printed score (history figures)."""
        self.scores = scores
        self.best = set(best)
        self.labels = labels or {}
        self.setVisible(True)
        self.update()

    def clear(self) -> None:
        self.scores = None
        self.best = set()
        self.labels = {}
        self.setVisible(False)

    def boundingRect(self) -> QRectF:
        return cabinet_rect(self.cabinet)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.scores is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(_score_font())
        for row in range(self.cabinet.rows):
            for column in range(self.cabinet.columns):
                position = Position(row, column)
                rect = slot_rect(position).adjusted(1, 1, -1, -1)
                score = float(self.scores[row, column])
                _colour, fill, text_colour = _colour_of_whole_score(round(max(0.0, min(100.0, score))))
                painter.fillRect(rect.adjusted(2, 2, -2, -2), fill)  # a plain fill: 200 of them within a frame
                if position in self.best:
                    painter.setPen(QPen(BEST_OUTLINE, 5))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), CORNER, CORNER)
                badge = QRectF(rect.center().x() - 34, rect.center().y() - 20, 68, 40)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(255, 255, 255, 215))
                painter.drawRoundedRect(badge, 10, 10)
                painter.setPen(text_colour)
                label = self.labels.get(position, f"{score:.0f}")
                if len(label) > 3:
                    badge = badge.adjusted(-22, 0, 22, 0)
                painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
