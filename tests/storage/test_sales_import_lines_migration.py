"""A database made by the previous release (schema 0012) keeps every imported line when lines become keyed by their
sale: the same export imported again still adds nothing, and taking the import back removes exactly its sales."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from designer.sales_exports import read_export
from storage.sales_imports import import_sales, plan_import, undo_import
from storage.schema import current_revision, head_revision, prepare_database
from tests.sales_exports.seed_files import seed_row, write_seed

PREVIOUS = "0012_templates"


def test_lines_imported_before_the_upgrade_are_still_known_and_still_undone(database_url: str, tmp_path: Path) -> None:
    old = prepare_database(database_url, revision=PREVIOUS)
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO devices (id, name, asset_number, location_type, location_name, created_at) "
                "VALUES (901, 'Lobby', 'A-1', 'office', 'HQ', '2026-01-01 08:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO products (id, name, category, price, unit_cost, temperature_requirement, "
                "health_score, is_system) VALUES (901, 'Cola', 'drinks', 2, 0.6, 'ambient', 5, false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sales (id, device_id, cabinet_index, position, product_id, sold_at, quantity, "
                "unit_price, transaction_id) VALUES (907, 901, 0, 'A1', 901, '2022-01-01 17:00:00', 1, 2, 3)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sales_imports (id, imported_at, source, file_name, sales_added, created) "
                "VALUES (901, '2026-01-01 08:00:00', 'seed', 'old.csv', 1, '{}')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sales_import_lines (id, import_id, fingerprint, sale_id, device_id, basket, payment) "
                "VALUES (1, 901, :print, 907, 901, 'T-1', 'card')"
            ),
            {"print": b"\x01" * 16},
        )
    old.dispose()

    upgraded = prepare_database(database_url)  # ids above the sequences' next ones: PostgreSQL does not advance them
    assert current_revision(upgraded) == head_revision()
    with upgraded.begin() as connection:
        kept = connection.execute(text("SELECT sale_id, import_id, basket, payment FROM sales_import_lines")).all()
    assert [tuple(row) for row in kept] == [(907, 901, "T-1", "card")]
    assert undo_import(upgraded, 901)["sales_removed"] == 1
    export = write_seed(
        tmp_path / "export.csv",
        [seed_row(), seed_row(product="Cola", coil="124"), seed_row(basket="1002", kind="Cash", coil="140")],
    )
    first = import_sales(upgraded, plan_import(upgraded, read_export(export), time_zone="UTC"))
    again = import_sales(upgraded, plan_import(upgraded, read_export(export), time_zone="UTC"))
    assert first.sales_added > 0 and again.sales_added == 0
    assert again.plan.already_present == first.sales_added
    upgraded.dispose()
