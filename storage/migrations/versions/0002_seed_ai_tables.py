"""The seed's five AI tables and their indexes, verbatim.

Revision ID: 0002_seed_ai_tables
Revises: 0001_cvd_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_seed_ai_tables"
down_revision = "0001_cvd_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_experiments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("experiment_name", sa.String(length=100), nullable=False),
        sa.Column("experiment_type", sa.String(length=50), nullable=True),
        sa.Column("device_ids", sa.Text(), nullable=True),
        sa.Column("control_group", sa.Text(), nullable=True),
        sa.Column("treatment_group", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=True),
        sa.Column("metrics_tracked", sa.Text(), nullable=True),
        sa.Column("results", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("winner", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_ai_experiments_status", "ai_experiments", ["status", "start_date"], unique=False)
    op.create_table(
        "ai_predictions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("prediction_type", sa.String(length=50), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_index", sa.Integer(), server_default="0", nullable=True),
        sa.Column("input_data", sa.Text(), nullable=False),
        sa.Column("prediction_result", sa.Text(), nullable=False),
        sa.Column("confidence_score", sa.Numeric(precision=3, scale=2), nullable=True),
        sa.Column("model_version", sa.String(length=20), nullable=True),
        sa.Column("response_time_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "demand_forecasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("forecast_date", sa.Date(), nullable=False),
        sa.Column("predicted_units", sa.Integer(), nullable=True),
        sa.Column("confidence_lower", sa.Integer(), nullable=True),
        sa.Column("confidence_upper", sa.Integer(), nullable=True),
        sa.Column("actual_units", sa.Integer(), nullable=True),
        sa.Column("accuracy", sa.Numeric(precision=3, scale=2), nullable=True),
        sa.Column("external_factors", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=True),
        sa.Column("model_version", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "idx_demand_forecasts_device_date", "demand_forecasts", ["device_id", "forecast_date"], unique=False
    )
    op.create_table(
        "ai_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("prediction_id", sa.Integer(), nullable=True),
        sa.Column("feedback_type", sa.String(length=20), nullable=True),
        sa.Column("user_feedback", sa.Text(), nullable=True),
        sa.Column("actual_outcome", sa.Text(), nullable=True),
        sa.Column("accuracy_score", sa.Numeric(precision=3, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["prediction_id"],
            ["ai_predictions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "planogram_performance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("planogram_id", sa.Integer(), nullable=True),
        sa.Column("performance_date", sa.Date(), nullable=False),
        sa.Column("daily_revenue", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("daily_units", sa.Integer(), nullable=True),
        sa.Column("stockout_count", sa.Integer(), nullable=True),
        sa.Column("slow_mover_count", sa.Integer(), nullable=True),
        sa.Column("optimization_score", sa.Numeric(precision=3, scale=2), nullable=True),
        sa.Column("heat_map_data", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=True),
        sa.ForeignKeyConstraint(
            ["planogram_id"],
            ["planograms.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("planogram_id", "performance_date"),
    )
    op.create_index(
        "idx_ai_predictions_device", "ai_predictions", ["device_id", sa.text("created_at DESC")], unique=False
    )
    op.create_index(
        "idx_planogram_performance_date", "planogram_performance", [sa.text("performance_date DESC")], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_planogram_performance_date", table_name="planogram_performance")
    op.drop_index("idx_ai_predictions_device", table_name="ai_predictions")
    op.drop_table("planogram_performance")
    op.drop_table("ai_feedback")
    op.drop_index("idx_demand_forecasts_device_date", table_name="demand_forecasts")
    op.drop_table("demand_forecasts")
    op.drop_table("ai_predictions")
    op.drop_index("idx_ai_experiments_status", table_name="ai_experiments")
    op.drop_table("ai_experiments")
