"""Why the placement model expects what it does of one product in one slot: its own terms, as factors.

The model is log-linear (:mod:`ai.placement_model`), so a slot's expected daily sales are exactly a baseline times
one multiplier per learnt effect (:meth:`~ai.placement_scoring.PlacementScorer.contributions`); those multipliers
are the factors, and multiplied together they give the figure the score panel shows. The model-wide part (logic,
fitted figures, the period and rows it was fitted on) is built once per model and shared by every slot's answer,
so an explanation per slot adds a few factors and sentences to a response, not a copy of the model.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

from ai.explanations import MULTIPLIER, DataUsed, Explanation, Factor, ModelLogic, multiplier
from ai.placement_features import COLUMN_OFFSETS, ROW_OFFSETS
from ai.placement_model import PRIOR_VENDS, PlacementModel
from ai.placement_scoring import PlacementScorer, SlotContributions, learnt_sizes
from designer.cabinets import Cabinet
from designer.planograms import Planogram
from designer.positions import Position
from storage.database import Engine
from storage.sales_history import fleet_first_and_last_sale

PLACEMENT_LOGIC = "Poisson GLM (log link) of exposure-weighted slot sales with ridge-shrunk effects"
"""The effects are the factors each answer lists; sold-out time is left out of the exposure."""
LITTLE_HISTORY_DAYS = 7
WEAK_FIT = 0.5
"""Below this share of deviance explained the model says so in every slot's limitations."""


def placement_logic(model: PlacementModel) -> ModelLogic:
    """The model-wide part: its type, version, data fingerprint and fitted model-wide figures."""
    summary = model.summary
    return ModelLogic(
        PLACEMENT_LOGIC,
        model.model_version,
        model.fingerprint,
        {
            "deviance_explained": float(summary.get("deviance_explained", 0.0)),
            "converged": bool(int(summary.get("converged", 1))),
            "price_slope": multiplier(model.price_slope),
            "affinity_slope": multiplier(model.affinity_slope),
            "colder_cabinet_multiplier": multiplier(math.exp(model.mismatch_effect)),
            "prior_vends": PRIOR_VENDS,
        },
    )


class PlacementExplainer:
    """Explanations of one scorer's slots; the model part is built once (shared by a batch of answers)."""

    def __init__(
        self, scorer: PlacementScorer, period: tuple[date | datetime | None, date | datetime | None] = (None, None)
    ) -> None:
        """``period``: the first and the latest sale of the data the model was fitted on (the data fingerprint
        pins them: a database whose sales changed gets a retrained model)."""
        self.scorer = scorer
        self.logic = placement_logic(scorer.model)
        self.model_json = self.logic.to_json()
        self.model_reference = {key: self.model_json[key] for key in ("type", "version")}
        """The model part of answers that come with the full one beside them (a proposal's recommendations)."""
        summary = scorer.model.summary
        self.period = period
        self.rows = {
            "sales_rows": int(summary.get("sales_rows", 0)),
            "slot_spans": int(summary.get("slot_spans", 0)),
            "unmatched_sales": int(summary.get("unmatched_sales", 0)),
        }

    def slot(self, cabinet: Cabinet, planogram: Planogram, product_id: int, position: Position) -> Explanation:
        """Why ``product_id`` at ``position`` is expected to sell what it does, next to ``planogram``'s products."""
        terms = self.scorer.contributions(cabinet, planogram, product_id, position)
        return self.explain(cabinet, product_id, position, terms)

    def explain(self, cabinet: Cabinet, product_id: int, position: Position, terms: SlotContributions) -> Explanation:
        return Explanation.of(
            self.logic,
            slot_factors(self.scorer, cabinet, position, product_id, terms),
            self.slot_data(terms),
            self.limitations(cabinet, product_id, terms),
        )

    def slot_data(self, terms: SlotContributions) -> DataUsed:
        """The model's period and rows, and the days this product stood in this machine."""
        return self.slot_data_rows(days_this_product_here=round(terms.history_days, 1))

    def slot_data_rows(self, **more: int | float) -> DataUsed:
        """The model's period and rows, with ``more`` counts of the answer's own."""
        return DataUsed.between(*self.period, **self.rows, **more)

    def slot_json(self, cabinet: Cabinet, planogram: Planogram, product_id: int, position: Position) -> dict:
        """:meth:`slot` as the response's ``explanation``, with the shared model part and the slot's figures."""
        terms = self.scorer.contributions(cabinet, planogram, product_id, position)
        body = self.explain(cabinet, product_id, position, terms).to_json(self.model_json)
        body["decision"] = decision(terms)
        return body

    def limitations(self, cabinet: Cabinet, product_id: int, terms: SlotContributions) -> list[str]:
        """What is true of this slot's estimate that a reader should weigh."""
        model = self.scorer.model
        name = self.scorer.catalogue[product_id].name
        found: list[str] = []
        if not terms.accepted:
            found.append(f"This {cabinet.zone.value} cabinet may not hold {name}: it scores 0 in every slot")
        if not self.scorer.has_history:
            found.append("No sale in this database can be placed in a slot yet, so every slot scores alike")
            return found
        if not terms.product_known:
            found.append(f"{name} has never sold in this fleet: its estimate rests on its category and price alone")
        if not terms.machine_known:
            found.append("This machine has no sales the model could use: the estimate is the fleet's")
        elif terms.history_days < LITTLE_HISTORY_DAYS:
            days = "No days" if terms.history_days < 1 else f"Only {terms.history_days:.0f} days"
            found.append(f"{days} of {name} at this machine: the estimate leans on its sales at similar machines")
        for size, seen, offsets, what in (
            (cabinet.rows, model.row_seen, ROW_OFFSETS, "row"),
            (cabinet.columns, model.column_seen, COLUMN_OFFSETS, "column"),
        ):
            known = learnt_sizes(np.asarray(seen), offsets)
            if size not in known:
                nearest = min(known, key=lambda n: (abs(n - size), -n)) if known else None
                source = f"read off {nearest}-{what} cabinets" if nearest else "not learnt (all alike)"
                found.append(f"No {size}-{what} cabinet in the sales history: {what} effects are {source}")
        explained = float(model.summary.get("deviance_explained", 1.0))
        if explained < WEAK_FIT:
            found.append(f"The model explains {explained:.0%} of the variation in slot sales: read scores as rough")
        if not int(model.summary.get("converged", 1)):
            found.append("The model's fit stopped before it converged")
        return found


