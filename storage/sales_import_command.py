"""``python main.py sales import|undo|imports``: telemetry sales exports in and out, JSON on stdout.

    sales import FILE [--format seed|MAPPING.json] [--device ID_OR_ASSET] [--skip-refused]
                      [--accept-matches | --refuse-matches | --matches FILE.json]
                      [--coil-rule MACHINE=DOOR_DIGITS,FIRST_COLUMN]… [--time-zone ZONE] [--db URL]
    sales undo IMPORT_ID [--db URL]        take an import back as a whole
    sales imports [--db URL]               the imports there are

All or nothing per file: a row the import cannot take (its line and reason listed) stops it with status 2 unless
``--skip-refused`` says to import the rest; names close to ours but not the same stop it until confirmed. The
same file twice adds nothing (each line's fingerprint is kept). The parser sits beside its handler; the import
itself loads only when the command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from designer.command_outcomes import ExitCode, write_error, write_json
from storage.machine_audit_command import DEVICE_HELP

if TYPE_CHECKING:
    from storage.app_context import AppContext


def add_sales_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    sales: argparse.ArgumentParser = commands.add_parser(
        "sales", help="import telemetry sales exports (Seed/ePort CSV, or any CSV/XLSX by a mapping), undo (JSON)"
    )
    actions = sales.add_subparsers(dest="sales_action", required=True, parser_class=type(sales))
    database = {"metavar": "URL", "dest": "command_db", "help": "SQLAlchemy URL or SQLite file"}
    load = actions.add_parser("import", help="import one export; the same file twice adds nothing")
    load.add_argument("file", type=Path, metavar="FILE", help="a CSV or XLSX export")
    load.add_argument(
        "--format",
        default="seed",
        metavar="seed|MAPPING.json",
        help="seed (Cantaloupe Seed/ePort, the default) or a column mapping saved as JSON",
    )
    load.add_argument("--device", metavar="ID_OR_ASSET", help=f"the file's one machine is this device: {DEVICE_HELP}")
    load.add_argument(
        "--skip-refused",
        action="store_true",
        help="import the rows that can be, leaving out the refused ones (listed in the summary)",
    )
    answer = load.add_mutually_exclusive_group()
    answer.add_argument("--accept-matches", action="store_true", help="accept every proposed close name")
    answer.add_argument("--refuse-matches", action="store_true", help="refuse them all: new records are created")
    answer.add_argument(
        "--matches",
        type=Path,
        metavar="FILE.json",
        help='answer each: {"devices": {"name": id or null}, "products": {…}} (null: create)',
    )
    load.add_argument(
        "--coil-rule",
        action="append",
        default=[],
        metavar="MACHINE=DOOR_DIGITS,FIRST_COLUMN",
        help="correct how a machine's coils name slots, e.g. 'Lobby=1,1' (148 → D8)",
    )
    load.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="the export's time zone (default: the mapping's, else this computer's), e.g. America/New_York",
    )
    load.add_argument("--db", **database)  # type: ignore[arg-type]
    undo = actions.add_parser("undo", help="take an import back as a whole (its import_id)")
    undo.add_argument("import_id", type=int, metavar="IMPORT_ID", help="the import_id 'sales import' printed")
    undo.add_argument("--db", **database)  # type: ignore[arg-type]
    listing = actions.add_parser("imports", help="the sales imports there are")
    listing.add_argument("--db", **database)  # type: ignore[arg-type]
    return sales


def run_sales(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """The action asked for; 2 on bad input (nothing changed), 3 when the user may not."""
    from designer.command_outcomes import RequestInvalid
    from designer.roles import Action
    from storage.sales_imports import ProposalsPending, RowsRefused, imports, proposals_json, undo_import

    engine = context.engine
    if args.sales_action == "imports":
        write_json({"success": True, "imports": imports(engine)})
        return ExitCode.DONE
    user = context.user
    reason = user.why_not(Action.SYNC)
    if reason:
        write_error(f"{user.username} may not import sales: {reason}")
        return ExitCode.REFUSED
    try:
        body: dict[str, Any]
        if args.sales_action == "undo":
            body = undo_import(engine, args.import_id, user_id=user.id)
        else:
            body = _import(args, context)
    except ProposalsPending as pending:
        write_error(str(pending), {"proposals": proposals_json(pending.proposals)})
        return ExitCode.BAD_INPUT
    except RowsRefused as refused:
        write_error(str(refused), {"refused": [row.to_json() for row in refused.rows]})
        return ExitCode.BAD_INPUT
    except RequestInvalid as invalid:
        write_error(str(invalid))
        return ExitCode.BAD_INPUT
    write_json(body)
    return ExitCode.DONE


def _import(args: argparse.Namespace, context: AppContext) -> dict[str, Any]:
    from designer.command_outcomes import RequestInvalid
    from designer.sales_exports import load_mapping, read_export
    from storage.device_reference import device_named
    from storage.sales_imports import import_sales, plan_import

    engine = context.engine
    mapping = None if args.format == "seed" else load_mapping(Path(args.format).expanduser())
    device_id = device_named(engine, args.device) if args.device else None
    parsed = read_export(Path(args.file).expanduser(), mapping)
    plan = plan_import(
        engine,
        parsed,
        time_zone=args.time_zone or (mapping.time_zone if mapping else None),
        device_id=device_id,
        matches=_matches(args),
        coil_rules=coil_rules(args.coil_rule),
    )
    if not parsed.rows_read:
        raise RequestInvalid(f"{args.file} holds no sales below its header")
    summary = import_sales(
        engine, plan, skip_refused=args.skip_refused, file_name=Path(args.file).name, user_id=context.user.id
    )
    return summary.as_json()


def _matches(args: argparse.Namespace) -> Any:
    from designer.command_outcomes import RequestInvalid
    from storage.sales_imports import Matches

    if args.matches is None:
        return Matches(accept_all=args.accept_matches, refuse_all=args.refuse_matches)
    try:
        data = json.loads(Path(args.matches).expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise RequestInvalid(f"the matches file {args.matches} cannot be read as JSON ({problem})") from None
    return Matches.from_json(data, where=f"the matches file {Path(args.matches).name}")


def coil_rules(texts: list[str]) -> dict[str, Any]:
    """``MACHINE=DOOR_DIGITS,FIRST_COLUMN`` corrections, by machine name."""
    from designer.command_outcomes import RequestInvalid
    from designer.sales_exports import coil_rule_from_json

    rules = {}
    for text in texts:
        machine, _, numbers = text.rpartition("=")
        parts = numbers.split(",")
        if not machine or len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise RequestInvalid(f"--coil-rule {text!r}: write MACHINE=DOOR_DIGITS,FIRST_COLUMN, e.g. 'Lobby=1,0'")
        rules[machine] = coil_rule_from_json(
            {"door_digits": int(parts[0]), "first_column": int(parts[1])}, where=f"--coil-rule {text!r}"
        )
    return rules
