"""Experiments on the demo fleet: a planted effect is found, the treatment planogram goes live, roles are checked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ai.experiment_tracking import (
    ExperimentPlan,
    complete_experiment,
    create_experiment,
    experiment_status,
    list_experiments,
)
from ai.experiments import Assignment, Metric
from designer.command_outcomes import RequestInvalid
from designer.planograms import Planogram
from designer.roles import PermissionDenied
from storage.tables import AiExperiment, PlanogramRecord, SimulationTruth, User
from storage.versions import PlanogramVersions
from tests.experiments.conftest import PLANTED_DEVICES, PLANTED_START

ALL_DEVICES = list(range(1, 13))


def test_a_planted_ten_percent_uplift_is_found_with_the_right_sign_and_an_interval_covering_it(planted_fleet) -> None:
    engine, treated = planted_fleet
    plan = ExperimentPlan("planted uplift", list(range(1, PLANTED_DEVICES + 1)), PLANTED_START,
                          assignment=Assignment.CHOSEN, treatment_devices=treated)  # fmt: skip
    made = create_experiment(engine, plan, user_id=None)
    with Session(engine) as session:
        truth = json.loads(session.get(SimulationTruth, "planted_treatment").value)
    assert truth["multiplier"] == 1.10 and truth["device_ids"] == list(treated)

    done = complete_experiment(engine, int(made["id"]), user_id=None)
    revenue = done["results"]["metrics"][Metric.REVENUE.value]
    assert done["winner"] == "treatment" and done["status"] == "completed"
    assert revenue["effect"] > 0
    assert revenue["ci_low"] <= 0.10 <= revenue["ci_high"]
    units = done["results"]["metrics"][Metric.UNITS.value]
    assert units["ci_low"] <= 0.10 <= units["ci_high"]
    assert revenue["days_after"] == 35 and revenue["days_before"] == 28


def test_an_aa_experiment_on_the_untouched_fleet_is_inconclusive(plain_fleet: Engine) -> None:
    plan = ExperimentPlan("A/A", ALL_DEVICES, PLANTED_START, assignment=Assignment.STRATIFIED, seed=3)
    made = create_experiment(plain_fleet, plan, user_id=None)
    status = experiment_status(plain_fleet, int(made["id"]))
    assert status["status"] == "active" and status["results"]["interim"] is True
    assert status["results"]["winner"] == "inconclusive"
    daily = status["results"]["daily"][Metric.REVENUE.value]
    assert len(daily["dates"]) == len(daily["control"]) == len(daily["treatment"]) == 28 + 35
    power = status["results"]["metrics"][Metric.REVENUE.value]["power"]
    assert "detect 5%" in power["message"]


def _draft_for(engine: Engine, device_id: int) -> int:
    versions = PlanogramVersions(engine)
    with Session(engine) as session:
        active = session.scalar(
            select(PlanogramRecord.id).where(PlanogramRecord.device_id == device_id, PlanogramRecord.status == "active")
        )
    current = versions.load(active)
    saved = versions.save(Planogram(device_id, current.cabinet_index, dict(current.slots), name="treatment"))
    with Session(engine) as session:
        mine = (PlanogramRecord.name == "treatment", PlanogramRecord.device_id == saved.device_id)
        return session.scalar(select(PlanogramRecord.id).where(*mine))


def test_the_treatment_planogram_goes_live_on_the_treatment_device_only(plain_fleet: Engine) -> None:
    draft = _draft_for(plain_fleet, 4)
    plan = ExperimentPlan("new layout", [3, 4], PLANTED_START, assignment=Assignment.CHOSEN,
                          treatment_devices=[4], treatment_planograms=[draft])  # fmt: skip
    made = create_experiment(plain_fleet, plan, user_id=None)
    with Session(plain_fleet) as session:
        assert session.get(PlanogramRecord, draft).status == "active"
    assert made["treatment_group"]["planogram_ids"] == [draft]
    assert made["control_group"]["device_ids"] == [3]


def test_a_treatment_planogram_for_a_control_device_is_refused_and_nothing_goes_live(plain_fleet: Engine) -> None:
    draft = _draft_for(plain_fleet, 3)
    plan = ExperimentPlan("wrong", [3, 4], PLANTED_START, assignment=Assignment.CHOSEN, treatment_devices=[4],
                          treatment_planograms=[draft])  # fmt: skip
    with pytest.raises(RequestInvalid, match="control group"):
        create_experiment(plain_fleet, plan, user_id=None)
    with Session(plain_fleet) as session:
        assert session.get(PlanogramRecord, draft).status == "draft"
        assert session.scalar(select(AiExperiment.id)) is None


def test_a_viewer_may_not_run_experiments(plain_fleet: Engine) -> None:
    with Session(plain_fleet) as session, session.begin():
        viewer = User(username="vic.viewer", role="viewer")
        session.add(viewer)
        session.flush()
        viewer_id = viewer.id
    with pytest.raises(PermissionDenied, match="run experiments"):
        create_experiment(plain_fleet, ExperimentPlan("x", [1, 2], PLANTED_START), user_id=viewer_id)


def test_completing_stores_results_once(plain_fleet: Engine) -> None:
    made = create_experiment(plain_fleet, ExperimentPlan("once", ALL_DEVICES, PLANTED_START), user_id=None)
    done = complete_experiment(plain_fleet, int(made["id"]), user_id=None)
    assert done["end_date"] == "2026-06-30"
    with pytest.raises(RequestInvalid, match="already completed"):
        complete_experiment(plain_fleet, int(made["id"]), user_id=None)
    again = experiment_status(plain_fleet, int(made["id"]))
    assert again["results"] == done["results"] and again["results"]["interim"] is False
    assert [e["name"] for e in list_experiments(plain_fleet)] == ["once"]


def test_an_experiment_starting_before_the_history_says_to_start_later(plain_fleet: Engine) -> None:
    made = create_experiment(plain_fleet, ExperimentPlan("early", ALL_DEVICES, PLANTED_START.replace(month=1)),
                             user_id=None)  # fmt: skip
    # the status of an accepted experiment is never an error: it says why there is no verdict yet
    results = experiment_status(plain_fleet, int(made["id"]))["results"]
    assert results["winner"] == "inconclusive" and "start the experiment later" in results["note"]
    with pytest.raises(RequestInvalid, match="start the experiment later"):
        complete_experiment(plain_fleet, int(made["id"]), user_id=None)
