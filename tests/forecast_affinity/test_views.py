"""Smoke tests of the forecast and affinity views, offscreen: they compute in the background and emit."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from widgets.analysis.affinity import AffinityView
from widgets.analysis.forecast import MEAN_LABEL, MEDIAN_LABEL, PAR_COLUMN, ForecastView

SHOTS = os.environ.get("FA_SCREENSHOTS")  # a folder: save what the views look like there


def _grab(widget, name: str) -> None:
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, name))


@pytest.fixture
def forecast_view(qtbot, fleet_engine):
    view = ForecastView(fleet_engine, 1)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        pass
    return view


def test_forecast_view_fills_the_table_and_emits_edited_par_levels(qtbot, forecast_view):
    view = forecast_view
    assert view.table.rowCount() > 5
    assert view.plot.getPlotItem().listDataItems()
    # a week shows the expected units (the days' medians would add up to 0 for a slow mover)
    for row, item in enumerate(view.result.body["forecasts"]):
        expected = sum(d["expected_units"] for d in item["daily_forecasts"][:7])
        assert view.table.item(row, 1).text() == f"{expected:.0f}"
    _grab(view, "forecast.png")
    cell = view.table.item(0, PAR_COLUMN)
    product_id = cell.data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(view.par_levels_changed) as emitted:
        cell.setText("17")
    assert emitted.args[0][product_id] == 17 and len(emitted.args[0]) == view.table.rowCount()
    cell.setText("lots")  # not a number: the suggestion comes back, nothing is emitted
    assert cell.text().isdigit()


def test_the_chart_says_which_line_is_the_mean_and_which_the_median(qtbot, forecast_view):
    view = forecast_view
    labels = [label.text for _sample, label in view.legend.items]
    assert MEAN_LABEL in labels and MEDIAN_LABEL in labels
    days = view.result.body["forecasts"][0]["daily_forecasts"]
    drawn = {
        tuple(item.yData)
        for item in view.plot.getPlotItem().listDataItems()
        if getattr(item, "yData", None) is not None
    }
    assert tuple(float(d["median_units"]) for d in days) in drawn


def test_affinity_view_lists_pairs_and_places_a_cluster(qtbot, fleet_engine):
    view = AffinityView(fleet_engine, 1)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        pass
    assert view.pairs.rowCount() > 0 and view.clusters.count() > 0
    _grab(view, "affinity.png")
    view.clusters.setCurrentRow(0)
    with qtbot.waitSignal(view.place_together) as emitted:
        view.place.click()
    assert emitted.args[0] == view.body["product_clusters"][0]["products"]
