"""SQLAlchemy models of the working copy: the CVD core tables and the seed's five AI tables.

The CVD core follows DESIGN.md's data model (richer than the CVD web app's own schema: location types,
temperature requirements, drafts and versions, per-vend sales with basket ids). The AI tables and
their indexes are the seed's, column for column.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base
from storage.sealed_columns import SealedText

# --- CVD core -----------------------------------------------------------------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="viewer")  # viewer|driver|manager|admin
    ai_features_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # CVD's switch-off
    # pulled from CVD (migration 0014): sign-in works offline; None on a local database (it is "unprotected")
    email: Mapped[str | None] = mapped_column(String(160), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)  # CVD's werkzeug hash, never a password
    cvd_locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # a lock CVD set


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    asset_number: Mapped[str] = mapped_column(String(40), unique=True)
    location_type: Mapped[str] = mapped_column(String(40), index=True)  # office|school|gym|hospital|…
    location_name: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    removed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # soft-deleted in CVD
    model: Mapped[str | None] = mapped_column(String(80), nullable=True)  # CVD's devices.model (e.g. "Crane 187")
    route_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # CVD's devices.route_id

    cabinets: Mapped[list[CabinetRecord]] = relationship(
        back_populates="device", order_by="CabinetRecord.cabinet_index", cascade="all, delete-orphan"
    )


class CabinetRecord(Base):
    __tablename__ = "cabinets"
    __table_args__ = (UniqueConstraint("device_id", "cabinet_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    cabinet_index: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[int] = mapped_column(Integer)
    temperature_zone: Mapped[str] = mapped_column(String(20))  # ambient|refrigerated|frozen
    name: Mapped[str] = mapped_column(String(80), default="")

    device: Mapped[Device] = relationship(back_populates="cabinets")


class ProductRecord(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(60), index=True)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    temperature_requirement: Mapped[str] = mapped_column(String(20), default="ambient")
    health_score: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal("5"))
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)  # CVD's EMPTY_SLOT


class PlanogramRecord(Base):
    __tablename__ = "planograms"
    __table_args__ = (Index("idx_planograms_cabinet", "device_id", "cabinet_index", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    cabinet_index: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|active|archived
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    activated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    slots: Mapped[list[PlanogramSlotRecord]] = relationship(
        back_populates="planogram", cascade="all, delete-orphan", order_by="PlanogramSlotRecord.id"
    )


class PlanogramSlotRecord(Base):
    __tablename__ = "planogram_slots"
    __table_args__ = (UniqueConstraint("planogram_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    planogram_id: Mapped[int] = mapped_column(ForeignKey("planograms.id", ondelete="CASCADE"))
    position: Mapped[str] = mapped_column(String(4))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    par_level: Mapped[int] = mapped_column(Integer, default=8)
    # What this slot sells at when it differs from the catalogue (CVD's planogram_slots.price); NULL follows it.
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    # The machine's selection code when it is not the default (row then column); CVD has no such column.
    selection_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # What cards pay when it differs from cash (``price``); NULL pays the cash price. Kept locally, not in CVD.
    card_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)

    planogram: Mapped[PlanogramRecord] = relationship(back_populates="slots")


class SaleRecord(Base):
    """One vend; items bought together share a ``transaction_id`` (the basket)."""

    __tablename__ = "sales"
    __table_args__ = (
        Index("idx_sales_device_time", "device_id", "sold_at"),
        Index("idx_sales_product", "product_id"),
        Index("idx_sales_transaction", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    cabinet_index: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[str] = mapped_column(String(4))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sold_at: Mapped[datetime] = mapped_column(DateTime)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    transaction_id: Mapped[int] = mapped_column(Integer)


class StockoutRecord(Base):
    """A slot that sold out, until the next restock: demand in that window is censored, not low."""

    __tablename__ = "stockouts"
    __table_args__ = (Index("idx_stockouts_device", "device_id", "sold_out_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    cabinet_index: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[str] = mapped_column(String(4))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sold_out_at: Mapped[datetime] = mapped_column(DateTime)
    restocked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditLogRecord(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(80))
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    resource_type: Mapped[str | None] = mapped_column(String(40), nullable=True)  # CVD's audit_log columns
    resource_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # copied to CVD's audit_log


class SimulationTruth(Base):
    """The demo fleet's planted parameters (JSON), kept so accuracy is measured against truth."""

    __tablename__ = "simulation_truth"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- The seed's AI tables, verbatim (their payload columns sealed at rest: storage.sealed_columns) --------


