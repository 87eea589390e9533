"""Adding a machine of a chosen shape to a fleet database, for tests and the benchmark."""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select

from storage.tables import CabinetRecord, Device

FOUR_CABINETS: tuple[tuple[int, int, str], ...] = (
    (6, 6, "ambient"),
    (5, 6, "refrigerated"),
    (4, 4, "frozen"),
    (10, 20, "frozen"),
)
"""(rows, columns, temperature zone) of each cabinet; the last has more slots than frozen products."""


def add_device(engine: Engine, location_type: str, cabinets: tuple[tuple[int, int, str], ...]) -> int:
    """Insert a device with ``cabinets`` (no sales, no planograms) and return its id."""
    with engine.begin() as connection:
        device_id = int(connection.scalar(select(func.coalesce(func.max(Device.id), 0))) or 0) + 1
        connection.execute(
            insert(Device).values(
                id=device_id,
                name=f"Test machine {device_id}",
                asset_number=f"TEST-{device_id:05d}",
                location_type=location_type,
                location_name="added by the personalisation tests",
            )
        )
        for index, (rows, columns, zone) in enumerate(cabinets):
            connection.execute(
                insert(CabinetRecord).values(
                    device_id=device_id,
                    cabinet_index=index,
                    rows=rows,
                    columns=columns,
                    temperature_zone=zone,
                    name=f"Cabinet {index + 1} · {zone}",
                )
            )
    return device_id
