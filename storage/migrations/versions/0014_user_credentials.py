"""Each user's CVD email, password hash and CVD lock, pulled into the working copy so sign-in works offline.

The hash is CVD's own werkzeug value, copied as is (never a password); ``cvd_locked_until`` is the lock CVD set.
Our own failure count and lock stay on this machine (``storage.access_ledger``), never in CVD.

Revision ID: 0014_user_credentials
Revises: 0013_sales_import_lines_by_sale
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_user_credentials"
down_revision = "0013_sales_import_lines_by_sale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=160), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.Text(), nullable=True))
        batch.add_column(sa.Column("cvd_locked_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("cvd_locked_until")
        batch.drop_column("password_hash")
        batch.drop_column("email")
