"""The slot and product features of the placement model, computed the same way for training and scoring.

Slot features: the row and column within a cabinet of that shape, the neighbours (above, below, left,
right) and how strongly shoppers buy the product together with them (log basket lift), and whether the
product is kept at its own temperature. Product features: category and price relative to the category
(the velocity features are the model's per-device and per-location-type effects).
"""

from __future__ import annotations

import numpy as np

from designer.cabinets import TemperatureZone
from designer.positions import MAX_COLUMNS, MAX_ROWS

NO_PRODUCT = -1
NEIGHBOUR_STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))
"""Above, below, left, right: the slots a shopper's eye passes on the way to this one."""

ROW_OFFSETS = np.concatenate([[0], np.cumsum(np.arange(1, MAX_ROWS + 1))])
"""Where the rows of a cabinet with ``r`` rows start in the flat per-shape row table (r = 1…10)."""
COLUMN_OFFSETS = np.concatenate([[0], np.cumsum(np.arange(1, MAX_COLUMNS + 1))])
ROW_SHAPES = int(ROW_OFFSETS[-1])
COLUMN_SHAPES = int(COLUMN_OFFSETS[-1])


def row_feature(rows: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Index of (cabinet row count, row) in the flat per-shape row table."""
    return ROW_OFFSETS[np.asarray(rows) - 1] + np.asarray(row)


def column_feature(columns: np.ndarray, column: np.ndarray) -> np.ndarray:
    """Index of (cabinet column count, column) in the flat per-shape column table."""
    return COLUMN_OFFSETS[np.asarray(columns) - 1] + np.asarray(column)


def centre_distance(columns: np.ndarray, column: np.ndarray) -> np.ndarray:
    """How far a column is from the middle of its row, 0 (centre) to 1 (either edge); 0 in a 1-wide cabinet."""
    columns, column = np.asarray(columns, dtype=float), np.asarray(column, dtype=float)
    centre = (columns - 1) / 2
    return np.where(columns > 1, np.abs(column - centre) / np.maximum(centre, 1e-9), 0.0)


def temperature_mismatch(requirement: str, zone: str) -> float:
    """1 when a product is sold from a cabinet colder than it needs (allowed, e.g. crisps in a cooler)."""
    return float(TemperatureZone.parse(requirement) is not TemperatureZone.parse(zone))


def neighbour_grid(products: np.ndarray) -> np.ndarray:
    """rows × columns × 4 product indices of each slot's neighbours (:data:`NO_PRODUCT` at edges/empties)."""
    rows, columns = products.shape
    padded = np.full((rows + 2, columns + 2), NO_PRODUCT, dtype=np.int64)
    padded[1:-1, 1:-1] = products
    return np.stack([padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + columns] for dr, dc in NEIGHBOUR_STEPS], axis=-1)


def strongest_complement(
    positive_log_lift: np.ndarray, product: np.ndarray, neighbours: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The strongest positive log basket lift between ``product`` and any neighbour, and that neighbour.

    ``positive_log_lift`` is products × (products + 1): max(log lift, 0) with a last column of zeros, so
    :data:`NO_PRODUCT` (-1) neighbours read as no affinity. A product is not its own complement. Returns
    (affinity, neighbour product index or :data:`NO_PRODUCT` when no neighbour adds anything).
    """
    product = np.asarray(product)
    neighbours = np.asarray(neighbours)
    product = np.broadcast_to(product, neighbours.shape[:-1])
    values = positive_log_lift[product[..., None], neighbours]
    values = np.where(neighbours == product[..., None], 0.0, values)
    strongest = values.argmax(axis=-1)[..., None]
    affinity = np.take_along_axis(values, strongest, axis=-1)[..., 0]
    partner = np.take_along_axis(neighbours, strongest, axis=-1)[..., 0]
    return affinity, np.where(affinity > 0, partner, NO_PRODUCT)


def positive_log_lift(lift: np.ndarray) -> np.ndarray:
    """max(log lift, 0), padded with a zero column for 'no neighbour'."""
    values = np.maximum(np.log(np.maximum(lift, 1e-12)), 0.0)
    return np.concatenate([values, np.zeros((len(values), 1))], axis=1)


def relative_log_price(log_price: np.ndarray, category: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """log(price / the category's reference price); 0 for a category the model has not seen (index -1)."""
    category = np.asarray(category)
    if len(reference) == 0:
        return np.zeros(len(category))
    return np.where(category >= 0, log_price - reference[np.maximum(category, 0)], 0.0)


def index_of(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Dense index of each id in ``sorted_ids`` (ascending); -1 where absent."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(sorted_ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    where = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return np.where(sorted_ids[where] == ids, where, -1)
