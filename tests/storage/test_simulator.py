"""The demo fleet: a populated, reproducible database whose planted truth can be read back from its sales."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from designer.cabinets import TemperatureZone, zone_accepts
from storage.schema import prepare_database
from storage.simulator import FleetSummary, SimulationCancelled, build_demo_fleet
from storage.simulator.build import _build_in_place

SMALL = {"devices": 6, "days": 60, "seed": 7}
TRUTH_KEYS = {
    "seed", "parameters", "row_multipliers", "column_multipliers", "location_preferences", "weekday_profiles",
    "holidays", "weather", "affinity_pairs", "rivalries", "base_demand", "planogram_changes", "history",
    "devices", "censored_demand",
}  # fmt: skip


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def query(path: Path, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as database:
        return database.execute(sql, parameters).fetchall()


def frame(path: Path, sql: str) -> pd.DataFrame:
    with closing(sqlite3.connect(path)) as database:
        return pd.read_sql_query(sql, database)


def dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as database:
        return list(database.iterdump())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def truth(path: Path) -> dict[str, Any]:
    return {key: json.loads(value) for key, value in query(path, "SELECT key, value FROM simulation_truth")}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six devices (one of each location type) over sixty days."""
    path = tmp_path_factory.mktemp("fleet") / "demo.sqlite"
    build_demo_fleet(url_of(path), **SMALL)
    return path


@pytest.fixture(scope="module")
def slot_spans(fleet: Path) -> pd.DataFrame:
    """Every filled slot of every planogram version, with the time it was in the machine."""
    spans = frame(
        fleet,
        "SELECT p.device_id, p.cabinet_index, p.version, p.activated_at AS start, "
        "CASE p.status WHEN 'archived' THEN p.updated_at ELSE '9999' END AS finish, "
        "s.position, s.product_id, s.capacity, s.par_level, s.quantity, c.rows, c.temperature_zone "
        "FROM planograms p JOIN planogram_slots s ON s.planogram_id = p.id "
        "JOIN cabinets c ON c.device_id = p.device_id AND c.cabinet_index = p.cabinet_index "
        "WHERE s.product_id IS NOT NULL",
    )
    spans["row"] = spans["position"].str[0].map(ord) - ord("A")
    return spans


@pytest.fixture(scope="module")
def sales(fleet: Path) -> pd.DataFrame:
    return frame(fleet, "SELECT device_id, cabinet_index, position, product_id, sold_at, transaction_id FROM sales")


