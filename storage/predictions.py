"""Predictions the models answered, kept in ``ai_predictions`` so they can be checked against the sales later."""

from __future__ import annotations

from sqlalchemy import Engine, insert

from storage.database import skip_write_on_read_only
from storage.stored_time import stored_now
from storage.tables import AiPrediction


def store_prediction(
    engine: Engine,
    prediction_type: str,
    device_id: int,
    cabinet_index: int | None,
    input_data: str,
    prediction_result: str,
    confidence_score: float | None,
    model_version: str | None,
    response_time_ms: int | None,
) -> None:
    """One ``ai_predictions`` row, stamped now (the request and the answer as JSON text); skipped, with a
    warning, on a database opened read-only."""
    if skip_write_on_read_only(engine, "the prediction row"):
        return
    with engine.begin() as connection:
        connection.execute(
            insert(AiPrediction).values(
                prediction_type=prediction_type,
                device_id=device_id,
                cabinet_index=cabinet_index,
                input_data=input_data,
                prediction_result=prediction_result,
                confidence_score=confidence_score,
                model_version=model_version,
                response_time_ms=response_time_ms,
                created_at=stored_now(),
            )
        )
