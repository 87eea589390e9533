"""The score panel: how well the dragged product would sell in the slot under the cursor, and why."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from widgets.dialogs.why import WhyDialog, show_why, why_button
from widgets.placement.heat_map import BEST_OUTLINE, legend_gradient, score_colour

if TYPE_CHECKING:
    from ai.placement_feedback import PlacementAnalysis


class ScoreLegend(QWidget):
    """The heat map's colour scale, 0 to 100, and what the outline means."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(40)

    def sizeHint(self) -> QSize:
        return QSize(240, 40)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = QRectF(4, 4, self.width() - 8, 12)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(legend_gradient(bar))
        painter.drawRoundedRect(bar, 4, 4)
        painter.setPen(self.palette().text().color())
        text = QRectF(4, 18, self.width() - 8, 18)
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft, "0 poor")
        painter.drawText(text, Qt.AlignmentFlag.AlignHCenter, "50")
        painter.drawText(text, Qt.AlignmentFlag.AlignRight, "100 best")


class ScorePanel(QWidget):
    """Filled while dragging; the numbers come from the local placement model, never from an LLM."""

    IDLE = "Drag a product over a cabinet: every slot shows its score for it, the best slots outlined."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score = QLabel("–")
        self.score.setObjectName("bigScore")
        self.score.setStyleSheet("font-size: 30px; font-weight: 700;")
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.details = QLabel(self.IDLE)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.legend = ScoreLegend()
        outline = QLabel(f"<span style='color:{BEST_OUTLINE.name()}; font-weight:700'>▢</span> best slots")
        self.explanation: Mapping[str, object] | None = None  # the shown score's explanation, for "Why?"
        self._subject = ""
        self.why_button = why_button(self, "The placement model's factors, data and limitations behind this score",
                                     self.show_why, Qt.ShortcutContext.WindowShortcut)  # fmt: skip
        top = QHBoxLayout()
        top.addWidget(self.score)
        top.addWidget(self.headline, 1)
        top.addWidget(self.why_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.legend)
        layout.addWidget(outline)

    def show_idle(self, message: str = IDLE) -> None:
        self.explanation = None
        self.why_button.setEnabled(False)
        self.score.setText("–")
        self._style_score("font-size: 30px; font-weight: 700;")
        self.headline.setText("")
        self.details.setText(html.escape(message))

    def _style_score(self, sheet: str) -> None:
        """Restyle the big score only when its look changes: a style sheet re-polishes it (called on every edit)."""
        if self.score.styleSheet() != sheet:
            self.score.setStyleSheet(sheet)

    def show_analysis(
        self, analysis: PlacementAnalysis, product_name: str, explanation: Mapping[str, object] | None = None
    ) -> None:
        """The score and its reasons; ``explanation`` (the model's own, as the API sends it) enables "Why?"."""
        self.explanation = explanation
        self._subject = f"{product_name} in {analysis.position.label}"
        self.why_button.setEnabled(explanation is not None)
        colour = score_colour(analysis.placement_score).darker(130).name()
        self.score.setText(f"{analysis.placement_score:.0f}")
        self._style_score(f"font-size: 30px; font-weight: 700; color: {colour};")
        self.headline.setText(
            f"<b>{html.escape(product_name)}</b> in <b>{analysis.position.label}</b><br>"
            f"{analysis.expected_daily_sales:.2f} sold a day expected · confidence {analysis.confidence:.0%}"
        )
        parts = [self._list("#2e7d32", "✓", analysis.pros), self._list("#c62828", "✗", analysis.cons),
                 self._list("#1f4e79", "→", analysis.suggestions)]  # fmt: skip
        if analysis.optimal_positions:
            # the best other slots are "better" only when the model expects them to sell more than this one
            label, positions = (
                ("Better slots", analysis.better_positions)
                if analysis.better_positions
                else ("Next best slots", analysis.optimal_positions)
            )
            slots = ", ".join(position.label for position in positions)
            parts.append(f"<p><b>{label}:</b> {slots} — {html.escape(analysis.reason)}</p>")
        self.details.setText("".join(parts))

    def show_why(self) -> WhyDialog | None:
        """The "Why?" view of the score shown (nothing while no score is)."""
        return show_why(self, self._subject, self.explanation)

    @staticmethod
    def _list(colour: str, mark: str, lines: list[str]) -> str:
        return "".join(
            f"<p style='margin:2px 0'><span style='color:{colour}; font-weight:700'>{mark}</span> "
            f"{html.escape(line)}</p>"
            for line in lines
        )
