"""Field sheets: what a route driver takes to the machine — header, slot map, pick list, signature line — as
PDF, PNG or a print job, and a route's totals page for packing the van.

Pages are laid out in tenths of a millimetre on A4 and painted by one function whatever the device
(``QPdfWriter``, ``QImage``, ``QPrinter``), so the PDF, the PNG and the printout are the same page. The slot
map is the designer's own drawing (``CabinetBody``, ``ZoneBanner``, ``SlotItem``) in an unshown scene whose
items paint without a pixmap cache, so sheets can be rendered in a worker thread. Nothing on a page depends
on the wall clock: the same database gives the same sheet, and the PDF's dates are the data's "as of".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from functools import cache

from PySide6.QtCore import QBuffer, QByteArray, QHashSeed, QIODevice, QMarginsF, QPointF, QRectF, Qt, QUuid
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPicture,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QStyleOptionGraphicsItem, QWidget

from designer.cabinets import Cabinet
from designer.local_time import local_text
from designer.pick_list import PickLine, PickList, RouteTotal, build_pick_list, route_totals
from designer.planogram_files import content_hash, not_approved_stamp, version_label
from designer.planograms import Planogram, PlanogramStatus
from designer.positions import Position
from designer.products import Catalogue
from storage.field_data import DeviceStock
from storage.fleet import DeviceSummary
from widgets import style
from widgets.canvas.cabinet_view import (
    CORNER,
    SLOT_PADDING,
    SLOT_WIDTH,
    CabinetBody,
    SlotItem,
    ZoneBanner,
    cabinet_rect,
    format_price,
    slot_rect,
)

# --- the sheet's content --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CabinetSheet:
    """One cabinet's sheet: the approved planogram, the pick list computed for it, and how to recognise both."""

    device: DeviceSummary
    cabinet: Cabinet
    planogram: Planogram | None  # None: nothing approved for this cabinet
    approved_at: datetime | None
    as_of: datetime | None
    pick_list: PickList | None
    catalogue: Catalogue
    number: int = 1  # this sheet's place among the machine's sheets (cabinet indexes may skip numbers)
    origin: str | None = None  # "from template Office snacks v3 (fleet operation 12)": where the layout came from

    @property
    def content_hash(self) -> str | None:
        return content_hash(self.planogram) if self.planogram is not None else None

    @property
    def version_label(self) -> str:
        """``v2 (active)``, ``v3 (draft)``: which version this sheet holds, named on every page."""
        return version_label(self.planogram) if self.planogram is not None else "none active"

    @property
    def stamp(self) -> str | None:
        """The warning on every page ("DRAFT — not approved") when the sheet holds anything but the active version."""
        return not_approved_stamp(self.planogram) if self.planogram is not None else None


def cabinet_sheets(
    stock: DeviceStock, catalogue: Catalogue, versions: Mapping[int, Planogram] | None = None
) -> list[CabinetSheet]:
    """A sheet per cabinet of the device, in cabinet order: the active version, or the one ``versions`` names for
    a cabinet index (a manager's draft); only the active version has an approval date."""
    sheets = []
    for number, cabinet_stock in enumerate(stock.cabinets, start=1):
        planogram = (versions or {}).get(cabinet_stock.cabinet.index, cabinet_stock.planogram)
        active = planogram is not None and planogram.status is PlanogramStatus.ACTIVE
        pick_list = (
            build_pick_list(planogram, catalogue, cabinet_stock.sold_since, cabinet_stock.anchor)
            if planogram is not None
            else None
        )
        sheets.append(
            CabinetSheet(
                stock.device,
                cabinet_stock.cabinet,
                planogram,
                cabinet_stock.approved_at if active else None,
                stock.as_of,
                pick_list,
                catalogue,
                number,
                stock.origins.get(planogram.id) if planogram is not None and planogram.id is not None else None,
            )
        )
    return sheets


@dataclass(frozen=True, slots=True)
class RouteStop:
    """One machine of the route, as the totals page lists it."""

    device: DeviceSummary
    cabinets: int
    units: int
    as_of: datetime | None


@dataclass(frozen=True, slots=True)
class RouteSummary:
    stops: tuple[RouteStop, ...]
    totals: tuple[RouteTotal, ...]

    @property
    def units(self) -> int:
        return sum(total.units for total in self.totals)


def route_summary(sheets_per_device: Sequence[Sequence[CabinetSheet]]) -> RouteSummary:
    """Stops in route order and the per-product totals over every cabinet's pick list."""
    stops = []
    pick_lists = []
    for sheets in sheets_per_device:
        if not sheets:
            continue
        lists = [sheet.pick_list for sheet in sheets if sheet.pick_list is not None]
        pick_lists.extend(lists)
        stops.append(RouteStop(sheets[0].device, len(sheets), sum(p.total_load for p in lists), sheets[0].as_of))
    return RouteSummary(tuple(stops), tuple(route_totals(pick_lists)))


