"""Demand forecast of one device: a chart per product with its interval band, and an editable par-level table.

Thin over :mod:`ai.demand_forecast`: the forecast is computed in a background job; editing a par level emits
``par_levels_changed`` with every product's par, for the pick lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ai.demand_forecast import ForecastRequest, forecast
from ai.forecast_data import DeviceHistory, active_slots, device_history
from ai.services import Services
from designer.suggestions import Decision, Measure, Suggestion, SuggestionKind, Verdict
from storage.database import Engine
from widgets import style
from widgets.canvas.cabinet_view import format_price
from widgets.dialogs.why import WhyDialog, show_why, why_button
from widgets.workers import BackgroundJobs, JobState

HISTORY_DAYS = 28
PAR_COLUMN = 4
MEAN_LABEL = "mean a day (sums to the week)"
MEDIAN_LABEL = "median a day (most likely)"
"""The chart names which figure is which: the mean for totals and stocking, the median for the day itself."""
PRODUCT_WIDTH = 150
"""The product column's least width: longer names are shortened (the whole name is the cell's tooltip)."""


@dataclass(frozen=True)
class ForecastResult:
    body: dict
    history: DeviceHistory


class ForecastView(QWidget):
    """``ForecastView(engine_or_services, device_id, parent)``; call :meth:`refresh` to recompute."""

    par_levels_changed = Signal(object)  # dict {product_id: par level} (int keys: not a QVariantMap)
    decided = Signal(object)  # designer.suggestions.Decision: a suggested par accepted, or changed (modified)
    loaded = Signal()
    failed = Signal(str)

    def __init__(
        self, source: Engine | Services, device_id: int, parent: QWidget | None = None, forecast_days: int = 14
    ) -> None:
        super().__init__(parent)
        self.services = source if isinstance(source, Services) else Services(str(source.url), engine=source)
        self.device_id = device_id
        self.forecast_days = forecast_days
        self.jobs = BackgroundJobs(self)
        self.result: ForecastResult | None = None
        self._filling = False

        self.status = QLabel("Forecasting…")
        self.status.setWordWrap(True)  # a long summary wraps rather than widening the window past the screen
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            ["Product", "Units\n7 days", "7-day range\n(chance)", "Stock-out\nrisk", "Par"]
        )
        self.table.horizontalHeaderItem(1).setToolTip(
            "Expected units in the first 7 days: the sum of the days' means (the days' medians, shown on the chart "
            "as the most likely units a day, would add up too low)"
        )
        self.table.horizontalHeaderItem(2).setToolTip(
            "The units the first 7 days will likely sell in total, and the model's probability that they fall in "
            "that range (whole units: a slow mover's range holds more than 80 %, and says how much)"
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # long names shorten, so Par stays in view
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.itemChanged.connect(self._par_edited)
        self.table.currentCellChanged.connect(lambda row, *_: self._plot(row))

        pg.setConfigOptions(antialias=True)
        self.plot = pg.PlotWidget(background=style.CABINET_BODY)
        self.plot.setLabel("left", "units / day")
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.getPlotItem().getViewBox().setDefaultPadding(0.06)
        # the legend sits below the chart, in the plot's own layout, never over the bars; it spans the axis column
        # too, so a narrow window with wide fonts still shows it whole
        self.legend = pg.LegendItem(colCount=1)
        self.plot.getPlotItem().layout.addItem(self.legend, 4, 0, 1, 3)
        self.plot.getAxis("bottom").setStyle(tickLength=-5)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.plot)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        self.accept_button = QPushButton("Use suggested par levels")
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(self.accept_suggestions)
        self.reject_button = QPushButton("Keep my par levels")
        self.reject_button.setEnabled(False)
        self.reject_button.clicked.connect(self.reject_suggestions)
        self.why_button = why_button(self, "The forecaster's factors, data and limitations for the selected product",
                                     self.show_why)  # fmt: skip
        header = QHBoxLayout()
        header.addWidget(self.status, 1)
        header.addWidget(self.why_button)
        header.addWidget(self.accept_button)
        header.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        self.refresh()

    def refresh(self) -> None:
        self.status.setText("Forecasting…")
        self.jobs.start("forecast", self._compute, on_success=self._show, on_failure=self._fail)

    def _compute(self, state: JobState) -> ForecastResult:
        engine = self.services.engine
        slots = active_slots(engine, self.device_id)
        products = list(dict.fromkeys(int(p) for p in slots.sort_values(["cabinet_index", "position"])["product_id"]))
        state.raise_if_stopped()
        request = ForecastRequest(self.device_id, products, self.forecast_days, {}, {}, {})
        body = forecast(engine, request, self.services.catalogue)
        return ForecastResult(body, device_history(engine, self.device_id))

    def _fail(self, error: Exception) -> None:
        self.status.setText(f"The forecast could not be made: {error}")
        self.failed.emit(str(error))

    def _show(self, result: ForecastResult) -> None:
        self.result = result
        forecasts = result.body["forecasts"]
        metrics = result.body["aggregate_metrics"]
        risky = len(metrics["high_risk_products"])
        self.status.setText(
            f"Device {self.device_id}: {len(forecasts)} products, {self.forecast_days} days from "
            f"{forecasts[0]['daily_forecasts'][0]['date'] if forecasts else '—'} · "
            f"revenue {format_price(metrics['revenue_forecast'])} · {risky} at high stock-out risk"
        )
        self._filling = True
        self.table.setRowCount(len(forecasts))
        for row, item in enumerate(forecasts):
            week = item["week_interval"]
            low, high = week["confidence_interval"]
            cells = [
                item["product_name"],
                # a week is summed from the days' means: the days' medians would add up too low
                f"{week['expected_units']:.0f}",
                # the week's own interval: the days' bounds summed would hold far more than they say
                f"{low}–{high} ({week['interval_probability']:.0%})",
                item["stockout_risk"],
                str(item["suggested_par_level"]),
            ]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item["product_id"])
                if column == 0:
                    cell.setToolTip(text)
                if column != PAR_COLUMN:
                    cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column == 3 and text == "high":
                    cell.setForeground(style.DROP_REFUSE)
                if column > 0:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        self._filling = False
        self._decided: set[int] = set()
        self.accept_button.setEnabled(bool(forecasts))
        self.reject_button.setEnabled(bool(forecasts))
        self.why_button.setEnabled(bool(forecasts))
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        # the product column takes what the numbers leave: every column, Par too, fits without scrolling
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        numbers = sum(self.table.columnWidth(column) for column in range(1, PAR_COLUMN + 1))
        scrollbar = self.table.verticalScrollBar().sizeHint().width()
        self.table.setMinimumWidth(numbers + PRODUCT_WIDTH + scrollbar + 2 * self.table.frameWidth())
        if forecasts:
            self.table.selectRow(0)
            self._plot(0)
        self.loaded.emit()

    def show_why(self) -> WhyDialog | None:
        """The "Why?" view of the selected product's forecast (the first product's when none is selected)."""
        if self.result is None or not self.result.body["forecasts"]:
            return None
        row = max(self.table.currentRow(), 0)
        item = self.result.body["forecasts"][row]
        subject = f"{item['product_name']}, {self.forecast_days}-day forecast at device {self.device_id}"
        return show_why(self, subject, item.get("explanation"))

    def par_levels(self) -> dict[int, int]:
        out = {}
        for row in range(self.table.rowCount()):
            cell = self.table.item(row, PAR_COLUMN)
            if cell is not None and cell.text().strip().isdigit():
                out[int(cell.data(Qt.ItemDataRole.UserRole))] = int(cell.text())
        return out

    def _par_edited(self, cell: QTableWidgetItem) -> None:
        if self._filling or cell.column() != PAR_COLUMN:
            return
        text = cell.text().strip()
        if not text.isdigit():  # refuse what is not a whole number ≥ 0: put the suggestion back
            self._filling = True
            cell.setText(str(self._suggested(cell.row())))
            self._filling = False
            return
        self._decide(cell.row(), int(text))
        self.par_levels_changed.emit(self.par_levels())

    def accept_suggestions(self) -> None:
        """Every suggested par not yet decided is accepted as it stands and goes onto the cabinets."""
        if self.result is None:
            return
        for row in range(self.table.rowCount()):
            cell = self.table.item(row, PAR_COLUMN)
            if cell is not None and int(cell.data(Qt.ItemDataRole.UserRole)) not in self._decided:
                self._decide(row, self._suggested(row))
        self.par_levels_changed.emit(self.par_levels())

    def reject_suggestions(self) -> None:
        """The suggested pars not yet decided are turned down; nothing goes onto the cabinets."""
        if self.result is None:
            return
        for row in range(self.table.rowCount()):
            if int(self.table.item(row, PAR_COLUMN).data(Qt.ItemDataRole.UserRole)) not in self._decided:
                self._decide(row, None)

    def _decide(self, row: int, chosen: int | None) -> None:
        """``chosen`` None: the suggestion was turned down."""
        assert self.result is not None
        item = self.result.body["forecasts"][row]
        days = item["daily_forecasts"]
        per_day = sum(d["predicted_units"] for d in days) / max(len(days), 1)
        suggested = self._suggested(row)
        suggestion = Suggestion(SuggestionKind.PAR_LEVEL, self.device_id, Measure.PRODUCT_UNITS, per_day,
                                product_id=int(item["product_id"]), horizon_days=len(days) or 1,
                                details={"suggested_par": suggested, "chosen_par": chosen})  # fmt: skip
        verdict = Verdict.REJECTED if chosen is None else Verdict.ACCEPTED if chosen == suggested else Verdict.MODIFIED
        self._decided.add(int(item["product_id"]))
        self.decided.emit(Decision(suggestion, verdict, f"par {chosen}" if verdict is Verdict.MODIFIED else None))

    def _suggested(self, row: int) -> int:
        assert self.result is not None
        return int(self.result.body["forecasts"][row]["suggested_par_level"])

    def _plot(self, row: int) -> None:
        if self.result is None or not 0 <= row < len(self.result.body["forecasts"]):
            return
        item = self.result.body["forecasts"][row]
        history = self.result.history
        self.plot.clear()
        self.legend.clear()
        self.plot.setTitle(item["product_name"], color=style.TEXT.name(), size="11pt")
        column = history.column(item["product_id"])
        first = dt.date.fromisoformat(item["daily_forecasts"][0]["date"])
        if column is not None and len(history.days):
            recent = history.units[-HISTORY_DAYS:, column]
            x = np.arange(-len(recent), 0)
            bars = pg.BarGraphItem(x=x, height=recent, width=0.7, brush=style.tint(style.FILL_BAR, 0.45), pen=None)
            self.plot.addItem(bars)
            sold = self.plot.plot([], [], pen=None, symbol="s", symbolBrush=style.tint(style.FILL_BAR, 0.45))
            self.legend.addItem(sold, "sold, last 4 weeks")
        days = item["daily_forecasts"]
        x = np.arange(len(days))
        low = np.array([d["confidence_interval"][0] for d in days], dtype=float)
        high = np.array([d["confidence_interval"][1] for d in days], dtype=float)
        mean = np.array([sum(d["factors"].values()) for d in days], dtype=float)
        chance = float(np.mean([d["interval_probability"] for d in days]))
        lower = self.plot.plot(x, low, pen=pg.mkPen(style.tint(style.ACCENT, 0.5), width=1))
        upper = self.plot.plot(x, high, pen=pg.mkPen(style.tint(style.ACCENT, 0.5), width=1))
        band = pg.FillBetweenItem(
            lower, upper, brush=pg.mkBrush(style.ACCENT.red(), style.ACCENT.green(), style.ACCENT.blue(), 60)
        )
        self.plot.addItem(band)
        expected = self.plot.plot(
            x, mean, pen=pg.mkPen(style.ACCENT, width=2.5), symbol="o", symbolSize=5, symbolBrush=style.ACCENT
        )
        self.legend.addItem(expected, MEAN_LABEL)
        median = np.array([d["median_units"] for d in days], dtype=float)
        likely = self.plot.plot(x, median, pen=None, symbol="t1", symbolSize=9, symbolBrush=style.TEXT)
        self.legend.addItem(likely, MEDIAN_LABEL)
        swatch = self.plot.plot([], [], pen=pg.mkPen(band.brush().color(), width=10))  # the band, in the legend
        self.legend.addItem(swatch, f"likely range: holds {chance:.0%} of days")
        self.plot.addItem(pg.InfiniteLine(-0.5, angle=90, pen=pg.mkPen(style.MUTED_TEXT, style=Qt.PenStyle.DashLine)))
        ticks = [(i, (first + dt.timedelta(days=int(i))).strftime("%d %b")) for i in range(-HISTORY_DAYS, len(days), 7)]
        self.plot.getAxis("bottom").setTicks([ticks])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.jobs.shutdown(2000)
        super().closeEvent(event)
