"""Templates on a 1,000-machine fleet (issue 21): preview (with every machine's revenue prediction), apply and
undo, printed against their budgets, not asserted.

    .venv/bin/python tests/bench/bench_templates.py [--db FLEET.sqlite] [--activate]

Budgets: preview < 10 s (models already trained; baseline predictions may be cached: the cold preview, which
predicts every baseline too, is printed beside the warm one), apply < 10 s, undo < 5 s. Without ``--db`` a fleet
of 1,000 machines × 30 days is built first (``main.py demo --devices 1000 --days 30``, about a minute); the
template is machine 3's snack cabinet, applied to every machine (each has a snack cabinet of that shape or a
smaller one; the smaller ones are refused, which the preview must still say). The placement model is trained
before the clock starts. The load average is printed: timings are wall clock on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ai.fleet_preview import _BASELINES, apply_preview, preview_template
from ai.model_store import ModelStore
from ai.services import Services
from designer.fleet_changes import MachineFilter
from designer.templates import template_from_planogram
from storage.fleet import FleetRepository
from storage.fleet_operations import save_template, undo_operation
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.users import sign_in

BUDGETS = {"preview (warm)": 10.0, "apply": 10.0, "undo": 5.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo fleet of 1,000 machines (copied; the copy is changed)")
    parser.add_argument("--activate", action="store_true", help="apply as activations (default: drafts)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-templates-"))
    database = work / "fleet.sqlite"
    if args.db is not None:
        shutil.copyfile(args.db, database)
    else:
        print("building 1,000 machines × 30 days …", flush=True)
        build_demo_fleet(f"sqlite:///{database}", devices=1000, days=30, seed=7)
    url = f"sqlite:///{database}"
    engine = prepare_database(url)
    user = sign_in(engine, "maria.manager", audit=False)
    services = Services(url, ModelStore(work / "models"), engine=engine, user=user)
    _ = services.placement_scorer, services.catalogue  # trained before the clock starts
    layout = FleetRepository(engine).device_layout(3)
    cabinet = layout.cabinets[0]
    template, _ = save_template(
        engine, template_from_planogram("Bench snacks", cabinet, layout.planogram_for(cabinet)), user_id=user.id
    )
    everyone = MachineFilter()
    figures: dict[str, float] = {}

    started = time.perf_counter()
    preview = preview_template(services, template, everyone)
    figures["preview (cold: every baseline predicted too)"] = time.perf_counter() - started
    cached = len(_BASELINES)
    started = time.perf_counter()
    preview = preview_template(services, template, everyone)
    figures["preview (warm)"] = time.perf_counter() - started
    summary = preview.summary()
    started = time.perf_counter()
    result = apply_preview(services, preview, activate=args.activate, user_id=user.id)
    figures["apply"] = time.perf_counter() - started
    started = time.perf_counter()
    undone = undo_operation(engine, result.operation_id, user_id=user.id)
    figures["undo"] = time.perf_counter() - started

    machines = len({line.change.machine.device_id for line in preview.machines})
    how = "activations" if args.activate else "drafts"
    print(f"{machines} machines, {len(preview.machines)} cabinets previewed: {summary['cabinets_changing']} change "
          f"({summary['slots_changed']} slots), {summary['machines_refused']} refused; {cached} baselines cached; "
          f"wrote {result.written} versions as {how}, undid {undone.written}")  # fmt: skip
    total = summary["predicted_daily_revenue_change"]
    print(f"predicted daily revenue change {total['change']:+,.2f} (90 % {total['lower']:+,.2f} to "
          f"{total['upper']:+,.2f}) {total['currency']}")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for what, seconds in figures.items():
        budget = BUDGETS.get(what)
        verdict = "" if budget is None else f"budget {budget:.0f} s: {'within' if seconds < budget else 'OVER'}"
        print(f"  {what:48s} {seconds:7.2f} s   {verdict}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
