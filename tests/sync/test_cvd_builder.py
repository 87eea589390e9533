"""The generated CVD database is what the sync tests rely on: the same rows every time, CVD's shape, and figures
that match what was written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from storage.cvd.source import is_cvd_database
from tests.cvd_builder import SHOWCASE_COOLER, SHOWCASE_STOCKWELL, CvdFleet, generated_fleet


def _count(path: Path, query: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(query).fetchone()[0])


def test_the_same_seed_writes_the_same_rows_and_another_seed_other_rows(cvd_fleet: CvdFleet) -> None:
    again = generated_fleet.__wrapped__()  # not the cached one: a second, independent build
    assert again.rows == cvd_fleet.rows
    assert generated_fleet.__wrapped__(seed=18).rows["planogram_slots"] != cvd_fleet.rows["planogram_slots"]


def test_the_written_file_is_a_cvd_database_holding_the_figures(generated_cvd_file: Path, cvd_fleet: CvdFleet) -> None:
    f, path = cvd_fleet, generated_cvd_file
    assert is_cvd_database(str(path))
    assert _count(path, "SELECT count(*) FROM devices") == f.devices
    assert _count(path, "SELECT count(*) FROM devices WHERE deleted_at IS NOT NULL") == len(f.deleted_assets) > 0
    assert _count(path, "SELECT count(*) FROM planogram_slots") == f.slots
    assert _count(path, "SELECT count(*) FROM planogram_slots WHERE product_id = 1") == f.empty_slots > 0
    assert _count(path, "SELECT count(*) FROM sales") == f.sales
    assert _count(path, "SELECT sum(sale_units) FROM sales") == f.sale_units
    assert _count(path, "SELECT count(*) FROM dex_pa_records") == f.dex_records > 0
    assert _count(path, "SELECT count(*) FROM audit_log") == f.audit_rows > 0
    assert _count(path, "SELECT count(*) FROM products WHERE is_system AND name = 'EMPTY_SLOT' AND id = 1") == 1
    special = (
        "SELECT count(*) FROM planogram_slots s JOIN products p ON p.id = s.product_id "
        "WHERE s.product_id != 1 AND s.price != p.price"
    )
    assert _count(path, special) == f.special_prices > 0


def test_every_cabinet_has_every_slot_and_the_stories_slots_are_there(cvd_fleet: CvdFleet) -> None:
    rows = cvd_fleet.rows
    cabinets = {c["id"]: c for c in rows["cabinet_configurations"]}
    size = {
        p["id"]: cabinets[p["cabinet_id"]]["rows"] * cabinets[p["cabinet_id"]]["columns"] for p in rows["planograms"]
    }
    per_planogram: dict[int, set[str]] = {}
    for slot in rows["planogram_slots"]:
        per_planogram.setdefault(slot["planogram_id"], set()).add(slot["slot_position"])
    assert {pid: len(positions) for pid, positions in per_planogram.items()} == size  # every position is there
    assert len(rows["planogram_slots"]) == sum(size.values())  # once
    types = {t["name"] for t in rows["cabinet_types"]}
    assert {"Cooler", "Freezer", "Ambient", "Ambient+", "Stockwell Cooler", "Stockwell Ambient"} == types

    def slot(key: str, position: str) -> dict[str, object]:
        pid = cvd_fleet.planogram_ids[key]
        return next(s for s in rows["planogram_slots"] if s["planogram_id"] == pid and s["slot_position"] == position)

    assert (slot(SHOWCASE_COOLER, "B1")["product_name"], slot(SHOWCASE_COOLER, "B1")["price"]) == ("Doritos", 3)
    assert slot(SHOWCASE_STOCKWELL, "A4")["product_name"] == "EMPTY_SLOT"
    assert {"999-Ambient+-1", "999-Freezer-2"} <= set(cvd_fleet.planogram_ids)


def test_users_of_every_role_with_werkzeug_password_hashes(cvd_fleet: CvdFleet) -> None:
    users = cvd_fleet.rows["users"]
    assert {u["role"] for u in users} == {"admin", "manager", "driver", "viewer"}
    assert [(u["id"], u["username"]) for u in users[:4]] == [
        (1, "admin1"),
        (2, "manager2"),
        (3, "viewer3"),
        (4, "driver4"),
    ]
    for user in users:  # werkzeug's check_password_hash, by hand: method, salt, digest of the password
        method, salt, digest = user["password_hash"].split("$")
        _name, n, r, p = method.split(":")
        expected = hashlib.scrypt(
            f"{user['username']}-password".encode(), salt=salt.encode(), n=int(n), r=int(r), p=int(p),
            maxmem=132 * int(n) * int(r) * int(p),
        )  # fmt: skip
        assert digest == expected.hex()
