"""Machine audits imported from DEX files: machines (linked to a device once), imports (taken back as a whole),
reads (kept whole, once each), their selections, and the sales between consecutive reads.

Revision ID: 0010_machine_audits
Revises: 0009_slot_selection_and_card_price
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_machine_audits"
down_revision = "0009_slot_selection_and_card_price"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_machines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_key", sa.String(length=40), nullable=False),
        sa.Column("key_source", sa.String(length=10), nullable=False),
        sa.Column("dxs_id", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["import_id"], ["audit_imports.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("machine_key"),
    )
    op.create_table(
        "audit_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("read_time_source", sa.String(length=20), nullable=False),
        sa.Column("machine_clock_at", sa.DateTime(), nullable=True),
        sa.Column("read_counter", sa.Integer(), nullable=True),
        sa.Column("resets", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("cvd_dex_read_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("crc_verified", sa.Boolean(), nullable=True),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["machine_id"], ["audit_machines.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["audit_imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash"),
    )
    op.create_index("idx_audit_reads_machine", "audit_reads", ["machine_id", "read_at"], unique=False)
    op.create_index("ix_audit_reads_import_id", "audit_reads", ["import_id"], unique=False)
    op.create_table(
        "audit_selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Integer(), nullable=False),
        sa.Column("selection", sa.String(length=16), nullable=False),
        sa.Column("cash_price", sa.Integer(), nullable=True),
        sa.Column("card_price", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("paid_count", sa.Integer(), nullable=True),
        sa.Column("paid_value", sa.Integer(), nullable=True),
        sa.Column("paid_count_since_reset", sa.Integer(), nullable=True),
        sa.Column("paid_value_since_reset", sa.Integer(), nullable=True),
        sa.Column("test_count", sa.Integer(), nullable=True),
        sa.Column("free_count", sa.Integer(), nullable=True),
        sa.Column("sold_out_count", sa.Integer(), nullable=True),
        sa.Column("sold_out_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["read_id"], ["audit_reads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("read_id", "selection"),
    )
    op.create_table(
        "audit_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Integer(), nullable=False),
        sa.Column("selection", sa.String(length=16), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("basis", sa.String(length=60), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("cabinet_index", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(length=4), nullable=True),
        sa.Column("planogram_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["machine_id"], ["audit_machines.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["read_id"], ["audit_reads.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["planogram_id"], ["planograms.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_audit_sales_device", "audit_sales", ["device_id", "period_end"], unique=False)


def downgrade() -> None:
    op.drop_index("idx_audit_sales_device", table_name="audit_sales")
    op.drop_table("audit_sales")
    op.drop_table("audit_selections")
    op.drop_index("ix_audit_reads_import_id", table_name="audit_reads")
    op.drop_index("idx_audit_reads_machine", table_name="audit_reads")
    op.drop_table("audit_reads")
    op.drop_table("audit_machines")
    op.drop_table("audit_imports")
