"""Telemetry sales imports: each import (taken back as a whole), each line's fingerprint and the sale it became,
and each export machine's device and coil rule.

Revision ID: 0011_sales_imports
Revises: 0010_machine_audits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_sales_imports"
down_revision = "0010_machine_audits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sales_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sales_added", sa.Integer(), nullable=False),
        sa.Column("created", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sales_import_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=16), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("basket", sa.String(length=64), nullable=False),
        sa.Column("payment", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["sales_imports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )
    op.create_index("ix_sales_import_lines_import_id", "sales_import_lines", ["import_id"])
    op.create_index("idx_sales_import_lines_basket", "sales_import_lines", ["device_id", "basket"])
    op.create_table(
        "sales_import_machines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_name", sa.String(length=160), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("door_digits", sa.Integer(), nullable=False),
        sa.Column("first_column", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["sales_imports.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("machine_name"),
    )


def downgrade() -> None:
    op.drop_table("sales_import_machines")
    op.drop_index("idx_sales_import_lines_basket", table_name="sales_import_lines")
    op.drop_index("ix_sales_import_lines_import_id", table_name="sales_import_lines")
    op.drop_table("sales_import_lines")
    op.drop_table("sales_imports")