# --- page geometry (tenths of a millimetre) -------------------------------------------------------

A4_PORTRAIT = (2100.0, 2970.0)
MARGIN_X = 120.0
MARGIN_TOP = 110.0
MARGIN_BOTTOM = 90.0
HEADER_HEIGHT = 330.0
CONTINUED_HEADER_HEIGHT = 120.0
GAP = 36.0
MAP_MIN_HEIGHT = {False: 900.0, True: 700.0}  # portrait, landscape: below this slot text is too small to read
TABLE_TITLE_HEIGHT = 70.0
TABLE_HEAD_HEIGHT = 56.0
ROW_HEIGHT = 50.0
BLOCK_GAP = 70.0
SIGNATURE_HEIGHT = 150.0
FOOTER_HEIGHT = 44.0
ROUTE_HEADER_HEIGHT = 172.0
LANDSCAPE_ASPECT = 1.6  # slot maps wider than this (e.g. 4 × 8 and up) go on a landscape page


class PageKind(Enum):
    CABINET = "cabinet"  # header, slot map, start of the pick list
    PICK_LIST_CONTINUED = "pick list continued"
    ROUTE_TOTALS = "route totals"


@dataclass(frozen=True, slots=True)
class SheetPage:
    """One printed page; ``number``/``count`` are filled in once the whole document is known."""

    kind: PageKind
    landscape: bool
    sheet: CabinetSheet | None = None
    lines: tuple[PickLine, ...] = ()
    blocks: int = 2
    rows: int = 0  # rows per block on this page
    map_height: float = 0.0
    stop: tuple[int, int] | None = None  # (stop number, stops) on a route
    route: RouteSummary | None = None
    stops: tuple[tuple[int, RouteStop], ...] = ()  # (stop number, stop)
    totals: tuple[RouteTotal, ...] = ()
    first: bool = True  # the first page of its section (a route's totals run on as "continued")
    number: int = 1
    count: int = 1

    @property
    def size(self) -> tuple[float, float]:
        width, height = A4_PORTRAIT
        return (height, width) if self.landscape else (width, height)


def _is_landscape(cabinet: Cabinet) -> bool:
    body = cabinet_rect(cabinet)
    return body.width() / body.height() > LANDSCAPE_ASPECT


