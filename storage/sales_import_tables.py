"""Tables of imported telemetry sales: each import (taken back as a whole), each line's fingerprint (so the same
line is never imported twice) with the sale it became, and each export machine's link to a device and coil rule.

The sales themselves are ordinary ``sales`` rows, so every model learns from them unchanged; these tables only
say where they came from. A line's ``basket`` is the export's transaction text, kept so a basket split over two
files joins the transaction id its first lines were given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class SalesImportRecord(Base):
    """One import of one file: what it added, and what it created (JSON lists of ids) so undo removes exactly that."""

    __tablename__ = "sales_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(60))  # seed | the mapping's source name
    file_name: Mapped[str] = mapped_column(String(255), default="")
    sales_added: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[str] = mapped_column(Text, default="{}")  # {"devices": [...], "products": [...], "planograms": …}


class SalesImportLineRecord(Base):
    """One imported line, keyed by the sale it became: its fingerprint (unique) and its basket as the export named
    it. Keyed by the sale so an import writes one index fewer per line and undo finds each sale's line at once."""

    __tablename__ = "sales_import_lines"
    __table_args__ = (Index("idx_sales_import_lines_basket", "device_id", "basket"),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("sales_imports.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    device_id: Mapped[int] = mapped_column(Integer)
    basket: Mapped[str] = mapped_column(String(64), default="")
    payment: Mapped[str] = mapped_column(String(12), default="")  # cash | card | as the export said


class SalesImportMachineRecord(Base):
    """A machine as exports name it, linked to one of our devices, with the coil rule its coils are read by
    (inferred at its first import, correctable)."""

    __tablename__ = "sales_import_machines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_name: Mapped[str] = mapped_column(String(160), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    door_digits: Mapped[int] = mapped_column(Integer, default=1)
    first_column: Mapped[int] = mapped_column(Integer, default=0)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("sales_imports.id", ondelete="SET NULL"), nullable=True)
