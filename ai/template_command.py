"""``python main.py template …``: templates and fleet-wide changes, previewed (``--dry-run``), applied as one
operation, and undone as one. JSON on stdout.

    template save NAME --device ID_OR_ASSET [--cabinet I] [--tag T]… [--note TEXT]
    template list [SEARCH] | versions NAME
    template apply NAME [--version N] [MACHINES] [--activate] [--dry-run]
    template undo OPERATION | operations
    template proposals | accept OPERATION [--devices …] [--activate] | decline OPERATION [--devices …]
    template replace-product OLD NEW [MACHINES] [--activate] [--dry-run]
    template price PRODUCT (--to PRICE | --percent P) [MACHINES] [--activate] [--dry-run]
    template par-levels [MACHINES] [--activate] [--dry-run]
    template tag DEVICE [TAG…]

MACHINES: ``--devices all|ID_OR_ASSET,…`` and filters ``--location-type``, ``--model``, ``--route``, ``--shape
6x6``, ``--tag`` (each repeatable; every one given must hold). Changing the fleet needs a manager or admin; the
parser sits beside its handler and the models load only when the command runs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from designer.command_outcomes import ExitCode, RequestInvalid, write_error, write_json

if TYPE_CHECKING:
    from ai.fleet_preview import FleetPreview
    from ai.services import Services
    from designer.fleet_changes import MachineFilter
    from storage.app_context import AppContext

READING_ACTIONS = ("list", "versions", "operations", "proposals")
"""``template`` actions that only read the database."""


def add_template_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = commands.add_parser(
        "template", help="templates and fleet-wide changes: preview (--dry-run), apply as one operation, undo (JSON)"
    )
    actions = parser.add_subparsers(dest="template_action", required=True, parser_class=type(parser))
    save = actions.add_parser("save", help="save a cabinet's layout as a template (a new version of NAME)")
    save.add_argument("name", metavar="NAME")
    save.add_argument("--device", required=True, metavar="ID_OR_ASSET", help="the machine whose layout to save")
    save.add_argument("--cabinet", type=int, default=1, metavar="N", help="its cabinet, from 1 (default 1)")
    save.add_argument("--tag", action="append", default=[], metavar="TAG", help="e.g. office, 'Crane 187'")
    save.add_argument("--note", default="", metavar="TEXT")
    listing = actions.add_parser("list", help="the templates (newest version of each), optionally searched")
    listing.add_argument("search", nargs="?", default="", metavar="SEARCH", help="words of the name, tags, zone, shape")
    versions = actions.add_parser("versions", help="every version of one template: who and when")
    versions.add_argument("name", metavar="NAME")
    apply = actions.add_parser("apply", help="put a template into many machines")
    apply.add_argument("name", metavar="NAME")
    apply.add_argument("--version", type=int, metavar="N", help="a version of the template (default: the newest)")
    _machines_and_mode(apply)
    undo = actions.add_parser("undo", help="take a fleet operation back whole (refused, listing conflicts, if not)")
    undo.add_argument("operation", type=int, metavar="OPERATION")
    actions.add_parser("operations", help="the fleet operations, newest first")
    actions.add_parser("proposals", help="template versions waiting to be accepted by the machines that follow them")
    for verb, what in (("accept", "write the proposal into"), ("decline", "decline the proposal for")):
        answer = actions.add_parser(verb, help=f"{what} its machines (all, or --devices)")
        answer.add_argument("operation", type=int, metavar="OPERATION")
        answer.add_argument("--devices", metavar="ID_OR_ASSET,…", help="only these machines")
        if verb == "accept":
            answer.add_argument("--activate", action="store_true", help="activate rather than save drafts")
    replace = actions.add_parser("replace-product", help="a product replaced by its successor everywhere")
    replace.add_argument("old", type=int, metavar="OLD", help="the product id leaving")
    replace.add_argument("new", type=int, metavar="NEW", help="the product id taking its slots")
    _machines_and_mode(replace)
    price = actions.add_parser("price", help="a product's price across machines")
    price.add_argument("product", type=int, metavar="PRODUCT", help="the product id")
    how = price.add_mutually_exclusive_group(required=True)
    how.add_argument("--to", type=float, metavar="PRICE", help="the new cash price")
    how.add_argument("--percent", type=float, metavar="P", help="change by P %% (rounded to the nearest 0.05)")
    _machines_and_mode(price)
    par = actions.add_parser("par-levels", help="par levels from the demand forecast (e.g. for a whole --route)")
    _machines_and_mode(par)
    tag = actions.add_parser("tag", help="set a machine's tags (ours; CVD has none)")
    tag.add_argument("device", metavar="ID_OR_ASSET")
    tag.add_argument("tags", nargs="*", metavar="TAG")
    for sub in actions.choices.values():
        sub.add_argument("--db", dest="command_db", metavar="URL", help="SQLAlchemy URL or SQLite file")
    return parser


def _machines_and_mode(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--devices", metavar="all|ID_OR_ASSET,…", help="machines by hand (default: all, filtered)")
    parser.add_argument("--location-type", action="append", default=[], metavar="TYPE", help="e.g. office")
    parser.add_argument("--model", action="append", default=[], metavar="MODEL", help="CVD's machine model")
    parser.add_argument("--route", action="append", default=[], type=int, metavar="ROUTE_ID", help="CVD's route id")
    parser.add_argument("--shape", action="append", default=[], metavar="ROWSxCOLUMNS", help="a cabinet shape: 6x6")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG", help="a tag of ours")
    parser.add_argument("--activate", action="store_true", help="activate the new versions (default: drafts)")
    parser.add_argument("--dry-run", action="store_true", help="preview only: print what would change, write nothing")


def run_template(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """0 done, 2 bad input or undo conflicts (nothing changed), 3 when the user's role may not."""
    from designer.roles import PermissionDenied
    from storage.fleet_operations import UndoConflicts

    try:
        body = _run(args, context)
    except PermissionDenied as refused:
        write_error(f"{refused}; or run as another user with --user NAME")
        return ExitCode.REFUSED
    except UndoConflicts as conflicts:
        write_error(
            f"nothing was undone: {len(conflicts.problems)} cabinets changed since the operation",
            {"conflicts": [str(problem) for problem in conflicts.problems]},
        )
        return ExitCode.BAD_INPUT
    except (RequestInvalid, LookupError, ValueError) as error:
        write_error(str(error))
        return ExitCode.BAD_INPUT
    write_json(body, indent=2)
    return ExitCode.DONE


