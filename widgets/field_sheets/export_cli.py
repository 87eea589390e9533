"""Exports as requests — one device or cabinet in PDF, PNG, CSV or JSON, or a route as one PDF — shared by the
Export dialog and the headless command ``python main.py export``.

A request is checked before any work (device, cabinet, format, output folder) and written all or nothing;
anything that cannot be exported as asked raises :class:`ExportRefused` with the problem and the fix, which
the command turns into exit status 2 and the dialog into a message.

Exports render with Qt, so the command lives in this layer; like every command module its parser sits beside
its handler (:func:`add_export_parser`, :func:`run_export`). ``main.py`` builds its parser on every start, so
this module imports Qt and SQLAlchemy only inside the functions that export: adding the ``export`` command
costs the other commands (and the GUI's start) nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, write_json
from designer.planogram_files import DeviceIdentity, planogram_to_csv, planogram_to_json
from designer.roles import Action, PermissionDenied, Role
from storage.device_reference import DEVICE_HELP, DEVICES_HELP, device_list

if TYPE_CHECKING:
    from storage.app_context import AppContext
    from storage.database import Engine
    from storage.fleet import DeviceSummary
    from widgets.field_sheets.sheets import CabinetSheet, SheetPage

# --- exports: one request, whatever the format ----------------------------------------------------


class ExportFormat(StrEnum):
    PDF = "pdf"
    PNG = "png"
    CSV = "csv"
    JSON = "json"

    @property
    def needs_one_cabinet(self) -> bool:
        """A PNG shows one sheet; a CSV or JSON file holds one planogram."""
        return self is not ExportFormat.PDF


class ExportRefused(ValueError):
    """An export that cannot be made as asked; the message names the problem and the fix. Nothing was written.

    ``exit_code`` is the status the command ends with (``BAD_INPUT`` unless the problem has its own)."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What to export: one device (optionally one cabinet) in any format, or a route of devices as one PDF.

    ``out`` is None for printing, which takes the PDF's pages. By default each cabinet's active (approved)
    version is exported; a manager may name one cabinet's stored ``version`` or its ``draft`` instead, and every
    page and file then says it is not the approved version.
    """

    format: ExportFormat
    device_ids: tuple[int, ...]
    cabinet_index: int | None = None
    route: bool = False
    out: Path | None = None
    version: int | None = None
    draft: bool = False

    @property
    def not_active(self) -> bool:
        """A version other than the active one was asked for (managers only)."""
        return self.version is not None or self.draft

    def printing(self) -> ExportRequest:
        """The same sheets as a PDF for the printer (no file)."""
        return replace(self, format=ExportFormat.PDF, out=None)


@dataclass(frozen=True, slots=True)
class ExportResult:
    files: tuple[Path, ...]
    pages: int
    content_hashes: dict[str, str]  # planogram id ("3_0") → hash printed on its sheet or stored in its file
    versions: dict[str, str] = field(default_factory=dict)  # planogram id → "v2 (active)", "v3 (draft)"

    def describe(self) -> str:
        where = ", ".join(str(path) for path in self.files)
        pages = f"{self.pages} page{'s' * (self.pages != 1)} " if self.pages else ""
        return f"Saved {pages}to {where}{self._holding()}"

    def _holding(self) -> str:
        """Which version the files hold: "v2 (active)" for one cabinet, else whether every one is active."""
        labels = sorted(self.versions.values())
        if not labels:
            return ""
        if len(labels) == 1:
            return f"; it holds {labels[0]}"
        if all(label.endswith("(active)") for label in labels):
            return "; it holds each cabinet's active version"
        return "; it holds " + ", ".join(f"{key} {label}" for key, label in sorted(self.versions.items()))


Progress = Callable[[int, str], None]


def check_output_path(path: Path) -> None:
    """Refuse, before any work, an output the user cannot get: a folder, or a file in a missing folder."""
    if path.is_dir():
        raise ExportRefused(f"{path} is a folder; give a file name, e.g. {path / 'sheet.pdf'}")
    if not path.parent.is_dir():
        raise ExportRefused(f"the folder {path.parent} does not exist; create it or choose another place to save")


def write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a reader never sees half a sheet, a failed export leaves no fragment."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ExportRefused(
            f"cannot write {path} ({error.strerror or error}); choose a folder you may write to"
        ) from None


def _device_identity(device: DeviceSummary) -> DeviceIdentity:
    return DeviceIdentity(device.id, device.name, device.asset_number, device.location_name)


def _check_devices(engine: Engine, device_ids: Sequence[int]) -> None:
    from storage.fleet import FleetRepository

    known = {device.id for device in FleetRepository(engine).devices()}
    unknown = [device_id for device_id in device_ids if device_id not in known]
    if unknown:
        listed = ", ".join(map(str, unknown))
        choices = f"its devices are {_ranges(sorted(known))}" if known else "it holds no devices"
        raise ExportRefused(f"device {listed} is not in this database; {choices}")


def _ranges(numbers: Sequence[int]) -> str:
    """``1–12`` or ``1–3, 7, 9–10``: device ids as a person would list them."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(f"{start}–{previous}" if previous > start else str(start))
        if number is not None:
            start = previous = number
    return ", ".join(parts)


