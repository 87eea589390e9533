"""The wizard, offscreen: goals in, a proposal per cabinet out, read-only, emitted as planograms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWizard

from ai.personalization_optimizer import MAX_FACINGS
from ai.services import Services
from designer.cabinets import zone_accepts
from designer.planograms import Planogram
from widgets.analysis.personalization import PersonalizationWizard
from widgets.canvas.cabinet_view import CabinetView


@pytest.fixture
def wizard(qtbot, services: Services) -> Iterator[PersonalizationWizard]:
    wizard = PersonalizationWizard(services, 1)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.goals_page.location.count() > 0, timeout=10_000)
    yield wizard
    wizard.jobs.shutdown(5_000)
    QThreadPool.globalInstance().waitForDone(5_000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0


def run_to_proposal(qtbot, wizard: PersonalizationWizard) -> None:
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=30_000)


def test_the_first_page_builds_the_seed_request(wizard: PersonalizationWizard) -> None:
    assert wizard.goals_page.location.currentText() == "office"
    wizard.goals_page.sliders["health_score"].setValue(80)
    request = wizard.request()
    assert request["device_id"] == 1
    assert request["optimization_goals"]["health_score"] == pytest.approx(0.8)
    assert request["location_context"]["traffic_patterns"]["peak_hours"] == ["08:00", "12:00", "15:00"]
    assert wizard.goals_page.shares["health_score"].text() == "53%"
    assert "daily_traffic" not in request["location_context"]["traffic_patterns"]  # as the sales record
    wizard.goals_page.traffic.setValue(150)
    wizard.goals_page.health.setCurrentText("high")
    request = wizard.request()
    assert request["location_context"]["traffic_patterns"]["daily_traffic"] == 150
    assert request["location_context"]["demographics"]["health_consciousness"] == "high"


def test_the_proposal_shows_every_cabinet_read_only_and_is_emitted(qtbot, wizard, tmp_path: Path) -> None:
    run_to_proposal(qtbot, wizard)
    page = wizard.proposal_page
    assert page.isComplete()
    assert page.tabs.count() == 3
    for index in range(page.tabs.count()):
        view = page.tabs.widget(index)
        assert isinstance(view, CabinetView) and not view.isInteractive()
    assert "expected revenue a day" in page.summary.text()
    assert "Morning" in page.details.text()
    assert "Why" in page.details.text() and "restocks every" in page.details.text()
    wizard.grab().save(str(tmp_path / "wizard.png"))
    assert (tmp_path / "wizard.png").stat().st_size > 10_000
    with qtbot.waitSignal(wizard.proposal_ready, timeout=5_000) as signal:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    planograms: dict[int, Planogram] = signal.args[0]
    assert set(planograms) == {0, 1, 2}
    cabinets = {cabinet.index: cabinet for cabinet in wizard.result.cabinets}
    for index, planogram in planograms.items():
        products = [slot.product_id for slot in planogram.filled_slots()]
        assert products and max(products.count(p) for p in products) <= MAX_FACINGS
        for slot in planogram.filled_slots():
            product = wizard.services.catalogue[slot.product_id]
            assert zone_accepts(cabinets[index].zone, product.temperature_requirement)


def test_going_back_and_changing_goals_reruns(qtbot, wizard) -> None:
    run_to_proposal(qtbot, wizard)
    first = wizard.result.proposal.mean_health
    wizard.back()
    wizard.goals_page.sliders["revenue"].setValue(10)
    wizard.goals_page.sliders["variety"].setValue(0)
    wizard.goals_page.sliders["health_score"].setValue(90)
    run_to_proposal(qtbot, wizard)
    assert wizard.result.proposal.mean_health > first


def test_cancelling_while_the_proposal_runs_stops_it_and_emits_nothing(qtbot, wizard) -> None:
    emitted: list[object] = []
    wizard.proposal_ready.connect(emitted.append)
    wizard.next()
    wizard.reject()
    QThreadPool.globalInstance().waitForDone(5_000)
    qtbot.wait(50)
    assert emitted == []
    assert wizard.jobs.closed
