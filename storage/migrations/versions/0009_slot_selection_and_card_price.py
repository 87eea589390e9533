"""A machine selection code and a card price per planogram slot (CVD keeps neither: both stay local).

``selection_code`` NULL means the default code (row number then column number, A1 → "11"); ``card_price``
NULL means the card price equals the cash price (``price``, CVD's own column).

This revision's id is 34 characters, longer than the ``VARCHAR(32)`` alembic gives ``alembic_version.version_num``
by default; PostgreSQL enforces that width (SQLite does not), so the column is widened first, in the same
transaction, before alembic writes this id into it.

Revision ID: 0009_slot_selection_and_card_price
Revises: 0008_times_in_utc
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_slot_selection_and_card_price"
down_revision = "0008_times_in_utc"
branch_labels = None
depends_on = None


VERSION_NUM_WIDTH = 64


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("alembic_version", "version_num", type_=sa.String(VERSION_NUM_WIDTH), existing_nullable=False)
    with op.batch_alter_table("planogram_slots") as batch:
        batch.add_column(sa.Column("selection_code", sa.String(16), nullable=True))
        batch.add_column(sa.Column("card_price", sa.Numeric(precision=10, scale=2), nullable=True))


def downgrade() -> None:
    # alembic_version stays wide: the 0008 id fits it either way, and narrowing would refuse a longer id later
    with op.batch_alter_table("planogram_slots") as batch:
        batch.drop_column("card_price")
        batch.drop_column("selection_code")
