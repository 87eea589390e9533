"""A database made by the previous release (schema 0008) gains selection codes and card prices as NULL.

NULL keeps what the user saw before: every slot shows its default selection code (row then column) and charges
cards what it charges cash, and the cash price the old release stored is untouched.
"""

from __future__ import annotations

from sqlalchemy import text

from storage.schema import current_revision, head_revision, prepare_database

PREVIOUS = "0008_times_in_utc"


def test_a_database_from_before_selection_codes_keeps_its_slots_and_prices(database_url: str) -> None:
    old = prepare_database(database_url, revision=PREVIOUS)
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO devices (id, name, asset_number, location_type, location_name, created_at) "
                "VALUES (1, 'Lobby', 'A-1', 'office', 'HQ', '2026-01-01 08:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO products (id, name, category, price, unit_cost, temperature_requirement, health_score, "
                "is_system) VALUES (1, 'Doritos', 'chips', 1.50, 0.60, 'ambient', 5, false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO planograms (id, device_id, cabinet_index, name, status, version) "
                "VALUES (1, 1, 0, 'Old', 'active', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO planogram_slots (planogram_id, position, product_id, quantity, capacity, par_level, "
                "price) VALUES (1, 'A1', 1, 4, 10, 8, 2.25), (1, 'B3', 1, 2, 10, 8, NULL)"
            )
        )
    old.dispose()

    upgraded = prepare_database(database_url)
    assert current_revision(upgraded) == head_revision()
    with upgraded.connect() as connection:
        slots = connection.execute(
            text("SELECT position, price, selection_code, card_price FROM planogram_slots ORDER BY position")
        ).all()
    as_read = [(position, None if price is None else float(price), code, card) for position, price, code, card in slots]
    assert as_read == [("A1", 2.25, None, None), ("B3", None, None, None)]
    upgraded.dispose()
