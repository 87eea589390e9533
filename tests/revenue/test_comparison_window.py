"""The comparison window offscreen: it predicts in a worker, fills the card and charts, and exports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from ai.model_store import ModelStore
from ai.services import Services
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from tests.cvd_builder import pulled_working_copy
from widgets.analysis.comparison import ComparisonWindow


def test_the_comparison_window_shows_the_prediction_and_exports(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    cabinet = services.cabinet(1, 0)
    baseline = FleetRepository(services.engine).active_planogram(1, 0)
    assert cabinet is not None and baseline is not None
    filled = [p for p, s in baseline.slots.items() if s.product_id is not None]
    slots = dict(baseline.slots)
    for position in filled[::3]:
        slots[position] = slots[position].cleared()
    proposed = replace(baseline, slots=slots)

    window = ComparisonWindow(services, 1, cabinet, baseline, proposed, services.catalogue)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.body is not None or window.error is not None, timeout=20_000)
    assert window.error is None
    assert window.comparison is not None and len(window.changed) == len(filled[::3])
    assert window.figures["lift"][0].text().endswith("%") and window.figures["lift"][0].text().startswith("-")
    assert window.figures["payback"][0].text() == "never"
    assert window.png_button.isEnabled()
    png = window.export_png(tmp_path / "comparison.png")
    pdf = window.export_pdf(tmp_path / "comparison.pdf")
    assert png.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")
    window.close()
    QThreadPool.globalInstance().waitForDone(5_000)


def test_the_comparison_names_what_its_figures_rest_on_for_a_device_pulled_from_cvd(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The response's data-quality warnings (layouts assumed since the first sale, unplaced sales) are on screen."""
    url = pulled_working_copy(tmp_path)
    engine = prepare_database(url)
    pulled = Services(url, ModelStore(tmp_path / "models"), engine=engine)
    cabinet = pulled.cabinet(1, 1)
    baseline = FleetRepository(engine).active_planogram(1, 1)
    assert cabinet is not None and baseline is not None
    first = next(p for p, s in baseline.slots.items() if s.product_id is not None)
    proposed = replace(baseline, slots={**baseline.slots, first: baseline.slots[first].cleared()})

    window = ComparisonWindow(pulled, 1, cabinet, baseline, proposed, pulled.catalogue)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.body is not None or window.error is not None, timeout=60_000)
    assert window.error is None
    text = window.risks.text()
    assert "⚠ Cabinets 0, 1 and 2: CVD records their layouts only from" in text
    assert "are in none of its layouts" in text
    window.close()
    QThreadPool.globalInstance().waitForDone(5_000)
    engine.dispose()
