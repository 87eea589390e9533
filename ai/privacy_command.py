"""``python main.py privacy export-user|delete-user|dpia|reset-ai-data``: a person's data, and the DPIA.

``export-user USER`` prints (or writes with ``--out``) everything held about the user as JSON: the user themselves
or an admin may ask. ``delete-user USER --yes`` erases their predictions, feedback, cached Claude answers and
personal fields (an admin only; audited). ``dpia`` writes the data-protection impact assessment from this
installation's real data flows (:mod:`ai.privacy_assessment`). ``reset-ai-data --yes`` is the way back from a
lost AI data key: the sealed AI rows are cleared and rebuilt from the sales as the models answer again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, json_text, write_error, write_json

if TYPE_CHECKING:
    from storage.app_context import AppContext


def add_privacy_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    privacy: argparse.ArgumentParser = commands.add_parser(
        "privacy", help="a person's data (export, delete) and the data-protection impact assessment"
    )
    actions = privacy.add_subparsers(dest="privacy_action", parser_class=type(privacy), required=True)
    export = actions.add_parser("export-user", help="everything held about a user, as JSON")
    export.add_argument("person", metavar="USER", help="username, email or id:N")
    export.add_argument("--out", metavar="FILE", help="write the JSON to FILE instead of standard output")
    delete = actions.add_parser("delete-user", help="erase a user's AI data and personal fields (admin)")
    delete.add_argument("person", metavar="USER", help="username, email or id:N")
    delete.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    dpia = actions.add_parser("dpia", help="write the data-protection impact assessment (Markdown)")
    dpia.add_argument("--out", metavar="FILE", help="write it to FILE instead of standard output")
    reset = actions.add_parser("reset-ai-data", help="after a lost key: clear the sealed AI data (admin)")
    reset.add_argument("--yes", action="store_true", help="confirm: predictions, feedback, experiments and cache go")
    for sub in (export, delete, dpia, reset):
        sub.add_argument("--db", dest="command_db", metavar="URL", help="SQLAlchemy URL or SQLite file")
    return privacy


def run_privacy(args: argparse.Namespace, context: AppContext) -> ExitCode:
    from designer.roles import PermissionDenied
    from storage.personal_data import UnknownPerson

    try:
        return _ACTIONS[args.privacy_action](args, context)
    except PermissionDenied as refused:
        write_error(str(refused))
        return ExitCode.REFUSED
    except UnknownPerson as unknown:
        write_error(str(unknown))
        return ExitCode.BAD_INPUT


def _export(args: argparse.Namespace, context: AppContext) -> ExitCode:
    from storage.personal_data import export_person, find_person

    held = export_person(context.engine, context.user.id, find_person(context.engine, args.person))
    if args.out:
        Path(args.out).write_text(json_text(held, indent=2) + "\n", encoding="utf-8")
        write_json({"success": True, "written": args.out, "predictions": len(held["predictions"])})
    else:
        write_json(held, indent=2)
    return ExitCode.DONE


def _delete(args: argparse.Namespace, context: AppContext) -> ExitCode:
    from storage.personal_data import delete_person, find_person

    if not args.yes:
        write_error("deleting a person's data cannot be undone; add --yes to confirm")
        return ExitCode.BAD_INPUT
    deleted = delete_person(context.engine, context.user.id, find_person(context.engine, args.person))
    write_json({"success": True, "deleted": deleted.as_dict()})
    return ExitCode.DONE


def _dpia(args: argparse.Namespace, context: AppContext) -> ExitCode:
    from ai.privacy_assessment import assessment, gather_facts
    from storage.engine import display_url

    settings = context.settings.current
    facts = gather_facts(
        context.engine, display_url(context.database_url), settings.data_protection, settings.llm, context.clock()
    )
    text = assessment(facts)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        write_json({"success": True, "written": args.out})
    else:
        print(text, end="")
    return ExitCode.DONE


def _reset(args: argparse.Namespace, context: AppContext) -> ExitCode:
    from storage.personal_data import reset_ai_data

    if not args.yes:
        write_error("this clears every prediction, feedback row, experiment and cached answer; add --yes to confirm")
        return ExitCode.BAD_INPUT
    write_json({"success": True, "cleared": reset_ai_data(context.engine, context.user.id)})
    return ExitCode.DONE


_ACTIONS = {"export-user": _export, "delete-user": _delete, "dpia": _dpia, "reset-ai-data": _reset}
