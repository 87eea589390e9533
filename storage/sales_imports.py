"""Telemetry sales into the database: one file per import, all of it or none of it, taken back as a whole.

* :func:`plan_import` matches the export's machines and products to ours (:mod:`storage.sales_import_matching`:
  exactly, else a close name the person confirms; pending proposals stop the import), places each line on a slot
  (:mod:`storage.sales_import_placing`: the coil through the machine's selection codes, else its coil rule) and says
  which lines are new; it only reads.
* :func:`import_sales` stores a plan as ordinary ``sales`` rows in one transaction
  (:mod:`storage.sales_import_storing`), :func:`undo_import` takes an import back whole.

Rules the summary states: a day-only sale is stored at :data:`NOON` in the export's time zone (the mapping's, else
this computer's), in UTC; how coils name slots; which machines and products were matched, how, or created.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select

from designer.command_outcomes import RequestInvalid
from designer.sales_exports import CoilRule, MatchProposal, ParsedExport, RefusedRow
from storage.audit import record
from storage.audit_sales import SlotFinder
from storage.engine import session_factory
from storage.sales_import_matching import MachinePlan, Matches, match_machines, match_products
from storage.sales_import_placing import NOON, Moments, Placed, cabinet_shapes, place_lines
from storage.sales_import_storing import (
    Progress,
    already_imported,
    create_devices,
    create_products,
    insert_sales,
    remember_machines,
    remove_import,
)
from storage.sales_import_tables import SalesImportRecord
from storage.stored_time import stored_now

__all__ = [
    "NOON",
    "ImportPlan",
    "ImportSummary",
    "Matches",
    "ProposalsPending",
    "RowsRefused",
    "import_sales",
    "imports",
    "plan_import",
    "proposals_json",
    "undo_import",
]


@dataclass
class ImportPlan:
    """What an import will do: per machine and product its match, the new lines with their slots, the refusals."""

    parsed: ParsedExport
    machines: dict[str, MachinePlan]
    products: dict[str, int | None]  # None: created
    product_how: dict[str, str]
    proposals: list[MatchProposal]
    new_lines: list[Placed]  # line, cabinet index, position label
    already_present: int
    refused: list[RefusedRow]
    time_zone: str

    zone: tzinfo = UTC

    @property
    def pending(self) -> list[MatchProposal]:
        """Proposals not yet answered: the import waits for them."""
        return [
            p
            for p in self.proposals
            if (self.machines[p.name].how if p.kind == "device" else self.product_how.get(p.name)) == "proposed"
        ]


@dataclass
class ImportSummary:
    import_id: int | None
    plan: ImportPlan
    sales_added: int
    created: dict[str, list[int]]

    def as_json(self) -> dict[str, Any]:
        plan = self.plan
        how = Counter(plan.product_how.values())
        return {
            "success": True,
            "import_id": self.import_id,
            "format": plan.parsed.source,
            "lines_read": plan.parsed.rows_read,
            "sales_added": self.sales_added,
            "already_present": plan.already_present,
            "refused": [row.to_json() for row in plan.refused],
            "refused_skipped": len(plan.refused),
            "devices": [machine.as_json() for machine in plan.machines.values()],
            "devices_matched": sum(1 for m in plan.machines.values() if m.how != "created"),
            "devices_created": len(self.created.get("devices", [])),
            "products_matched": sum(n for h, n in how.items() if h != "created"),
            "products_created": len(self.created.get("products", [])),
            "baskets_with_more_than_one_item": plan.parsed.multi_line_baskets(),
            "sold_at_rule": f"the export gives days: each sale is stored at {NOON:%H:%M} in {plan.time_zone} on "
            "its day, in UTC",
            "coil_rule": "a coil names the slot carrying its selection code in the planogram in force then; "
            "failing that, the slot the machine's coil rule gives (see devices[].coil_rule; correct it with "
            "--coil-rule MACHINE=DOOR_DIGITS,FIRST_COLUMN)",
        }


def _zone(name: str | None) -> tuple[tzinfo, str]:
    if name:
        try:
            return ZoneInfo(name), name
        except (KeyError, ValueError) as problem:
            raise RequestInvalid(
                f"time zone {name!r} is not known ({problem}); name one such as America/New_York"
            ) from None
    here = datetime.now().astimezone().tzinfo
    assert here is not None
    return here, f"this computer's time zone ({datetime.now(here).tzname()})"


def plan_import(
    engine: Engine,
    parsed: ParsedExport,
    *,
    time_zone: str | None = None,
    device_id: int | None = None,
    matches: Matches | None = None,
    coil_rules: Mapping[str, CoilRule] | None = None,
) -> ImportPlan:
    """Match, map and check the export against the database; reads only."""
    matches = matches or Matches()
    zone, zone_name = _zone(time_zone)
    proposals: list[MatchProposal] = []
    with session_factory(engine)() as session:
        machines = match_machines(
            session, parsed, device_id=device_id, matches=matches, coil_rules=coil_rules, proposals=proposals
        )
        products, product_how = match_products(session, parsed, matches, proposals)
        known = {m.device_id for m in machines.values() if m.device_id}
        finders = {device: SlotFinder(session, device) for device in known}
        shapes = {device: cabinet_shapes(session, device) for device in known}
        placed, refused = place_lines(parsed.lines, machines, finders, shapes, Moments(zone))
        present = already_imported(session.connection(), [line.fingerprint for line, _, _ in placed])
    fresh = [entry for entry in placed if entry[0].fingerprint not in present] if present else placed
    return ImportPlan(
        parsed,
        machines,
        products,
        product_how,
        proposals,
        fresh,
        len(placed) - len(fresh),
        sorted(parsed.refused + refused, key=lambda row: row.line_number),
        zone_name,
        zone,
    )


def import_sales(
    engine: Engine,
    plan: ImportPlan,
    *,
    skip_refused: bool = False,
    file_name: str = "",
    user_id: int | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Store ``plan`` in one transaction. Refused rows stop it unless ``skip_refused``; pending proposals stop it."""
    if plan.pending:
        raise ProposalsPending(plan.pending)
    if plan.refused and not skip_refused:
        raise RowsRefused(plan.refused)
    created: dict[str, list[int]] = {"devices": [], "products": [], "planograms": []}
    if not plan.new_lines:
        return ImportSummary(None, plan, 0, created)
    moments = Moments(plan.zone)
    with session_factory(engine).begin() as session:
        batch = SalesImportRecord(
            imported_at=stored_now(),
            user_id=user_id,
            source=plan.parsed.source[:60],
            file_name=file_name[:255],
            sales_added=len(plan.new_lines),
            created="{}",
        )
        session.add(batch)
        session.flush()  # from here this transaction holds SQLite's write lock: the ids it allocates stay free
        products = create_products(session, plan.products, plan.new_lines, created)
        devices = create_devices(session, plan.machines, plan.new_lines, created, moments, products)
        remember_machines(session, plan.machines, devices, batch.id)
        session.flush()
        added = insert_sales(session.connection(), plan.new_lines, devices, products, batch.id, moments, progress)
        batch.created = json.dumps(created)
        record(
            session,
            user_id,
            "sales.import",
            {
                "file": file_name,
                "sales_added": added,
                "already_present": plan.already_present,
                "refused_skipped": len(plan.refused),
                **{k: len(v) for k, v in created.items()},
            },
            resource_type="sales_import",
            resource_id=batch.id,
        )
    return ImportSummary(batch.id, plan, added, created)