def _map_height(cabinet: Cabinet, landscape: bool, lines: int, blocks: int) -> float:
    """As tall as the page allows while the whole pick list still fits beside it; at least readable, and the full
    page width at most. When the pick list cannot fit anyway, the map takes its full size and the list runs on."""
    width, height = (A4_PORTRAIT[1], A4_PORTRAIT[0]) if landscape else A4_PORTRAIT
    body = cabinet_rect(cabinet)
    full = (width - 2 * MARGIN_X) * body.height() / body.width()
    room = content_bottom(height) - (MARGIN_TOP + HEADER_HEIGHT + 2 * GAP)
    table = TABLE_TITLE_HEIGHT + TABLE_HEAD_HEIGHT + ROW_HEIGHT * -(-lines // blocks)
    beside_table = room - table
    if beside_table >= MAP_MIN_HEIGHT[landscape]:
        return min(full, beside_table)
    return min(full, room - TABLE_TITLE_HEIGHT - TABLE_HEAD_HEIGHT - 4 * ROW_HEIGHT)


def _table_rows(available: float) -> int:
    return max(1, int((available - TABLE_TITLE_HEIGHT - TABLE_HEAD_HEIGHT) // ROW_HEIGHT))


def content_bottom(height: float) -> float:
    """Where the page's flowing content must end: the signature line and footer sit below it on every page."""
    return height - MARGIN_BOTTOM - FOOTER_HEIGHT - SIGNATURE_HEIGHT


def sheet_pages(sheet: CabinetSheet) -> list[SheetPage]:
    """The pages of one cabinet's sheet: the first with header and map, more only if the pick list runs on."""
    landscape = _is_landscape(sheet.cabinet)
    blocks = 3 if landscape else 2
    height = A4_PORTRAIT[0] if landscape else A4_PORTRAIT[1]
    lines = sheet.pick_list.lines if sheet.pick_list is not None else ()
    map_height = _map_height(sheet.cabinet, landscape, len(lines), blocks)
    rows = _table_rows(content_bottom(height) - (MARGIN_TOP + HEADER_HEIGHT + 2 * GAP + map_height))
    pages = [SheetPage(PageKind.CABINET, landscape, sheet, tuple(lines[: rows * blocks]), blocks, rows, map_height)]
    rest = list(lines[rows * blocks :])
    rows = _table_rows(content_bottom(height) - (MARGIN_TOP + CONTINUED_HEADER_HEIGHT + GAP))
    while rest:
        taken, rest = rest[: rows * blocks], rest[rows * blocks :]
        pages.append(SheetPage(PageKind.PICK_LIST_CONTINUED, landscape, sheet, tuple(taken), blocks, rows))
    return pages


def route_pages(summary: RouteSummary) -> list[SheetPage]:
    """The end of a route: its stops, then units per product to pack, over as many pages as they need."""
    available = content_bottom(A4_PORTRAIT[1]) - (MARGIN_TOP + ROUTE_HEADER_HEIGHT)
    section = TABLE_TITLE_HEIGHT + TABLE_HEAD_HEIGHT
    stops = list(enumerate(summary.stops, start=1))
    totals = list(summary.totals)
    pages: list[SheetPage] = []
    while stops or totals or not pages:
        room = available
        page_stops: list[tuple[int, RouteStop]] = []
        if stops:
            count = max(1, int((room - section - GAP) // ROW_HEIGHT))
            page_stops, stops = stops[:count], stops[count:]
            room -= section + ROW_HEIGHT * len(page_stops) + GAP
        page_totals: list[RouteTotal] = []
        if not stops:
            count = int((room - section) // ROW_HEIGHT)
            page_totals, totals = totals[:count], totals[count:]
        pages.append(
            SheetPage(PageKind.ROUTE_TOTALS, False, route=summary, stops=tuple(page_stops), totals=tuple(page_totals),
                      blocks=1, first=not pages)
        )  # fmt: skip
    return pages


def numbered(pages: Sequence[SheetPage]) -> list[SheetPage]:
    return [replace(page, number=number, count=len(pages)) for number, page in enumerate(pages, start=1)]


def device_document(sheets: Sequence[CabinetSheet]) -> list[SheetPage]:
    return numbered([page for sheet in sheets for page in sheet_pages(sheet)])


def route_document(sheets_per_device: Sequence[Sequence[CabinetSheet]]) -> list[SheetPage]:
    """Every stop's sheets in route order, each marked with its stop number, then the route totals."""
    stops = len(sheets_per_device)
    pages = [
        replace(page, stop=(number, stops))
        for number, sheets in enumerate(sheets_per_device, start=1)
        for sheet in sheets
        for page in sheet_pages(sheet)
    ]
    return numbered([*pages, *route_pages(route_summary(sheets_per_device))])


# --- painting -------------------------------------------------------------------------------------

INK = QColor("#1f2933")
MUTED = QColor("#5f6b7a")
RULE = QColor("#c3cad3")
BAND = QColor("#eef1f4")
LOAD_BADGE = QColor("#1f4e79")


@cache
def _font(size: int, weight: QFont.Weight = QFont.Weight.Normal, mono: bool = False) -> QFont:
    """Fonts sized in page units (0.1 mm) without hinting, so text measures the same on every device."""
    font = QFont("DejaVu Sans Mono" if mono else "DejaVu Sans")
    if mono:
        font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPixelSize(size)
    font.setWeight(weight)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setFeature(QFont.Tag("liga"), 0)  # "Muffin", not "Mu\ufb03n": the PDF's text stays searchable
    return font


def _fitted(text: str, font: QFont, width: float) -> tuple[QFont, str]:
    """Full names matter on a pick list: condense the font before eliding the text."""
    for stretch in (100, 87, 75):
        candidate = QFont(font)
        candidate.setStretch(stretch)
        if QFontMetricsF(candidate).horizontalAdvance(text) <= width:
            return candidate, text
    candidate = QFont(font)
    candidate.setStretch(75)
    return candidate, QFontMetricsF(candidate).elidedText(text, Qt.TextElideMode.ElideRight, width)


def _draw(
    painter: QPainter,
    rect: QRectF,
    text: str,
    font: QFont,
    colour: QColor = INK,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    fit: bool = False,
) -> None:
    if fit:
        font, text = _fitted(text, font, rect.width())
    else:
        text = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.setFont(font)
    painter.setPen(colour)
    painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)


def _date(moment: datetime | None, with_time: bool = True) -> str:
    if moment is None:
        return "not recorded"
    return local_text(moment, "%d %b %Y %H:%M" if with_time else "%d %b %Y")  # stored UTC, read in local time


class LoadBadge(QGraphicsItem):
    """The units to load, drawn on the slot in the map so the driver sees them where they go."""

    def __init__(self, position: Position, load: int) -> None:
        super().__init__()
        self.load = load
        self._rect = QRectF(SLOT_WIDTH - SLOT_PADDING - 62.0, 60.0, 62.0, 26.0)
        self.setPos(slot_rect(position).topLeft())
        self.setZValue(2)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(LOAD_BADGE)
        painter.drawRoundedRect(self._rect, CORNER, CORNER)
        font = QFont("DejaVu Sans")
        font.setPixelSize(17)
        font.setWeight(QFont.Weight.Bold)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(self._rect, int(Qt.AlignmentFlag.AlignCenter), f"+{self.load}")


def slot_map_scene(sheet: CabinetSheet) -> QGraphicsScene:
    """The designer's drawing of the cabinet, each slot showing the stock expected on arrival and the units to load."""
    scene = QGraphicsScene()
    planogram = sheet.planogram or Planogram(sheet.cabinet.device_id, sheet.cabinet.index)
    lines = {line.position: line for line in sheet.pick_list.lines} if sheet.pick_list else {}
    scene.addItem(CabinetBody(sheet.cabinet))
    scene.addItem(ZoneBanner(sheet.cabinet, planogram))
    for position in sheet.cabinet.positions():
        slot = planogram.slot_at(position)
        line = lines.get(position)
        if line is not None:
            slot = replace(slot, quantity=line.expected_on_hand)
        product = sheet.catalogue.get(slot.product_id) if slot.product_id is not None else None
        item = SlotItem(position, slot, product, sheet.cabinet.index)
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)  # no pixmaps: safe off the GUI thread, vector in a PDF
        scene.addItem(item)
        if line is not None and line.load > 0:
            scene.addItem(LoadBadge(position, line.load))
    return scene


def paint_page(painter: QPainter, page: SheetPage, target: QRectF) -> None:
    """Paint ``page`` into ``target`` (device coordinates of ``painter``), keeping the page's proportions."""
    width, height = page.size
    scale = min(target.width() / width, target.height() / height)
    painter.save()
    painter.translate(target.left(), target.top())
    painter.scale(scale, scale)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(QRectF(0, 0, width, height), QColor("#ffffff"))
    if page.kind is PageKind.ROUTE_TOTALS:
        _paint_route_totals(painter, page)
    else:
        _paint_cabinet_page(painter, page)
        if page.sheet is not None and page.sheet.stamp is not None:
            _paint_stamp(painter, page, page.sheet)
    painter.restore()


STAMP_RED = QColor("#b3261e")


def _paint_stamp(painter: QPainter, page: SheetPage, sheet: CabinetSheet) -> None:
    """A red band in the top margin and a red frame round the page: this is not what was approved."""
    width, height = page.size
    painter.setPen(QPen(STAMP_RED, 8))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(40, 24, width - 80, height - 48))
    band = QRectF(MARGIN_X, 34, width - 2 * MARGIN_X, 66)
    painter.fillRect(band, STAMP_RED)
    text = f"{sheet.stamp}  ·  {sheet.version_label}  ·  do not load until a manager activates it"
    _draw(painter, band.adjusted(20, 0, -20, 0), text, _font(34, QFont.Weight.Bold), QColor("#ffffff"),
          Qt.AlignmentFlag.AlignCenter, fit=True)  # fmt: skip


def _paint_cabinet_page(painter: QPainter, page: SheetPage) -> None:
    sheet = page.sheet
    assert sheet is not None
    width, height = page.size
    content = width - 2 * MARGIN_X
    if page.kind is PageKind.CABINET:
        top = _paint_header(painter, page, sheet, QRectF(MARGIN_X, MARGIN_TOP, content, HEADER_HEIGHT))
        map_rect = QRectF(MARGIN_X, top + GAP, content, page.map_height)
        _paint_map(painter, sheet, map_rect)
        top = map_rect.bottom() + GAP
    else:
        top = _paint_continued_header(painter, sheet, QRectF(MARGIN_X, MARGIN_TOP, content, CONTINUED_HEADER_HEIGHT))
        top += GAP
    if sheet.pick_list is None:
        _draw(
            painter,
            QRectF(MARGIN_X, top, content, TABLE_TITLE_HEIGHT),
            "No approved planogram for this cabinet: load nothing and report it to the office.",
            _font(34, QFont.Weight.Bold),
        )
    else:
        _paint_pick_list(painter, page, sheet.pick_list, QRectF(MARGIN_X, top, content, content_bottom(height) - top))
    _paint_signature(painter, QRectF(MARGIN_X, content_bottom(height), content, SIGNATURE_HEIGHT))
    _paint_footer(painter, page, _sheet_footer(sheet))


def _paint_header(painter: QPainter, page: SheetPage, sheet: CabinetSheet, rect: QRectF) -> float:
    """Device, place, cabinet, approved version and hash: everything that says this is the right sheet."""
    device, cabinet, planogram = sheet.device, sheet.cabinet, sheet.planogram
    _draw(painter, QRectF(rect.left(), rect.top(), rect.width() * 0.68, 72), device.name, _font(62, QFont.Weight.Bold))
    _draw(
        painter,
        QRectF(rect.left() + rect.width() * 0.68, rect.top(), rect.width() * 0.32, 40),
        f"ROUTE STOP {page.stop[0]} OF {page.stop[1]}" if page.stop else "FIELD SHEET",
        _font(26, QFont.Weight.Bold),
        MUTED,
        Qt.AlignmentFlag.AlignRight,
    )
    _draw(
        painter,
        QRectF(rect.left() + rect.width() * 0.68, rect.top() + 38, rect.width() * 0.32, 40),
        f"sheet {sheet.number} of {device.cabinet_count} for this machine",
        _font(26),
        MUTED,
        Qt.AlignmentFlag.AlignRight,
    )
    place_width = rect.width() * (0.55 if sheet.origin else 1.0)
    _draw(
        painter,
        QRectF(rect.left(), rect.top() + 78, place_width, 46),
        f"{device.asset_number}  ·  {device.location_name}",
        _font(32),
        MUTED,
        fit=bool(sheet.origin),
    )
    if sheet.origin:  # the template the layout came from, so the sheet and the manager's template can be matched
        _draw(
            painter,
            QRectF(rect.left() + place_width, rect.top() + 78, rect.width() - place_width, 46),
            f"Layout {sheet.origin}",
            _font(26, QFont.Weight.Bold),
            INK,
            Qt.AlignmentFlag.AlignRight,
            fit=True,
        )
    zone = cabinet.zone.value.capitalize()
    cabinet_text = f"{cabinet.index} · {cabinet.name or zone} · {zone} · {cabinet.rows} rows × {cabinet.columns} cols"
    if planogram is None:
        version_text, approved_text, hash_text = "none active", "nothing approved", "—"
    else:
        version_text = sheet.version_label
        approved_text = {
            PlanogramStatus.ACTIVE: _date(sheet.approved_at),
            PlanogramStatus.DRAFT: "not approved",
            PlanogramStatus.ARCHIVED: "no longer approved",
        }[planogram.status]
        hash_text = sheet.content_hash or "—"
    anchor = sheet.pick_list.anchor.describe() if sheet.pick_list is not None else "no pick list"
    facts = [
        ("CABINET", cabinet_text, 0.40),
        ("PLANOGRAM", version_text, 0.17),
        ("APPROVED", approved_text, 0.22),
        ("CONTENT HASH", hash_text, 0.21),
    ]
    box = QRectF(rect.left(), rect.top() + 136, rect.width(), 118)
    painter.setPen(QPen(RULE, 2))
    painter.setBrush(BAND)
    painter.drawRoundedRect(box, 14, 14)
    left = box.left() + 22
    for label, value, share in facts:
        cell = QRectF(left, box.top() + 12, box.width() * share - 30, 36)
        _draw(painter, cell, label, _font(22, QFont.Weight.Bold), MUTED)
        mono = label == "CONTENT HASH"
        _draw(
            painter,
            cell.translated(0, 40).adjusted(0, 0, 0, 14),
            value,
            _font(34 if mono else 31, QFont.Weight.Bold, mono=mono),
            fit=not mono,
        )
        left += box.width() * share
    as_of = f"Stock as of the latest sale, {_date(sheet.as_of)}; counted from {anchor}."
    _draw(painter, QRectF(rect.left(), box.bottom() + 14, rect.width(), 44), as_of, _font(27), MUTED, fit=True)
    return box.bottom() + 62


def _paint_continued_header(painter: QPainter, sheet: CabinetSheet, rect: QRectF) -> float:
    _draw(
        painter,
        QRectF(rect.left(), rect.top(), rect.width() * 0.7, 60),
        f"{sheet.device.name} — cabinet {sheet.cabinet.index}, pick list continued",
        _font(44, QFont.Weight.Bold),
    )
    version = f"{sheet.version_label} · {sheet.content_hash}" if sheet.planogram is not None else ""
    _draw(
        painter,
        QRectF(rect.left() + rect.width() * 0.7, rect.top(), rect.width() * 0.3, 60),
        version,
        _font(30, mono=True),
        MUTED,
        Qt.AlignmentFlag.AlignRight,
    )
    painter.setPen(QPen(RULE, 2))
    painter.drawLine(rect.left(), rect.top() + 80, rect.right(), rect.top() + 80)
    return rect.top() + 80


def _paint_map(painter: QPainter, sheet: CabinetSheet, rect: QRectF) -> None:
    scene = slot_map_scene(sheet)
    source = scene.itemsBoundingRect()
    scale = min(rect.width() / source.width(), rect.height() / source.height())
    target = QRectF(0, 0, source.width() * scale, source.height() * scale)
    target.moveCenter(rect.center())
    scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)
    scene.clear()


@dataclass(frozen=True, slots=True)
class _Column:
    title: str
    share: float  # of the table's width
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    bold: bool = False
    tick_box: bool = False  # an empty box to tick instead of text


@dataclass(frozen=True, slots=True)
class _Row:
    cells: tuple[str, ...]
    muted: bool = False  # nothing to do on this line: grey, and no box to tick


_RIGHT = Qt.AlignmentFlag.AlignRight
# The selection code beside the slot: what the driver keys in to test a vend. The cash price stands on the slot
# map; a card price that differs is listed here too, since the map's load badge may cover it.
_PICK_COLUMNS = (
    _Column("SLOT", 0.08, bold=True),
    _Column("CODE", 0.08),
    _Column("PRODUCT", 0.40),
    _Column("CARD", 0.09, _RIGHT),
    _Column("PAR", 0.06, _RIGHT),
    _Column("ON HAND", 0.13, _RIGHT),
    _Column("LOAD", 0.09, _RIGHT, bold=True),
    _Column("", 0.07, _RIGHT, tick_box=True),
)
_TOTAL_COLUMNS = (
    _Column("CATEGORY", 0.20),
    _Column("PRODUCT", 0.40),
    _Column("UNITS", 0.11, _RIGHT, bold=True),
    _Column("SLOTS", 0.10, _RIGHT),
    _Column("MACHINES", 0.13, _RIGHT),
    _Column("PACKED", 0.06, _RIGHT, tick_box=True),
)
_STOP_COLUMNS = (
    _Column("STOP", 0.08, bold=True),
    _Column("MACHINE", 0.34),
    _Column("ASSET", 0.16),
    _Column("CABINETS", 0.14, _RIGHT),
    _Column("UNITS", 0.12, _RIGHT, bold=True),
    _Column("STOCK AS OF", 0.16, _RIGHT),
)


def _paint_table(painter: QPainter, left: float, top: float, width: float, columns: Sequence[_Column],
                 rows: Iterable[_Row]) -> float:  # fmt: skip
    """A ruled table with a shaded head and zebra rows; returns where it ends."""
    lefts = []
    x = left
    for column in columns:
        lefts.append(x)
        x += width * column.share
    painter.fillRect(QRectF(left, top, width, TABLE_HEAD_HEIGHT), BAND)
    for column, x in zip(columns, lefts, strict=True):
        cell = QRectF(x + 8, top, width * column.share - 16, TABLE_HEAD_HEIGHT)
        _draw(painter, cell, column.title, _font(22, QFont.Weight.Bold), MUTED, column.align, fit=True)
    top += TABLE_HEAD_HEIGHT
    for number, row in enumerate(rows):
        if number % 2:
            painter.fillRect(QRectF(left, top, width, ROW_HEIGHT), QColor("#f7f8fa"))
        for column, x, text in zip(columns, lefts, row.cells, strict=True):
            cell = QRectF(x + 8, top, width * column.share - 16, ROW_HEIGHT)
            if column.tick_box:
                if not row.muted:
                    painter.setPen(QPen(INK, 2.2))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(QRectF(cell.right() - 30, cell.center().y() - 15, 30, 30))
                continue
            bold = column.bold and not (row.muted and column.align == _RIGHT)
            font = _font(31, QFont.Weight.Bold) if bold else _font(29)
            _draw(painter, cell, text, font, MUTED if row.muted else INK, column.align, fit=True)
        painter.setPen(QPen(QColor("#e3e7ec"), 1.5))
        painter.drawLine(QPointF(left, top + ROW_HEIGHT), QPointF(left + width, top + ROW_HEIGHT))
        top += ROW_HEIGHT
    return top


def _paint_pick_list(painter: QPainter, page: SheetPage, pick_list: PickList, rect: QRectF) -> None:
    continued = page.kind is PageKind.PICK_LIST_CONTINUED
    title = "Pick list (continued)" if continued else "Pick list"
    summary = f"load {pick_list.total_load} units into {pick_list.slots_to_load} of {len(pick_list.lines)} slots"
    _draw(painter, QRectF(rect.left(), rect.top(), rect.width() * 0.3, TABLE_TITLE_HEIGHT), title,
          _font(40, QFont.Weight.Bold))  # fmt: skip
    _draw(
        painter,
        QRectF(rect.left() + rect.width() * 0.3, rect.top(), rect.width() * 0.7, TABLE_TITLE_HEIGHT),
        f"{summary}  ·  on hand = expected on arrival  ·  +n on the map = units to load",
        _font(27),
        MUTED,
        Qt.AlignmentFlag.AlignRight,
        fit=True,
    )
    block_width = (rect.width() - BLOCK_GAP * (page.blocks - 1)) / page.blocks
    for block in range(page.blocks):
        lines = page.lines[block * page.rows : (block + 1) * page.rows]
        if not lines and block > 0:
            break
        rows = [
            _Row((line.position.label, line.selection_code, line.product_name,
                  format_price(line.card_price) if line.card_differs else "",  # type: ignore[arg-type]
                  str(line.par_level), str(line.expected_on_hand), str(line.load), ""), muted=line.load <= 0)
            for line in lines
        ]  # fmt: skip
        left = rect.left() + block * (block_width + BLOCK_GAP)
        _paint_table(painter, left, rect.top() + TABLE_TITLE_HEIGHT, block_width, _PICK_COLUMNS, rows)


def _paint_signature(painter: QPainter, rect: QRectF, who: str = "Loaded by") -> None:
    """Loaded by ____ Date ____: the driver signs for what went into the machine (or onto the van)."""
    baseline = rect.top() + 100
    painter.setPen(QPen(INK, 2.4))
    parts = ((who, 0.0, 0.46), ("Date", 0.50, 0.72), ("Signature", 0.76, 1.0))
    for label, start, end in parts:
        label_width = QFontMetricsF(_font(32, QFont.Weight.Bold)).horizontalAdvance(label) + 18
        left = rect.left() + rect.width() * start
        _draw(painter, QRectF(left, baseline - 50, label_width, 46), label, _font(32, QFont.Weight.Bold))
        painter.setPen(QPen(INK, 2.4))
        painter.drawLine(left + label_width, baseline, rect.left() + rect.width() * end, baseline)


def _sheet_footer(sheet: CabinetSheet) -> str:
    version = f"{sheet.version_label} · hash {sheet.content_hash}" if sheet.planogram is not None else "no planogram"
    origin = f" · {sheet.origin}" if sheet.origin else ""
    return f"Planogram Studio · {sheet.device.asset_number} · cabinet {sheet.cabinet.index} · {version}{origin}"


def _paint_footer(painter: QPainter, page: SheetPage, text: str) -> None:
    width, height = page.size
    rect = QRectF(MARGIN_X, height - MARGIN_BOTTOM - FOOTER_HEIGHT, width - 2 * MARGIN_X, FOOTER_HEIGHT)
    painter.setPen(QPen(RULE, 1.5))
    painter.drawLine(rect.left(), rect.top(), rect.right(), rect.top())
    _draw(painter, rect.adjusted(0, 6, -rect.width() * 0.25, 0), text, _font(22), MUTED)
    _draw(
        painter,
        rect.adjusted(rect.width() * 0.75, 6, 0, 0),
        f"page {page.number} of {page.count}",
        _font(22),
        MUTED,
        Qt.AlignmentFlag.AlignRight,
    )


def _paint_route_totals(painter: QPainter, page: SheetPage) -> None:
    route = page.route
    assert route is not None
    width, height = page.size
    content = width - 2 * MARGIN_X
    top = MARGIN_TOP
    title = "Route totals" if page.first else "Route totals (continued)"
    _draw(painter, QRectF(MARGIN_X, top, content * 0.6, 72), title, _font(62, QFont.Weight.Bold))
    _draw(
        painter,
        QRectF(MARGIN_X + content * 0.6, top, content * 0.4, 72),
        f"{route.units} units · {len(route.totals)} products · {len(route.stops)} machines",
        _font(30, QFont.Weight.Bold),
        MUTED,
        Qt.AlignmentFlag.AlignRight,
    )
    _draw(
        painter,
        QRectF(MARGIN_X, top + 92, content, 44),
        "Pack the van from this list: units to load per product, summed over every cabinet's pick list.",
        _font(27),
        MUTED,
    )
    top += ROUTE_HEADER_HEIGHT
    if page.stops:
        _draw(painter, QRectF(MARGIN_X, top, content, TABLE_TITLE_HEIGHT), "Stops", _font(40, QFont.Weight.Bold))
        stops = [
            _Row((str(number), stop.device.name, stop.device.asset_number, str(stop.cabinets), str(stop.units),
                  _date(stop.as_of, with_time=False)))
            for number, stop in page.stops
        ]  # fmt: skip
        top = _paint_table(painter, MARGIN_X, top + TABLE_TITLE_HEIGHT, content, _STOP_COLUMNS, stops) + GAP
    if page.totals or not route.totals:
        heading = "Units per product" if route.totals else "Nothing to load on this route: every slot is at par"
        _draw(painter, QRectF(MARGIN_X, top, content, TABLE_TITLE_HEIGHT), heading, _font(40, QFont.Weight.Bold))
    if page.totals:
        rows = [
            _Row((style.category_text(total.category), total.product_name, str(total.units), str(total.slots),
                  str(len(total.device_ids)), ""))
            for total in page.totals
        ]  # fmt: skip
        _paint_table(painter, MARGIN_X, top + TABLE_TITLE_HEIGHT, content, _TOTAL_COLUMNS, rows)
    _paint_signature(painter, QRectF(MARGIN_X, content_bottom(height), content, SIGNATURE_HEIGHT), "Packed by")
    _paint_footer(painter, page, f"Planogram Studio · route of {len(route.stops)} machines · {route.units} units")


# --- output devices -------------------------------------------------------------------------------

_DOCUMENT_ID = QUuid("{6d1f0c2e-8f51-4d0e-9a57-0c6a4b1f5e21}")
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}Z\)")
_XMP_DATE = re.compile(rb'xmp:(CreateDate|ModifyDate|MetadataDate)="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"')


