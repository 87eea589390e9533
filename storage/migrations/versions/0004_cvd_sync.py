"""CVD sync: links between local and CVD rows, watermarks, the push queue; audit rows gain CVD's columns.

Revision ID: 0004_cvd_sync
Revises: 0003_llm_usage
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_cvd_sync"
down_revision = "0003_llm_usage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cvd_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("cvd_id", sa.Integer(), nullable=False),
        sa.Column("cvd_key", sa.String(length=120), nullable=True),
        sa.Column("cvd_updated_at", sa.String(length=40), nullable=True),
        sa.Column("pulled_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "local_id"),
        sa.UniqueConstraint("kind", "cvd_id"),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "pending_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("planogram_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_index", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_cvd_updated_at", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["planogram_id"], ["planograms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_pending_pushes_status", "pending_pushes", ["status", "created_at"], unique=False)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("resource_type", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("resource_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pushed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("pushed_at")
        batch.drop_column("resource_id")
        batch.drop_column("resource_type")
    op.drop_index("idx_pending_pushes_status", table_name="pending_pushes")
    op.drop_table("pending_pushes")
    op.drop_table("sync_state")
    op.drop_table("cvd_links")