class ProposalsPending(RequestInvalid):
    """Close names wait for the person's yes or no; nothing was imported."""

    def __init__(self, proposals: Sequence[MatchProposal]) -> None:
        self.proposals = list(proposals)
        super().__init__(
            f"{len(self.proposals)} name(s) in the file are close to ours but not the same; confirm them "
            "(--accept-matches), refuse them all (--refuse-matches: new records are created), or answer each "
            "(--matches FILE.json); nothing was imported"
        )


class RowsRefused(RequestInvalid):
    """Rows the import cannot take; without the person's explicit leave nothing of the file is imported."""

    def __init__(self, rows: Sequence[RefusedRow]) -> None:
        self.rows = list(rows)
        super().__init__(
            f"{len(self.rows)} row(s) of the file cannot be imported (first: line {self.rows[0].line_number}: "
            f"{self.rows[0].reason}); nothing was imported: fix them, or import the rest with --skip-refused"
        )


def undo_import(engine: Engine, import_id: int, *, user_id: int | None = None) -> dict[str, Any]:
    """Take import ``import_id`` back: its sales, and the devices, planograms and products it created that nothing
    else uses now."""
    with session_factory(engine).begin() as session:
        batch = session.get(SalesImportRecord, import_id)
        if batch is None:
            imports = sorted(session.scalars(select(SalesImportRecord.id)))
            listed = ", ".join(map(str, imports[-20:])) if imports else "none"
            raise RequestInvalid(f"there is no sales import {import_id}; the imports are {listed}")
        removed, devices, products = remove_import(session, import_id, json.loads(batch.created or "{}"))
        session.execute(delete(SalesImportRecord).where(SalesImportRecord.id == import_id))
        record(
            session,
            user_id,
            "sales.undo",
            {
                "import_id": import_id,
                "sales_removed": removed,
                "devices_removed": devices,
                "products_removed": products,
            },
            resource_type="sales_import",
            resource_id=import_id,
        )
    return {
        "success": True,
        "import_id": import_id,
        "sales_removed": removed,
        "devices_removed": devices,
        "products_removed": products,
    }


def imports(engine: Engine) -> list[dict[str, Any]]:
    """Every sales import: id, when, the file, the sales it added."""
    with session_factory(engine)() as session:
        return [
            {
                "import_id": row.id,
                "imported_at": row.imported_at.isoformat(),
                "file": row.file_name,
                "format": row.source,
                "sales_added": row.sales_added,
            }
            for row in session.scalars(select(SalesImportRecord).order_by(SalesImportRecord.id))
        ]


def proposals_json(proposals: Iterable[MatchProposal]) -> list[dict[str, object]]:
    return [proposal.to_json() for proposal in proposals]
