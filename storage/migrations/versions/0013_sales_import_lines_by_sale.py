"""Imported lines keyed by the sale they became: one index fewer to write per imported line, and taking an import
back finds each sale's line by its key instead of scanning every imported line (a million-line undo finishes).

Revision ID: 0013_sales_import_lines_by_sale
Revises: 0012_templates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_sales_import_lines_by_sale"
down_revision = "0012_templates"
branch_labels = None
depends_on = None

COLUMNS = "import_id, fingerprint, sale_id, device_id, basket, payment"


def upgrade() -> None:
    op.create_table(
        "sales_import_lines_by_sale",
        sa.Column("sale_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=16), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("basket", sa.String(length=64), nullable=False),
        sa.Column("payment", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["sales_imports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sale_id"),
        sa.UniqueConstraint("fingerprint"),
    )
    op.execute(
        f"INSERT INTO sales_import_lines_by_sale ({COLUMNS}) SELECT {COLUMNS} FROM sales_import_lines "
        "WHERE sale_id IS NOT NULL"
    )
    op.drop_index("idx_sales_import_lines_basket", table_name="sales_import_lines")
    op.drop_index("ix_sales_import_lines_import_id", table_name="sales_import_lines")
    op.drop_table("sales_import_lines")
    op.rename_table("sales_import_lines_by_sale", "sales_import_lines")
    op.create_index("ix_sales_import_lines_import_id", "sales_import_lines", ["import_id"])
    op.create_index("idx_sales_import_lines_basket", "sales_import_lines", ["device_id", "basket"])


def downgrade() -> None:
    op.create_table(
        "sales_import_lines_by_id",
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
    op.execute(f"INSERT INTO sales_import_lines_by_id ({COLUMNS}) SELECT {COLUMNS} FROM sales_import_lines")
    op.drop_index("idx_sales_import_lines_basket", table_name="sales_import_lines")
    op.drop_index("ix_sales_import_lines_import_id", table_name="sales_import_lines")
    op.drop_table("sales_import_lines")
    op.rename_table("sales_import_lines_by_id", "sales_import_lines")
    op.create_index("ix_sales_import_lines_import_id", "sales_import_lines", ["import_id"])
    op.create_index("idx_sales_import_lines_basket", "sales_import_lines", ["device_id", "basket"])
