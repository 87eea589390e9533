"""The "Why?" view: one read-only dialog showing an AI answer's explanation, whichever window asked.

It shows exactly the ``explanation`` object the API sends (:class:`ai.explanations.Explanation`): the model and its
fitted figures, the factors largest first with a bar for each one's weight, the data the model was fitted on and
the limitations. Nothing here computes a number; the window that owns the answer hands the explanation over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ai.explanations import MULTIPLIER, Explanation, Factor
from widgets.style import DROP_ACCEPT, DROP_REFUSE, FILL_BAR_TRACK, MUTED_TEXT

WHY_SHORTCUT = QKeySequence("F1")
"""Opens "Why?" wherever an AI answer is shown (F1: help about what is on screen; nothing else uses it)."""
HEADERS = ("Factor", "Effect", "Weight")
WEIGHT = 2
MAX_TABLE_HEIGHT = 420
ROW_HEIGHT = 28
BAR_ROLE = Qt.ItemDataRole.UserRole + 1


def effect_text(factor: Factor) -> str:
    """A factor's contribution in its unit: ×1.41, +1.49 USD/day, −0.3 units."""
    if factor.unit == MULTIPLIER:
        return f"×{factor.contribution:.2f}"
    sign = "+" if factor.contribution >= 0 else "−"
    return f"{sign}{abs(factor.contribution):.2f} {factor.unit}"


class WeightBar(QStyledItemDelegate):
    """The weight column: a bar as long as the factor's share, green where it raises the answer, red where it
    lowers it, with the share written beside it."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        weight, raises = index.data(BAR_ROLE)
        area = option.rect.adjusted(4, 6, -44, -6)  # type: ignore[attr-defined]
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(FILL_BAR_TRACK)
        painter.drawRoundedRect(area, 3, 3)
        painter.setBrush(DROP_ACCEPT if raises else DROP_REFUSE)
        painter.drawRoundedRect(
            QRect(area.left(), area.top(), max(round(area.width() * weight), 2), area.height()), 3, 3
        )
        painter.setPen(option.palette.text().color())  # type: ignore[attr-defined]
        text = QRect(area.right() + 4, option.rect.top(), 40, option.rect.height())  # type: ignore[attr-defined]
        painter.drawText(text, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, f"{weight:.0%}")
        painter.restore()


class WhyDialog(QDialog):
    """Read-only: the explanation of one answer, as the API sent it."""

    def __init__(self, subject: str, body: Mapping[str, object], parent: QWidget | None = None) -> None:
        """``subject`` names the answer ("Classic Potato Chips in B2"); ``body`` is its ``explanation`` object."""
        super().__init__(parent)
        self.setWindowTitle(f"Why? — {subject}")
        self.explanation = Explanation.from_json(body)
        explanation = self.explanation
        decision = body.get("decision")
        layout = QVBoxLayout(self)

        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setTextFormat(Qt.TextFormat.RichText)
        model = explanation.model
        parameters = ", ".join(f"{name.replace('_', ' ')} {_value(value)}" for name, value in model.parameters.items())
        outcome = _decision_text(decision) if isinstance(decision, Mapping) and decision else ""
        self.model_label.setText(
            f"<p><b>Model:</b> {_escape(model.kind)}<br><span style='color:{MUTED_TEXT.name()}'>version "
            f"{_escape(model.version)}" + (f" · {_escape(parameters)}" if parameters else "") + "</span></p>" + outcome
        )
        layout.addWidget(self.model_label)

        self.table = QTableWidget(len(explanation.factors), len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(WEIGHT, 190)
        self.table.setItemDelegateForColumn(WEIGHT, WeightBar(self.table))
        for row, (factor, weight) in enumerate(zip(explanation.factors, explanation.weights(), strict=True)):
            name = QTableWidgetItem(factor.name)
            if factor.detail:
                name.setToolTip(factor.detail)
            effect = QTableWidgetItem(effect_text(factor))
            effect.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            effect.setForeground(QColor(DROP_ACCEPT if factor.direction == "raises" else DROP_REFUSE).darker(130))
            bar = QTableWidgetItem()
            bar.setData(BAR_ROLE, (weight, factor.direction != "lowers"))
            for column, item in enumerate((name, effect, bar)):
                self.table.setItem(row, column, item)
        layout.addWidget(QLabel("<b>Factors</b>, largest first (hover a name for where the number comes from)"))
        layout.addWidget(self.table)
        # as tall as its rows (a long list scrolls past a dozen): no empty grid under a short explanation
        rows = sum(self.table.rowHeight(row) for row in range(self.table.rowCount())) or 30
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(min(header + rows + 2 * self.table.frameWidth() + 2, MAX_TABLE_HEIGHT))

        data = explanation.data_used
        period = (
            f"{data.first_day.isoformat()} to {data.last_day.isoformat()}" if data.first_day and data.last_day else "—"
        )
        rows = " · ".join(f"{name.replace('_', ' ')} {_value(value)}" for name, value in data.rows.items())
        self.data_label = QLabel(f"<b>Data used:</b> {period}<br>{_escape(rows)}")
        self.data_label.setWordWrap(True)
        layout.addWidget(self.data_label)

        limits = explanation.limitations or ("None found in the data for this answer.",)
        self.limitations_label = QLabel(
            "<b>Limitations</b>" + "".join(f"<p style='margin:2px 0'>• {_escape(text)}</p>" for text in limits)
        )
        self.limitations_label.setWordWrap(True)
        layout.addWidget(self.limitations_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        width = 720
        self.resize(width, max(layout.totalHeightForWidth(width), layout.totalMinimumSize().height()))

    def factor_names(self) -> list[str]:
        """The factors as the table lists them, top first (what a test reads back)."""
        return [self.table.item(row, 0).text() for row in range(self.table.rowCount())]


def why_button(
    owner: QWidget,
    tooltip: str,
    show: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
) -> QPushButton:
    """The "Why?" button of a view showing AI answers (disabled until one is shown), and F1 on ``owner`` for it."""
    button = QPushButton("Why?")
    button.setToolTip(f"{tooltip} (F1)")
    button.setEnabled(False)
    button.clicked.connect(show)
    QShortcut(WHY_SHORTCUT, owner, show, context=context)
    return button


def show_why(parent: QWidget, subject: str, body: Mapping[str, object] | None) -> WhyDialog | None:
    """Open the "Why?" dialog for an answer's explanation (non-modal, deleted on close); None without one."""
    if not body:
        return None
    dialog = WhyDialog(subject, body, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _decision_text(decision: Mapping[str, object]) -> str:
    """The answer the factors explain, in a line above them."""
    if "expected_daily_sales" in decision and "baseline_daily_sales" in decision:
        return (
            f"<p><b>{_value(decision['expected_daily_sales'])} sold a day expected</b> = a slot's baseline of "
            f"{_value(decision['baseline_daily_sales'])} a day × the factors below</p>"
        )
    if "proposed_daily_revenue" in decision and "baseline_daily_revenue" in decision:
        return (
            f"<p><b>{_value(decision['proposed_daily_revenue'])} a day proposed</b> against "
            f"{_value(decision['baseline_daily_revenue'])} today</p>"
        )
    return "<p>" + " · ".join(f"{name.replace('_', ' ')} {_value(v)}" for name, v in decision.items()) + "</p>"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _escape(text: str) -> str:
    import html

    return html.escape(text)
