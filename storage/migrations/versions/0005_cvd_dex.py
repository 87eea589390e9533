"""CVD sync: DEX per-selection records pulled from CVD (the per-slot sales truth where a machine reports it).

Revision ID: 0005_cvd_dex
Revises: 0004_cvd_sync
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_cvd_dex"
down_revision = "0004_cvd_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cvd_dex_selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cvd_id", sa.Integer(), nullable=False),
        sa.Column("machine_serial", sa.String(length=50), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("selection", sa.String(length=10), nullable=True),
        sa.Column("position", sa.String(length=4), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("units_sold", sa.Integer(), nullable=True),
        sa.Column("revenue_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cvd_id"),
    )
    op.create_index(
        "idx_cvd_dex_selections_machine", "cvd_dex_selections", ["machine_serial", "selection", "read_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_cvd_dex_selections_machine", table_name="cvd_dex_selections")
    op.drop_table("cvd_dex_selections")
