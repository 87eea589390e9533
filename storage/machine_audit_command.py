"""``python main.py audit import|link|undo|machines``: machine audits (DEX files) in and out, JSON on stdout.

    audit import FILE... [--cvd URL] [--device ID_OR_ASSET] [--db URL]   new and already-imported reads, …
    audit link MACHINE --device ID_OR_ASSET [--db URL]        link (or move) a machine to a device
    audit undo IMPORT_ID [--db URL]                           take an import back as a whole
    audit machines [--db URL]                                 the machines audits named, and their links
    audit report --device ID_OR_ASSET [--json] [--db URL]     the layout check: planogram against the machine

A file that is not a whole audit ends the import with status 2 and an error naming the file, the line and the
field; nothing of that batch is imported. A machine no device is linked to is imported anyway and listed under
``not_linked``: pass ``--device`` (one machine per import) or link it later with ``audit link``. The parser sits
beside its handler; the import itself loads only when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from designer.command_outcomes import ExitCode, write_error, write_json
from storage.device_reference import DEVICE_HELP

if TYPE_CHECKING:
    from storage.app_context import AppContext

__all__ = ["DEVICE_HELP", "add_audit_parser", "run_audit"]


def add_audit_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    audit: argparse.ArgumentParser = commands.add_parser(
        "audit", help="import machine audits (DEX files), link machines to devices, undo an import (JSON out)"
    )
    actions = audit.add_subparsers(dest="audit_action", required=True, parser_class=type(audit))
    database = {"metavar": "URL", "dest": "command_db", "help": "SQLAlchemy URL or SQLite file"}
    load = actions.add_parser("import", help="import DEX audit files; the same read twice changes nothing")
    load.add_argument("files", nargs="*", type=Path, metavar="FILE", help="DEX / EVA-DTS files (.txt, .dex, …)")
    load.add_argument(
        "--cvd", metavar="URL", help="also import the raw reads a CVD database holds (its dex_reads uploads)"
    )
    load.add_argument("--device", metavar="ID_OR_ASSET", help=f"link the files' machine to it: {DEVICE_HELP}")
    load.add_argument("--db", **database)  # type: ignore[arg-type]
    link = actions.add_parser("link", help="link a machine (its ID1 serial, else its DXS id) to a device")
    link.add_argument("machine", metavar="MACHINE", help="the serial (or DXS id) 'audit machines' lists")
    link.add_argument("--device", metavar="ID_OR_ASSET", required=True, help=DEVICE_HELP)
    link.add_argument("--db", **database)  # type: ignore[arg-type]
    undo = actions.add_parser("undo", help="take an import back as a whole (its import_id)")
    undo.add_argument("import_id", type=int, metavar="IMPORT_ID", help="the import_id 'audit import' printed")
    undo.add_argument("--db", **database)  # type: ignore[arg-type]
    listing = actions.add_parser("machines", help="the machines audits have named, their devices and reads")
    listing.add_argument("--db", **database)  # type: ignore[arg-type]
    report = actions.add_parser(
        "report", help="the layout check: a device's planogram against its machine's latest audit (printable)"
    )
    report.add_argument("--device", metavar="ID_OR_ASSET", required=True, help=DEVICE_HELP)
    report.add_argument("--json", action="store_true", help="print the check as JSON instead of the report")
    report.add_argument("--db", **database)  # type: ignore[arg-type]
    return audit


def run_audit(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """The action asked for; 2 on bad input (nothing changed), 3 when the user may not."""
    from designer.command_outcomes import RequestInvalid
    from designer.roles import Action
    from storage.device_reference import device_named
    from storage.machine_audits import (
        cvd_audit_files,
        import_audits,
        link_machine,
        machines,
        read_audit_files,
        undo_import,
    )

    engine = context.engine
    if args.audit_action == "machines":
        write_json({"success": True, "machines": machines(engine)})
        return ExitCode.DONE
    if args.audit_action == "report":
        return _report(args, context)
    user = context.user
    reason = user.why_not(Action.SYNC)
    if reason:
        write_error(f"{user.username} may not change machine audits: {reason}")
        return ExitCode.REFUSED
    try:
        device_id = device_named(engine, args.device) if getattr(args, "device", None) else None
        body: dict[str, Any]
        if args.audit_action == "import":
            files = _read_files(args.files)
            if args.cvd:
                files.extend(cvd_audit_files(args.cvd))
            if not files:
                raise RequestInvalid("no audit to import: name DEX files, or a CVD database with --cvd")
            parsed = read_audit_files(files)
            summary = import_audits(
                engine, parsed, device_id=device_id, user_id=user.id, source="cvd" if args.cvd else "files"
            )
            body = summary.as_json()
        elif args.audit_action == "link":
            assert device_id is not None
            body = link_machine(engine, args.machine, device_id, user_id=user.id)
        else:
            body = undo_import(engine, args.import_id, user_id=user.id)
    except RequestInvalid as invalid:
        write_error(str(invalid))
        return ExitCode.BAD_INPUT
    write_json(body)
    return ExitCode.DONE


def _report(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """``audit report``: read-only, so any signed-in role may print it; 2 when the device is unknown or has no
    audit yet (the message says how to import one)."""
    from designer.command_outcomes import RequestInvalid
    from storage.device_reference import device_named
    from storage.layout_checks import NoAuditForDevice, device_layout_check

    try:
        check = device_layout_check(context.engine, device_named(context.engine, args.device))
    except (RequestInvalid, NoAuditForDevice) as problem:
        write_error(str(problem))
        return ExitCode.BAD_INPUT
    if args.json:
        write_json({"success": True, **check.to_json()})
    else:
        print(check.to_text())
    return ExitCode.DONE


def _read_files(paths: list[Path]) -> list[Any]:
    """The files' bytes and modification times (the arrival time of a read whose machine clock runs ahead)."""
    from datetime import UTC, datetime

    from designer.command_outcomes import RequestInvalid
    from storage.machine_audits import AuditFile

    files, problems = [], []
    for path in paths:
        try:
            data = path.expanduser().read_bytes()
            arrived = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror or error})")
            continue
        files.append(AuditFile(str(path), data, arrived))
    if problems:
        raise RequestInvalid(problems)
    return files
