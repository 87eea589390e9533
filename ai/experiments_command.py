"""``python main.py experiment create|status|complete|list``: A/B experiments without the window, JSON out.

Experiments are the AI layer's work (:mod:`ai.experiment_tracking` on the statistics of :mod:`ai.experiments`);
this parser sits beside its handler and loads them only when the command runs, so ``main.py --help`` stays
quick. Bad input exits 2 with ``{"success": false, "error": …}`` naming the problem and the fix, never a
traceback; a role that may not run experiments exits 3.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, RequestInvalid, write_error, write_json
from storage.device_reference import DEVICES_HELP, device_list

if TYPE_CHECKING:
    from storage.app_context import AppContext
    from storage.database import Engine

METRICS = ("revenue", "units", "stockouts")  # the names the command takes for ai.experiments.Metric
SPLITS = ("randomised", "stratified", "chosen")  # ai.experiments.Assignment's values


def _ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of ids, e.g. 1,2,3") from None
    if not ids:
        raise argparse.ArgumentTypeError("give at least one id, e.g. 1,2,3")
    return ids


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _metrics(text: str) -> list[str]:
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown metric {unknown or text!r}; choose from {', '.join(METRICS)}")
    return names


def add_experiment_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """``experiment create|status|complete|list``; every sub-command takes ``--db URL`` and prints JSON."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "experiment", help="A/B experiments across devices (JSON output)"
    )
    actions = parser.add_subparsers(dest="experiment_action", parser_class=type(parser), required=True)
    create = actions.add_parser("create", help="split devices into control and treatment and start an experiment")
    create.add_argument("--name", required=True, help="what is tested, e.g. 'eye-level snacks'")
    create.add_argument("--devices", type=device_list, required=True, metavar="ID_OR_ASSET,...", help=DEVICES_HELP)
    create.add_argument("--start", type=_day, required=True, metavar="YYYY-MM-DD", help="first day of the treatment")
    create.add_argument("--end", type=_day, metavar="YYYY-MM-DD", help="last day (default: open until completed)")
    create.add_argument("--split", choices=SPLITS, default="stratified",
                        help="randomised, stratified by location type (default), or chosen")  # fmt: skip
    create.add_argument("--treatment-devices", type=device_list, default=[], metavar="ID_OR_ASSET,...",
                        help=f"for --split chosen: {DEVICES_HELP}")  # fmt: skip
    create.add_argument("--treatment-planograms", type=_ids, default=[], metavar="IDS",
                        help="planogram version ids to activate on the treatment devices")  # fmt: skip
    create.add_argument("--metrics", type=_metrics, default=list(METRICS), metavar="LIST",
                        help="revenue,units,stockouts (the first is the one that decides the winner)")  # fmt: skip
    create.add_argument("--seed", type=int, default=0, help="seed of the random split (same seed, same split)")
    create.add_argument(
        "--user", dest="experiment_user", metavar="NAME", help="act as this user (default: --user before the command)"
    )
    status = actions.add_parser("status", help="daily metrics per group and the analysis so far")
    status.add_argument("id", type=int)
    complete = actions.add_parser("complete", help="final analysis, winner and power; closes the experiment")
    complete.add_argument("id", type=int)
    complete.add_argument(
        "--user", dest="experiment_user", metavar="NAME", help="act as this user (default: --user before the command)"
    )
    actions.add_parser("list", help="every experiment, newest first")
    for sub in actions.choices.values():
        sub.add_argument("--db", dest="command_db", metavar="URL", help="SQLAlchemy URL or SQLite file")
    return parser


def run_experiment(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """Print the answer as JSON; 0 when done, 2 on bad input (with the reason and the fix), 3 when refused."""
    from designer.roles import PermissionDenied

    try:
        body = _run(args, context)
    except PermissionDenied as refused:
        write_error(f"{refused}; or run as another user with --user NAME")
        return ExitCode.REFUSED
    except (RequestInvalid, LookupError) as error:
        write_error(str(error))
        return ExitCode.BAD_INPUT
    write_json({"success": True, **body}, indent=2)
    return ExitCode.DONE


def _run(args: argparse.Namespace, context: AppContext) -> dict[str, object]:
    from ai import experiment_tracking as experiments
    from ai.experiments import Assignment, Metric
    from storage.device_reference import devices_named
    from storage.users import sign_in

    engine = _open(context)
    action = args.experiment_action
    if action == "list":
        return {"experiments": experiments.list_experiments(engine)}
    if action == "status":
        return {"experiment": experiments.experiment_status(engine, args.id)}
    user = sign_in(engine, args.experiment_user or context.login)
    if action == "complete":
        return {"experiment": experiments.complete_experiment(engine, args.id, user_id=user.id)}
    metrics = {"revenue": Metric.REVENUE, "units": Metric.UNITS, "stockouts": Metric.STOCKOUTS}
    plan = experiments.ExperimentPlan(
        name=args.name,
        device_ids=devices_named(engine, args.devices),
        start=args.start,
        end=args.end,
        assignment=Assignment(args.split),
        treatment_devices=devices_named(engine, args.treatment_devices),
        treatment_planograms=args.treatment_planograms,
        metrics=[metrics[name] for name in args.metrics],
        seed=args.seed,
    )
    if plan.assignment is Assignment.CHOSEN and not plan.treatment_devices:
        raise RequestInvalid("--split chosen needs --treatment-devices (the devices that get the treatment)")
    return {"experiment": experiments.create_experiment(engine, plan, user_id=user.id)}


def _open(context: AppContext) -> Engine:
    from storage.engine import sqlite_file
    from storage.schema import DatabaseProblem

    file = sqlite_file(context.database_url)
    if file is not None and not file.is_file():
        raise RequestInvalid(f"{file} does not exist; name an existing database with --db (or build one with `demo`)")
    try:
        return context.engine
    except DatabaseProblem as error:
        raise RequestInvalid(str(error)) from None
