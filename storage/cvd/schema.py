"""CVD's own tables, declared column for column as the CVD web app creates them (SQLAlchemy Core).

Only the tables sync reads or writes are declared. Core ``Table``s (not ORM models) because these rows are
not ours: the same statements run on the web app's SQLite file and on a PostgreSQL copy of it. Timestamps
are declared as text: CVD stores several formats (``2025-07-06 02:21:49``, ``2025-07-07T22:00:11.964302``)
and sync compares them verbatim rather than reinterpreting them. Prices are plain numbers so an integral
price stays an integer, as the web app's JSON makes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Dialect, Float, Integer, MetaData, Table, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

cvd_metadata = MetaData()


class TIMESTAMP(TypeDecorator[Any]):
    """CVD's timestamps: verbatim text on SQLite (as the web app stores them), real timestamps on PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name != "sqlite" and isinstance(value, str):
            return datetime.fromisoformat(value)
        return value


users = Table(
    "users",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("username", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("is_active", Boolean),
    Column("created_at", TIMESTAMP),
    Column("updated_at", TIMESTAMP),
)

locations = Table(
    "locations",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", TIMESTAMP),
    Column("updated_at", TIMESTAMP),
    Column("address", Text),
    Column("latitude", Float),
    Column("longitude", Float),
)

device_types = Table(
    "device_types",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("allows_additional_cabinets", Boolean, nullable=False),
)

devices = Table(
    "devices",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("asset", Text, nullable=False),
    Column("cooler", Text, nullable=False),
    Column("location_id", Integer, nullable=False),
    Column("model", Text, nullable=False),
    Column("device_type_id", Integer, nullable=False),
    Column("route_id", Integer),
    Column("created_at", TIMESTAMP),
    Column("updated_at", TIMESTAMP),
    Column("deleted_at", TIMESTAMP),
    Column("deleted_by", Integer),
)

cabinet_types = Table(
    "cabinet_types",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("cols", Integer, nullable=False),
    Column("icon", Text, nullable=False),
)

cabinet_configurations = Table(
    "cabinet_configurations",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("device_id", Integer, nullable=False),
    Column("cabinet_type_id", Integer, nullable=False),
    Column("model_name", Text),
    Column("is_parent", Boolean),
    Column("cabinet_index", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("columns", Integer, nullable=False),
)

planograms = Table(
    "planograms",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("cabinet_id", Integer, nullable=False),
    Column("planogram_key", Text, nullable=False),
    Column("updated_at", TIMESTAMP),
)

planogram_slots = Table(
    "planogram_slots",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("planogram_id", Integer, nullable=False),
    Column("slot_position", Text, nullable=False),
    Column("product_id", Integer),
    Column("product_name", Text),
    Column("quantity", Integer),
    Column("capacity", Integer),
    Column("par_level", Integer),
    Column("price", Float),
    Column("cleared_at", TIMESTAMP),
    Column("cleared_by", Integer),
    Column("previous_product_id", Integer),
)

products = Table(
    "products",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("price", Float, nullable=False),
    Column("image", Text),
    Column("created_at", TIMESTAMP),
    Column("is_system", Boolean),
)

sales = Table(
    "sales",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("device_id", Integer, nullable=False),
    Column("product_id", Integer, nullable=False),
    Column("sale_units", Integer, nullable=False),
    Column("sale_cash", Float, nullable=False),
    Column("created_at", TIMESTAMP),
    Column("updated_at", TIMESTAMP),
)

dex_reads = Table(
    "dex_reads",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("filename", Text, nullable=False),
    Column("machine_serial", Text),
    Column("manufacturer", Text),
    Column("upload_timestamp", TIMESTAMP),
    Column("total_records", Integer),
    Column("parsed_successfully", Boolean),
)

dex_pa_records = Table(
    "dex_pa_records",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("dex_read_id", Integer, nullable=False),
    Column("record_subtype", Text, nullable=False),
    Column("selection_number", Text),
    Column("price_cents", Integer),
    Column("capacity", Integer),
    Column("units_sold", Integer),
    Column("revenue_cents", Integer),
    Column("line_number", Integer, nullable=False),
    Column("created_at", TIMESTAMP),
    Column("row", Text),
    Column("column", Text),
)

audit_log = Table(
    "audit_log",
    cvd_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("action", Text, nullable=False),
    Column("resource_type", Text),
    Column("resource_id", Integer),
    Column("details", Text),
    Column("ip_address", Text),
    Column("created_at", TIMESTAMP),
)

EMPTY_SLOT_NAME = "EMPTY_SLOT"
