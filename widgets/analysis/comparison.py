"""The manager's comparison: today's planogram against a proposal, in money, with intervals and payback.

Layout, top to bottom: a summary card readable in five seconds (lift %, $/day, payback days, risk count),
the two cabinets side by side with the changed slots outlined, then three charts — daily revenue with its
90 % interval whiskers, cumulative net gain over the horizon (where it crosses zero the change has paid for
itself), and each slot's revenue change. The prediction (``ai.revenue_prediction``) runs in a background
job with progress, so the window stays live; the whole comparison exports as PNG or PDF.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QMarginsF, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QCloseEvent,
    QColor,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QRegion,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGraphicsRectItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ai.data_quality import device_data_quality
from ai.revenue_model import changed_positions
from ai.revenue_prediction import (
    RevenueComparison,
    compare_planograms,
    comparison_body,
    explanation_body,
    record_prediction,
)
from ai.services import Services
from designer.cabinets import Cabinet
from designer.planograms import Planogram
from designer.products import Catalogue
from widgets import style
from widgets.analysis.screen_fit import fit_to_screen
from widgets.canvas.cabinet_view import CabinetView, slot_rect
from widgets.dialogs.why import WhyDialog, show_why, why_button
from widgets.workers import BackgroundJobs, JobState

pg.setConfigOptions(antialias=True, background="w", foreground="#1f2933")

PURPOSE = "revenue-comparison"
BASELINE_COLOUR = QColor("#7b8794")
PROPOSED_COLOUR = QColor("#2f6fb0")
GAIN_COLOUR = QColor("#2e9d52")
LOSS_COLOUR = QColor("#d64541")
CHANGED_OUTLINE = QColor("#e8a33d")


class ComparisonWindow(QMainWindow):
    """Baseline vs proposed planogram of one cabinet; call :meth:`start` (done on construction) to predict."""

    explain_requested = Signal(object)  # the predict-revenue answer, for Claude's narrative

    def __init__(
        self,
        services: Services,
        device_id: int,
        cabinet: Cabinet,
        baseline: Planogram,
        proposed: Planogram,
        catalogue: Catalogue,
        parent: QWidget | None = None,
        *,
        horizon_days: int = 30,
        location_type: str | None = None,
        jobs: BackgroundJobs | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.device_id = device_id
        self.cabinet = cabinet
        self.baseline = baseline
        self.proposed = proposed
        self.catalogue = catalogue
        self.horizon_days = horizon_days
        self.location_type = location_type
        self.comparison: RevenueComparison | None = None
        self.body: dict | None = None
        self.why: dict | None = None  # the answer's explanation, for "Why?"
        self.error: str | None = None
        self.jobs = jobs or BackgroundJobs(self)
        self._own_jobs = jobs is None
        self.setWindowTitle(f"Compare planograms — device {device_id}, cabinet {cabinet.index}")
        self._build()
        fit_to_screen(self, 1280, 980)
        self.start()

    # --- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        # small minimum heights: the whole comparison fits a 768-pixel laptop screen
        page = self.page = QWidget(self)
        page.setObjectName("comparisonPage")
        page.setStyleSheet("#comparisonPage { background: #f3f5f8; }")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)

        top = QHBoxLayout()
        self.card = self._summary_card()
        top.addWidget(self.card, 1)
        buttons = QVBoxLayout()
        self.explain_button = QPushButton("Explain…")
        self.explain_button.setToolTip("A narrative of this comparison by Claude (the numbers stay these)")
        self.explain_button.clicked.connect(lambda: self.explain_requested.emit(self.body))
        self.why_button = why_button(self, "The model's factors, data and limitations behind these numbers",
                                     self.show_why, Qt.ShortcutContext.WindowShortcut)  # fmt: skip
        self.png_button = QPushButton("Export PNG…")
        self.pdf_button = QPushButton("Export PDF…")
        self.png_button.clicked.connect(lambda: self._export_dialog("png"))
        self.pdf_button.clicked.connect(lambda: self._export_dialog("pdf"))
        for button in (self.why_button, self.explain_button, self.png_button, self.pdf_button):
            button.setEnabled(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close the comparison (Esc)")
        self.close_button.clicked.connect(self.close)
        buttons.addWidget(self.close_button)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        top.addLayout(buttons)
        layout.addLayout(top)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%  Starting")
        layout.addWidget(self.progress)

        grids = QHBoxLayout()
        self.baseline_view = CabinetView()
        self.proposed_view = CabinetView()
        self.baseline_title = QLabel("Today (active planogram)")
        self.proposed_title = QLabel("Proposed")
        for title, view, planogram in (
            (self.baseline_title, self.baseline_view, self.baseline),
            (self.proposed_title, self.proposed_view, self.proposed),
        ):
            column = QVBoxLayout()
            title.setStyleSheet("font-weight: 600; font-size: 14px; color: #1f2933;")
            column.addWidget(title)
            view.setMinimumHeight(220)
            view.show_cabinet(self.cabinet, planogram, self.catalogue)
            column.addWidget(view, 1)
            grids.addLayout(column, 1)
        layout.addLayout(grids, 5)

        charts = QGridLayout()
        self.revenue_plot = self._plot("Daily revenue ($/day), 90 % interval")
        self.payback_plot = self._plot(f"Cumulative net gain over {self.horizon_days} days ($)")
        self.delta_plot = self._plot("Revenue change per slot ($/day)")
        charts.addWidget(self.revenue_plot, 0, 0)
        charts.addWidget(self.payback_plot, 0, 1)
        charts.addWidget(self.delta_plot, 0, 2)
        layout.addLayout(charts, 3)

        self.risks = QLabel("")
        self.risks.setWordWrap(True)
        self.risks.setStyleSheet("color: #1f2933; font-size: 12px;")
        layout.addWidget(self.risks)
        self.setCentralWidget(page)
        self._highlight_changes()

    def _summary_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("summaryCard")
        card.setStyleSheet(
            "#summaryCard { background: white; border: 1px solid #c3cad3; border-radius: 8px; }QLabel { border: none; }"
        )
        row = QHBoxLayout(card)
        row.setContentsMargins(16, 10, 16, 10)
        self.figures: dict[str, tuple[QLabel, QLabel]] = {}
        for key, caption in (
            ("lift", "Revenue lift"),
            ("per_day", "Per day"),
            ("payback", "Payback"),
            ("risks", "Risks"),
        ):
            box = QVBoxLayout()
            value = QLabel("…")
            value.setStyleSheet("font-size: 26px; font-weight: 700; color: #1f2933;")
            label = QLabel(caption)
            label.setStyleSheet("font-size: 12px; color: #5f6b7a;")
            box.addWidget(value)
            box.addWidget(label)
            row.addLayout(box, 1)
            self.figures[key] = (value, label)
        return card

    @staticmethod
    def _plot(title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        plot.setTitle(title, size="10pt", color="#1f2933")
        plot.showGrid(x=False, y=True, alpha=0.25)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.setMinimumHeight(170)
        return plot

    def _highlight_changes(self) -> None:
        """Outline every slot whose product or capacity differs, on both grids."""
        self.changed = changed_positions(self.baseline, self.proposed)
        pen = QPen(CHANGED_OUTLINE, 6)
        for view in (self.baseline_view, self.proposed_view):
            for position in self.changed:
                rect = QGraphicsRectItem(slot_rect(position).adjusted(-3, -3, 3, 3))
                rect.setPen(pen)
                rect.setBrush(QBrush(Qt.BrushStyle.NoBrush))
                rect.setZValue(10)
                view.scene().addItem(rect)
        count = len(self.changed)
        self.proposed_title.setText(f"Proposed — {count} slot{'s' if count != 1 else ''} changed (outlined)")

    # --- the prediction --------------------------------------------------------------------------

    def start(self) -> None:
        """Predict both planograms in a worker; the latest request wins."""
        self.progress.show()
        self.progress.setValue(0)
        services, cabinet, baseline, proposed = self.services, self.cabinet, self.baseline, self.proposed
        horizon, location = self.horizon_days, self.location_type

        def job(state: JobState) -> tuple[RevenueComparison, dict, dict]:
            state.report_progress(5, "Loading the placement model")
            _ = services.placement_scorer
            state.raise_if_stopped()
            state.report_progress(50, "Predicting both planograms")
            comparison = compare_planograms(services, cabinet, baseline, proposed, horizon, location_type=location)
            body = comparison_body(comparison, services.catalogue)
            with services.reading():
                body["data_quality"] = device_data_quality(services.engine, cabinet.device_id)
            state.report_progress(90, "Recording the prediction")
            request = {"device_id": cabinet.device_id, "cabinet_index": cabinet.index, "source": "comparison window"}
            record_prediction(services, comparison, request, body, 0.0)
            return comparison, body, explanation_body(services, comparison)

        self.jobs.start(PURPOSE, job, on_success=self._show, on_failure=self._failed, on_progress=self._progressed)

    def _progressed(self, percent: int, message: str) -> None:
        self.progress.setValue(percent)
        self.progress.setFormat(f"%p%  {message}")

    def _failed(self, error: Exception) -> None:
        self.error = str(error) or type(error).__name__
        self.progress.hide()
        self.figures["lift"][0].setText("—")
        self.risks.setText(f"The prediction failed: {self.error}")

    def _show(self, outcome: tuple[RevenueComparison, dict, dict]) -> None:
        self.comparison, self.body, self.why = outcome
        self.progress.setValue(100)
        self.progress.hide()
        self._fill_card()
        self._draw_revenue()
        self._draw_payback()
        self._draw_deltas()
        for button in (self.why_button, self.explain_button, self.png_button, self.pdf_button):
            button.setEnabled(True)

    def show_why(self) -> WhyDialog | None:
        """The "Why?" view of this comparison (nothing until the prediction is in)."""
        if self.body is None:
            return None
        subject = f"proposal for device {self.cabinet.device_id}, cabinet {self.cabinet.index}"
        return show_why(self, subject, self.why)

    def _fill_card(self) -> None:
        assert self.body is not None and self.comparison is not None
        predictions = self.body["predictions"]
        lift = float(predictions["proposed"]["revenue_lift"])
        gain = predictions["proposed"]["daily_revenue"] - predictions["baseline"]["daily_revenue"]
        recover = predictions["break_even_analysis"]["days_to_recover"]
        risks = predictions["risk_factors"]
        colour = "#2e9d52" if gain > 0.005 else "#d64541" if gain < -0.005 else "#1f2933"
        self.figures["lift"][0].setText(f"{lift:+.1f} %")
        self.figures["lift"][0].setStyleSheet(f"font-size: 26px; font-weight: 700; color: {colour};")
        self.figures["per_day"][0].setText(f"{'+' if gain >= 0 else '−'}${abs(gain):.2f}/day")
        self.figures["per_day"][1].setText(
            f"Per day: ${predictions['baseline']['daily_revenue']:.2f}"
            f" → ${predictions['proposed']['daily_revenue']:.2f}"
        )
        if recover is None:
            self.figures["payback"][0].setText("never")
        elif recover == 0:
            self.figures["payback"][0].setText("0 days")
        else:
            self.figures["payback"][0].setText(f"{recover:.1f} days")
        cost = predictions["break_even_analysis"]["implementation_cost"]
        self.figures["payback"][1].setText(f"Payback (cost ${cost:.2f})")
        high = sum(1 for r in risks if r["impact"] == "high")
        self.figures["risks"][0].setText(str(len(risks)))
        self.figures["risks"][1].setText(f"Risks ({high} high)" if high else "Risks")
        meta = self.body["model_metadata"]
        lines = [f"<b>{r['impact'].upper()}</b> — {r['factor']}. <i>{r['mitigation']}</i>" for r in risks] or [
            "No risks found."
        ]
        warnings = (self.body.get("data_quality") or {}).get("warnings", [])
        lines += [f"<span style='color:#7a4b00'>{escape(style.warning_line(warning))}</span>" for warning in warnings]
        lines.append(
            f"<span style='color:#5f6b7a'>Model {meta['model_version']} · confidence {meta['confidence_score']:.2f}"
            f" · data quality {meta['data_quality_score']:.2f} · as of {meta.get('as_of')}</span>"
        )
        self.risks.setText("<br>".join(lines))

    def _draw_revenue(self) -> None:
        assert self.comparison is not None
        plot = self.revenue_plot
        plot.clear()
        sides = [self.comparison.baseline, self.comparison.proposed]
        x = np.array([0.0, 1.0])
        heights = np.array([s.daily_revenue for s in sides])
        for index, colour in enumerate((BASELINE_COLOUR, PROPOSED_COLOUR)):
            plot.addItem(
                pg.BarGraphItem(x=[x[index]], height=[heights[index]], width=0.55, brush=colour, pen=pg.mkPen(None))
            )
        plot.addItem(
            pg.ErrorBarItem(
                x=x,
                y=heights,
                top=np.array([s.upper for s in sides]) - heights,
                bottom=heights - np.array([s.lower for s in sides]),
                beam=0.2,
                pen=pg.mkPen("#1f2933", width=2),
            )
        )
        for index, height in enumerate(heights):
            label = pg.TextItem(f"${height:.2f}", color="#1f2933", anchor=(0.5, 1.0))
            label.setPos(x[index] + 0.3, height)
            plot.addItem(label)
        plot.getAxis("bottom").setTicks([[(0.0, "Today"), (1.0, "Proposed")]])
        plot.setXRange(-0.6, 1.8, padding=0)
        plot.setYRange(0, max(s.upper for s in sides) * 1.15 + 1e-6, padding=0)

    def _draw_payback(self) -> None:
        assert self.comparison is not None
        plot = self.payback_plot
        plot.clear()
        curve = np.array(self.comparison.payback_curve())
        days = np.arange(len(curve))
        colour = GAIN_COLOUR if curve[-1] >= 0 else LOSS_COLOUR
        plot.plot(days, curve, pen=pg.mkPen(colour, width=3))
        plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#9aa5b1", width=1, style=Qt.PenStyle.DashLine)))
        recover = self.comparison.days_to_recover
        if recover is not None and 0 < recover <= self.horizon_days:
            plot.addItem(pg.InfiniteLine(pos=recover, angle=90, pen=pg.mkPen(GAIN_COLOUR, width=1)))
            label = pg.TextItem(f"pays back on day {recover:.1f}", color="#2e9d52", anchor=(0, 1))
            label.setPos(recover + 0.4, float(curve.max()) * 0.55)
            plot.addItem(label)
        plot.setLabel("bottom", "days after the change")

    def _draw_deltas(self) -> None:
        assert self.comparison is not None
        plot = self.delta_plot
        plot.clear()
        deltas = {p: d for p, d in self.comparison.slot_deltas().items() if abs(d) >= 0.005 or p in self.changed}
        if not deltas:
            plot.addItem(pg.TextItem("No slot changes its revenue", color="#5f6b7a"))
            return
        ordered = sorted(deltas.items(), key=lambda item: item[1])
        x = np.arange(len(ordered))
        heights = np.array([d for _, d in ordered])
        brushes = [GAIN_COLOUR if h >= 0 else LOSS_COLOUR for h in heights]
        plot.addItem(pg.BarGraphItem(x=x, height=heights, width=0.7, brushes=brushes, pen=pg.mkPen(None)))
        step = max(1, len(ordered) // 12)
        plot.getAxis("bottom").setTicks([[(i, ordered[i][0].label) for i in range(0, len(ordered), step)]])
        plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#9aa5b1", width=1)))

    # --- export ----------------------------------------------------------------------------------

    def _export_dialog(self, kind: str) -> None:
        name = f"comparison-{self.device_id}_{self.cabinet.index}.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, f"Export comparison as {kind.upper()}", name, f"*.{kind}")
        if path:
            (self.export_png if kind == "png" else self.export_pdf)(Path(path))

    def export_png(self, path: Path) -> Path:
        """The comparison as the window shows it."""
        self.page.grab().save(str(path), "PNG")
        return path

    def export_pdf(self, path: Path) -> Path:
        """The comparison on one landscape A4 page, scaled to fit (vector text for the labels and risks)."""
        writer = QPdfWriter(str(path))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
        writer.setPageMargins(QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter)
        writer.setResolution(150)
        writer.setTitle(self.windowTitle())
        page = self.page
        painter = QPainter(writer)
        try:
            target = QRectF(painter.viewport())
            scale = min(target.width() / page.width(), target.height() / page.height())
            painter.scale(scale, scale)
            flags = QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground
            page.render(painter, QPoint(0, 0), QRegion(), flags)
        finally:
            painter.end()
        return path

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._own_jobs:
            self.jobs.shutdown(2_000)
        else:
            self.jobs.abandon(PURPOSE)
        super().closeEvent(event)
