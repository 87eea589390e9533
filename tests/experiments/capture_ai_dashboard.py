"""Picture the AI performance window on a demo fleet with a track record, for reviews and the README.

Usage: ``python tests/experiments/capture_ai_dashboard.py WORKDIR OUT_PREFIX``; writes OUT_PREFIX-performance.png,
OUT_PREFIX-experiments.png and OUT_PREFIX-form.png.
Offscreen; everything goes into WORKDIR, nothing into the user data dir.

The track record is made the way the app makes it, only earlier in the simulated history:
- demand forecasts (each device's 12 best sellers): the app's forecaster run on a copy of the fleet cut at
  four weekly dates, stored in the full fleet and scored by ``record_actuals`` against the sales after each cut;
- suggestion decisions: fill and personalisation decisions recorded at past dates (their prediction is the
  cabinet's or device's trailing 28-day revenue level, a stand-in for the models, which need a trained
  placement model) and par-level decisions, all scored by ``score_outcomes``;
- an experiment: the fleet is rebuilt with demand × 1.08 planted on the treatment devices from 2026-06-02.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import delete, func, select

from ai.demand_forecast import ForecastRequest, forecast, record_actuals, store_forecasts
from ai.experiment_tracking import ExperimentPlan, complete_experiment, create_experiment
from ai.experiments import Assignment, assign_groups
from ai.services import Services
from designer.suggestions import Measure, Suggestion, SuggestionKind, Verdict
from storage.feedback import record_feedback, score_outcomes
from storage.schema import prepare_database
from storage.simulator import PlantedTreatment, build_demo_fleet
from storage.tables import Device, SaleRecord
from widgets.analysis.dashboard import AiDashboard
from widgets.analysis.experiments import ExperimentForm, read_devices
from widgets.style import apply_style

END = date(2026, 6, 30)
START = date(2026, 6, 2)
CUTS = [END - timedelta(days=d) for d in (42, 35, 28, 21, 14)]


def settle(msecs: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(msecs, loop.quit)
    loop.exec()
    QApplication.processEvents()


def build(workdir: Path) -> str:
    plain = workdir / "plain.sqlite"
    build_demo_fleet(f"sqlite:///{plain}", devices=16, days=180, seed=7)
    engine = prepare_database(f"sqlite:///{plain}")
    with engine.connect() as connection:
        types = dict(connection.execute(select(Device.id, Device.location_type)).all())
    engine.dispose()
    treated = assign_groups(types, Assignment.STRATIFIED, seed=1).treatment
    fleet = workdir / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{fleet}", devices=16, days=180, seed=7,
                     treatment=PlantedTreatment(frozenset(treated), START, 1.08))  # fmt: skip
    return f"sqlite:///{fleet}"


def forecasts(url: str, workdir: Path) -> None:
    engine = prepare_database(url)
    for cut in CUTS[1:]:
        copy = workdir / f"cut-{cut}.sqlite"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        cut_engine = prepare_database(f"sqlite:///{copy}")
        with cut_engine.begin() as connection:
            connection.execute(
                delete(SaleRecord).where(SaleRecord.sold_at >= datetime.combine(cut, datetime.min.time()))
            )
        services = Services(f"sqlite:///{copy}", engine=cut_engine)
        for device in (1, 2, 3):
            best = (
                select(SaleRecord.product_id)
                .where(SaleRecord.device_id == device)
                .group_by(SaleRecord.product_id)
                .order_by(func.count().desc())
                .limit(12)
            )
            with cut_engine.connect() as connection:
                products = list(connection.scalars(best))
            body = forecast(cut_engine, ForecastRequest(device, products, 7, {}, {}, {}), services.catalogue)
            store_forecasts(engine, device, body)
        cut_engine.dispose()
    record_actuals(engine)
    engine.dispose()


def decisions(url: str) -> None:
    engine = prepare_database(url)
    rng = np.random.default_rng(3)
    verdicts = [Verdict.ACCEPTED] * 6 + [Verdict.MODIFIED] * 2 + [Verdict.REJECTED] * 2
    for cut in CUTS:
        for device in range(1, 9):
            fill = Suggestion(SuggestionKind.FILL, device, Measure.CABINET_REVENUE, 0.0, cabinet_index=0, gain=True)
            record_feedback(engine, fill, verdicts[rng.integers(len(verdicts))], user_id=None, as_of=cut)
            whole = Suggestion(SuggestionKind.PERSONALISATION, device, Measure.DEVICE_REVENUE, 0.0, gain=True)
            record_feedback(engine, whole, verdicts[rng.integers(len(verdicts))], user_id=None, as_of=cut)
            par = Suggestion(SuggestionKind.PAR_LEVEL, device, Measure.PRODUCT_UNITS, 1.5, product_id=1 + device)
            record_feedback(engine, par, verdicts[rng.integers(len(verdicts))], user_id=None, as_of=cut)
            spot = Suggestion(SuggestionKind.PLACEMENT, device, Measure.PRODUCT_UNITS, 0.8, cabinet_index=0,
                              product_id=1 + device)  # fmt: skip
            record_feedback(engine, spot, verdicts[rng.integers(len(verdicts))], user_id=None, as_of=cut)
    score_outcomes(engine)
    engine.dispose()


def experiment(url: str) -> None:
    engine = prepare_database(url)
    running = ExperimentPlan("Eye-level snacks (running)", list(range(1, 17)), START, seed=1)
    create_experiment(engine, running, user_id=None)
    done = ExperimentPlan("Eye-level snacks", list(range(1, 17)), START, seed=1)
    made = create_experiment(engine, done, user_id=None)
    complete_experiment(engine, int(made["id"]), user_id=None)
    engine.dispose()


def main(workdir: str, prefix: str) -> None:
    folder = Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    url = build(folder)
    forecasts(url, folder)
    decisions(url)
    experiment(url)
    app = QApplication.instance() or QApplication(sys.argv)
    apply_style(app)
    engine = prepare_database(url)
    dashboard = AiDashboard(engine)
    dashboard.show()
    loop = QEventLoop()
    dashboard.loaded.connect(loop.quit)
    dashboard.failed.connect(lambda text: (print(text), loop.quit()))
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()
    settle()
    dashboard.grab().save(f"{prefix}-performance.png")
    dashboard.tabs.setCurrentIndex(1)
    loop = QEventLoop()
    dashboard.experiments.status_shown.connect(lambda _s: loop.quit())
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    settle()
    dashboard.grab().save(f"{prefix}-experiments.png")
    form = ExperimentForm(*read_devices(engine), parent=dashboard)
    form.name.setText("Healthy snacks at eye level")
    form.show()
    settle()
    form.grab().save(f"{prefix}-form.png")
    form.close()
    dashboard.close()
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
