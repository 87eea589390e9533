"""The forecast as a manager reads it on a laptop: revenue in money, the editable Par column in view without
scrolling, and a legend beside the chart rather than over its bars."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from widgets.analysis.forecast import PAR_COLUMN, ForecastView


@pytest.mark.parametrize("width", [980, 780])  # the forecast window's default width, and a small screen's
def test_revenue_is_money_par_is_in_view_and_the_legend_leaves_the_bars_clear(
    qtbot: QtBot, fleet_engine: Engine, width: int
) -> None:
    view = ForecastView(fleet_engine, 1)
    qtbot.addWidget(view)
    view.resize(width, 640)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        pass
    qtbot.waitExposed(view)

    revenue = view.result.body["aggregate_metrics"]["revenue_forecast"]
    assert f"revenue ${revenue:,.2f}" in view.status.text()

    table = view.table
    assert table.horizontalScrollBar().maximum() == 0, "no column hides behind a horizontal scrollbar"
    par_right = table.columnViewportPosition(PAR_COLUMN) + table.columnWidth(PAR_COLUMN)
    assert table.columnViewportPosition(PAR_COLUMN) >= 0 and par_right <= table.viewport().width()
    assert table.item(0, 0).toolTip() == table.item(0, 0).text(), "a shortened name reads whole in its tooltip"

    chart = view.plot.getPlotItem().getViewBox()

    def legend_beside_the_chart() -> bool:
        legend = view.legend.sceneBoundingRect()  # placed once the plot's layout has run
        return legend.height() > 0 and not legend.intersects(chart.sceneBoundingRect())

    qtbot.waitUntil(legend_beside_the_chart)
    assert view.legend.sceneBoundingRect().right() <= view.plot.sceneRect().right() + 1, "the legend is not cut off"
    view.close()
