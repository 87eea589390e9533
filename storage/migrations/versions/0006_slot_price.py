"""A price per planogram slot, as CVD keeps one (NULL follows the product's catalogue price).

Revision ID: 0006_slot_price
Revises: 0005_cvd_dex
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_slot_price"
down_revision = "0005_cvd_dex"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("planogram_slots") as batch:
        batch.add_column(sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("planogram_slots") as batch:
        batch.drop_column("price")
