"""A database made by the previous release (schema 0011) gains templates, fleet operations, device tags and the
device's model and route, with every device, layout and sale kept as it was."""

from __future__ import annotations

from sqlalchemy import inspect, text

from storage.schema import current_revision, head_revision, prepare_database

PREVIOUS = "0011_sales_imports"


def test_a_database_from_before_templates_keeps_its_devices_and_gains_the_new_tables(database_url: str) -> None:
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
                "INSERT INTO planograms (id, device_id, cabinet_index, name, status, version) "
                "VALUES (1, 1, 0, 'Old', 'active', 1)"
            )
        )
    old.dispose()

    upgraded = prepare_database(database_url)
    assert current_revision(upgraded) == head_revision()
    tables = set(inspect(upgraded).get_table_names())
    assert {"planogram_templates", "device_tags", "fleet_operations", "fleet_operation_changes"} <= tables
    with upgraded.begin() as connection:
        device = connection.execute(text("SELECT name, model, route_id FROM devices")).one()
        assert tuple(device) == ("Lobby", None, None)
        connection.execute(text("UPDATE devices SET model = 'Crane 187', route_id = 3 WHERE id = 1"))
        connection.execute(text("INSERT INTO device_tags (device_id, tag) VALUES (1, 'lobby')"))
        assert connection.execute(text("SELECT count(*) FROM devices WHERE route_id = 3")).scalar() == 1
        assert connection.execute(text("SELECT status FROM planograms")).scalar() == "active"
    upgraded.dispose()
