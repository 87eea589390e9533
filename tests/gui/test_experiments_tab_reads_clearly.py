"""The experiments tab as a manager meets it: an empty chart says why it is empty (no "00.100 … 00.900" axis),
and treatment planograms are ticked in a list of the devices' saved versions, not typed as database ids."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from ai.experiment_tracking import ExperimentPlan
from ai.experiments import Assignment
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.versions import PlanogramVersions
from widgets.analysis.experiments import NOTHING_SELECTED, ExperimentForm, ExperimentsView, read_devices


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('experiments') / 'demo.sqlite'}"
    build_demo_fleet(url, devices=4, days=40, seed=7)
    engine = prepare_database(url)
    yield engine
    engine.dispose()


def test_an_empty_chart_says_why_instead_of_showing_a_bare_axis(qtbot: QtBot, demo: Engine) -> None:
    view = ExperimentsView(demo)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    assert view.chart.currentWidget() is view.empty_chart and view.empty_chart.text() == NOTHING_SELECTED
    assert not view.plot.isVisible()

    upcoming = ExperimentPlan("next month", [1, 2, 3, 4], date(2026, 8, 3), assignment=Assignment.RANDOMISED)
    with qtbot.waitSignal(view.status_shown, timeout=30_000):
        view.create(upcoming)  # it starts after the latest sale: nothing to draw yet
    assert view.chart.currentWidget() is view.empty_chart
    assert "No revenue / day figures yet" in view.empty_chart.text() and "2026-08-03" in view.empty_chart.text()
    assert "no sales since the start" in view.results.text()
    view.shutdown()


def test_treatment_planograms_are_chosen_from_the_saved_versions(qtbot: QtBot, demo: Engine) -> None:
    form = ExperimentForm(*read_devices(demo))
    qtbot.addWidget(form)
    tree = form.planograms
    device = FleetRepository(demo).devices()[0]
    history = PlanogramVersions(demo).history(device.id, 0)
    cabinet = next(
        tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
        if tree.topLevelItem(i).text(0).startswith(f"{device.name} · cabinet 0")
    )  # fmt: skip
    rows = [cabinet.child(i) for i in range(cabinet.childCount())]
    assert [(row.text(1), row.text(2)) for row in rows] == [(f"v{v.version}", v.status.value) for v in history]
    assert all(len(row.text(3)) == len("2026-06-01 12:00") for row in rows), "saved, in local time"
    assert form.chosen_versions() == []

    rows[0].setCheckState(0, Qt.CheckState.Checked)
    form.name.setText("new layout")
    assert form.plan().treatment_planograms == [history[0].id]