def _chosen_sheets(sheets: list[CabinetSheet], request: ExportRequest, device_id: int) -> list[CabinetSheet]:
    if not sheets:
        raise ExportRefused(f"device {device_id} has no cabinets, so there is no sheet to export")
    indexes = ", ".join(str(sheet.cabinet.index) for sheet in sheets)
    if request.cabinet_index is not None:
        chosen = [sheet for sheet in sheets if sheet.cabinet.index == request.cabinet_index]
        if not chosen:
            raise ExportRefused(
                f"device {device_id} has no cabinet {request.cabinet_index}; its cabinets are {indexes}"
            )
        return chosen
    if request.format.needs_one_cabinet and len(sheets) > 1:
        raise ExportRefused(
            f"a {request.format.value.upper()} export holds one cabinet and device {device_id} has {len(sheets)} "
            f"({indexes}); name one with --cabinet, or export the whole device as PDF"
        )
    return sheets


def not_active_refusal(role: Role) -> str:
    """Why a driver (or viewer) gets only the active version: what was approved is what goes to the machine."""
    return (
        f"Only a manager or admin can export a version that is not the active one; you are signed in as a "
        f"{role.value}. Drivers export what was approved: the active version"
    )


def _require_manager_for(engine: Engine, user_id: int | None) -> None:
    from storage.users import require_action

    try:
        require_action(engine, user_id, Action.EDIT)
    except PermissionDenied as denied:
        raise PermissionDenied(denied.role, Action.EDIT, not_active_refusal(denied.role)) from None


def read_sheets(engine: Engine, request: ExportRequest, *, user_id: int | None = None) -> list[list[CabinetSheet]]:
    """The sheets ``request`` names, per device in the order given; refuses unknown devices and cabinets, and a
    version other than the active one for anyone but a manager."""
    from storage.field_data import route_stock
    from storage.fleet import FleetRepository
    from storage.users import require_action
    from widgets.field_sheets.sheets import cabinet_sheets

    _check_request(request)
    require_action(engine, user_id, Action.EXPORT)  # a viewer may read the planograms, not hand them out
    if request.not_active:
        _require_manager_for(engine, user_id)
    _check_devices(engine, request.device_ids)
    fleet = FleetRepository(engine)
    catalogue = fleet.catalogue()
    stocks = route_stock(engine, request.device_ids)
    chosen = [_chosen_sheets(cabinet_sheets(stock, catalogue), request, stock.device.id) for stock in stocks]
    if not request.not_active:
        return chosen
    cabinet = chosen[0][0].cabinet
    if len(chosen[0]) != 1:
        raise ExportRefused(
            f"versions are numbered per cabinet and device {cabinet.device_id} has {len(chosen[0])}; name one with "
            "--cabinet"
        )
    try:
        planogram = fleet.stored_version(cabinet.device_id, cabinet.index, request.version)
    except LookupError as missing:
        raise ExportRefused(f"{missing}; leave out --version/--draft to export the active one") from None
    redone = cabinet_sheets(stocks[0], catalogue, {cabinet.index: planogram})
    return [[sheet for sheet in redone if sheet.cabinet.index == cabinet.index]]


