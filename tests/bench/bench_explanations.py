"""What an explanation adds to a realtime-analysis answer: time per slot and bytes, against the answer without it.

    .venv/bin/python tests/bench/bench_explanations.py --db /tmp/demo.sqlite          (a demo database)

Every slot of the database's first cabinet is analysed as realtime-analysis does (``analyse_placement``), then
explained (``PlacementExplainer.slot_json``, the model part shared); the explanation's own time and size are
printed beside the analysis's, against a budget of half the analysis's 1 ms per slot. Run ``uptime`` beside it:
timings on a shared box are noisy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from ai.model_store import ModelStore  # noqa: E402
from ai.placement_explanation import explainer_for  # noqa: E402
from ai.placement_feedback import analyse_placement  # noqa: E402
from ai.services import Services  # noqa: E402

BUDGET_MS = 0.5
REPEATS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a demo database (python main.py demo --db FILE)")
    parser.add_argument("--models", default="/tmp/bench-explanation-models", help="where the fitted model is kept")
    args = parser.parse_args()
    services = Services(f"sqlite:///{Path(args.db).resolve()}", ModelStore(Path(args.models)))
    services.open()
    scorer = services.placement_scorer
    device = min(services.device_ids)
    cabinet = services.repository.cabinets(device)[0]
    planogram = services.repository.active_planogram(device, cabinet.index)
    assert planogram is not None
    product = next(s.product_id for s in planogram.filled_slots())
    assert product is not None
    explainer = explainer_for(scorer, services.engine)
    positions = list(cabinet.positions())
    analysis_ms, explain_ms, analysis_bytes, explain_bytes = [], [], [], []
    for _ in range(REPEATS):
        for position in positions:
            started = time.perf_counter()
            analysis = analyse_placement(scorer, cabinet, planogram, product, position)
            middle = time.perf_counter()
            explanation = explainer.slot_json(cabinet, planogram, product, position)
            ended = time.perf_counter()
            analysis_ms.append((middle - started) * 1000)
            explain_ms.append((ended - middle) * 1000)
            body = {"feedback": analysis.feedback(), "zone_analysis": analysis.zone_analysis()}
            analysis_bytes.append(len(json.dumps(body)))
            explain_bytes.append(len(json.dumps(explanation)))
    p50, p99 = np.percentile(explain_ms, [50, 99])
    print(f"{len(positions)} slots of a {cabinet.rows}×{cabinet.columns} cabinet, {REPEATS} rounds")
    print(f"analysis     p50 {np.median(analysis_ms):.3f} ms  p99 {np.percentile(analysis_ms, 99):.3f} ms"
          f"  {np.mean(analysis_bytes):.0f} bytes")  # fmt: skip
    verdict = "within" if p50 <= BUDGET_MS else "OVER"
    print(f"explanation  p50 {p50:.3f} ms  p99 {p99:.3f} ms  {np.mean(explain_bytes):.0f} bytes"
          f"  ({verdict} the {BUDGET_MS} ms budget at p50)")  # fmt: skip
    services.engine.dispose()


if __name__ == "__main__":
    main()
