"""``python main.py experiment create|status|complete|list``: A/B experiments without the window, JSON out.

No Qt here (the module sits beside the experiment windows it shares its words with). Bad input exits 2 with
``{"success": false, "error": …}`` naming the problem and the fix, never a traceback.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from ai.experiments import Assignment, Metric

EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3  # the user's role may not run experiments (as the other commands do)
METRIC_NAMES = {"revenue": Metric.REVENUE, "units": Metric.UNITS, "stockouts": Metric.STOCKOUTS}


class _BadInput(ValueError):
    pass


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


def _metrics(text: str) -> list[Metric]:
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in METRIC_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown metric {unknown or text!r}; choose from {', '.join(METRIC_NAMES)}")
    return [METRIC_NAMES[n] for n in names]


def add_experiment_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``experiment create|status|complete|list``; every sub-command takes ``--db URL`` and prints JSON."""
    parser = subparsers.add_parser("experiment", help="A/B experiments across devices (JSON output)")
    actions = parser.add_subparsers(dest="experiment_action", parser_class=type(parser), required=True)
    create = actions.add_parser("create", help="split devices into control and treatment and start an experiment")
    create.add_argument("--name", required=True, help="what is tested, e.g. 'eye-level snacks'")
    create.add_argument("--devices", type=_ids, required=True, metavar="IDS", help="device ids, e.g. 1,2,3,4")
    create.add_argument("--start", type=_day, required=True, metavar="YYYY-MM-DD", help="first day of the treatment")
    create.add_argument("--end", type=_day, metavar="YYYY-MM-DD", help="last day (default: open until completed)")
    create.add_argument("--split", choices=[a.value for a in Assignment], default=Assignment.STRATIFIED.value,
                        help="randomised, stratified by location type (default), or chosen")  # fmt: skip
    create.add_argument("--treatment-devices", type=_ids, default=[], metavar="IDS", help="for --split chosen")
    create.add_argument("--treatment-planograms", type=_ids, default=[], metavar="IDS",
                        help="planogram version ids to activate on the treatment devices")  # fmt: skip
    create.add_argument("--metrics", type=_metrics, default=list(METRIC_NAMES.values()), metavar="LIST",
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
        sub.add_argument("--db", dest="experiment_db", metavar="URL", help="SQLAlchemy URL or SQLite file")
    return parser


def run_experiment(args: argparse.Namespace) -> int:
    """Print the answer as JSON; 0 when done, 2 on bad input (with the reason and the fix), 3 when refused."""
    from ai.experiment_tracking import ExperimentInvalid
    from designer.roles import PermissionDenied

    try:
        body = _run(args)
    except PermissionDenied as refused:
        print(json.dumps({"success": False, "error": f"{refused}; or run as another user with --user NAME"}))
        return EXIT_REFUSED
    except (_BadInput, ExperimentInvalid, LookupError) as error:
        print(json.dumps({"success": False, "error": str(error)}))
        return EXIT_BAD_INPUT
    print(json.dumps({"success": True, **body}, indent=2))
    return 0


def _run(args: argparse.Namespace) -> dict[str, object]:
    from ai import experiment_tracking as experiments
    from storage.users import sign_in

    engine = _open(getattr(args, "experiment_db", None) or getattr(args, "db", None))
    action = args.experiment_action
    if action == "list":
        return {"experiments": experiments.list_experiments(engine)}
    if action == "status":
        return {"experiment": experiments.experiment_status(engine, args.id)}
    user = sign_in(engine, args.experiment_user)
    if action == "complete":
        return {"experiment": experiments.complete_experiment(engine, args.id, user_id=user.id)}
    plan = experiments.ExperimentPlan(
        name=args.name,
        device_ids=args.devices,
        start=args.start,
        end=args.end,
        assignment=Assignment(args.split),
        treatment_devices=args.treatment_devices,
        treatment_planograms=args.treatment_planograms,
        metrics=args.metrics,
        seed=args.seed,
    )
    if plan.assignment is Assignment.CHOSEN and not plan.treatment_devices:
        raise _BadInput("--split chosen needs --treatment-devices (the ids that get the treatment)")
    return {"experiment": experiments.create_experiment(engine, plan, user_id=user.id)}


def _open(database: str | None):  # type: ignore[no-untyped-def]
    from storage.engine import default_database_url, normalise_url, sqlite_file
    from storage.schema import DatabaseProblem, prepare_database

    url = normalise_url(database) if database else default_database_url()
    file = sqlite_file(url)
    if file is not None and not file.is_file():
        raise _BadInput(f"{file} does not exist; name an existing database with --db (or build one with `demo`)")
    try:
        return prepare_database(url)
    except DatabaseProblem as error:
        raise _BadInput(str(error)) from None
