"""Tables of imported machine audits (DEX reads): machines, imports, reads, each read's selections, and the sales
between consecutive reads.

Money is kept as the file keeps it, integer minor units, beside the read's currency and decimal places (as
``cvd_dex_selections`` keeps cents): a machine may count in a currency or at decimals other than the catalogue's,
and differences between reads must be exact. Times are stored UTC (:mod:`storage.stored_time`), except
``machine_clock_at``, the machine's own clock as the file gives it (machine clocks can be years off).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class AuditImportRecord(Base):
    """One import (a command run, a GUI drop, a CVD pull): everything it added can be taken back as a whole."""

    __tablename__ = "audit_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(20))  # files | cvd
    files: Mapped[int] = mapped_column(Integer, default=0)


class AuditMachineRecord(Base):
    """A vending machine as its audits name it: the ``ID1`` serial, else the ``DXS`` id (``machine_key``), linked
    to one of our devices once (``device_id``), and remembered."""

    __tablename__ = "audit_machines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_key: Mapped[str] = mapped_column(String(40), unique=True)
    key_source: Mapped[str] = mapped_column(String(10))  # ID1 | DXS
    dxs_id: Mapped[str] = mapped_column(String(40), default="")
    model: Mapped[str] = mapped_column(String(60), default="")
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), nullable=True)
    linked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("audit_imports.id", ondelete="SET NULL"), nullable=True)


class AuditReadRecord(Base):
    """One read of one machine, kept whole (``raw_text``) so it can be parsed again or sent on."""

    __tablename__ = "audit_reads"
    __table_args__ = (Index("idx_audit_reads_machine", "machine_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("audit_machines.id", ondelete="CASCADE"))
    import_id: Mapped[int] = mapped_column(ForeignKey("audit_imports.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime)  # UTC: the machine's clock, else when the file arrived
    read_time_source: Mapped[str] = mapped_column(String(20))  # machine clock | file time
    machine_clock_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # as the machine said
    read_counter: Mapped[int | None] = mapped_column(Integer, nullable=True)  # EA309, else EA301
    resets: Mapped[int | None] = mapped_column(Integer, nullable=True)  # EA310, else EA301
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DEX lines
    raw_text: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    cvd_dex_read_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # CVD's dex_reads.id it came from
    currency: Mapped[str] = mapped_column(String(3))
    decimals: Mapped[int] = mapped_column(Integer)
    crc_verified: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    warnings: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of sentences
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class AuditSelectionRecord(Base):
    """One selection of one read, as the standard reads it (amounts in the read's minor units)."""

    __tablename__ = "audit_selections"
    __table_args__ = (UniqueConstraint("read_id", "selection"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_id: Mapped[int] = mapped_column(ForeignKey("audit_reads.id", ondelete="CASCADE"))
    selection: Mapped[str] = mapped_column(String(16))
    cash_price: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA7 CA price, else PA102
    card_price: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA7 DA/DB price; NULL: as cash
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paid_count: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA201: since initialisation
    paid_value: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA202
    paid_count_since_reset: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA203
    paid_value_since_reset: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA204
    test_count: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA301
    free_count: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA401
    sold_out_count: Mapped[int | None] = mapped_column(Integer, nullable=True)  # PA503
    sold_out_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # PA501-502, machine clock


class AuditSaleRecord(Base):
    """What one selection sold between two consecutive reads of its machine, and the slot that carried its
    selection code then (the cabinet's planogram in force at the period's end; NULL when none did). Derived from
    the reads: rebuilt for a machine whenever its reads or its link change."""

    __tablename__ = "audit_sales"
    __table_args__ = (Index("idx_audit_sales_device", "device_id", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("audit_machines.id", ondelete="CASCADE"))
    read_id: Mapped[int] = mapped_column(ForeignKey("audit_reads.id", ondelete="CASCADE"))  # the later read
    selection: Mapped[str] = mapped_column(String(16))
    units: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer)  # minor units
    currency: Mapped[str] = mapped_column(String(3))
    decimals: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime] = mapped_column(DateTime)
    period_end: Mapped[datetime] = mapped_column(DateTime)
    basis: Mapped[str] = mapped_column(String(60))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), nullable=True)
    cabinet_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[str | None] = mapped_column(String(4), nullable=True)
    planogram_id: Mapped[int | None] = mapped_column(ForeignKey("planograms.id", ondelete="SET NULL"), nullable=True)