class AiPrediction(Base):
    __tablename__ = "ai_predictions"
    __table_args__ = (Index("idx_ai_predictions_device", "device_id", text("created_at DESC")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prediction_type: Mapped[str] = mapped_column(String(50))  # 'revenue', 'demand', 'affinity'
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    cabinet_index: Mapped[int | None] = mapped_column(Integer, default=0, server_default="0")
    input_data: Mapped[str] = mapped_column(SealedText)
    prediction_result: Mapped[str] = mapped_column(SealedText)
    confidence_score: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    model_version: Mapped[str | None] = mapped_column(String(20))
    response_time_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, server_default=func.current_timestamp())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AiExperiment(Base):
    __tablename__ = "ai_experiments"
    __table_args__ = (Index("idx_ai_experiments_status", "status", "start_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_name: Mapped[str] = mapped_column(String(100))
    experiment_type: Mapped[str | None] = mapped_column(String(50))
    device_ids: Mapped[str | None] = mapped_column(SealedText)
    control_group: Mapped[str | None] = mapped_column(SealedText)
    treatment_group: Mapped[str | None] = mapped_column(SealedText)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(20), default="active", server_default="active")
    metrics_tracked: Mapped[str | None] = mapped_column(SealedText)
    results: Mapped[str | None] = mapped_column(SealedText)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, server_default=func.current_timestamp())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    winner: Mapped[str | None] = mapped_column(String(20))


class AiFeedback(Base):
    __tablename__ = "ai_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prediction_id: Mapped[int | None] = mapped_column(ForeignKey("ai_predictions.id"))
    feedback_type: Mapped[str | None] = mapped_column(String(20))
    user_feedback: Mapped[str | None] = mapped_column(SealedText)
    actual_outcome: Mapped[str | None] = mapped_column(SealedText)
    accuracy_score: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    created_at: Mapped[datetime | None] = mapped_column(DateTime, server_default=func.current_timestamp())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PlanogramPerformance(Base):
    __tablename__ = "planogram_performance"
    __table_args__ = (
        UniqueConstraint("planogram_id", "performance_date"),
        Index("idx_planogram_performance_date", text("performance_date DESC")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    planogram_id: Mapped[int | None] = mapped_column(ForeignKey("planograms.id"))
    performance_date: Mapped[date] = mapped_column(Date)
    daily_revenue: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    daily_units: Mapped[int | None] = mapped_column(Integer)
    stockout_count: Mapped[int | None] = mapped_column(Integer)
    slow_mover_count: Mapped[int | None] = mapped_column(Integer)
    optimization_score: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    heat_map_data: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, server_default=func.current_timestamp())


class DemandForecast(Base):
    __tablename__ = "demand_forecasts"
    __table_args__ = (Index("idx_demand_forecasts_device_date", "device_id", "forecast_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    forecast_date: Mapped[date] = mapped_column(Date)
    predicted_units: Mapped[int | None] = mapped_column(Integer)
    confidence_lower: Mapped[int | None] = mapped_column(Integer)
    confidence_upper: Mapped[int | None] = mapped_column(Integer)
    actual_units: Mapped[int | None] = mapped_column(Integer)
    accuracy: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    external_factors: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, server_default=func.current_timestamp())
    model_version: Mapped[str | None] = mapped_column(String(20))


AI_TABLES = ("ai_predictions", "ai_experiments", "ai_feedback", "planogram_performance", "demand_forecasts")
