"""Traffic and shoppers change the proposal: busy sites get fewer products with more facings, health-conscious
shoppers a healthier range, young and old shoppers different categories — each reported with its reason."""

from __future__ import annotations

import numpy as np

from ai.personalization import answer
from ai.personalization_optimizer import served_units
from ai.personalization_shoppers import shopper_profile
from ai.services import Services

REVENUE_FIRST = {"revenue": 0.7, "variety": 0.15, "health_score": 0.15}


def ask(
    services: Services,
    device_id: int = 1,
    traffic: float | None = None,
    goals: dict[str, float] | None = None,
    **demographics: object,
) -> dict:
    context: dict[str, object] = {"type": "office", "demographics": demographics}
    if traffic is not None:
        context["traffic_patterns"] = {"peak_hours": ["08:00", "12:00"], "daily_traffic": traffic}
    request = {"device_id": device_id, "location_context": context}
    if goals is not None:
        request["optimization_goals"] = goals
    reply = answer(request, services)
    assert reply.valid, reply.body
    return reply.body["personalized_planogram"]


def recorded(services: Services, device_id: int = 1) -> float:
    return ask(services, device_id)["stocking"]["recorded_shoppers_per_day"]


def test_a_busy_site_gets_fewer_products_with_more_facings(services) -> None:
    shoppers = recorded(services)
    quiet = ask(services, traffic=0.5 * shoppers, goals=REVENUE_FIRST)
    busy = ask(services, traffic=4 * shoppers, goals=REVENUE_FIRST)
    print(
        f"recorded {shoppers} shoppers/day; quiet: {quiet['distinct_products']} products, "
        f"busy: {busy['distinct_products']} products in {len(busy['recommendations'])} slots"
    )
    assert busy["distinct_products"] < quiet["distinct_products"]
    extra = [len(plan["recommendations"]) - plan["distinct_products"] for plan in (quiet, busy)]
    assert extra[1] > extra[0], extra
    stacked = [r for r in busy["recommendations"] if r["facings"] > 1]
    singles = [r for r in busy["recommendations"] if r["facings"] == 1]
    # the extra facings go to the fast movers
    assert np.mean([r["expected_demand"] for r in stacked]) > np.mean([r["expected_demand"] for r in singles])
    assert any("extra facing" in r["reason"] for r in stacked)
    assert busy["stocking"]["traffic_scale"] == 4.0 and "demand taken at ×4" in busy["reasoning"][0]


def test_at_a_quiet_site_every_slot_offers_another_product(services) -> None:
    plan = ask(services, traffic=0.5 * recorded(services))
    assert plan["distinct_products"] == len(plan["recommendations"])


def test_revenue_grows_with_traffic_but_stock_caps_it(services) -> None:
    shoppers = recorded(services)
    base = ask(services, traffic=shoppers)["expected_daily_revenue"]
    busy = ask(services, traffic=4 * shoppers)["expected_daily_revenue"]
    assert base < busy < 4 * base


def test_stated_traffic_is_read_against_the_peers_for_a_machine_with_no_sales(services, four_cabinet_device) -> None:
    plan = ask(services, four_cabinet_device, traffic=100)
    assert plan["stocking"]["recorded_shoppers_per_day"] > 0
    assert "location type" in plan["stocking"]["recorded_basis"]


def test_health_conscious_shoppers_get_a_healthier_range(services) -> None:
    low = ask(services, health_consciousness="low")
    high = ask(services, health_consciousness="high")
    print(f"mean health score: low {low['mean_health_score']}, high {high['mean_health_score']}")
    assert high["mean_health_score"] > low["mean_health_score"] + 0.2
    assert high["shopper_adjustments"]["health_tilt"] > 0 > low["shopper_adjustments"]["health_tilt"]
    assert any("health consciousness" in line for line in high["reasoning"])


def test_young_and_older_shoppers_get_different_categories(services) -> None:
    young = ask(services, age_range="18-30")
    older = ask(services, age_range="60+")
    energy = [young["category_mix"].get("energy drinks", 0), older["category_mix"].get("energy drinks", 0)]
    print(f"energy drinks share: 18-30 {energy[0]}, 60+ {energy[1]}")
    assert energy[0] > energy[1]
    assert young["shopper_adjustments"]["category_multipliers"]["energy drinks"] > 1
    assert older["shopper_adjustments"]["category_multipliers"]["energy drinks"] < 1
    assert "prior" in young["shopper_adjustments"]["source"]
    assert any("aged 18-30" in r["reason"] for r in young["recommendations"])


def test_gender_split_is_accepted_and_said_to_move_nothing() -> None:
    profile = shopper_profile({"gender_split": {"male": 0.6, "female": 0.4}})
    assert profile.categories == {} and profile.health_tilt == 0
    assert any("gender split moves nothing" in note for note in profile.notes)


def test_a_facing_sells_what_demand_and_stock_allow() -> None:
    demand = np.array([0.2, 2.0, 8.0])
    one, two = served_units(demand, np.full(3, 10), 3.0), served_units(demand, np.full(3, 20), 3.0)
    assert np.all(one <= demand + 1e-9) and np.all(one <= 10 / 3.0 + 1e-9)
    assert np.all(two >= one)
    extra = two - one
    assert extra[0] < 0.01 < extra[2]  # a second facing adds nothing to a slow mover, much to a fast one


def test_an_unknown_health_consciousness_is_refused_with_a_fix(services) -> None:
    context = {"type": "office", "demographics": {"health_consciousness": "very"}}
    reply = answer({"device_id": 1, "location_context": context}, services)
    assert not reply.valid and "health_consciousness" in reply.body["error"] and "Fix:" in reply.body["error"]
