"""What a drag carries: a product from the palette, or a slot from a cabinet grid."""

from __future__ import annotations

from PySide6.QtCore import QMimeData

PRODUCT_MIME = "application/x-planogram-studio-product"
SLOT_MIME = "application/x-planogram-studio-slot"


def product_mime(product_id: int, name: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(PRODUCT_MIME, str(product_id).encode())
    mime.setText(name)
    return mime


def slot_mime(cabinet_key: str, position_label: str) -> QMimeData:
    """``cabinet_key`` is the seed's planogram id (``"1_0"``); slots only move within their cabinet."""
    mime = QMimeData()
    mime.setData(SLOT_MIME, f"{cabinet_key}:{position_label}".encode())
    mime.setText(position_label)
    return mime


def dragged_product(mime: QMimeData) -> int | None:
    if not mime.hasFormat(PRODUCT_MIME):
        return None
    try:
        return int(bytes(mime.data(PRODUCT_MIME).data()).decode())
    except ValueError:
        return None


def dragged_slot(mime: QMimeData) -> tuple[str, str] | None:
    if not mime.hasFormat(SLOT_MIME):
        return None
    cabinet_key, _, label = bytes(mime.data(SLOT_MIME).data()).decode().partition(":")
    return (cabinet_key, label) if label else None
