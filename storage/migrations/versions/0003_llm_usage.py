"""Claude's usage ledger (llm_calls) and answer cache (llm_cache).

Revision ID: 0003_llm_usage
Revises: 0002_seed_ai_tables
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_llm_usage"
down_revision = "0002_seed_ai_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("analysis_id", sa.String(length=40), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_read_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_llm_calls_month", "llm_calls", ["month"], unique=False)
    op.create_index("idx_llm_calls_analysis", "llm_calls", ["analysis_id"], unique=False)
    op.create_table(
        "llm_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("idx_llm_cache_expires", "llm_cache", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("idx_llm_cache_expires", table_name="llm_cache")
    op.drop_table("llm_cache")
    op.drop_index("idx_llm_calls_analysis", table_name="llm_calls")
    op.drop_index("idx_llm_calls_month", table_name="llm_calls")
    op.drop_table("llm_calls")
