"""The working copy's side of CVD sync: links to CVD rows, sync watermarks and the queue of pending pushes.

CVD has no drafts, versions or per-vend rows, so the mapping between its ids and ours is kept explicitly here
rather than by reusing ids: a working copy can be rebuilt, re-pulled or pointed at another CVD database without
renumbering what the designer already holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class CvdLink(Base):
    """One local row (device, location, cabinet, product, planogram, user) and the CVD row it mirrors."""

    __tablename__ = "cvd_links"
    __table_args__ = (UniqueConstraint("kind", "local_id"), UniqueConstraint("kind", "cvd_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    local_id: Mapped[int] = mapped_column(Integer)
    cvd_id: Mapped[int] = mapped_column(Integer)
    cvd_key: Mapped[str | None] = mapped_column(String(120), nullable=True)  # e.g. planogram_key, asset
    cvd_updated_at: Mapped[str | None] = mapped_column(String(40), nullable=True)  # CVD's text, compared verbatim
    pulled_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class SyncState(Base):
    """Watermarks and the source of the last sync (e.g. ``sales.max_id``), as text."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PendingPush(Base):
    """An activated planogram waiting to be written to CVD; survives restarts, retried until done."""

    __tablename__ = "pending_pushes"
    __table_args__ = (Index("idx_pending_pushes_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    planogram_id: Mapped[int] = mapped_column(ForeignKey("planograms.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(Integer)
    cabinet_index: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    base_cvd_updated_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|conflict|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class DexSelectionRecord(Base):
    """One DEX per-selection (``PA``) record pulled from CVD: cumulative counters of one machine selection.

    Kept as CVD gives them (lifetime ``units_sold`` at ``read_at``); the per-slot sales history is the
    difference between consecutive reads of the same selection, so nothing here is counted twice.
    """

    __tablename__ = "cvd_dex_selections"
    __table_args__ = (Index("idx_cvd_dex_selections_machine", "machine_serial", "selection", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cvd_id: Mapped[int] = mapped_column(Integer, unique=True)
    machine_serial: Mapped[str | None] = mapped_column(String(50), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), nullable=True)
    read_at: Mapped[datetime] = mapped_column(DateTime)
    selection: Mapped[str | None] = mapped_column(String(10), nullable=True)
    position: Mapped[str | None] = mapped_column(String(4), nullable=True)
    price_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    units_sold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revenue_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
