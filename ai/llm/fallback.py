"""Explanations without Claude: built from the local model's own factors, instantly and offline.

The same functions give the *figures* line shown above every explanation, Claude's or not: numbers always
come from the local facts, whatever the prose says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _strings(value: Any) -> list[str]:
    return [item.strip() for item in value if isinstance(item, str) and item.strip()] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _joined(items: list[str]) -> str:
    return "; ".join(item.rstrip(".") for item in items)


def _score(value: float) -> str:
    return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"


def slot_figures(facts: Mapping[str, Any]) -> list[str]:
    """The seed's realtime-analysis numbers as short labelled figures."""
    figures: list[str] = []
    score = _number(facts.get("placement_score"))
    if score is not None:
        figures.append(f"score {_score(score)}/100")
    confidence = _number(facts.get("confidence"))
    if confidence is not None:
        figures.append(f"confidence {confidence:.0%}")
    zone = _mapping(facts.get("zone_analysis"))
    zone_value = _number(zone.get("current_zone_value"))
    if zone_value is not None:
        figures.append(f"zone value {zone_value:.2f}×")
    better = _strings(zone.get("optimal_zones"))
    if better:
        figures.append("better slots: " + ", ".join(better))
    return figures


def slot_explanation(facts: Mapping[str, Any], slot_label: str, product_name: str) -> tuple[str, str]:
    """(explanation, suggestion) for one slot, in sentences made of the model's pros, cons and zone reason."""
    feedback = _mapping(facts.get("feedback"))
    pros, cons, suggestions = (_strings(feedback.get(key)) for key in ("pros", "cons", "suggestions"))
    zone = _mapping(facts.get("zone_analysis"))
    score = _number(facts.get("placement_score"))
    sentences: list[str] = []
    name = product_name.strip() or "This product"
    if score is not None:
        verdict = "a strong" if score >= 70 else "a fair" if score >= 45 else "a weak"
        sentences.append(f"{name} in {slot_label} is {verdict} placement ({_score(score)} of 100).")
    if pros:
        sentences.append(f"In its favour: {_joined(pros)}.")
    if cons:
        sentences.append(f"Against it: {_joined(cons)}.")
    reason = zone.get("reason")
    if isinstance(reason, str) and reason.strip():
        sentences.append(f"{reason.strip().rstrip('.')}.")
    confidence = _number(facts.get("confidence"))
    if confidence is not None and confidence < 0.5:
        sentences.append("The estimate is uncertain: there is little sales history behind it.")
    if not sentences:
        sentences.append(f"The analysis gives no factors for {slot_label} yet.")
    suggestion = f"{_joined(suggestions)}." if suggestions else ""
    better = _strings(zone.get("optimal_zones"))
    if not suggestion and better:
        suggestion = f"Slots that suit it better: {', '.join(better)}."
    return " ".join(sentences), suggestion


def _money(value: float) -> str:
    return f"${value:,.2f}"


def comparison_figures(facts: Mapping[str, Any]) -> list[str]:
    """The seed's predict-revenue numbers as short labelled figures."""
    predictions = _mapping(facts.get("predictions"))
    baseline, proposed = _mapping(predictions.get("baseline")), _mapping(predictions.get("proposed"))
    figures: list[str] = []
    for label, side in (("today", baseline), ("proposed", proposed)):
        daily = _number(side.get("daily_revenue"))
        if daily is not None:
            figures.append(f"{label} {_money(daily)}/day")
    lift = _number(proposed.get("revenue_lift"))
    if lift is not None:
        figures.append(f"lift {lift:+.1f}%")
    interval = _mapping(proposed.get("confidence_interval"))
    lower, upper = _number(interval.get("lower")), _number(interval.get("upper"))
    if lower is not None and upper is not None:
        figures.append(f"likely {_money(lower)}–{_money(upper)}/day")
    days = _number(_mapping(predictions.get("break_even_analysis")).get("days_to_recover"))
    if days is not None:
        figures.append(f"pays back in {days:.1f} days")
    confidence = _number(_mapping(facts.get("model_metadata")).get("confidence_score"))
    if confidence is not None:
        figures.append(f"confidence {confidence:.0%}")
    return figures


def comparison_narrative(facts: Mapping[str, Any]) -> tuple[str, str, list[str]]:
    """(headline, narrative, watch points) from a revenue prediction, without Claude."""
    predictions = _mapping(facts.get("predictions"))
    proposed = _mapping(predictions.get("proposed"))
    lift = _number(proposed.get("revenue_lift"))
    if lift is None:
        headline = "Revenue comparison of today's and the proposed planogram"
    elif lift > 0:
        headline = f"The proposed planogram is predicted to sell {lift:.1f}% more"
    elif lift < 0:
        headline = f"The proposed planogram is predicted to sell {abs(lift):.1f}% less"
    else:
        headline = "The proposed planogram is predicted to sell about the same"
    sentences: list[str] = []
    interval = _mapping(proposed.get("confidence_interval"))
    lower, upper = _number(interval.get("lower")), _number(interval.get("upper"))
    if lower is not None and upper is not None:
        sentences.append(f"Its daily revenue is likely between {_money(lower)} and {_money(upper)}.")
    break_even = _mapping(predictions.get("break_even_analysis"))
    days, cost = _number(break_even.get("days_to_recover")), _number(break_even.get("implementation_cost"))
    if days is not None and cost is not None:
        sentences.append(f"The change costs {_money(cost)} in labour and pays for itself in {days:.1f} days.")
    confidence = _number(_mapping(facts.get("model_metadata")).get("confidence_score"))
    if confidence is not None and confidence < 0.6:
        sentences.append("The prediction is uncertain; treat it as a direction rather than a figure.")
    watch = []
    for risk in predictions.get("risk_factors", []) if isinstance(predictions.get("risk_factors"), list) else []:
        risk = _mapping(risk)
        factor, mitigation = risk.get("factor"), risk.get("mitigation")
        if isinstance(factor, str) and factor.strip():
            watch.append(f"{factor.strip()}: {mitigation.strip()}" if isinstance(mitigation, str) else factor.strip())
    return headline, " ".join(sentences) or "The local model gave no interval or payback for this change.", watch[:4]


def cabinet_explanations(slots: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(position, one-line explanation) for each slot entry ``{"slot", "product_name", "analysis"}``."""
    lines = []
    for entry in slots:
        slot = str(entry.get("slot", ""))
        text, _ = slot_explanation(_mapping(entry.get("analysis")), slot, str(entry.get("product_name", "")))
        lines.append((slot, text))
    return lines


WHAT_IF_FALLBACK = (
    "Free questions need Claude, which is not available now. The figures above are the local models' answer; "
    "try the question again later, or change the planogram and compare the predictions."
)
