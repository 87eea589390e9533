"""Activating a layout writes CVD's rows exactly as the CVD web app would, and nothing else in the database."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, select

from storage.cvd import schema as cvd
from storage.cvd.audit_copy import copy_audit
from storage.cvd.pull import pull
from storage.cvd.queue import collect_activations, queue_status, run_pushes
from storage.engine import make_engine
from tests.cvd_builder import SHOWCASE_STOCKWELL
from tests.sync.helpers import edit_and_activate, table_digests, web_app_save

# 444-Stockwell Cooler-0: A1–A3 Coca-Cola, A4–A7 empty (EMPTY_SLOT), B1 Gatorade Fruit Punch
CHANGES = {
    "A1": (11, 10, 6),  # Coca-Cola replaced by Pepsi
    "A4": (15, 8, 5),  # an empty slot gets Snickers
    "B1": None,  # cleared
}


def web_app_payload(a1_quantity: int) -> dict[str, dict[str, object] | None]:
    """What the web app's form sends for CHANGES: names and prices from CVD's catalogue, A1 keeps its stock."""
    return {
        "A1": {
            "productId": 11,
            "productName": "Pepsi",
            "quantity": min(a1_quantity, 10),
            "capacity": 10,
            "parLevel": 6,
            "price": 2.5,
        },
        "A4": {"productId": 15, "productName": "Snickers", "quantity": 0, "capacity": 8, "parLevel": 5, "price": 1.5},
        "B1": None,
    }


def _slot(path: Path, position: str) -> tuple[object, ...]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT planogram_slots.* FROM planogram_slots JOIN planograms ON planograms.id = planogram_id "
            "WHERE planogram_key = ? AND slot_position = ?",
            (SHOWCASE_STOCKWELL, position),
        ).fetchone()


def test_a_pushed_layout_matches_what_the_web_app_writes_row_by_row(
    cvd_file: Path, working_copy: Engine, tmp_path: Path
) -> None:
    reference = tmp_path / "reference.sqlite"
    shutil.copyfile(cvd_file, reference)
    untouched = table_digests(cvd_file, skip={"planogram_slots", "planograms"})
    cvd_engine = make_engine(f"sqlite:///{cvd_file}")
    pull(cvd_engine, working_copy)
    b1_before = _slot(cvd_file, "B1")
    a1_before = _slot(cvd_file, "A1")
    edit_and_activate(working_copy, "444", 0, CHANGES)
    collect_activations(working_copy)

    summary = run_pushes(cvd_engine, working_copy)
    cvd_engine.dispose()

    assert (summary.pushed, summary.conflicts, summary.failed) == (1, [], [])
    with sqlite3.connect(cvd_file) as connection:
        (stamp,) = connection.execute(
            "SELECT updated_at FROM planograms WHERE planogram_key = ?", (SHOWCASE_STOCKWELL,)
        ).fetchone()
    web_app_save(
        reference,
        "444-Stockwell Cooler-0",
        web_app_payload(a1_before[5]),
        now=stamp,
    )
    with sqlite3.connect(cvd_file) as ours, sqlite3.connect(reference) as theirs:
        query = "SELECT * FROM planogram_slots ORDER BY id"
        assert ours.execute(query).fetchall() == theirs.execute(query).fetchall()
        query = "SELECT id, cabinet_id, planogram_key, updated_at FROM planograms WHERE planogram_key != ? ORDER BY id"
        key = (SHOWCASE_STOCKWELL,)
        assert ours.execute(query, key).fetchall() == theirs.execute(query, key).fetchall()
    assert _slot(cvd_file, "B1")[3:9] == (1, "EMPTY_SLOT", 0, 0, 0, 0)  # cleared as CVD clears
    assert _slot(cvd_file, "B1")[11] == b1_before[3]  # previous_product_id remembers what was there
    assert table_digests(cvd_file, skip={"planogram_slots", "planograms"}) == untouched
    assert queue_status(working_copy) == {"done": 1}


def test_pushing_again_changes_nothing(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    edit_and_activate(working_copy, "444", 0, CHANGES)
    collect_activations(working_copy)
    run_pushes(cvd_engine, working_copy)
    with cvd_engine.connect() as connection:
        before = connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id)).all()

    assert collect_activations(working_copy) == 0  # already pushed: nothing new to queue
    again = run_pushes(cvd_engine, working_copy)
    pulled = pull(cvd_engine, working_copy)

    assert (again.pushed, again.unchanged) == (0, 0)
    assert pulled.layouts_changed == 0  # our own push comes back as the layout we already have
    with cvd_engine.connect() as connection:
        assert connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id)).all() == before


def test_our_audit_rows_reach_cvds_audit_log_once(cvd_engine: Engine, working_copy: Engine) -> None:
    pull(cvd_engine, working_copy)
    edit_and_activate(working_copy, "444", 0, CHANGES)
    with cvd_engine.connect() as connection:
        before = connection.scalar(select(cvd.audit_log.c.id).order_by(cvd.audit_log.c.id.desc()).limit(1))

    copied, _waiting = copy_audit(cvd_engine, working_copy)
    again, _ = copy_audit(cvd_engine, working_copy)

    with cvd_engine.connect() as connection:
        rows = connection.execute(select(cvd.audit_log).where(cvd.audit_log.c.id > before)).mappings().all()
    assert copied == len(rows) >= 2 and again == 0
    actions = {row["action"] for row in rows}
    assert {"planogram.save", "planogram.activate"} <= actions
    assert {row["user_id"] for row in rows} == {2}  # manager2 in CVD
    assert all(row["ip_address"] and row["resource_type"] == "planogram" for row in rows)


def _normalised(rows: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    """Rows compared across SQLite and PostgreSQL: numbers as floats, timestamps as CVD's text."""
    from decimal import Decimal

    from storage.cvd.mapping import cvd_text

    out = []
    for row in rows:
        out.append(
            tuple(
                float(v) if isinstance(v, (Decimal, float)) else cvd_text(v) if hasattr(v, "isoformat") else v
                for v in row
            )
        )
    return out


def test_the_same_rows_are_written_on_either_database(cvd_engine: Engine, working_copy: Engine, cvd_file: Path) -> None:
    """The push on this parameter's database (SQLite or PostgreSQL) equals the web app's save on a CVD file."""
    pull(cvd_engine, working_copy)
    a1 = _slot(cvd_file, "A1")
    edit_and_activate(working_copy, "444", 0, CHANGES)
    assert run_pushes(cvd_engine, working_copy).pushed == 1
    with cvd_engine.connect() as connection:
        stamp = cvd_text_of(
            connection.scalar(
                select(cvd.planograms.c.updated_at).where(cvd.planograms.c.planogram_key == SHOWCASE_STOCKWELL)
            )
        )
        ours = connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id)).all()
    web_app_save(
        cvd_file,
        "444-Stockwell Cooler-0",
        web_app_payload(a1[5]),
        now=stamp,
    )
    with sqlite3.connect(cvd_file) as reference:
        expected = reference.execute("SELECT * FROM planogram_slots ORDER BY id").fetchall()
    assert _normalised(ours) == _normalised(expected)


def cvd_text_of(value: object) -> str:
    from storage.cvd.mapping import cvd_text

    return str(cvd_text(value))
