"""CSV and JSON planogram files carry each slot's selection code and its cash and card prices, import them back,
and files written before these columns existed still import as they did."""

from __future__ import annotations

import csv
import io
import json

import pytest

from designer.cabinets import Cabinet, TemperatureZone
from designer.planogram_files import (
    PlanogramFileInvalid,
    content_hash,
    planogram_from_csv,
    planogram_from_json,
    planogram_to_csv,
    planogram_to_json,
)
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product

CATALOGUE = Catalogue([Product(1, "Doritos", "chips", 1.5, 0.6), Product(2, "Choc Cookies", "cookies", 1.25, 0.5)])
CABINET = Cabinet(1, 0, 4, 5, TemperatureZone.AMBIENT)
A1, A2, B1 = (Position.parse(label) for label in ("A1", "A2", "B1"))
PLANOGRAM = Planogram.from_slots(
    1, 0, [Slot(A1, 1, 5, 10, 8, 1.75, "A1", 1.85), Slot(A2, 2, 3, 12, 9), Slot(B1, selection_code="B1")]
)


def test_the_csv_says_what_to_key_and_charge_for_every_slot_and_imports_back() -> None:
    text = planogram_to_csv(PLANOGRAM, CATALOGUE)
    rows = {row["position"]: row for row in csv.DictReader(io.StringIO(text))}
    assert [(rows[p]["selection_code"], rows[p]["cash_price"], rows[p]["card_price"]) for p in ("A1", "A2", "B1")] == [
        ("A1", "1.75", "1.85"),
        ("12", "1.25", "1.25"),  # the default code; cards pay the catalogue's cash price
        ("B1", "", ""),  # an empty slot keeps its code
    ]
    assert planogram_from_csv(text, CABINET, CATALOGUE).slots == PLANOGRAM.slots


def test_the_json_carries_the_same_and_its_content_hash_covers_them() -> None:
    document = json.loads(planogram_to_json(PLANOGRAM, CABINET, CATALOGUE))
    first = document["slots"][0]
    assert (first["selection_code"], first["cash_price"], first["card_price"]) == ("A1", 1.75, 1.85)
    assert planogram_from_json(json.dumps(document), CABINET, CATALOGUE).slots == PLANOGRAM.slots
    first["card_price"] = 1.95  # changed after export: the hash no longer matches
    with pytest.raises(PlanogramFileInvalid, match="changed after it was exported"):
        planogram_from_json(json.dumps(document), CABINET, CATALOGUE)


def test_a_file_from_before_codes_and_card_prices_imports_as_before() -> None:
    old_csv = "position,product_id,product_name,price,quantity,capacity,par_level\nA1,1,Doritos,1.75,5,10,8\n"
    (slot,) = planogram_from_csv(old_csv, CABINET, CATALOGUE).filled_slots()
    assert (slot.price, slot.card_price, slot.selection_code) == (1.75, None, None)
    old_json = json.dumps({"slots": [{"position": "A1", "product_id": 1, "price": 1.75, "quantity": 5}]})
    assert planogram_from_json(old_json, CABINET, CATALOGUE).slots == {A1: slot}
    plain = Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8)])
    assert content_hash(plain) == content_hash(Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8, None, None, None)]))


def test_a_file_that_repeats_a_code_or_gives_both_price_columns_is_refused_naming_the_lines() -> None:
    header = "position,product_id,cash_price,selection_code,card_price\n"
    with pytest.raises(PlanogramFileInvalid, match="line 3, slot A2: selection code 7 is also the code of A1"):
        planogram_from_csv(header + "A1,1,,7,\nA2,2,,7,\n", CABINET, CATALOGUE)
    with pytest.raises(PlanogramFileInvalid, match="line 2, column card_price: 'cheap' is not a price"):
        planogram_from_csv(header + "A1,1,,,cheap\n", CABINET, CATALOGUE)
    with pytest.raises(PlanogramFileInvalid, match="columns 'price' and 'cash_price' both give the cash price"):
        planogram_from_csv("position,product_id,price,cash_price\nA1,1,1.5,1.5\n", CABINET, CATALOGUE)