def sales_in_their_slot(sales: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    keys = ["device_id", "cabinet_index", "position", "product_id"]
    joined = sales.merge(spans, on=keys, how="left")
    return joined[(joined["sold_at"] >= joined["start"]) & (joined["sold_at"] < joined["finish"])]


def test_the_same_seed_gives_the_same_database_and_another_seed_a_different_one(tmp_path: Path) -> None:
    arguments = {"devices": 3, "days": 30}
    first, second, other = tmp_path / "first.sqlite", tmp_path / "second.sqlite", tmp_path / "other.sqlite"
    build_demo_fleet(url_of(first), seed=11, **arguments)
    build_demo_fleet(url_of(second), seed=11, **arguments)
    build_demo_fleet(url_of(other), seed=12, **arguments)
    assert dump(first) == dump(second)
    assert dump(first) != dump(other)


def test_a_device_is_the_same_whatever_the_size_of_the_fleet(fleet: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone.sqlite"
    build_demo_fleet(url_of(alone), devices=1, days=SMALL["days"], seed=SMALL["seed"])
    device_one = "SELECT cabinet_index, position, product_id, sold_at, unit_price, transaction_id FROM sales "
    device_one += "WHERE device_id = 1 ORDER BY id"
    assert query(alone, device_one) == query(fleet, device_one)
    truth_alone, truth_fleet = truth(alone), truth(fleet)
    assert truth_alone["base_demand"]["1"] == truth_fleet["base_demand"]["1"]


def test_the_fleet_covers_every_location_type_and_temperature_zone(fleet: Path) -> None:
    devices = query(fleet, "SELECT id, name, asset_number, location_type, location_name FROM devices ORDER BY id")
    assert [row[0] for row in devices] == [1, 2, 3, 4, 5, 6]
    assert devices[0][1] == "Office Lobby 1"
    assert {row[3] for row in devices} >= {"office", "school", "gym", "hospital"}
    assert len({row[2] for row in devices}) == len(devices)
    assert query(fleet, "SELECT cabinet_index FROM cabinets WHERE device_id = 1 ORDER BY cabinet_index")[0] == (0,)
    zones = {row[0] for row in query(fleet, "SELECT temperature_zone FROM cabinets")}
    assert zones == {"ambient", "refrigerated", "frozen"}
    for cabinets, rows, columns in query(
        fleet, "SELECT COUNT(*), MAX(rows), MAX(columns) FROM cabinets GROUP BY device_id"
    ):
        assert 1 <= cabinets <= 3 and rows <= 10 and columns <= 20


def test_about_a_hundred_products_each_kept_at_a_temperature_its_cabinet_allows(
    fleet: Path, slot_spans: pd.DataFrame
) -> None:
    products = frame(fleet, "SELECT id, name, category, price, unit_cost, temperature_requirement, health_score, "
                            "is_system FROM products")  # fmt: skip
    sellable = products[products["is_system"] == 0]
    assert 90 <= len(sellable) <= 130
    assert (sellable["price"] > sellable["unit_cost"]).all() and sellable["health_score"].between(0, 10).all()
    assert sellable.groupby("category")["temperature_requirement"].nunique().max() == 1
    empty = products[products["is_system"] == 1]
    assert empty[["name", "category", "price"]].values.tolist() == [["EMPTY_SLOT", "system", 0]]
    users = query(fleet, "SELECT role FROM users")
    assert sorted(role for (role,) in users) == ["admin", "driver", "manager", "viewer"]

    placed = slot_spans.merge(products, left_on="product_id", right_on="id")
    for zone, requirement in placed[["temperature_zone", "temperature_requirement"]].drop_duplicates().values:
        assert zone_accepts(TemperatureZone(zone), TemperatureZone(requirement)), (zone, requirement)


def test_each_cabinet_has_an_archived_first_version_replaced_by_an_active_second_at_a_restock(fleet: Path) -> None:
    changes = truth(fleet)["planogram_changes"]
    planograms = query(
        fleet,
        "SELECT device_id, cabinet_index, version, status, activated_at, updated_at FROM planograms "
        "ORDER BY device_id, cabinet_index, version",
    )
    cabinets = query(fleet, "SELECT device_id, cabinet_index FROM cabinets ORDER BY device_id, cabinet_index")
    assert [row[:2] for row in planograms[::2]] == cabinets
    for first, second in zip(planograms[::2], planograms[1::2], strict=True):
        device, cabinet = first[:2]
        changed_at = changes[str(device)][str(cabinet)]["changed_at"].replace("T", " ")
        assert first[2:4] == (1, "archived") and second[2:4] == (2, "active")
        assert first[5].startswith(changed_at) and second[4].startswith(changed_at)
        assert first[4] < second[4]
    bad_stock = query(
        fleet,
        "SELECT COUNT(*) FROM planogram_slots WHERE par_level > capacity OR quantity > capacity OR quantity < 0 "
        "OR (product_id IS NOT NULL AND capacity NOT BETWEEN 5 AND 15)",
    )
    assert bad_stock == [(0,)]


def test_version_two_moves_some_products_to_other_rows_and_brings_in_new_ones(slot_spans: pd.DataFrame) -> None:
    for _, cabinet in slot_spans.groupby(["device_id", "cabinet_index"]):
        first = cabinet[cabinet["version"] == 1].set_index("product_id")
        second = cabinet[cabinet["version"] == 2].set_index("product_id")
        kept = first.index.intersection(second.index)
        assert len(second.index.difference(first.index)) >= 1
        assert (first.loc[kept, "row"] != second.loc[kept, "row"]).sum() >= 2


def test_every_vend_comes_from_the_slot_the_planogram_in_force_gave_its_product(
    sales: pd.DataFrame, slot_spans: pd.DataFrame
) -> None:
    assert len(sales) > 5_000
    assert len(sales_in_their_slot(sales, slot_spans)) == len(sales)


def test_fast_movers_sell_out_and_an_empty_slot_sells_nothing_until_the_next_restock(fleet: Path) -> None:
    assert query(fleet, "SELECT COUNT(*) FROM stockouts")[0][0] > 20
    sold_while_empty = query(
        fleet,
        "SELECT COUNT(*) FROM stockouts o JOIN sales s ON s.device_id = o.device_id "
        "AND s.cabinet_index = o.cabinet_index AND s.position = o.position AND s.sold_at > o.sold_out_at "
        "AND (o.restocked_at IS NULL OR s.sold_at < o.restocked_at)",
    )
    assert sold_while_empty == [(0,)]
    last_vend_is_the_sell_out = query(
        fleet,
        "SELECT COUNT(*) FROM stockouts o JOIN sales s ON s.device_id = o.device_id AND s.position = o.position "
        "AND s.cabinet_index = o.cabinet_index AND s.product_id = o.product_id AND s.sold_at = o.sold_out_at",
    )
    assert last_vend_is_the_sell_out[0][0] >= query(fleet, "SELECT COUNT(*) FROM stockouts")[0][0]


def test_the_same_product_sells_more_at_eye_level_than_in_the_bottom_row(
    sales: pd.DataFrame, slot_spans: pd.DataFrame
) -> None:
    spans = slot_spans.copy()
    spans["place"] = "middle"
    spans.loc[spans["row"].isin([1, 2]), "place"] = "eye level"
    spans.loc[spans["row"] == spans["rows"] - 1, "place"] = "bottom"
    last = sales["sold_at"].max()
    spans["days"] = (
        pd.to_datetime(spans["finish"].where(spans["finish"] != "9999", last)) - pd.to_datetime(spans["start"])
    ).dt.total_seconds() / 86_400
    vends = sales_in_their_slot(sales, spans).groupby(["device_id", "product_id", "place"]).size()
    spans = spans.set_index(["device_id", "product_id", "place"])
    spans["vends"] = vends.reindex(spans.index).fillna(0)
    rate = (spans["vends"] / spans["days"]).groupby(level=[0, 1, 2]).mean().unstack("place")
    both = rate.dropna(subset=["eye level", "bottom"])
    assert len(both) >= 20  # products that version 2 moved between eye level and the bottom row
    assert both["eye level"].sum() / both["bottom"].sum() > 1.3


def test_planted_pairs_are_bought_together_far_more_than_chance(fleet: Path, sales: pd.DataFrame) -> None:
    baskets = sales.groupby("transaction_id")["product_id"].apply(frozenset)
    measured = 0
    for pair in truth(fleet)["affinity_pairs"]:
        first, second = pair["product_ids"]
        with_first = baskets.map(lambda basket, p=first: p in basket)
        with_second = baskets.map(lambda basket, p=second: p in basket)
        if with_first.sum() < 20 or with_second.sum() < 20:
            continue
        lift = (with_first & with_second).mean() / (with_first.mean() * with_second.mean())
        assert lift > 1.5, (pair["products"], lift)
        measured += 1
    assert measured >= 3


def test_a_basket_belongs_to_one_machine_on_one_day(sales: pd.DataFrame) -> None:
    per_basket = sales.assign(day=sales["sold_at"].str[:10]).groupby("transaction_id")[["device_id", "day"]].nunique()
    assert (per_basket == 1).all().all()
    assert sales.groupby("transaction_id").size().max() > 1


def test_schools_sell_almost_nothing_at_weekends(fleet: Path, sales: pd.DataFrame) -> None:
    schools = [device for (device,) in query(fleet, "SELECT id FROM devices WHERE location_type = 'school'")]
    school = sales[sales["device_id"].isin(schools)]
    weekday = pd.to_datetime(school["sold_at"]).dt.day_of_week
    assert (weekday >= 5).sum() / 2 < 0.1 * (weekday < 5).sum() / 5


def test_the_planted_truth_is_stored_for_every_key(fleet: Path) -> None:
    stored = truth(fleet)
    assert set(stored) >= TRUTH_KEYS
    assert stored["seed"] == SMALL["seed"]
    assert stored["history"]["days"] == SMALL["days"] and stored["history"]["end"] == "2026-06-30"
    six_rows = stored["row_multipliers"]["6"]
    assert min(six_rows[1], six_rows[2]) > six_rows[-1]
    assert set(stored["base_demand"]) == set(stored["planogram_changes"]) == {str(d) for d in range(1, 7)}
    assert stored["weekday_profiles"]["school"][6] < 0.1 < stored["weekday_profiles"]["gym"][6]
    assert stored["weather"]["sensitivity"]["ice cream"]["per_degree_c"] > 0
    assert len(stored["rivalries"]) >= 3 and len(stored["affinity_pairs"]) >= 3


def test_every_timestamp_comes_from_the_simulated_clock(fleet: Path) -> None:
    end = "2026-06-30 23:59:59.000000"
    columns = {
        "devices": ["created_at"], "planograms": ["created_at", "updated_at", "activated_at"], "sales": ["sold_at"],
        "stockouts": ["sold_out_at"], "audit_log": ["created_at"],
    }  # fmt: skip
    for table, names in columns.items():
        for name in names:
            lowest, highest, missing = query(
                fleet, f"SELECT MIN({name}), MAX({name}), SUM({name} IS NULL) FROM {table}"
            )[0]
            assert missing == 0 and lowest > "2024-01-01" and highest <= end, (table, name)
    assert query(fleet, "SELECT action, created_at FROM audit_log") == [("demo_fleet_built", end)]


def test_progress_counts_the_devices_up_to_done(tmp_path: Path) -> None:
    reports: list[tuple[int, str]] = []
    summary = build_demo_fleet(
        url_of(tmp_path / "d.sqlite"), devices=3, days=14, progress=lambda p, m: reports.append((p, m))
    )
    percents = [percent for percent, _ in reports]
    assert percents == sorted(percents) and percents[-1] == 100
    assert "Simulating device 3 of 3" in [message for _, message in reports]
    assert isinstance(summary, FleetSummary)
    assert (summary.devices, summary.planograms) == (3, 2 * summary.cabinets)
    assert summary.sales_rows == query(tmp_path / "d.sqlite", "SELECT COUNT(*) FROM sales")[0][0]


def test_a_cancelled_build_leaves_no_file_behind(tmp_path: Path) -> None:
    target = tmp_path / "cancelled.sqlite"
    calls = iter(range(100))
    with pytest.raises(SimulationCancelled):
        build_demo_fleet(url_of(target), devices=3, days=30, should_stop=lambda: next(calls) >= 2)
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_build_leaves_an_existing_empty_database_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "empty.sqlite"
    prepare_database(url_of(target)).dispose()
    before = digest(target)
    with pytest.raises(SimulationCancelled):
        build_demo_fleet(url_of(target), devices=2, days=30, should_stop=lambda: True)
    assert digest(target) == before and sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]


def test_an_empty_database_receives_the_fleet(tmp_path: Path) -> None:
    target = tmp_path / "empty.sqlite"
    prepare_database(url_of(target)).dispose()
    build_demo_fleet(url_of(target), devices=1, days=14)
    assert query(target, "SELECT COUNT(*) FROM devices") == [(1,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]


def test_a_database_that_already_has_devices_is_refused_and_left_untouched(tmp_path: Path) -> None:
    target = tmp_path / "fleet.sqlite"
    build_demo_fleet(url_of(target), devices=1, days=14)
    before = digest(target)
    with pytest.raises(ValueError, match="already contains 1 device;"):
        build_demo_fleet(url_of(target), devices=1, days=14)
    assert digest(target) == before and sorted(p.name for p in tmp_path.iterdir()) == ["fleet.sqlite"]


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    target = tmp_path / "notes.sqlite"
    target.write_text("shopping list: chips, cola\n" * 100)
    with pytest.raises(ValueError, match="not a readable database"):
        build_demo_fleet(url_of(target), devices=1, days=14)
    assert target.read_text().startswith("shopping list")


@pytest.mark.parametrize(("arguments", "words"), [({"devices": 0}, "devices"), ({"days": 7}, "two weeks")])
def test_impossible_fleet_sizes_are_refused_with_the_limit(
    tmp_path: Path, arguments: dict[str, int], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        build_demo_fleet(url_of(tmp_path / "x.sqlite"), **arguments)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def server_like(tmp_path: Path) -> Iterator[str]:
    """A database written in place, as a PostgreSQL server would be (a SQLite file stands in for it)."""
    yield url_of(tmp_path / "server.sqlite")


def test_a_server_database_is_written_in_place_with_the_same_fleet(
    server_like: str, fleet: Path, tmp_path: Path
) -> None:
    summary = _build_in_place(server_like, 2, SMALL["days"], SMALL["seed"], lambda _p, _m: None, lambda: False, None)
    assert summary.devices == 2
    in_place = tmp_path / "server.sqlite"
    same = "SELECT device_id, position, product_id, sold_at, transaction_id FROM sales WHERE device_id <= 2 ORDER BY id"
    assert query(in_place, same) == query(fleet, same)


def test_a_cancelled_server_build_removes_what_it_wrote(server_like: str, tmp_path: Path) -> None:
    calls = iter(range(100))
    with pytest.raises(SimulationCancelled):
        _build_in_place(server_like, 3, 14, 7, lambda _p, _m: None, lambda: next(calls) >= 2, None)
    tables = ("users", "products", "devices", "cabinets", "planograms", "planogram_slots", "sales", "simulation_truth")
    server = tmp_path / "server.sqlite"
    assert [query(server, f"SELECT COUNT(*) FROM {table}")[0][0] for table in tables] == [0] * len(tables)


@pytest.mark.slow
def test_the_default_fleet_builds_whole(tmp_path: Path) -> None:
    summary = build_demo_fleet(url_of(tmp_path / "default.sqlite"))  # its time: tests/bench/bench_simulator.py
    assert (summary.devices, summary.sales_rows > 50_000) == (12, True)
