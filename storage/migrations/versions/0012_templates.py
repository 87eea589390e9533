"""Templates and fleet operations: named, versioned layouts; each fleet-wide change kept as one operation (undone
later as a whole); device tags; and a device's model and route as CVD keeps them.

Revision ID: 0012_templates
Revises: 0011_sales_imports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_templates"
down_revision = "0011_sales_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as devices:
        devices.add_column(sa.Column("model", sa.String(length=80), nullable=True))
        devices.add_column(sa.Column("route_id", sa.Integer(), nullable=True))
        devices.create_index("ix_devices_route_id", ["route_id"])
    op.create_table(
        "planogram_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("columns", sa.Integer(), nullable=False),
        sa.Column("temperature_zone", sa.String(length=20), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version"),
    )
    op.create_index("ix_planogram_templates_name", "planogram_templates", ["name"])
    op.create_table(
        "device_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "tag"),
    )
    op.create_index("ix_device_tags_device_id", "device_tags", ["device_id"])
    op.create_table(
        "fleet_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["template_id"], ["planogram_templates.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["undone_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_fleet_operations_created", "fleet_operations", ["created_at"])
    op.create_table(
        "fleet_operation_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_index", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before_planogram_id", sa.Integer(), nullable=True),
        sa.Column("after_planogram_id", sa.Integer(), nullable=True),
        sa.Column("positions", sa.Text(), nullable=False),
        sa.Column("before_slots", sa.Text(), nullable=False),
        sa.Column("daily_change", sa.Numeric(10, 2), nullable=True),
        sa.Column("change_lower", sa.Numeric(10, 2), nullable=True),
        sa.Column("change_upper", sa.Numeric(10, 2), nullable=True),
        sa.ForeignKeyConstraint(["operation_id"], ["fleet_operations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["before_planogram_id"], ["planograms.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["after_planogram_id"], ["planograms.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_fleet_operation_changes_operation", "fleet_operation_changes", ["operation_id"])
    op.create_index("idx_fleet_operation_changes_after", "fleet_operation_changes", ["after_planogram_id"])
    op.create_index("idx_fleet_operation_changes_cabinet", "fleet_operation_changes", ["device_id", "cabinet_index"])


def downgrade() -> None:
    op.drop_table("fleet_operation_changes")
    op.drop_table("fleet_operations")
    op.drop_table("device_tags")
    op.drop_table("planogram_templates")
    with op.batch_alter_table("devices") as devices:
        devices.drop_index("ix_devices_route_id")
        devices.drop_column("route_id")
        devices.drop_column("model")
