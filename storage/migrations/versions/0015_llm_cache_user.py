"""Whose request each cached Claude answer came from, so deleting a person's data removes their cache entries.

Revision ID: 0015_llm_cache_user
Revises: 0014_user_credentials
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_llm_cache_user"
down_revision = "0014_user_credentials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("llm_cache") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("llm_cache") as batch:
        batch.drop_column("user_id")
