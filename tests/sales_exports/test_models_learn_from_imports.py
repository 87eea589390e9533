"""Issue 20 item 2: after the real Seed export is imported into a fresh database (no demo catalogue), the models
answer from it: affinity counts its multi-item baskets, the forecaster forecasts its sellers, placement scores a
slot of its machines."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

import main
from storage.engine import make_engine
from storage.tables import SaleRecord
from tests.shared_sample import seed_export_path


def ask(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: str, endpoint: str, request: dict
) -> dict:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(request)))
    status = main.main(["api", endpoint, "--db", database])
    body = json.loads(capsys.readouterr().out)
    assert status == 0, body
    return body


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> str:
    database = str(tmp_path_factory.mktemp("real") / "real.sqlite")
    assert (
        main.main(
            [
                "sales",
                "import",
                str(seed_export_path()),
                "--db",
                database,
                "--skip-refused",
                "--time-zone",
                "America/New_York",
            ]
        )
        == 0
    )
    return database


def _busiest(database: str) -> tuple[int, list[int], str]:
    engine = make_engine(database)
    with engine.connect() as connection:
        device = connection.execute(
            select(SaleRecord.device_id).group_by(SaleRecord.device_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        products = connection.scalars(
            select(SaleRecord.product_id)
            .where(SaleRecord.device_id == device)
            .group_by(SaleRecord.product_id)
            .order_by(func.sum(SaleRecord.quantity).desc())
            .limit(3)
        ).all()
        position = connection.scalar(select(SaleRecord.position).where(SaleRecord.device_id == device).limit(1))
    engine.dispose()
    return device, list(products), str(position)


def test_affinity_reads_the_imported_baskets_and_says_how_many_hold_more_than_one_item(
    imported: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    device, _, _ = _busiest(imported)
    body = ask(
        capsys,
        monkeypatch,
        imported,
        "affinity-analysis",
        {"device_id": device, "analysis_period_days": 365, "min_confidence": 0.05, "include_clusters": True},
    )
    baskets = body["baskets"]
    assert baskets["total"] > 2000 and 0 < baskets["with_more_than_one_item"] < baskets["total"]
    assert "no transaction ids" not in body.get("reason", "")  # the baskets were found, not missing


def test_the_forecaster_forecasts_the_imported_sellers(
    imported: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    device, products, _ = _busiest(imported)
    body = ask(
        capsys,
        monkeypatch,
        imported,
        "demand-forecast",
        {"device_id": device, "products": products, "forecast_days": 7},
    )
    assert [f["product_id"] for f in body["forecasts"]] == products
    assert sum(day["predicted_units"] for f in body["forecasts"] for day in f["daily_forecasts"]) > 0


def test_placement_scores_a_slot_of_an_imported_machine(
    imported: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    device, products, position = _busiest(imported)
    body = ask(
        capsys,
        monkeypatch,
        imported,
        "realtime-analysis",
        {"planogram_id": f"{device}_0", "product_id": products[0], "slot_position": position},
    )
    assert 0 <= body["placement_score"] <= 100 and body["feedback"]
