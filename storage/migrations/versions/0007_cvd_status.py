"""What CVD says about who and what is gone: users switched off, devices soft-deleted.

Revision ID: 0007_cvd_status
Revises: 0006_slot_price
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_cvd_status"
down_revision = "0006_slot_price"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_active")
