"""The working copy's side of CVD sync: links to CVD rows, sync watermarks and the queue of pending pushes.

CVD has no drafts, versions or per-vend rows, so the mapping between its ids and ours is kept explicitly here
rather than by reusing ids: a working copy can be rebuilt, re-pulled or pointed at another CVD database without
renumbering what the designer already holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base


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
