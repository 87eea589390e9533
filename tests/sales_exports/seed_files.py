"""Seed / ePort export files written for tests, a line at a time (the real one stays in ../shared)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

SEED_HEADER = (
    "Status,Device ID,Location,Machine,Product,Category,Transaction,TransDate,Type,RCoil,RPrice,RQty,MCoil,MPrice,"
    "MQty,LineTotal,TransTotal,Prcd Date"
)


def seed_row(
    product: str = "Takis",
    basket: str = "1001",
    day: str = "1/1/2022",
    kind: str = "Credit",
    coil: str = "123",
    price: str = "1.5",
    qty: str = "1",
    status: str = "Processed",
    category: str = "Food",
    machine: str = "GuttenPlans x1367",
    mcoil: str | None = None,
) -> list[str]:
    return [
        status,
        "VJ1",
        "GuttenPlans",
        machine,
        product,
        category,
        basket,
        day,
        kind,
        coil,
        price,
        qty,
        coil if mcoil is None else mcoil,
        price,
        qty,
        price,
        price,
        "1/1/2022",
    ]


def write_seed(path: Path, rows: list[list[str]], *, bom: bool = True) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SEED_HEADER.split(","))
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path
