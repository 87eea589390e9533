"""Grab the comparison window on the default demo fleet: python tests/revenue/capture_comparison.py OUT.png.

Builds the demo fleet in a temporary folder, proposes a change to device 1's snack cabinet (three slots
swapped for products never sold there, one slot emptied) and saves the window once the prediction is shown.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from ai.model_store import ModelStore
from ai.services import Services
from designer.planograms import PlanogramStatus
from storage.fleet import FleetRepository
from storage.simulator import build_demo_fleet
from widgets.analysis.comparison import ComparisonWindow


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.sqlite"
        build_demo_fleet(url, devices=12, days=180, seed=7)
        services = Services(url, ModelStore(Path(folder)))
        cabinet = services.cabinet(1, 0)
        baseline = FleetRepository(services.engine).active_planogram(1, 0)
        assert cabinet is not None and baseline is not None
        scorer = services.placement_scorer
        carried = baseline.product_ids()
        newcomers = [
            p.id
            for p in services.catalogue.values()
            if p.id not in carried and p.temperature_requirement.value == cabinet.zone.value
        ]
        newcomers.sort(key=lambda p: -scorer.placement_grid(cabinet, baseline, p).expected_daily_sales.max())
        filled = sorted((p for p, s in baseline.slots.items() if s.product_id is not None), key=lambda p: p.label)
        weakest = sorted(filled, key=lambda p: scorer.expected_in_place(cabinet, baseline)[p])
        slots = dict(baseline.slots)
        for position, product in zip(weakest[:3], newcomers[:3], strict=False):
            slots[position] = replace(slots[position], product_id=product)
        slots[weakest[3]] = slots[weakest[3]].cleared()
        proposed = replace(baseline, slots=slots, status=PlanogramStatus.DRAFT, id=None)
        window = ComparisonWindow(services, 1, cabinet, baseline, proposed, services.catalogue, location_type="office")
        window.resize(1400, 1050)
        window.show()
        while window.body is None and window.error is None:
            app.processEvents()
        for _ in range(20):
            app.processEvents()
        window.grab().save(str(out))
        window.close()
        services.engine.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