def _run(args: argparse.Namespace, context: AppContext) -> dict[str, Any]:
    from storage import fleet_operations as operations
    from storage.templates import TemplateLibrary

    engine = context.engine
    action = args.template_action
    library = TemplateLibrary(engine)
    if action == "list":
        return {"success": True, "templates": [_template_json(t) for t in library.latest(args.search)]}
    if action == "versions":
        library.load(args.name)  # a name with no versions: LookupError naming the templates there are
        return {"success": True, "versions": [_template_json(t) for t in library.versions(args.name)]}
    if action == "operations":
        return {"success": True, "operations": operations.operations(engine)}
    if action == "proposals":
        return {"success": True, "proposals": operations.proposals(engine)}
    user = context.user
    if action == "save":
        return _save(args, context)
    if action == "tag":
        from storage.device_reference import device_named
        from storage.templates import set_tags

        device_id = device_named(engine, args.device)
        return {
            "success": True,
            "device_id": device_id,
            "tags": list(set_tags(engine, device_id, args.tags, user_id=user.id)),
        }
    if action == "undo":
        return operations.undo_operation(engine, args.operation, user_id=user.id).as_json()
    if action in ("accept", "decline"):
        devices = _device_ids(engine, args.devices) if args.devices else None
        result = operations.answer_proposal(
            engine,
            args.operation,
            accept=action == "accept",
            device_ids=devices,
            activate=getattr(args, "activate", False),
            user_id=user.id,
        )
        return result.as_json()
    return _change_the_fleet(args, context)