def decision(terms: SlotContributions) -> dict[str, float]:
    """The slot's figures the factors multiply out to: baseline × factors = expected daily sales."""
    expected = math.exp(terms.log_expected) if terms.accepted else 0.0
    return {
        "baseline_daily_sales": round(math.exp(terms.baseline), 4),
        "expected_daily_sales": round(expected, 4),
    }


def slot_factors(
    scorer: PlacementScorer, cabinet: Cabinet, position: Position, product_id: int, terms: SlotContributions
) -> list[Factor]:
    """One multiplier per learnt effect; their product times the baseline is the slot's expected daily sales."""
    product = scorer.catalogue[product_id]
    letter = position.label.rstrip("0123456789")
    factors = [
        Factor(f"{product.name} across the fleet", multiplier(math.exp(terms.product)), MULTIPLIER),
        Factor(
            f"Category {product.category}",
            multiplier(math.exp(terms.category)),
            MULTIPLIER,
        ),
        Factor("Price against its category", multiplier(math.exp(terms.price)), MULTIPLIER),
        Factor("This machine's pace", multiplier(math.exp(terms.machine)), MULTIPLIER),
        Factor(
            f"{product.name} at this machine and location type",
            multiplier(math.exp(terms.product_here)),
            MULTIPLIER,
        ),
        Factor(
            f"Row {letter} of {cabinet.rows}",
            multiplier(math.exp(terms.row)),
            MULTIPLIER,
        ),
        Factor(
            f"Column {position.column + 1} of {cabinet.columns}",
            multiplier(math.exp(terms.column)),
            MULTIPLIER,
        ),
        Factor("Kept colder than it needs", multiplier(math.exp(terms.temperature)), MULTIPLIER),
    ]
    if terms.neighbour_product >= 0:
        partner = scorer.catalogue[terms.neighbour_product].name
        factors.append(
            Factor(
                f"Next to {partner} (bought together {terms.neighbour_lift:.1f}× chance)",
                multiplier(math.exp(terms.neighbour)),
                MULTIPLIER,
            )
        )
    return factors


_EXPLAINERS: dict[int, PlacementExplainer] = {}
KEPT_EXPLAINERS = 4


def explainer_for(scorer: PlacementScorer, engine: Engine) -> PlacementExplainer:
    """The scorer's explainer, built on first use (one query for the period of the sales it was fitted on)."""
    found = _EXPLAINERS.get(id(scorer))
    if found is None or found.scorer is not scorer:
        found = PlacementExplainer(scorer, fleet_first_and_last_sale(engine))
        _EXPLAINERS[id(scorer)] = found
        while len(_EXPLAINERS) > KEPT_EXPLAINERS:  # a retrained model replaces its scorer: let the old one go
            del _EXPLAINERS[next(iter(_EXPLAINERS))]
    return found
