"""A person's data: everything held about one user, exported as JSON, or deleted (the right to erasure).

Held about a user: their user row (name, email, role, switches; the CVD password hash is said to be held, never
exported), the predictions they asked for and the feedback on them, feedback they gave, the experiments they
created, their Claude usage log and the Claude answers cached from their requests, and the audit rows of what
they did. Deleting removes their predictions, feedback and cached answers, takes their name off the usage log
and experiments (the counts and costs stay: aggregated figures, like the sales, are not personal), clears the
personal fields of the user row (email, hash, CVD lock; the name becomes ``deleted-user-ID``) and is itself
audited. Only an admin may export another person's data or delete anyone's. A user pulled from CVD is CVD's:
the next pull brings their name and email back unless they are deleted in CVD too (the README says so).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from designer.roles import Action
from storage.audit import record
from storage.engine import session_factory
from storage.llm_tables import LlmCacheRecord, LlmCallRecord
from storage.tables import AiExperiment, AiFeedback, AiPrediction, AuditLogRecord, User
from storage.users import user_by_id

DELETED_NAME = "deleted-user-{id}"


class UnknownPerson(LookupError):
    """No user of that name, email or id in this database; the message lists how to find one."""


@dataclass(frozen=True, slots=True)
class Deleted:
    """What a deletion removed or anonymised, by kind (all counts)."""

    predictions: int
    feedback: int
    llm_cache: int
    llm_calls_anonymised: int
    experiments_anonymised: int

    def as_dict(self) -> dict[str, int]:
        return {
            "predictions": self.predictions,
            "feedback": self.feedback,
            "llm_cache": self.llm_cache,
            "llm_calls_anonymised": self.llm_calls_anonymised,
            "experiments_anonymised": self.experiments_anonymised,
        }


def find_person(engine: Engine, who: str) -> int:
    """The id of the user named ``who`` (username, email, or ``id:N``)."""
    with session_factory(engine)() as session:
        query = select(User.id).where(or_(User.username == who, User.email == who))
        if who.startswith("id:") and who[3:].isdigit():
            query = select(User.id).where(User.id == int(who[3:]))
        found = session.scalars(query).all()
    if not found:
        raise UnknownPerson(f"{who!r} is not a user of this database (a username, an email, or id:N)")
    return found[0]


def export_person(engine: Engine, by: int | None, user_id: int) -> dict[str, Any]:
    """Everything held about the user, as JSON-ready values (the sealed values opened); the user themselves or an
    admin may ask."""
    with session_factory(engine)() as session:
        _may_see(session, by, user_id)
        user = session.get(User, user_id)
        assert user is not None  # _may_see found them
        theirs = select(AiPrediction.id).where(AiPrediction.created_by == user_id)
        return {
            "user": {
                "id": user.id,
                "username": user.username,
                "email": user.email,
                "role": user.role,
                "is_active": bool(user.is_active),
                "ai_features_enabled": bool(user.ai_features_enabled),
                "password_hash_held": user.password_hash is not None,
                "cvd_locked_until": _text(user.cvd_locked_until),
            },
            "predictions": [
                {
                    "id": row.id,
                    "prediction_type": row.prediction_type,
                    "device_id": row.device_id,
                    "cabinet_index": row.cabinet_index,
                    "input_data": _json(row.input_data),
                    "prediction_result": _json(row.prediction_result),
                    "model_version": row.model_version,
                    "created_at": _text(row.created_at),
                }
                for row in session.scalars(select(AiPrediction).where(AiPrediction.created_by == user_id))
            ],
            "feedback": [
                {
                    "id": row.id,
                    "prediction_id": row.prediction_id,
                    "feedback_type": row.feedback_type,
                    "user_feedback": _json(row.user_feedback),
                    "actual_outcome": _json(row.actual_outcome),
                    "created_at": _text(row.created_at),
                }
                for row in session.scalars(
                    select(AiFeedback).where(
                        or_(AiFeedback.created_by == user_id, AiFeedback.prediction_id.in_(theirs))
                    )
                )
            ],
            "experiments": [
                {"id": row.id, "experiment_name": row.experiment_name, "status": row.status}
                for row in session.scalars(select(AiExperiment).where(AiExperiment.created_by == user_id))
            ],
            "llm_calls": [
                {
                    "task": row.task,
                    "model": row.model,
                    "outcome": row.outcome,
                    "cost_usd": row.cost_usd,
                    "created_at": _text(row.created_at),
                }
                for row in session.scalars(select(LlmCallRecord).where(LlmCallRecord.user_id == user_id))
            ],
            "llm_cache": [
                {"task": row.task, "model": row.model, "answer": _json(row.answer), "created_at": _text(row.created_at)}
                for row in session.scalars(select(LlmCacheRecord).where(LlmCacheRecord.user_id == user_id))
            ],
            "audit_log": [
                {"action": row.action, "details": _json(row.details), "created_at": _text(row.created_at)}
                for row in session.scalars(select(AuditLogRecord).where(AuditLogRecord.user_id == user_id))
            ],
        }


def delete_person(engine: Engine, by: int, user_id: int) -> Deleted:
    """Erase the user's AI data and personal fields (an admin only); audited as ``privacy.user_deleted``."""
    with session_factory(engine).begin() as session:
        user_by_id(session, by).require(Action.MANAGE_USERS)
        user = session.get(User, user_id)
        if user is None:
            raise UnknownPerson(f"user {user_id} no longer exists")
        if user_id == by:
            raise ValueError("you cannot delete your own data while signed in as yourself; ask another admin")
        theirs = select(AiPrediction.id).where(AiPrediction.created_by == user_id)
        feedback = session.execute(
            delete(AiFeedback).where(or_(AiFeedback.created_by == user_id, AiFeedback.prediction_id.in_(theirs)))
        ).rowcount
        predictions = session.execute(delete(AiPrediction).where(AiPrediction.created_by == user_id)).rowcount
        cache = session.execute(delete(LlmCacheRecord).where(LlmCacheRecord.user_id == user_id)).rowcount
        calls = session.execute(
            update(LlmCallRecord).where(LlmCallRecord.user_id == user_id).values(user_id=None)
        ).rowcount
        experiments = session.execute(
            update(AiExperiment).where(AiExperiment.created_by == user_id).values(created_by=None)
        ).rowcount
        user.username = DELETED_NAME.format(id=user_id)
        user.email = None
        user.password_hash = None
        user.cvd_locked_until = None
        user.ai_features_enabled = False
        deleted = Deleted(predictions, feedback, cache, calls, experiments)
        record(session, by, "privacy.user_deleted", deleted.as_dict(), resource_type="user", resource_id=user_id)
        return deleted


