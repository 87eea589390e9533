"""A supplier's columns are picked once: the mapping is kept under the export's header signature and offered again
for the next file from the same source (same columns in any order), and to files whose columns it can also read."""

from __future__ import annotations

from pathlib import Path

from designer.sales_exports import ColumnMapping, load_mapping
from designer.sales_exports.saved_mappings import SavedMappings, header_signature

VENDSYS = ["Machine", "Item", "Selection", "Sold", "Price"]
COLUMNS = {"machine": ("Machine",), "product": ("Item",), "coil": ("Selection",), "date": ("Sold",),
           "price": ("Price",)}  # fmt: skip


def test_the_same_columns_in_another_order_or_case_are_the_same_source() -> None:
    assert header_signature(VENDSYS) == header_signature(["price", " Sold ", "SELECTION", "Item", "Machine", ""])
    assert header_signature(VENDSYS) != header_signature([*VENDSYS, "Qty"])


def test_a_saved_mapping_is_offered_first_for_its_own_source_then_for_files_it_can_read(tmp_path: Path) -> None:
    shelf = SavedMappings(tmp_path / "mappings")
    assert shelf.offered_for(VENDSYS) == []
    path = shelf.save(ColumnMapping("vendsys", COLUMNS, time_zone="America/Chicago"), VENDSYS)
    assert load_mapping(path).time_zone == "America/Chicago"  # the same file serves sales import --format
    (own,) = shelf.offered_for(list(reversed(VENDSYS)))
    assert own.same_source and own.mapping.source == "vendsys"
    (other,) = shelf.offered_for([*VENDSYS, "Qty"])
    assert not other.same_source
    assert shelf.offered_for(["Machine", "Item"]) == []
