"""Field sheets: the PDF/PNG/printout a route driver loads the machine from, exactly as approved."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import Engine

from designer.cabinets import Cabinet, TemperatureZone
from designer.pick_list import RouteTotal, StockAnchor, StockBasis, build_pick_list
from designer.planogram_files import content_hash
from designer.planograms import Planogram, Slot
from designer.products import Catalogue
from storage.field_data import device_stock, route_stock
from storage.fleet import DeviceSummary
from widgets.field_sheets.export_cli import ExportFormat, ExportRequest, export_sheets
from widgets.field_sheets.sheets import (
    A4_PORTRAIT,
    GAP,
    MARGIN_TOP,
    ROUTE_HEADER_HEIGHT,
    ROW_HEIGHT,
    TABLE_HEAD_HEIGHT,
    TABLE_TITLE_HEIGHT,
    CabinetSheet,
    PageKind,
    RouteStop,
    RouteSummary,
    cabinet_sheets,
    content_bottom,
    device_document,
    page_image,
    pdf_bytes,
    png_bytes,
    print_pages,
    route_document,
    route_pages,
    route_summary,
    sheet_pages,
)

PdfText = Callable[[Path], str]


def test_the_sheet_pdf_names_every_slots_product_and_carries_the_content_hash(
    demo_engine: Engine, catalogue: Catalogue, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    stock = device_stock(demo_engine, 1)
    out = tmp_path / "device-1.pdf"

    result = export_sheets(demo_engine, ExportRequest(ExportFormat.PDF, (1,), out=out))

    text = read_pdf_text(out)
    assert result.pages == len(stock.cabinets) == 3
    for cabinet in stock.cabinets:
        assert cabinet.planogram is not None
        assert content_hash(cabinet.planogram) in text
        assert result.content_hashes[cabinet.planogram.planogram_id] == content_hash(cabinet.planogram)
        for slot in cabinet.planogram.filled_slots():
            assert catalogue[slot.product_id].name in text  # type: ignore[index]
    assert "Office Lobby 1" in text and "VM-000001" in text
    assert f"v{stock.cabinets[0].planogram.version} (active)" in text  # type: ignore[union-attr]
    assert "Loaded by" in text and "Signature" in text


def test_each_pick_list_line_shows_its_code_par_on_hand_and_load_and_the_map_its_prices(
    demo_engine: Engine, catalogue: Catalogue, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    sheet = cabinet_sheets(device_stock(demo_engine, 1), catalogue)[0]
    assert sheet.planogram is not None and sheet.pick_list is not None
    first = sheet.pick_list.lines[0]
    cash = first.cash_price or 0.0
    planogram = Planogram(sheet.planogram.device_id, sheet.planogram.cabinet_index, dict(sheet.planogram.slots))
    planogram.slots[first.position] = replace(planogram.slots[first.position], selection_code="A1",
                                              card_price=round(cash + 0.1, 2))  # fmt: skip
    sheet = cabinet_sheets(device_stock(demo_engine, 1), catalogue, {sheet.cabinet.index: planogram})[0]
    out = tmp_path / "cabinet.pdf"
    out.write_bytes(pdf_bytes(device_document([sheet]), "test"))
    if os.environ.get("CAPTURE_DIR"):  # for a person to look at
        (Path(os.environ["CAPTURE_DIR"]) / "field_sheet_codes.png").write_bytes(png_bytes(sheet_pages(sheet)[0]))

    rows = {" ".join(line.split()) for line in read_pdf_text(out).splitlines()}

    assert sheet.pick_list is not None
    for line in sheet.pick_list.lines:
        card = f" ${line.card_price:,.2f}" if line.card_differs else ""
        expected = (
            f"{line.position.label} {line.selection_code} {line.product_name}{card} {line.par_level} "
            f"{line.expected_on_hand} {line.load}"
        )
        assert any(expected in row for row in rows), expected
    assert sheet.pick_list.lines[0].selection_code == "A1" and sheet.pick_list.lines[0].card_differs
    assert f"load {sheet.pick_list.total_load} units" in " ".join(rows)


def test_the_route_totals_add_up_to_every_machines_loads(
    demo_engine: Engine, catalogue: Catalogue, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    sheets = [cabinet_sheets(stock, catalogue) for stock in route_stock(demo_engine, [3, 1, 2])]
    per_product: Counter[int] = Counter()
    for device_sheets in sheets:
        for sheet in device_sheets:
            assert sheet.pick_list is not None
            per_product.update(sheet.pick_list.units_by_product())

    summary = route_summary(sheets)

    assert {total.product_id: total.units for total in summary.totals} == {p: n for p, n in per_product.items() if n}
    assert [stop.device.id for stop in summary.stops] == [3, 1, 2]
    assert summary.units == sum(stop.units for stop in summary.stops) == sum(per_product.values())

    out = tmp_path / "route.pdf"
    result = export_sheets(demo_engine, ExportRequest(ExportFormat.PDF, (3, 1, 2), route=True, out=out))
    text = read_pdf_text(out)
    pages = route_document(sheets)
    assert result.pages == len(pages)
    assert pages[-1].kind is PageKind.ROUTE_TOTALS
    assert f"{summary.units} units · {len(summary.totals)} products · 3 machines" in text
    assert "ROUTE STOP 1 OF 3" in text and "Gym Entrance 1" in text.split("ROUTE STOP 1 OF 3")[0]
    for total in summary.totals:
        assert any(total.product_name in row and f" {total.units} " in row for row in text.splitlines())


def test_exporting_the_same_version_twice_gives_the_same_bytes(demo_engine: Engine, tmp_path: Path) -> None:
    for export_format, name in ((ExportFormat.PDF, "sheet.pdf"), (ExportFormat.PNG, "sheet.png"),
                                (ExportFormat.CSV, "layout.csv"), (ExportFormat.JSON, "layout.json")):  # fmt: skip
        first, second = tmp_path / f"1-{name}", tmp_path / f"2-{name}"
        export_sheets(demo_engine, ExportRequest(export_format, (2,), 0, out=first))
        export_sheets(demo_engine, ExportRequest(export_format, (2,), 0, out=second))
        assert first.read_bytes() == second.read_bytes(), export_format


def test_the_pdf_carries_no_wall_clock_date(demo_engine: Engine, catalogue: Catalogue) -> None:
    stock = device_stock(demo_engine, 2)
    data = pdf_bytes(device_document(cabinet_sheets(stock, catalogue)), "test")

    assert stock.as_of is not None
    assert f"/CreationDate (D:{stock.as_of:%Y%m%d%H%M%S}Z)".encode() in data
    assert f"{datetime.now():%Y%m%d}".encode() not in data


def test_a_png_is_the_same_page_as_the_pdf(demo_engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"

    result = export_sheets(demo_engine, ExportRequest(ExportFormat.PNG, (1,), 1, out=out))

    image = QImage(str(out))
    assert result.files == (out,)
    assert (image.width(), image.height()) == (1240, 1754)  # A4 portrait at 150 dpi
    assert round(image.dotsPerMeterX() * 0.0254) == 150
    assert image.pixelColor(5, 5).name() == "#ffffff"


def _big_sheet(catalogue: Catalogue) -> CabinetSheet:
    """A full 10 × 20 ambient cabinet (the largest the designer processes): its pick list cannot fit on one page."""
    cabinet = Cabinet(9, 0, 10, 20, TemperatureZone.AMBIENT, "Wall")
    ambient = [p for p in catalogue.values() if p.temperature_requirement is TemperatureZone.AMBIENT]
    slots = [
        Slot(position, ambient[n % len(ambient)].id, quantity=n % 5, capacity=10, par_level=8)
        for n, position in enumerate(cabinet.positions())
    ]
    planogram = Planogram.from_slots(9, 0, slots, version=3, id=99)
    pick = build_pick_list(planogram, catalogue, {}, StockAnchor(StockBasis.STORED_QUANTITIES, datetime(2026, 1, 1)))
    device = DeviceSummary(9, "Warehouse Wall", "VM-999", "depot", "Main depot", 1)
    return CabinetSheet(device, cabinet, planogram, datetime(2026, 1, 2), datetime(2026, 1, 3), pick, catalogue)


def test_a_long_pick_list_runs_on_over_landscape_pages_without_losing_a_line(
    catalogue: Catalogue, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    sheet = _big_sheet(catalogue)

    pages = sheet_pages(sheet)

    assert len(pages) > 1 and all(page.landscape for page in pages)
    assert [page.kind for page in pages] == [PageKind.CABINET] + [PageKind.PICK_LIST_CONTINUED] * (len(pages) - 1)
    assert [line for page in pages for line in page.lines] == list(sheet.pick_list.lines)  # type: ignore[union-attr]
    assert all(len(page.lines) <= page.rows * page.blocks for page in pages)
    out = tmp_path / "big.pdf"
    out.write_bytes(pdf_bytes(device_document([sheet]), "big"))
    text = read_pdf_text(out)
    assert text.count(sheet.content_hash or "?") == 2 * len(pages)  # page 1 header, continued heads, footers
    assert "J20" in text and "pick list continued" in text


def test_a_cabinet_without_an_approved_planogram_says_to_load_nothing(catalogue: Catalogue) -> None:
    sheet = _big_sheet(catalogue)
    empty = CabinetSheet(sheet.device, sheet.cabinet, None, None, None, None, catalogue)

    pages = device_document([empty])

    assert len(pages) == 1 and pages[0].lines == ()
    assert not page_image(pages[0], dpi=40).isNull()


def test_printing_sends_the_same_pages_to_the_printer(
    demo_engine: Engine, catalogue: Catalogue, tmp_path: Path, read_pdf_text: PdfText
) -> None:
    sheets = cabinet_sheets(device_stock(demo_engine, 2), catalogue)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))

    printed = print_pages(printer, device_document(sheets))

    text = read_pdf_text(tmp_path / "printed.pdf")
    assert printed == len(sheets)
    for sheet in sheets:
        assert (sheet.content_hash or "?") in text


@pytest.mark.parametrize("dpi", [96, 150])
def test_slot_cards_are_drawn_at_their_size_whatever_the_resolution(demo_engine: Engine, catalogue: Catalogue,
                                                                     dpi: int) -> None:  # fmt: skip
    """Slot cards replay recorded drawings that Qt scales by device DPI; the sheet must not let them overflow."""
    page = device_document(cabinet_sheets(device_stock(demo_engine, 1), catalogue))[0]

    image = page_image(page, dpi=dpi)

    right_margin = image.width() - round(image.width() * 60 / 2100)  # 6 mm of the 12 mm margin
    column = [image.pixelColor(right_margin, y).name() for y in range(image.height())]
    assert set(column) == {"#ffffff"}


def test_a_long_route_spreads_its_stops_and_totals_over_pages_without_losing_any(catalogue: Catalogue) -> None:
    device = DeviceSummary(1, "Lobby", "VM-1", "office", "Tower", 2)
    stops = tuple(RouteStop(replace(device, id=n), 2, n, None) for n in range(1, 61))
    totals = tuple(RouteTotal(n, f"Product {n}", "snacks", n, 1, (1,)) for n in range(1, 151))

    pages = route_pages(RouteSummary(stops, totals))

    assert [stop for page in pages for _, stop in page.stops] == list(stops)
    assert [number for page in pages for number, _ in page.stops] == list(range(1, 61))
    assert [total for page in pages for total in page.totals] == list(totals)
    assert [page.first for page in pages] == [True] + [False] * (len(pages) - 1)
    for page in pages:
        used = TABLE_TITLE_HEIGHT + TABLE_HEAD_HEIGHT + ROW_HEIGHT * len(page.stops) + GAP if page.stops else 0
        used += TABLE_TITLE_HEIGHT + TABLE_HEAD_HEIGHT + ROW_HEIGHT * len(page.totals) if page.totals else 0
        assert MARGIN_TOP + ROUTE_HEADER_HEIGHT + used <= content_bottom(A4_PORTRAIT[1])
