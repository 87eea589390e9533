"""Tools → AI performance: did the predictions come true, were the suggestions taken, did AI-designed
planograms sell better, what Claude cost; and the A/B experiments (a tab).

Thin over :mod:`storage.ai_performance` and :mod:`storage.feedback`: the figures are read (and the daily
roll-ups and suggestion outcomes brought up to date) in a worker; this window only draws them.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from designer.suggestions import Verdict
from storage.ai_performance import AiPerformance
from storage.database import Engine
from widgets import style
from widgets.analysis.experiments import ExperimentsView, pg_time
from widgets.analysis.screen_fit import fit_to_screen
from widgets.workers import BackgroundJobs, JobState

LOAD = "AI performance"
REVENUE_COLOUR, FORECAST_COLOUR = "#2f6fb0", "#e07b39"
VERDICT_COLOURS = {Verdict.ACCEPTED: "#2e9d52", Verdict.MODIFIED: "#e0b339", Verdict.REJECTED: "#d64541"}
DESIGN_COLOURS = {"AI-designed": "#2f6fb0", "hand-designed": "#9aa5b1"}
DESIGNS_TITLE = "Revenue per cabinet-day: AI-designed vs hand-designed"
KIND_NAMES = {"placement": "Best slot", "fill": "Auto-fill", "personalization": "Personalise", "par_level": "Par level"}


def chart(title: str, left: str, dates: bool = True) -> pg.PlotWidget:
    axis = {"bottom": pg.DateAxisItem(orientation="bottom")} if dates else {}
    plot = pg.PlotWidget(background="w", axisItems=axis)
    plot.setTitle(title, size="10pt", color=style.TEXT.name())
    plot.setLabel("left", left)
    plot.showGrid(x=False, y=True, alpha=0.25)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMinimumHeight(220)
    plot.addLegend(offset=(10, 5), brush=pg.mkBrush(255, 255, 255, 220))
    return plot


def empty_note(plot: pg.PlotWidget, text: str) -> None:
    note = pg.TextItem(text, color=style.MUTED_TEXT.name(), anchor=(0.5, 0.5))
    plot.addItem(note)
    note.setPos(0.5, 0.5)
    plot.setXRange(0, 1)
    plot.setYRange(0, 1)
    plot.getAxis("bottom").setTicks([[]])


class PerformanceView(QWidget):
    """Four charts and a line of headline figures."""

    drawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Reading the AI's track record…")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.accuracy = chart("Prediction error by week (weighted MAPE, lower is better)", "error %")
        self.acceptance = chart("What people did with the suggestions", "decisions", dates=False)
        self.designs = chart(DESIGNS_TITLE, "$ / cabinet-day")
        self.spend = chart("Claude spend per month", "USD", dates=False)
        grid = QGridLayout()
        for index, plot in enumerate((self.accuracy, self.acceptance, self.designs, self.spend)):
            grid.addWidget(plot, index // 2, index % 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(grid, 1)

    def show_performance(self, found: AiPerformance) -> None:
        rate = found.acceptance_rate()
        decisions = sum(sum(v.values()) for v in found.decisions.values())
        spend = sum(found.llm_spend.values())
        latest = lambda series: f"{list(series.values())[-1]:.0%}" if series else "—"  # noqa: E731
        self.summary.setText(
            f"Revenue predictions: <b>{latest(found.revenue_mape)}</b> error last week "
            f"({found.scored_predictions} scored) · demand forecasts: <b>{latest(found.forecast_mape)}</b> "
            f"({found.scored_forecasts} scored) · suggestions taken: <b>{'—' if rate is None else f'{rate:.0%}'}</b> "
            f"of {decisions} · AI-designed planograms: <b>{found.ai_planograms}</b> · Claude: <b>${spend:.2f}</b>"
        )
        # one chart per turn of the event loop: together they take longer than a frame
        draws = [self._draw_accuracy, self._draw_acceptance, self._draw_designs, self._draw_spend]
        for turn, draw in enumerate(draws):
            QTimer.singleShot(turn, self, lambda draw=draw: draw(found))  # dropped if the window closes first
        QTimer.singleShot(len(draws), self, self.drawn.emit)

    def _draw_accuracy(self, found: AiPerformance) -> None:
        plot = self.accuracy
        plot.clear()
        if not found.revenue_mape and not found.forecast_mape:
            empty_note(plot, "Nothing scored yet: predictions are checked once sales cover their horizon")
            return
        for name, series, colour in (("revenue predictions", found.revenue_mape, REVENUE_COLOUR),
                                     ("demand forecasts", found.forecast_mape, FORECAST_COLOUR)):  # fmt: skip
            if series:
                x = [pg_time(week) for week in series]
                y = [100 * value for value in series.values()]
                plot.plot(x, y, pen=pg.mkPen(colour, width=2.5), symbol="o", symbolSize=6, symbolBrush=colour,
                          name=name)  # fmt: skip
        plot.enableAutoRange(axis="y")
        plot.setYRange(0, max([100 * v for v in (*found.revenue_mape.values(), *found.forecast_mape.values())]) * 1.35)

    def _draw_acceptance(self, found: AiPerformance) -> None:
        plot = self.acceptance
        plot.clear()
        kinds = [k for k in KIND_NAMES if k in found.decisions] + sorted(set(found.decisions) - set(KIND_NAMES))
        if not kinds:
            empty_note(plot, "No decisions yet: accept, change or reject a suggestion in the designer")
            return
        base = [0.0] * len(kinds)
        for verdict in (Verdict.ACCEPTED, Verdict.MODIFIED, Verdict.REJECTED):
            heights = [float(found.decisions[k].get(verdict.value, 0)) for k in kinds]
            colour = VERDICT_COLOURS[verdict]
            plot.addItem(pg.BarGraphItem(x=list(range(len(kinds))), y0=base, height=heights, width=0.6,
                                         brush=colour, pen=pg.mkPen(None), name=verdict.value))  # fmt: skip
            base = [b + h for b, h in zip(base, heights, strict=True)]
        plot.getAxis("bottom").setTicks([[(i, KIND_NAMES.get(k, k)) for i, k in enumerate(kinds)]])
        plot.setXRange(-0.6, len(kinds) - 0.4)
        plot.setYRange(0, max(base) * 1.4)  # room above the bars for the legend

    def _draw_designs(self, found: AiPerformance) -> None:
        plot = self.designs
        plot.clear()
        plot.setTitle(DESIGNS_TITLE, size="10pt", color=style.TEXT.name())
        drawn = False
        for kind, series in found.revenue_per_cabinet_day.items():
            if series:
                colour = DESIGN_COLOURS[kind]
                plot.plot([pg_time(w) for w in series], list(series.values()), pen=pg.mkPen(colour, width=2.5),
                          symbol="o", symbolSize=5, symbolBrush=colour, name=kind)  # fmt: skip
                drawn = True
        if not drawn:
            empty_note(plot, "No daily roll-ups yet")
        elif not found.revenue_per_cabinet_day.get("AI-designed"):
            plot.setTitle("Revenue per cabinet-day (no AI-designed planogram has sold yet)", size="10pt",
                          color=style.TEXT.name())  # fmt: skip

    def _draw_spend(self, found: AiPerformance) -> None:
        plot = self.spend
        plot.clear()
        months = sorted(found.llm_spend)
        if not months:
            empty_note(plot, "No Claude calls recorded")
            return
        plot.addItem(pg.BarGraphItem(x=list(range(len(months))), height=[found.llm_spend[m] for m in months],
                                     width=0.6, brush=style.ACCENT, pen=pg.mkPen(None)))  # fmt: skip
        plot.getAxis("bottom").setTicks([[(i, m) for i, m in enumerate(months)]])
        plot.setXRange(-0.6, len(months) - 0.4)


class AiDashboard(QDialog):
    """``AiDashboard(engine, parent, user_id=…, refusal=…)``: the performance tab loads at once, in a worker.

    ``refusal`` says why the user may not run experiments (their buttons are then disabled with it as tooltip).
    """

    loaded = Signal()
    failed = Signal(str)

    def __init__(
        self, engine: Engine, parent: QWidget | None = None, *, user_id: int | None = None, refusal: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("AI performance")
        fit_to_screen(self, 1240, 820)
        self.engine = engine
        self.jobs = BackgroundJobs(self)
        self.performance = PerformanceView()
        self.experiments = ExperimentsView(engine, user_id=user_id, refusal=refusal)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.performance, "Performance")
        self.tabs.addTab(self.experiments, "Experiments")
        self.performance.drawn.connect(self.loaded.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.refresh()

    def refresh(self) -> None:
        engine = self.engine

        def job(state: JobState) -> AiPerformance:
            from storage.ai_performance import read_ai_performance
            from storage.feedback import score_outcomes

            state.report_progress(10, "Scoring suggestions whose horizon has passed")
            score_outcomes(engine)
            state.report_progress(40, "Rolling up daily performance")
            return read_ai_performance(engine)

        self.jobs.start(LOAD, job, on_success=self._show, on_failure=self._fail,
                        on_progress=lambda _p, text: self.performance.summary.setText(f"{text}…"))  # fmt: skip

    def _show(self, found: AiPerformance) -> None:
        self.performance.show_performance(found)

    def _fail(self, error: Exception) -> None:
        self.performance.summary.setText(f"The figures could not be read: {error}. Reopen the window to retry.")
        self.failed.emit(str(error))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.jobs.shutdown(3000)
        self.experiments.shutdown()
        super().closeEvent(event)

    def done(self, code: int) -> None:
        self.jobs.shutdown(3000)
        self.experiments.shutdown()
        super().done(code)