def document_pages(request: ExportRequest, sheets_per_device: Sequence[Sequence[CabinetSheet]]) -> list[SheetPage]:
    """The numbered pages of the PDF (and of a printout): a route ends with its totals."""
    from widgets.field_sheets.sheets import device_document, route_document

    return route_document(sheets_per_device) if request.route else device_document(sheets_per_device[0])


def export_sheets(
    engine: Engine,
    request: ExportRequest,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    user_id: int | None = None,
) -> ExportResult:
    """Make the files ``request`` asks for from the database; raises :class:`ExportRefused` naming the fix.

    Runs in a worker thread as well as headless: nothing here touches a window.
    """
    from widgets.field_sheets.sheets import pdf_bytes, png_bytes
    from widgets.workers import JobCancelled

    report = progress or (lambda _percent, _message: None)
    if request.out is None:
        raise ExportRefused("no file was named to save to; choose where to save the export")
    out = request.out
    check_output_path(out)
    report(5, "Reading sales and restock visits")
    sheets_per_device = read_sheets(engine, request, user_id=user_id)
    hashes = {
        sheet.planogram.planogram_id: sheet.content_hash or ""
        for sheets in sheets_per_device
        for sheet in sheets
        if sheet.planogram is not None
    }
    labels = {
        sheet.planogram.planogram_id: sheet.version_label
        for sheets in sheets_per_device
        for sheet in sheets
        if sheet.planogram is not None
    }
    if request.format in (ExportFormat.CSV, ExportFormat.JSON):
        return _export_planogram_file(request.format, out, sheets_per_device[0][0], hashes, labels)
    pages = document_pages(request, sheets_per_device)

    def page_progress(percent: int, message: str) -> None:
        if should_stop is not None and should_stop():
            raise JobCancelled("the export was stopped; nothing was written")
        report(10 + percent * 85 // 100, message)

    if request.format is ExportFormat.PDF:
        device = sheets_per_device[0][0].device
        title = f"Route sheets, {len(sheets_per_device)} machines" if request.route else f"Field sheet, {device.name}"
        write_atomically(out, pdf_bytes(pages, title, page_progress))
        files: tuple[Path, ...] = (out,)
    else:
        images = []
        for number, page in enumerate(pages, start=1):
            page_progress(round(100 * (number - 1) / len(pages)), f"Page {number} of {len(pages)}")
            images.append(png_bytes(page))
        files = tuple(_png_name(out, number) for number in range(1, len(pages) + 1))
        for path, image in zip(files, images, strict=True):
            write_atomically(path, image)
    report(100, "Saved")
    return ExportResult(files, len(pages), hashes, labels)


def _check_request(request: ExportRequest) -> None:
    if not request.device_ids:
        raise ExportRefused("no device was named; give a device id, or a route of several")
    if request.route:
        if request.format is not ExportFormat.PDF:
            raise ExportRefused(f"a route is exported as one PDF, not {request.format.value.upper()}; use PDF")
        if request.cabinet_index is not None:
            raise ExportRefused("a route sheet holds every cabinet of every machine; leave out the cabinet")
        if len(set(request.device_ids)) != len(request.device_ids):
            raise ExportRefused("a device appears twice on the route; list each machine once, in driving order")
        if request.not_active:
            raise ExportRefused("a route holds each machine's active versions; export a draft for one cabinet")
    elif len(request.device_ids) != 1:
        raise ExportRefused("name one device, or export the devices as a route PDF")


def _export_planogram_file(
    export_format: ExportFormat, out: Path, sheet: CabinetSheet, hashes: dict[str, str], labels: dict[str, str]
) -> ExportResult:
    planogram = sheet.planogram
    if planogram is None:
        raise ExportRefused(
            f"cabinet {sheet.cabinet.index} of device {sheet.device.id} has no active planogram, so nothing was "
            "approved to export; activate a version in the designer first"
        )
    if export_format is ExportFormat.JSON:
        text = planogram_to_json(planogram, sheet.cabinet, sheet.catalogue, _device_identity(sheet.device))
    else:
        text = planogram_to_csv(planogram, sheet.catalogue, stamped=True)
    write_atomically(out, text.encode("utf-8"))
    return ExportResult((out,), 0, hashes, labels)


def _png_name(path: Path, number: int) -> Path:
    """The first page keeps the chosen name; a sheet that runs on gets ``name-2.png``, ``name-3.png``…"""
    return path if number == 1 else path.with_name(f"{path.stem}-{number}{path.suffix or '.png'}")


# --- the command line -----------------------------------------------------------------------------

_RULES = """\
what is exported:
  --device ID_OR_ASSET   one machine, by id or asset number: the PDF holds a sheet per cabinet (only cabinet I
                         with --cabinet I); id:N or asset:X when one could be read as the other
  --route ID_OR_ASSET,...  several machines in driving order: one PDF with every cabinet's sheet, then the
                         route totals (units per product to pack on the van); PDF only, no --cabinet
  png, csv, json         hold one cabinet: name it with --cabinet unless the machine has only one;
                         a sheet longer than a page gives FILE, FILE-2.png, ...
  csv, json              the cabinet's planogram, importable again in the designer; each line names its
                         version and status
  --format               defaults to the extension of --out (.pdf, .png, .csv, .json)

which version:
  by default             each cabinet's active (approved) version; sheets and files name it, e.g. "v2 (active)"
  --version N            version N of one cabinet (managers and admins only)
  --draft                the cabinet's newest draft saved after its active version (managers and admins only)
                         every page of such a sheet is stamped "DRAFT — not approved"; files say "status: draft"

Stock on the sheets is as of the machine's latest sale, so a database always gives the same sheets.
exit status: 0 written (a JSON summary on stdout); 2 bad arguments or nothing to export (one line on stderr,
nothing written); 3 the role may not export, or (driver, viewer) may not export anything but the active version."""


def _whole_number(what: str, minimum: int) -> Callable[[str], int]:
    """An argparse type for ids and indexes, naming what was expected (device ids from 1, cabinets from 0)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {what} (a whole number from {minimum})") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is not a {what} (they start at {minimum})")
        return value

    return parse


def _format(text: str) -> ExportFormat:
    try:
        return ExportFormat(text.strip().lower())
    except ValueError:
        choices = ", ".join(member.value for member in ExportFormat)
        raise argparse.ArgumentTypeError(f"{text!r} is not a format; use one of {choices}") from None


def add_export_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """The ``export`` command's arguments; ``main.py`` adds it to its commands and calls :func:`run_export`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="write field sheets (PDF/PNG) or a planogram (CSV/JSON) for a device, or a route PDF",
        description="Export what was approved: field sheets with slot map and pick list, or the planogram file.",
        epilog=_RULES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--device", metavar="ID_OR_ASSET", help=f"the machine to export: {DEVICE_HELP}")
    target.add_argument(
        "--route", metavar="ID_OR_ASSET,...", type=device_list, help=f"machines in driving order (PDF): {DEVICES_HELP}"
    )
    parser.add_argument(
        "--cabinet", metavar="I", type=_whole_number("cabinet index", 0), help="one cabinet of the device (from 0)"
    )
    parser.add_argument(
        "--format", metavar="FORMAT", type=_format, help="pdf, png, csv or json (default: from the extension of --out)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--version",
        metavar="N",
        dest="planogram_version",
        type=_whole_number("version number", 1),
        help="export version N of the cabinet instead of the active one (managers)",
    )
    which.add_argument(
        "--draft", action="store_true", help="export the cabinet's newest draft, stamped as not approved (managers)"
    )
    parser.add_argument("--out", metavar="FILE", required=True, type=Path, help="the file to write")
    parser.add_argument(
        "--db", metavar="URL", dest="command_db", help="SQLAlchemy URL or SQLite file (default: the demo database)"
    )
    return parser


def request_from_args(args: argparse.Namespace, device_id: Callable[[str], int]) -> ExportRequest:
    """The parsed arguments as a request; the format comes from ``--out``'s extension when not given, each device
    named (an id or an asset number) is looked up by ``device_id``."""
    out = Path(args.out).expanduser()
    export_format = args.format
    if export_format is None:
        try:
            export_format = ExportFormat(out.suffix.lower().lstrip("."))
        except ValueError:
            raise ExportRefused(
                f"the file name {out.name!r} does not say which format to write; add --format pdf, png, csv or json"
            ) from None
    route = args.route is not None
    device_ids = tuple(device_id(name) for name in (args.route if route else [args.device]))
    version = getattr(args, "planogram_version", None)
    return ExportRequest(export_format, device_ids, args.cabinet, route, out, version, bool(getattr(args, "draft", 0)))


def _device_named(engine: Engine, name: str) -> int:
    from designer.command_outcomes import RequestInvalid
    from storage.device_reference import device_named

    try:
        return device_named(engine, name)
    except RequestInvalid as unknown:
        raise ExportRefused(str(unknown)) from None


def _check_database(url: str) -> None:
    from storage.engine import sqlite_file

    file = sqlite_file(url)
    if file is not None and not file.is_file():
        raise ExportRefused(
            f"there is no database at {file}; name one with --db, or build the demo with 'main.py demo --db {file}'",
            ExitCode.NO_DATABASE,
        )


def _ensure_painting() -> None:
    """Fonts and the slot map's scene need a QApplication; headless, it is one on the offscreen platform (no
    display needed, and the same fonts as on screen)."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        global _application
        _application = QApplication(["planogram-studio", "-platform", "offscreen"])


_application: object = None  # kept alive for the process: Qt needs it until the last page is painted


def run_export(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """Run the ``export`` command on the context's database as its login: 0 and a JSON summary on stdout, 2 (bad
    arguments or database) or 3 (the role may not export) and one line on stderr."""
    from storage.schema import DatabaseProblem

    try:
        check_output_path(Path(args.out).expanduser())
        _check_database(context.database_url)
        try:
            engine = context.engine
        except DatabaseProblem as problem:
            raise ExportRefused(str(problem)) from None
        try:
            request = request_from_args(args, lambda name: _device_named(engine, name))
            user = context.user
            user.require(Action.EXPORT)
            if request.format in (ExportFormat.PDF, ExportFormat.PNG):
                _ensure_painting()
            result = export_sheets(engine, request, user_id=user.id)
        finally:
            context.close()
    except ExportRefused as refusal:
        print(f"planogram-studio export: error: {refusal}", file=sys.stderr)
        return ExitCode(refusal.exit_code)
    except PermissionDenied as refused:
        print(f"planogram-studio export: error: {refused}; or export as another user with --user NAME", file=sys.stderr)
        return ExitCode.REFUSED
    summary = {
        "success": True,
        "format": request.format.value,
        "files": [str(path) for path in result.files],
        "pages": result.pages,
        "content_hashes": result.content_hashes,
        "versions": result.versions,
    }
    write_json(summary)
    return ExitCode.DONE