def drawing_dpi() -> int:
    """The resolution to paint at: the slot cards replay recorded ``QPicture`` drawings, which Qt scales by the
    device's DPI over the screen's, so pages are painted on devices set to the screen's DPI (vector output
    does not lose detail by it; images get their true DPI back afterwards)."""
    return QPicture().logicalDpiX()


def _page_layout(page: SheetPage) -> QPageLayout:
    orientation = QPageLayout.Orientation.Landscape if page.landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation, QMarginsF(0, 0, 0, 0))


def document_date(pages: Sequence[SheetPage]) -> datetime:
    """The PDF's creation date: the newest "as of" on its sheets, so the same data gives the same bytes."""
    moments = [page.sheet.as_of for page in pages if page.sheet is not None and page.sheet.as_of is not None]
    return max(moments, default=datetime(2000, 1, 1))


def pdf_bytes(pages: Sequence[SheetPage], title: str, progress: Callable[[int, str], None] | None = None) -> bytes:
    """The pages as a PDF. Qt stamps the wall clock into the PDF's dates: they are replaced, byte for byte, by
    :func:`document_date` so identical content gives an identical file."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # The PDF engine keeps its fonts in hash tables; with Qt's per-process random seed they would be written in
    # a different order on every run. Tables take the global seed when they are created, which happens while
    # painting, so the seed is fixed for that span (it only guards against hash flooding, not our concern here).
    QHashSeed.setDeterministicGlobalSeed()
    try:
        writer = QPdfWriter(buffer)
        writer.setTitle(title)
        writer.setCreator("Planogram Studio")
        writer.setDocumentId(_DOCUMENT_ID)
        writer.setResolution(drawing_dpi())
        writer.setPageLayout(_page_layout(pages[0]))
        painter = QPainter(writer)
        try:
            for index, page in enumerate(pages):
                if index:
                    writer.setPageLayout(_page_layout(page))
                    writer.newPage()
                paint_page(painter, page, QRectF(0, 0, writer.width(), writer.height()))
                if progress is not None:
                    progress(round(100 * (index + 1) / len(pages)), f"Page {index + 1} of {len(pages)}")
        finally:
            painter.end()
            buffer.close()
    finally:
        QHashSeed.resetRandomGlobalSeed()
    stamp = document_date(pages)
    raw = _PDF_DATE.sub(lambda m: b"/%s (D:%sZ)" % (m.group(1), stamp.strftime("%Y%m%d%H%M%S").encode()), bytes(data))
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%S+00:00").encode()
    return _XMP_DATE.sub(lambda m: b'xmp:%s="%s"' % (m.group(1), iso), raw)


def page_image(page: SheetPage, dpi: int = 150) -> QImage:
    """The page as a white-backed image at ``dpi`` (PNG export, previews)."""
    width, height = page.size
    pixels_per_unit = dpi / 254.0
    image = QImage(round(width * pixels_per_unit), round(height * pixels_per_unit), QImage.Format.Format_RGB32)
    _set_dpi(image, drawing_dpi())
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    try:
        paint_page(painter, page, QRectF(0, 0, image.width(), image.height()))
    finally:
        painter.end()
    _set_dpi(image, dpi)
    return image


def _set_dpi(image: QImage, dpi: int) -> None:
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))


def print_pages(printer: QPrinter, pages: Sequence[SheetPage], should_stop: Callable[[], bool] | None = None) -> int:
    """Send the pages to ``printer`` (as set up by the print dialog); returns the number of pages printed.

    Each page is scaled into the printer's printable area, so a printer's hardware margins never clip it.
    """
    printer.setFullPage(False)
    printer.setResolution(drawing_dpi())
    printer.setPageLayout(_page_layout(pages[0]))
    vector = printer.logicalDpiX() == drawing_dpi()  # a printer with a fixed resolution gets 300 dpi images
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be opened; check that it is connected and try again")
    printed = 0
    try:
        for index, page in enumerate(pages):
            if should_stop is not None and should_stop():
                break
            if index:
                printer.setPageLayout(_page_layout(page))
                printer.newPage()
            area = QRectF(printer.pageRect(QPrinter.Unit.DevicePixel))
            area.moveTo(0, 0)
            if vector:
                paint_page(painter, page, area)
            else:
                image = page_image(page, dpi=300)
                painter.drawImage(_fitted_rect(area, image.width(), image.height()), image)
            printed += 1
    finally:
        painter.end()
    return printed


def _fitted_rect(area: QRectF, width: float, height: float) -> QRectF:
    scale = min(area.width() / width, area.height() / height)
    return QRectF(area.left(), area.top(), width * scale, height * scale)


def png_bytes(page: SheetPage, dpi: int = 150) -> bytes:
    """The page as PNG file content."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    saved = page_image(page, dpi).save(buffer, "PNG")
    buffer.close()
    if not saved:
        raise OSError("the page could not be encoded as PNG")
    return bytes(data)
