"""What a full Claude-explained analysis costs (DESIGN.md budget: < $0.05, goal $0.01): printed, not asserted.

    .venv/bin/python tests/bench/bench_llm_cost.py

A full analysis = an explanation for every slot of a 6×6 cabinet + one Sonnet revenue narrative. The real
client and SDK talk to the local fake Messages API (tests/llm/fake_messages_api.py), which reports usage the
way Anthropic does from the real request bodies: tokens approximated as characters / 4, the system prompt
and tool definition written to the prompt cache on first use (if at least the model's minimum, 512 tokens
for Haiku 5.5) and read from it afterwards, answers of realistic length. Cost = recorded usage × list price
from the model table (Haiku 5.5 $0.10/$0.50, Sonnet 5.5 $2/$10 per million tokens), as the app records it.
Claude 4.7+ tokenizers count about 30 % more tokens than older ones for the same text, so the totals are
also shown ×1.3.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))
_home = tempfile.mkdtemp(prefix="bench-llm-")
for _variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_variable] = str(Path(_home, _variable.lower()))  # never the user's real settings or data

import keyring  # noqa: E402

from ai.llm.client import ClaudeClient  # noqa: E402
from storage.keys import ApiKey, KeyStore  # noqa: E402
from storage.llm_ledger import CallRecord, LlmLedger  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from storage.settings import SettingsStore  # noqa: E402
from tests.llm.fake_messages_api import FakeMessagesApi  # noqa: E402
from tests.memory_keyring import DictKeyring  # noqa: E402

ROWS, COLUMNS = 6, 6
BUDGET, GOAL = 0.05, 0.01
PRODUCTS = [
    "Coca-Cola 330ml",
    "Diet Coke 330ml",
    "Sprite 330ml",
    "Fanta Orange 330ml",
    "Evian Water 500ml",
    "Red Bull 250ml",
    "Monster Energy 500ml",
    "Lipton Ice Tea Peach",
    "Tropicana Orange Juice",
    "Gatorade Cool Blue",
    "Walkers Ready Salted",
    "Doritos Cool Original",
    "Pringles Sour Cream",
    "KitKat 4 Finger",
    "Snickers Bar",
    "Twix Twin",
    "Mars Bar",
    "Haribo Goldbears",
    "Nature Valley Oats & Honey",
    "Kind Dark Chocolate Nuts",
    "Belvita Breakfast Biscuits",
    "Oreo Original",
    "Maltesers Pouch",
    "Skittles Fruits",
]


def slot_analysis(rng: random.Random, row: int, column: int, name: str, neighbour: str) -> dict[str, Any]:
    """A realtime-analysis answer shaped and worded like ai/placement_feedback's, with plausible figures."""
    letter = "ABCDEF"[row]
    row_factor = [0.92, 1.18, 1.21, 1.04, 0.86, 0.71][row]
    score = round(min(99.0, max(3.0, 50 + (row_factor - 1) * 120 + rng.uniform(-18, 18))), 1)
    per_day = round(rng.uniform(0.4, 4.5), 2)
    pros = [f"Eye-level: row {letter} sells {row_factor:.2f}× the cabinet average"] if row_factor > 1 else []
    cons = [] if row_factor > 1 else [f"Low shelf: row {letter} sells {row_factor:.2f}× the cabinet average"]
    lift = round(rng.uniform(1.3, 2.6), 1)
    if rng.random() < 0.5:
        pros.append(f"Next to {neighbour}: bought together {lift:.1f}× more often than chance")
    else:
        cons.append(
            f"Away from complementary items: {neighbour} (bought together {lift:.1f}× more often than chance) "
            f"stands in {'ABCDEF'[rng.randrange(ROWS)]}{rng.randrange(1, COLUMNS + 1)}"
        )
    if per_day > 2.5:
        pros.append(
            f"High-velocity product: {per_day:.2f} a day expected here; {rng.randint(55, 90)}% of this "
            "cabinet's products sell less where they stand"
        )
    else:
        cons.append(
            f"Slow seller: {per_day:.2f} a day expected here; this cabinet's median product sells "
            f"{rng.uniform(1.5, 2.5):.2f}"
        )
    better = [f"{'BC'[rng.randrange(2)]}{rng.randrange(1, COLUMNS + 1)}" for _ in range(2)]
    gain = rng.randint(4, 35)
    return {
        "success": True,
        "placement_score": score,
        "confidence": round(rng.uniform(0.55, 0.93), 2),
        "feedback": {
            "pros": pros,
            "cons": cons,
            "suggestions": [f"Consider {better[0]} or {better[1]}: +{gain} % expected sales"],
        },
        "zone_analysis": {
            "current_zone_value": row_factor,
            "optimal_zones": better,
            "reason": f"{better[0]} is expected to sell {gain} % more than {letter}{column + 1}: row "
            f"{better[0][0]} sells {[0.92, 1.18, 1.21][1 if better[0][0] == 'B' else 2]:.2f}× the cabinet average",
        },
        "response_time_ms": rng.randint(1, 4),
    }