def _save(args: argparse.Namespace, context: AppContext) -> dict[str, Any]:
    from designer.templates import template_from_planogram
    from storage.device_reference import device_named
    from storage.fleet import FleetRepository
    from storage.fleet_operations import save_template

    engine = context.engine
    layout = FleetRepository(engine).device_layout(device_named(engine, args.device))
    cabinet = next((c for c in layout.cabinets if c.index == args.cabinet - 1), None)
    if cabinet is None:
        raise RequestInvalid(f"{layout.device.name} has {len(layout.cabinets)} cabinets; --cabinet counts from 1")
    planogram = layout.designed_planogram_for(cabinet)
    template = template_from_planogram(args.name, cabinet, planogram, args.tag, args.note)
    saved, proposal = save_template(engine, template, user_id=context.user.id)
    return {"success": True, "template": _template_json(saved), "proposal_operation_id": proposal}


def _change_the_fleet(args: argparse.Namespace, context: AppContext) -> dict[str, Any]:
    from ai import fleet_preview
    from ai.services import Services
    from designer.roles import Action

    context.user.require(Action.ACTIVATE if args.activate else Action.EDIT)
    services = Services(
        context.database_url,
        _model_store(context),
        engine=context.engine,
        user=context.user,
        labour_cost_per_slot=context.settings.current.labour_cost_per_slot,
    )
    selection = _selection(args, context)
    preview: FleetPreview
    if args.template_action == "apply":
        from storage.templates import TemplateLibrary

        template = TemplateLibrary(context.engine).load(args.name, args.version)
        preview = fleet_preview.preview_template(services, template, selection)
    elif args.template_action == "replace-product":
        _check_products(services, args.old, args.new)
        preview = fleet_preview.preview_replace_product(services, selection, args.old, args.new)
    elif args.template_action == "price":
        _check_products(services, args.product)
        preview = fleet_preview.preview_price(services, selection, args.product, absolute=args.to, percent=args.percent)
    else:
        preview = fleet_preview.preview_par_levels(services, selection, fleet_preview.forecast_par_levels(services))
    body = preview.as_json()
    body["dry_run"] = bool(args.dry_run)
    if args.dry_run:
        return body
    result = fleet_preview.apply_preview(services, preview, activate=args.activate, user_id=context.user.id)
    body.update(result.as_json())
    body["undo"] = f"python main.py template undo {result.operation_id}"
    return body


def _model_store(context: AppContext) -> Any:
    from ai.model_store import ModelStore

    return ModelStore(context.folders.models)


def _check_products(services: Services, *product_ids: int) -> None:
    missing = [str(p) for p in product_ids if p not in services.catalogue]
    if missing:
        raise RequestInvalid(f"product {', '.join(missing)} is not in the catalogue; see the palette for product ids")


def _selection(args: argparse.Namespace, context: AppContext) -> MachineFilter:
    from designer.fleet_changes import MachineFilter

    devices = args.devices
    hand = frozenset() if devices in (None, "", "all") else frozenset(_device_ids(context.engine, devices))
    return MachineFilter(
        location_types=frozenset(t.strip().lower() for t in args.location_type),
        models=frozenset(args.model),
        routes=frozenset(args.route),
        shapes=frozenset(s.strip().lower().replace("×", "x") for s in args.shape),
        tags=frozenset(t.strip().lower() for t in args.tag),
        device_ids=hand,
    )


def _device_ids(engine: Any, text: str) -> list[int]:
    from storage.device_reference import device_named

    names = [part for part in text.split(",") if part.strip()]
    if not names:
        raise RequestInvalid("--devices names no machine; write 'all' or ids and asset numbers separated by commas")
    return [device_named(engine, name) for name in names]


def _template_json(template: Any) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "version": template.version,
        "shape": f"{template.rows}x{template.columns}",
        "temperature_zone": template.zone.value,
        "tags": list(template.tags),
        "products": len(template.product_ids()),
        "note": template.note,
        "created_at": template.created_at.isoformat(sep=" ", timespec="seconds") if template.created_at else None,
        "created_by": template.created_by,
    }
