"""The "Why?" view a user opens beside each AI answer: it lists the model's largest factor first, with the very
numbers the API sends, and F1 opens it wherever an answer is on screen. Offscreen; no worker may outlive a test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ai import realtime_analysis
from ai.placement_feedback import analyse_placement
from ai.services import Services
from designer.positions import Position
from storage.fleet import FleetRepository
from tests.explanations.test_every_answer_explains_itself import placement_request
from tests.worker_threads import assert_no_worker_left
from widgets.analysis.affinity import AffinityView
from widgets.analysis.comparison import ComparisonWindow
from widgets.analysis.forecast import ForecastView
from widgets.analysis.personalization import PersonalizationWizard
from widgets.dialogs.why import WhyDialog, effect_text
from widgets.placement.assistant import PlacementAssistant
from widgets.placement.score_panel import ScorePanel
from widgets.workers import BackgroundJobs


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication) -> Iterator[None]:
    yield
    assert_no_worker_left()


def loaded(qtbot: QtBot, view: ForecastView | AffinityView) -> None:
    """Show a view and wait for its answer (computed in a worker)."""
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        pass


def close_with_screenshot(dialog: WhyDialog, name: str, *owners: QWidget) -> None:
    """Keep what the user saw in /tmp (looked at when the dialog changes), then close the dialog and its owners."""
    dialog.grab().save(f"/tmp/why_{name}.png")
    for widget in (dialog, *owners):
        widget.close()


def opened_why(owner: QWidget) -> WhyDialog:
    dialogs = [d for d in owner.findChildren(WhyDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def test_the_dialog_lists_the_models_top_factor_first_with_the_answers_numbers(
    qtbot: QtBot, services: Services
) -> None:
    body = realtime_analysis.answer(placement_request(services), services).body
    assert isinstance(body, dict)
    sent = body["explanation"]
    dialog = WhyDialog("a slot", sent)
    qtbot.addWidget(dialog)
    assert dialog.factor_names() == [f["name"] for f in sent["factors"]]
    top = sent["factors"][0]
    assert dialog.table.item(0, 1).text() == f"×{top['contribution']:.2f}"
    assert sent["model"]["version"] in dialog.model_label.text()
    assert f"{sent['data_used']['rows']['sales_rows']:,}" in dialog.data_label.text()
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save("/tmp/why_slot.png")


def test_the_score_panels_why_shows_the_hovered_slots_explanation(qtbot: QtBot, services: Services) -> None:
    panel = ScorePanel()
    qtbot.addWidget(panel)
    assert not panel.why_button.isEnabled()  # nothing scored yet
    jobs = BackgroundJobs(panel)
    assistant = PlacementAssistant(jobs, panel, services.model_store.folder)  # type: ignore[union-attr]
    assistant.scorer, assistant._engine = services.placement_scorer, services.engine
    cabinet = services.cabinet(1, 0)
    planogram = FleetRepository(services.engine).active_planogram(1, 0)
    assert cabinet is not None and planogram is not None
    product = next(s.product_id for s in planogram.filled_slots())
    assert product is not None
    analysis, explanation = assistant._analyse(services.placement_scorer, cabinet, planogram, product, Position(1, 1))
    assert analysis == analyse_placement(services.placement_scorer, cabinet, planogram, product, Position(1, 1))
    panel.show_analysis(analysis, services.catalogue[product].name, explanation)
    panel.show()
    assert panel.why_button.isEnabled()
    qtbot.mouseClick(panel.why_button, Qt.MouseButton.LeftButton)
    dialog = opened_why(panel)
    assert explanation is not None and dialog.factor_names()[0] == explanation["factors"][0]["name"]
    assert dialog.windowTitle().endswith(f"{services.catalogue[product].name} in B2")
    dialog.close()
    panel.show_idle()
    assert not panel.why_button.isEnabled()


def test_f1_in_the_comparison_window_explains_its_lift(qtbot: QtBot, services: Services) -> None:
    cabinet = services.cabinet(1, 0)
    baseline = FleetRepository(services.engine).active_planogram(1, 0)
    assert cabinet is not None and baseline is not None
    first = next(p for p, s in sorted(baseline.slots.items()) if s.product_id is not None)
    proposed = replace(baseline, slots={**baseline.slots, first: baseline.slots[first].cleared()})
    window = ComparisonWindow(services, 1, cabinet, baseline, proposed, services.catalogue)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.body is not None or window.error is not None, timeout=30_000)
    assert window.error is None and window.why is not None and window.why_button.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = opened_why(window)
    assert dialog.factor_names()[0].startswith(f"{first.label}: ")  # the emptied slot is the change
    gain = (
        window.body["predictions"]["proposed"]["daily_revenue"]
        - window.body["predictions"]["baseline"]["daily_revenue"]
    )
    assert abs(sum(f.contribution for f in dialog.explanation.factors) - gain) < 0.02
    assert dialog.table.item(0, 1).text() == effect_text(dialog.explanation.factors[0])
    close_with_screenshot(dialog, "revenue", window)


def test_the_forecasts_why_explains_the_selected_product(qtbot: QtBot, services: Services) -> None:
    view = ForecastView(services, 1)
    loaded(qtbot, view)
    assert view.result is not None and view.why_button.isEnabled()
    view.table.selectRow(1)
    qtbot.mouseClick(view.why_button, Qt.MouseButton.LeftButton)
    dialog = opened_why(view)
    product = view.result.body["forecasts"][1]
    assert product["product_name"] in dialog.windowTitle()
    assert dialog.factor_names() == [f["name"] for f in product["explanation"]["factors"]]
    close_with_screenshot(dialog, "forecast", view)


def test_the_affinity_views_why_lists_the_strongest_pair(qtbot: QtBot, services: Services) -> None:
    view = AffinityView(services, 1)
    loaded(qtbot, view)
    assert view.body is not None and view.body["affinity_pairs"]
    view.pairs.setFocus()
    qtbot.keyClick(view.pairs, Qt.Key.Key_F1)
    dialog = opened_why(view)
    strongest = max(view.body["affinity_pairs"], key=lambda pair: pair["lift"])
    assert dialog.explanation.factors[0].contribution == strongest["lift"]
    close_with_screenshot(dialog, "affinity", view)


def test_the_personalised_proposal_explains_itself_and_each_slot(qtbot: QtBot, services: Services) -> None:
    wizard = PersonalizationWizard(services, 1)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.goals_page.location.count() > 0, timeout=10_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=30_000)
    page = wizard.proposal_page
    recommendations = wizard.result.body["personalized_planogram"]["recommendations"]  # type: ignore[union-attr]
    assert page.why_choice.count() == len(recommendations) + 1 and page.why_button.isEnabled()
    page.why_choice.setCurrentIndex(3)  # the third proposed slot
    qtbot.mouseClick(page.why_button, Qt.MouseButton.LeftButton)
    dialog = opened_why(page)
    chosen = recommendations[2]
    assert chosen["product"] in dialog.windowTitle()
    assert dialog.factor_names() == [f["name"] for f in chosen["explanation"]["factors"]]
    assert f"{chosen['expected_velocity']:.2f}"[:3] in dialog.model_label.text()  # the answer it multiplies out to
    wizard.jobs.shutdown(5_000)
    close_with_screenshot(dialog, "personalised_slot", wizard)
