"""Exports of a pulled CVD planogram show each slot at the price the machine sells at, and import back equal."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from designer.planogram_files import planogram_from_csv
from storage.cvd.pull import pull
from storage.engine import make_engine, session_factory
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.tables import Device
from tests.cvd_builder import write_cvd_database
from tests.export.test_export_command import run


@pytest.fixture
def pulled(tmp_path: Path) -> str:
    """A working copy pulled from a generated CVD database (999-Cooler-0 sells Doritos at their own $3.00)."""
    write_cvd_database(f"sqlite:///{tmp_path / 'cvd.sqlite'}")
    url = f"sqlite:///{tmp_path / 'working.sqlite'}"
    cvd = make_engine(f"sqlite:///{tmp_path / 'cvd.sqlite'}")
    pull(cvd, prepare_database(url))
    cvd.dispose()
    return url


def test_csv_and_json_of_999_cooler_show_doritos_at_three_dollars(
    pulled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = prepare_database(pulled)
    with session_factory(engine)() as session:
        device = session.scalar(select(Device.id).where(Device.asset_number == "999"))
    fleet = FleetRepository(engine)
    cabinet = next(c for c in fleet.cabinets(device) if c.index == 0)
    active = fleet.active_planogram(device, 0)
    assert active is not None

    assert run("--device", str(device), "--cabinet", "0", "--out", str(tmp_path / "c.csv"), "--db", pulled) == 0
    assert run("--device", str(device), "--cabinet", "0", "--out", str(tmp_path / "c.json"), "--db", pulled) == 0
    capsys.readouterr()

    csv_text = (tmp_path / "c.csv").read_text()
    rows = {row["position"]: row for row in csv.DictReader(io.StringIO(csv_text))}
    assert (rows["B1"]["product_name"], rows["B1"]["cash_price"]) == ("Doritos", "3.00")  # $1.50 in the catalogue
    assert rows["A1"]["cash_price"] == rows["A1"]["card_price"] == "2.50"  # catalogue-priced Coca-Cola
    slots = {slot["position"]: slot for slot in json.loads((tmp_path / "c.json").read_text())["slots"]}
    assert slots["B1"]["cash_price"] == 3.0
    # importing back: CVD's stock exceeds capacity in some slots (a quirk: row D here), so import the two rows
    catalogue = fleet.catalogue()
    header, *lines = csv_text.splitlines()
    priced = "\n".join([header, *(line for line in lines if line.startswith(("A1,", "B1,")))])
    imported = planogram_from_csv(priced, cabinet, catalogue)
    assert [(s.position.label, s.price) for s in imported.filled_slots()] == [("A1", None), ("B1", 3.0)]