def reset_ai_data(engine: Engine, by: int | None) -> dict[str, int]:
    """Clear every sealed AI row (the way back from a lost key; the models answer anew from the sales); an admin
    only; audited as ``privacy.ai_data_reset``. Nothing is decrypted, so it works without the key."""
    with session_factory(engine).begin() as session:
        if by is not None:
            user_by_id(session, by).require(Action.AI_SETTINGS)
        counts = {
            "feedback": session.execute(delete(AiFeedback)).rowcount,
            "predictions": session.execute(delete(AiPrediction)).rowcount,
            "experiments": session.execute(delete(AiExperiment)).rowcount,
            "llm_cache": session.execute(delete(LlmCacheRecord)).rowcount,
        }
        record(session, by, "privacy.ai_data_reset", counts, resource_type="privacy")
        return counts


def held_rows(engine: Engine) -> dict[str, int]:
    """How many rows each table of personal or AI data holds now (for the DPIA: real figures, not a template)."""
    from sqlalchemy import func

    models = {
        "users": User,
        "ai_predictions": AiPrediction,
        "ai_feedback": AiFeedback,
        "ai_experiments": AiExperiment,
        "llm_calls": LlmCallRecord,
        "llm_cache": LlmCacheRecord,
        "audit_log": AuditLogRecord,
    }
    with session_factory(engine)() as session:
        counts = {
            name: int(session.scalar(select(func.count()).select_from(model)) or 0) for name, model in models.items()
        }
        counts["users_with_password_hash"] = int(
            session.scalar(select(func.count()).select_from(User).where(User.password_hash.is_not(None))) or 0
        )
    return counts


def sealed_column_names() -> list[str]:
    """``table.column`` of every value sealed at rest."""
    from storage.sealed_columns import sealed_columns

    return [f"{column.table.name}.{column.name}" for column in sealed_columns()]


def _may_see(session: Session, by: int | None, user_id: int) -> None:
    if session.get(User, user_id) is None:
        raise UnknownPerson(f"user {user_id} no longer exists")
    if by is not None and by != user_id:
        user_by_id(session, by).require(Action.MANAGE_USERS)


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _text(value: object) -> str | None:
    return None if value is None else str(value)
