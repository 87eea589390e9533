"""The AI performance window and its experiments tab, on a small demo fleet; the fill preview's feedback hook."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from ai.auto_fill import FillProposal
from ai.experiment_tracking import ExperimentPlan
from ai.experiments import Assignment
from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue
from designer.suggestions import Decision, Measure, Suggestion, SuggestionKind, Verdict
from storage.feedback import record_feedback
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from widgets.analysis.dashboard import AiDashboard
from widgets.analysis.experiments import ExperimentsView
from widgets.placement.fill_preview import FillPreviewDialog

END = date(2026, 6, 30)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path}/demo.sqlite"
    build_demo_fleet(url, devices=6, days=60, seed=7)
    engine = prepare_database(url)
    yield engine
    engine.dispose()


def test_the_dashboard_shows_scored_predictions_and_what_was_done_with_suggestions(qtbot: QtBot, demo: Engine) -> None:
    earlier = END - timedelta(days=14)
    fill = Suggestion(SuggestionKind.FILL, 1, Measure.CABINET_REVENUE, 0.0, cabinet_index=0, gain=True)
    record_feedback(demo, fill, Verdict.ACCEPTED, user_id=None, as_of=earlier)
    par = Suggestion(SuggestionKind.PAR_LEVEL, 2, Measure.PRODUCT_UNITS, 1.0, product_id=3)
    record_feedback(demo, par, Verdict.REJECTED, user_id=None, as_of=earlier)

    dashboard = AiDashboard(demo)
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.loaded, timeout=30_000):
        dashboard.show()
    summary = dashboard.performance.summary.text()
    assert "(1 scored)" in summary  # the fill was scored by opening the window: its horizon has passed
    assert "suggestions taken: <b>50%</b> of 2" in summary
    assert dashboard.performance.accuracy.getPlotItem().listDataItems()  # a revenue error line is drawn
    assert dashboard.performance.designs.getPlotItem().listDataItems()  # the daily roll-ups
    dashboard.close()


def test_an_experiment_started_in_the_tab_shows_both_groups_and_completes(qtbot: QtBot, demo: Engine) -> None:
    view = ExperimentsView(demo)
    qtbot.addWidget(view)
    plan = ExperimentPlan("eye level", list(range(1, 7)), END - timedelta(days=20), assignment=Assignment.RANDOMISED)
    with qtbot.waitSignal(view.status_shown, timeout=30_000):
        view.create(plan)
    assert "Interim" in view.results.text() and "Revenue / day" in view.results.text()
    assert len(view.plot.getPlotItem().listDataItems()) == 2  # control and treatment
    assert view.complete_button.isEnabled()
    with qtbot.waitSignal(view.status_shown, timeout=30_000):
        view.complete_selected()
    assert view.shown is not None and view.shown["status"] == "completed"
    assert "Result:" in view.results.text() and not view.complete_button.isEnabled()
    assert view.table.item(0, 2).text() == "completed"
    view.shutdown()


def test_a_refused_experiment_says_why(qtbot: QtBot, demo: Engine) -> None:
    view = ExperimentsView(demo)
    qtbot.addWidget(view)
    plan = ExperimentPlan("bad", [1, 99], END)
    view.create(plan)
    qtbot.waitUntil(lambda: "do not exist" in view.results.text(), timeout=30_000)
    assert "99" in view.results.text()  # the message names the device that is missing
    assert view.table.rowCount() == 0 and view.shown is None  # nothing was created
    view.shutdown()


@pytest.mark.parametrize(("accept", "verdict"), [(True, Verdict.ACCEPTED), (False, Verdict.REJECTED)])
def test_the_fill_preview_reports_what_the_user_decided(qtbot: QtBot, accept: bool, verdict: Verdict) -> None:
    cabinet = Cabinet(device_id=1, index=0, rows=2, columns=2, zone=TemperatureZone.AMBIENT)
    proposal = FillProposal([Slot(Position(0, 0), product_id=1, quantity=0, capacity=8, par_level=6)], 1.5, 2.75)
    dialog = FillPreviewDialog(cabinet, Planogram(1, 0), proposal, Catalogue())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.decided) as decided:
        dialog.accept() if accept else dialog.reject()
    decision: Decision = decided.args[0]
    assert decision.verdict is verdict
    assert decision.suggestion.kind is SuggestionKind.FILL and decision.suggestion.gain
    assert decision.suggestion.predicted == 2.75 and decision.suggestion.details == {"slots": {"A1": 1}}
    assert dialog.result() == (QDialog.DialogCode.Accepted if accept else QDialog.DialogCode.Rejected).value


def test_dropping_on_a_hinted_best_slot_is_recorded_as_an_accepted_suggestion(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication, QMessageBox
    from sqlalchemy import select
    from sqlalchemy.orm import Session
    from windows import open_trained_window

    from designer.cabinets import zone_accepts
    from storage.tables import AiFeedback, AiPrediction
    from widgets.canvas.cabinet_editing import EditableCabinetView
    from widgets.canvas.mime import product_mime

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    build_demo_fleet(url, devices=3, days=45, seed=11)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    window = open_trained_window(qtbot, url)
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    cabinet = view.editor.cabinet
    placed = view.editor.planogram.product_ids()
    product = next(p for p in window.catalogue.values()
                   if zone_accepts(cabinet.zone, p.temperature_requirement) and p.id not in placed)  # fmt: skip
    mime = product_mime(product.id, product.name)
    actions, buttons, keys = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def at(position: Position) -> QPointF:
        item = view.slot_item(position)
        assert item is not None
        return QPointF(view.mapFromScene(item.sceneBoundingRect().center()))

    with qtbot.waitSignal(window.assistant.heat_map_shown, timeout=10_000) as shown:
        QApplication.sendEvent(view.viewport(), QDragEnterEvent(at(Position(0, 0)).toPoint(), actions, mime, buttons,
                                                                keys))  # fmt: skip
    best = shown.args[0].best_positions(3)[0]
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(at(best).toPoint(), actions, mime, buttons, keys))
    with (
        qtbot.waitSignal(window.assistant.suggestion_decided, timeout=5_000) as decided,
        qtbot.waitSignal(window.feedback.recorded, timeout=10_000) as recorded,
    ):
        QApplication.sendEvent(view.viewport(), QDropEvent(at(best), actions, mime, buttons, keys))
    decision: Decision = decided.args[0]
    assert decision.verdict is Verdict.ACCEPTED and decision.suggestion.product_id == product.id
    assert decision.suggestion.details["placed_at"] == best.label
    with Session(window.repository.engine) as session:
        feedback = session.get(AiFeedback, recorded.args[0].feedback_id)
        assert feedback.feedback_type == "accepted"
        assert session.scalar(
            select(AiPrediction.prediction_type).where(AiPrediction.id == feedback.prediction_id)
        ) == ("placement")
    window.close()


def test_par_levels_kept_or_changed_are_reported_per_product(qtbot: QtBot, demo: Engine) -> None:
    from PySide6.QtCore import Qt

    from widgets.analysis.forecast import PAR_COLUMN, ForecastView

    view = ForecastView(demo, 1, forecast_days=7)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    cell = view.table.item(0, PAR_COLUMN)
    suggested = int(cell.text())
    with qtbot.waitSignal(view.decided) as changed:
        cell.setText(str(suggested + 3))
    assert changed.args[0].verdict is Verdict.MODIFIED and changed.args[0].note == f"par {suggested + 3}"
    assert changed.args[0].suggestion.details == {"suggested_par": suggested, "chosen_par": suggested + 3}
    decisions: list[Decision] = []
    view.decided.connect(decisions.append)
    with qtbot.waitSignal(view.par_levels_changed):
        view.accept_button.click()
    assert len(decisions) == view.table.rowCount() - 1  # every other product, accepted as suggested
    assert {d.verdict for d in decisions} == {Verdict.ACCEPTED}
    assert int(cell.data(Qt.ItemDataRole.UserRole)) not in {d.suggestion.product_id for d in decisions}
    view.close()


def test_keeping_my_own_par_levels_rejects_the_suggestions(qtbot: QtBot, demo: Engine) -> None:
    from widgets.analysis.forecast import ForecastView

    view = ForecastView(demo, 1, forecast_days=7)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    decisions: list[Decision] = []
    view.decided.connect(decisions.append)
    changed: list[object] = []
    view.par_levels_changed.connect(changed.append)
    view.reject_button.click()
    assert len(decisions) == view.table.rowCount() and {d.verdict for d in decisions} == {Verdict.REJECTED}
    assert changed == []  # nothing goes onto the cabinets
    view.close()


def test_a_user_who_may_not_run_experiments_sees_why_on_the_buttons(qtbot: QtBot, demo: Engine) -> None:
    reason = "Only a manager or admin can run experiments; you are signed in as a viewer"
    dashboard = AiDashboard(demo, refusal=reason)
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.loaded, timeout=30_000):
        dashboard.show()
    buttons = (dashboard.experiments.new_button, dashboard.experiments.complete_button)
    assert not any(b.isEnabled() for b in buttons) and all(b.toolTip() == reason for b in buttons)
    dashboard.close()


@pytest.mark.parametrize(("accept", "verdict"), [(True, Verdict.ACCEPTED), (False, Verdict.REJECTED)])
def test_a_shown_personalised_proposal_is_reported_opened_or_closed(
    qtbot: QtBot, demo: Engine, accept: bool, verdict: Verdict
) -> None:
    from types import SimpleNamespace

    from widgets.analysis.personalization import PersonalizationWizard

    wizard = PersonalizationWizard(demo, 2)
    qtbot.addWidget(wizard)
    # a proposal as the wizard holds it once shown (its computation is tested in tests/personalization)
    wizard.result = SimpleNamespace(body={"personalized_planogram": {"expected_daily_revenue": 42.5}}, planograms={})
    with qtbot.waitSignal(wizard.decided) as decided:
        wizard.accept() if accept else wizard.reject()
    decision: Decision = decided.args[0]
    assert decision.verdict is verdict and decision.suggestion.kind is SuggestionKind.PERSONALISATION
    assert decision.suggestion.device_id == 2 and decision.suggestion.predicted == 42.5
    assert decision.suggestion.measure is Measure.DEVICE_REVENUE
