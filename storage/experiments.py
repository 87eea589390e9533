"""A/B experiments as ``ai_experiments`` keeps them: the row as plain data, added and closed with an audit entry.

The JSON columns (devices, groups, metrics, results) are written and read as text here; what they hold is
:mod:`ai.experiment_tracking`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select

from storage.audit import record as audit_record
from storage.engine import session_factory
from storage.stored_time import stored_now
from storage.tables import AiExperiment


@dataclass(frozen=True)
class ExperimentRecord:
    """One ``ai_experiments`` row (the JSON columns as text)."""

    id: int
    experiment_name: str
    experiment_type: str | None
    device_ids: str | None
    control_group: str | None
    treatment_group: str | None
    start_date: date
    end_date: date | None
    status: str | None
    metrics_tracked: str | None
    results: str | None
    winner: str | None
    completed_at: datetime | None


def _record(row: AiExperiment) -> ExperimentRecord:
    return ExperimentRecord(
        row.id,
        row.experiment_name,
        row.experiment_type,
        row.device_ids,
        row.control_group,
        row.treatment_group,
        row.start_date,
        row.end_date,
        row.status,
        row.metrics_tracked,
        row.results,
        row.winner,
        row.completed_at,
    )


def add_experiment(
    engine: Engine,
    *,
    name: str,
    experiment_type: str,
    device_ids: str,
    control_group: str,
    treatment_group: str,
    start: date,
    end: date | None,
    status: str,
    metrics_tracked: str,
    user_id: int | None,
    audit_details: dict[str, object],
) -> ExperimentRecord:
    """Store a new experiment and audit ``experiment.create`` with ``audit_details``, in one transaction."""
    with session_factory(engine).begin() as session:
        experiment = AiExperiment(
            experiment_name=name,
            experiment_type=experiment_type,
            device_ids=device_ids,
            control_group=control_group,
            treatment_group=treatment_group,
            start_date=start,
            end_date=end,
            status=status,
            metrics_tracked=metrics_tracked,
            created_at=stored_now(),
            created_by=user_id,
        )
        session.add(experiment)
        session.flush()
        audit_record(session, user_id, "experiment.create", audit_details, resource_type="experiment",
                     resource_id=experiment.id)  # fmt: skip
        return _record(experiment)


def stored_experiments(engine: Engine) -> list[ExperimentRecord]:
    """Every experiment, newest first."""
    with session_factory(engine)() as session:
        return [_record(row) for row in session.scalars(select(AiExperiment).order_by(AiExperiment.id.desc())).all()]


def stored_experiment(engine: Engine, experiment_id: int) -> ExperimentRecord | None:
    with session_factory(engine)() as session:
        row = session.get(AiExperiment, experiment_id)
        return _record(row) if row is not None else None


def close_experiment(
    engine: Engine, experiment_id: int, *, results: str, winner: str, status: str, as_of: date, user_id: int | None
) -> ExperimentRecord:
    """Store the results and the winner, mark the experiment ``status`` and completed now (ending it ``as_of``
    when it had no end date), and audit ``experiment.complete``, in one transaction."""
    with session_factory(engine).begin() as session:
        row = session.get(AiExperiment, experiment_id)
        if row is None:
            raise LookupError(f"experiment {experiment_id} does not exist; `experiment list` shows the ids")
        row.results = results
        row.winner = winner
        row.status = status
        row.completed_at = stored_now()
        row.end_date = row.end_date or as_of
        audit_record(session, user_id, "experiment.complete", {"winner": row.winner},
                     resource_type="experiment", resource_id=experiment_id)  # fmt: skip
        return _record(row)