def cabinet(seed: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rng = random.Random(seed)
    slots = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            name = PRODUCTS[(row * COLUMNS + column) % len(PRODUCTS)]
            neighbour = rng.choice(PRODUCTS)
            slots.append(
                {
                    "slot": f"{'ABCDEF'[row]}{column + 1}",
                    "product_name": name,
                    "analysis": slot_analysis(rng, row, column, name, neighbour),
                }
            )
    return slots, {"rows": ROWS, "columns": COLUMNS, "temperature_zone": "refrigerated"}


def revenue_prediction(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    baseline = round(rng.uniform(120, 160), 2)
    lift = round(rng.uniform(6, 18), 1)
    proposed = round(baseline * (1 + lift / 100), 2)
    return {
        "success": True,
        "predictions": {
            "baseline": {
                "daily_revenue": baseline,
                "monthly_revenue": round(baseline * 30, 2),
                "top_products": [
                    {"product_id": 3, "name": "Coca-Cola 330ml", "daily_revenue": 24.5},
                    {"product_id": 11, "name": "Walkers Ready Salted", "daily_revenue": 14.2},
                ],
            },
            "proposed": {
                "daily_revenue": proposed,
                "monthly_revenue": round(proposed * 30, 2),
                "revenue_lift": lift,
                "confidence_interval": {"lower": round(proposed * 0.92, 2), "upper": round(proposed * 1.08, 2)},
            },
            "break_even_analysis": {
                "implementation_cost": 14.0,
                "days_to_recover": round(14.0 / (proposed - baseline), 1),
                "roi_30_days": round((proposed - baseline) * 30 - 14.0, 2),
            },
            "risk_factors": [
                {"factor": "New product introduction", "impact": "medium", "mitigation": "Monitor closely first week"},
                {"factor": "Two best sellers swap rows", "impact": "low", "mitigation": "Check restock par levels"},
            ],
        },
        "model_metadata": {
            "model_version": "2.1.0",
            "confidence_score": 0.87,
            "data_quality_score": 0.92,
            "factors_considered": ["historical_sales", "seasonality", "location_type"],
        },
    }


def describe(calls: list[CallRecord]) -> None:
    for call in calls:
        print(
            f"    {call.task:<22} {call.model:<18} in {call.input_tokens:>6}  out {call.output_tokens:>5}  "
            f"cache write {call.cache_write_tokens:>5}  read {call.cache_read_tokens:>5}  ${call.cost_usd:.5f}"
        )


def verdict(total: float) -> str:
    budget = "within" if total < BUDGET else "OVER"
    goal = "meets" if total <= GOAL else "misses"
    return f"{budget} the ${BUDGET:.2f} budget, {goal} the ${GOAL:.2f} goal"


def main() -> None:
    keyring.set_keyring(DictKeyring())
    keys = KeyStore()
    keys.save(ApiKey("sk-ant-bench-fake-key"))
    settings = SettingsStore(Path(_home, "settings.json"))
    engine = prepare_database(f"sqlite:///{Path(_home, 'bench.sqlite')}")
    ledger = LlmLedger(engine)
    with FakeMessagesApi() as api:
        client = ClaudeClient(settings, keys, ledger, base_url=api.url)

        def full_analysis(analysis_id: str, seed: int) -> float:
            slots, config = cabinet(seed)
            before = len(ledger.calls())
            result = client.explain_cabinet(slots, config, analysis_id=analysis_id)
            narrative = client.explain_comparison(revenue_prediction(seed), analysis_id=analysis_id)
            assert not result.fallback and not narrative.fallback, (result.notice, narrative.notice)
            assert len(result.lines) == ROWS * COLUMNS
            describe(ledger.calls()[before:])
            return client.analysis_spent(analysis_id)

        print(f"Full analysis of a {ROWS}×{COLUMNS} cabinet: one batched Haiku call + one Sonnet narrative")
        print("  first of the day (prompt cache written):")
        cold = full_analysis("cold", seed=1)
        print(f"  = ${cold:.4f} per analysis (×1.3 tokenizer margin: ${cold * 1.3:.4f}) — {verdict(cold * 1.3)}")
        print("  another cabinet within 5 minutes (system prompt read from the prompt cache):")
        warm = full_analysis("warm", seed=2)
        print(f"  = ${warm:.4f} per analysis (×1.3: ${warm * 1.3:.4f})")
        requests_before = len(api.requests)
        repeat = full_analysis("repeat", seed=2)
        print(
            f"  the same analysis again: ${repeat:.4f}, {len(api.requests) - requests_before} HTTP requests "
            "(answers served from the cache)"
        )

        print(f"\nAlternative rejected: one Haiku call per slot ({ROWS * COLUMNS} calls) + the same narrative")
        slots, _ = cabinet(3)
        before = len(ledger.calls())
        for entry in slots:
            client.explain_slot(entry["analysis"], entry["slot"], entry["product_name"], analysis_id="per-slot")
        client.explain_comparison(revenue_prediction(3), analysis_id="per-slot")
        calls = ledger.calls()[before:]
        per_slot = client.analysis_spent("per-slot")
        haiku = sum(call.cost_usd for call in calls if call.task == "slot_explanation")
        print(f"  {len(calls) - 1} slot calls ${haiku:.4f} + narrative = ${per_slot:.4f} per analysis")
        client.close()
    engine.dispose()
    print(
        f"\nMeasured: ${cold:.4f} per full analysis (cold), ${warm:.4f} (warm); budget ${BUDGET:.2f}, goal ${GOAL:.2f}"
    )


if __name__ == "__main__":
    main()
