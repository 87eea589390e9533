"""Tables of templates and fleet operations: layouts saved once and applied to many machines, and each such
change to the fleet kept as one operation that can be undone later.

A template version is one row (a template is its name; versions are never overwritten). A fleet operation is
one row with one row per machine it touched or refused: the version it wrote, the version that stood before,
the positions it changed and what stood there before (so undo restores exactly those slots and can tell whether
anyone has changed them since). Device tags are ours (CVD has none); a device's model and route come from CVD.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class PlanogramTemplateRecord(Base):
    """One version of a named template: a cabinet shape, a temperature zone, tags and the slots (JSON)."""

    __tablename__ = "planogram_templates"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[int] = mapped_column(Integer)
    temperature_zone: Mapped[str] = mapped_column(String(20))
    tags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list: location types, machine models, own words
    slots: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of designer.planograms.slot_to_dict
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class DeviceTagRecord(Base):
    """A word the operator puts on a machine (``lobby``, ``24h``, ``pilot``) to choose machines by."""

    __tablename__ = "device_tags"
    __table_args__ = (UniqueConstraint("device_id", "tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(60))


class FleetOperationRecord(Base):
    """One change to many machines: a template applied, a product replaced, a price or par levels set, or a
    template's new version proposed to the machines that follow it.

    ``status``: ``applied`` (its versions were written), ``proposed`` (waiting per machine), ``undone``.
    ``mode``: ``draft`` (the machines' new versions are drafts) or ``activate``. ``summary`` (JSON) keeps the
    preview's totals as shown when it was applied: predicted daily revenue change and interval, counts.
    """

    __tablename__ = "fleet_operations"
    __table_args__ = (Index("idx_fleet_operations_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # template | replace_product | price | par_levels | template_update
    title: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("planogram_templates.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(20), default="applied")
    mode: Mapped[str] = mapped_column(String(20), default="draft")
    summary: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class FleetOperationChangeRecord(Base):
    """One cabinet of an operation: what it changed there, or why it was refused.

    ``state``: ``applied``, ``refused`` (``reason`` says why), ``proposed``, ``declined`` or ``undone``.
    ``before_planogram_id`` is the version the new one was made from (the newest draft, else the active one);
    ``after_planogram_id`` the version written. ``positions`` lists the changed slots ("A1 A2 …"); ``before_slots``
    (JSON) what stood in them, so undo restores them on top of whatever else has changed since.
    """

    __tablename__ = "fleet_operation_changes"
    __table_args__ = (
        Index("idx_fleet_operation_changes_operation", "operation_id"),
        Index("idx_fleet_operation_changes_after", "after_planogram_id"),
        Index("idx_fleet_operation_changes_cabinet", "device_id", "cabinet_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("fleet_operations.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    cabinet_index: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    before_planogram_id: Mapped[int | None] = mapped_column(
        ForeignKey("planograms.id", ondelete="SET NULL"), nullable=True
    )
    after_planogram_id: Mapped[int | None] = mapped_column(
        ForeignKey("planograms.id", ondelete="SET NULL"), nullable=True
    )
    positions: Mapped[str] = mapped_column(Text, default="")
    before_slots: Mapped[str] = mapped_column(Text, default="[]")
    daily_change: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    change_lower: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    change_upper: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
