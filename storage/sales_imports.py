"""Telemetry sales into the database: one file per import, all of it or none of it, taken back as a whole.

* :func:`plan_import` matches the export's machines and products to ours (exactly, else a close name the person
  confirms: pending proposals stop the import), reads each coil through the machine's rule and selection codes, and
  says which lines are new; :func:`import_sales` stores a plan as ordinary ``sales`` rows in one transaction.
* :func:`undo_import` removes an import's sales and the devices, planograms and products it created.

Rules the summary states: a day-only sale is stored at :data:`NOON` in the export's time zone (the mapping's, else
this computer's), in UTC. A coil names the slot whose selection code it carries in the planogram in force then
(:mod:`designer.machine_audits.selection_slots`); failing that, the slot its machine's coil rule gives. A new
machine gets a device, one ambient cabinet per door shaped by the coils seen (rows × columns) and an active
planogram holding each coil's latest product under the coil's selection code. Baskets keep the export's
transaction: its lines share one new ``transaction_id`` (allocated above every one in use); lines without one are
each their own basket.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from designer.command_outcomes import RequestInvalid
from designer.planograms import default_selection_code
from designer.positions import MAX_COLUMNS, MAX_ROWS, Position
from designer.sales_exports import CoilRule, MatchProposal, ParsedExport, RefusedRow, SaleLine, infer_coil_rule
from designer.sales_exports.matching import exact_matches, propose_matches
from storage.audit import record
from storage.audit_sales import _SlotFinder as SlotFinder
from storage.engine import session_factory
from storage.sales_import_tables import SalesImportLineRecord, SalesImportMachineRecord, SalesImportRecord
from storage.stored_time import stored_now
from storage.tables import (
    CabinetRecord,
    Device,
    PlanogramRecord,
    PlanogramSlotRecord,
    ProductRecord,
    SaleRecord,
)

NOON = time(12, 0)
"""Where in its day a sale the export dates by day only is placed (before local time is turned into UTC)."""
CHUNK = 500
"""Fingerprints and baskets looked up per query (well under every database's bound-parameter limit)."""
NEW_LOCATION_TYPE = "other"
NEW_ZONE = "ambient"
UNCATEGORISED = "uncategorised"

Progress = Callable[[str, int, int], None]
"""``progress(step, done, of)``; it may raise to stop (nothing is stored until the last step)."""


@dataclass(frozen=True)
class Matches:
    """The person's answer to proposals: export name → our id, or None to create a new record."""

    devices: Mapping[str, int | None] = field(default_factory=dict)
    products: Mapping[str, int | None] = field(default_factory=dict)
    accept_all: bool = False
    refuse_all: bool = False

    def answer(self, proposal: MatchProposal) -> tuple[bool, int | None]:
        """Whether the proposal is answered, and the id it resolves to (None: create)."""
        chosen = self.devices if proposal.kind == "device" else self.products
        if proposal.name in chosen:
            return True, chosen[proposal.name]
        if self.accept_all:
            return True, proposal.match_id
        if self.refuse_all:
            return True, None
        return False, None

    @classmethod
    def from_json(cls, data: object, *, where: str = "the matches file") -> Matches:
        if not isinstance(data, dict):
            raise RequestInvalid(f"{where} is not an object {{'devices': {{name: id or null}}, 'products': …}}")
        parts: dict[str, dict[str, int | None]] = {}
        for kind in ("devices", "products"):
            given = data.get(kind, {})
            if not isinstance(given, dict) or not all(v is None or type(v) is int for v in given.values()):
                raise RequestInvalid(f"{where}: '{kind}' maps each export name to one of our ids, or null to create")
            parts[kind] = {str(name): value for name, value in given.items()}
        return cls(parts["devices"], parts["products"])


@dataclass
class MachinePlan:
    machine: str
    device_id: int | None  # None: created on import
    how: str  # remembered | asked (--device) | asset number | name | confirmed | created
    rule: CoilRule
    rule_source: str  # remembered | corrected | inferred
    shape: dict[int, tuple[int, int]] = field(default_factory=dict)  # new machine: cabinet → (rows, columns)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "machine": self.machine,
            "device_id": self.device_id,
            "matched_by": self.how,
            "coil_rule": {**self.rule.to_json(), "source": self.rule_source, "reads": self.rule.describe()},
        }
        if self.shape:
            body["cabinets_inferred"] = [
                {"cabinet_index": index, "rows": rows, "columns": columns}
                for index, (rows, columns) in sorted(self.shape.items())
            ]
        return body


@dataclass
class ImportPlan:
    """What an import will do: per machine and product its match, the new lines with their slots, the refusals."""

    parsed: ParsedExport
    machines: dict[str, MachinePlan]
    products: dict[str, int | None]  # None: created
    product_how: dict[str, str]
    proposals: list[MatchProposal]
    new_lines: list[tuple[SaleLine, int, str]]  # line, cabinet index, position label
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
    names = parsed.machines()
    if device_id is not None and len(names) > 1:
        raise RequestInvalid(
            f"--device names one device but the file holds {len(names)} machines ({', '.join(names[:5])}); "
            "import without --device, or split the file"
        )
    coils = parsed.coils_by_machine()
    with session_factory(engine)() as session:
        remembered = {row.machine_name: row for row in session.scalars(select(SalesImportMachineRecord))}
        devices = {d.id: d.name for d in session.scalars(select(Device).where(Device.removed_at.is_(None)))}
        assets = dict(session.execute(select(Device.asset_number, Device.id)).all())
        keys = {line.machine: line.device_key for line in parsed.lines}
        machines: dict[str, MachinePlan] = {}
        proposals: list[MatchProposal] = []
        by_name = exact_matches(names, devices)
        unmatched = []
        for name in names:
            inferred = infer_coil_rule(coils[name])
            known = remembered.get(name)
            rule = (coil_rules or {}).get(name)
            rule_source = "corrected" if rule else "remembered" if known else "inferred"
            rule = rule or (CoilRule(known.door_digits, known.first_column) if known else inferred)
            if device_id is not None:
                found, how = device_id, "asked (--device)"
            elif known is not None:
                found, how = known.device_id, "remembered"
            elif keys.get(name) and keys[name] in assets:
                found, how = assets[keys[name]], "asset number"
            elif name in by_name:
                found, how = by_name[name], "name"
            else:
                found, how = None, "created"
                unmatched.append(name)
            machines[name] = MachinePlan(name, found, how, rule, rule_source)
        for proposal in propose_matches("device", unmatched, devices):
            proposals.append(proposal)
            answered, chosen = matches.answer(proposal)
            plan = machines[proposal.name]
            if not answered:
                plan.device_id, plan.how = 0, "proposed"
            elif chosen is not None:
                plan.device_id, plan.how = chosen, "confirmed"
        for name, chosen in matches.devices.items():
            if name in machines and machines[name].how == "created" and chosen is not None:
                machines[name].device_id, machines[name].how = chosen, "confirmed"
        products, product_how = _match_products(session, parsed, matches, proposals)
        finder = {m.device_id: SlotFinder(session, m.device_id) for m in machines.values() if m.device_id}
        shapes = {m.device_id: _shapes(session, m.device_id) for m in machines.values() if m.device_id}
        new_lines, refused = _place_lines(parsed.lines, machines, finder, shapes, zone)
        known_prints = _known_fingerprints(session, [line.fingerprint for line, _, _ in new_lines])
    fresh = [entry for entry in new_lines if entry[0].fingerprint not in known_prints]
    return ImportPlan(
        parsed,
        machines,
        products,
        product_how,
        proposals,
        fresh,
        len(new_lines) - len(fresh),
        sorted(parsed.refused + refused, key=lambda row: row.line_number),
        zone_name,
        zone,
    )


def _match_products(
    session: Session, parsed: ParsedExport, matches: Matches, proposals: list[MatchProposal]
) -> tuple[dict[str, int | None], dict[str, str]]:
    ours = {p.id: p.name for p in session.scalars(select(ProductRecord).where(ProductRecord.is_system.is_(False)))}
    names = sorted({line.product for line in parsed.lines})
    exact = exact_matches(names, ours)
    products: dict[str, int | None] = {name: exact.get(name) for name in names}
    how = {name: "name" if name in exact else "created" for name in names}
    for proposal in propose_matches("product", [n for n in names if n not in exact], ours):
        proposals.append(proposal)
        answered, chosen = matches.answer(proposal)
        if not answered:
            products[proposal.name], how[proposal.name] = 0, "proposed"
        elif chosen is not None:
            products[proposal.name], how[proposal.name] = chosen, "confirmed"
    for name, chosen in matches.products.items():
        if how.get(name) == "created" and chosen is not None:
            products[name], how[name] = chosen, "confirmed"
    return products, how


def _shapes(session: Session, device_id: int) -> dict[int, tuple[int, int]]:
    return {
        c.cabinet_index: (c.rows, c.columns)
        for c in session.scalars(select(CabinetRecord).where(CabinetRecord.device_id == device_id))
    }


def selection_code_of(rule: CoilRule, coil: str) -> str:
    """The selection code a coil carries on its machine: the coil without its door digits, a further door's
    prefixed as the planograms' default codes are ("2-48")."""
    cabinet = rule.cabinet_index(coil)
    selection = rule.selection(coil)
    return selection if cabinet == 0 else f"{cabinet + 1}-{selection}"


def sale_moment(line: SaleLine, zone: tzinfo) -> datetime:
    """The stored (UTC) time of a line: its own time, else :data:`NOON`, on its day in ``zone``."""
    local = datetime.combine(line.sold_on, line.sold_time or NOON, tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _place_lines(
    lines: Sequence[SaleLine],
    machines: Mapping[str, MachinePlan],
    finders: Mapping[int | None, SlotFinder],
    shapes: Mapping[int | None, dict[int, tuple[int, int]]],
    zone: tzinfo,
) -> tuple[list[tuple[SaleLine, int, str]], list[RefusedRow]]:
    """Each line's cabinet and slot; lines whose coil names no slot of their machine are refused."""
    placed: list[tuple[SaleLine, int, str]] = []
    refused: list[RefusedRow] = []
    spots: dict[tuple[str, str], tuple[int, Position | None]] = {}
    moments: dict[date, datetime] = {}
    for line in lines:
        plan = machines[line.machine]
        finder = finders.get(plan.device_id) if plan.device_id else None
        if finder is not None and finder.versions:
            moment = moments.get(line.sold_on) if line.sold_time is None else None
            if moment is None:
                moment = sale_moment(line, zone)
                if line.sold_time is None:
                    moments[line.sold_on] = moment
            slot = finder.at(moment, selection_code_of(plan.rule, line.coil))
            if slot is not None:
                placed.append((line, slot.cabinet_index, slot.position.label))
                continue
        key = (line.machine, line.coil)
        if key not in spots:
            spots[key] = (plan.rule.cabinet_index(line.coil), plan.rule.position(line.coil))
        cabinet, position = spots[key]
        shape = shapes.get(plan.device_id, {}).get(cabinet) if plan.device_id else None
        if position is None:
            refused.append(
                RefusedRow(
                    line.line_number, f"coil {line.coil} names no slot by the rule {plan.rule.describe(line.coil)}"
                )
            )
        elif plan.device_id and shape is None:
            refused.append(
                RefusedRow(
                    line.line_number,
                    f"coil {line.coil} names cabinet {cabinet}, which device "
                    f"{plan.device_id} does not have; correct the coil rule of {line.machine!r}",
                )
            )
        elif shape is not None and not (position.row < shape[0] and position.column < shape[1]):
            refused.append(
                RefusedRow(
                    line.line_number,
                    f"coil {line.coil} names slot {position.label}, outside "
                    f"cabinet {cabinet} ({shape[0]}×{shape[1]}) of device {plan.device_id}",
                )
            )
        else:
            placed.append((line, cabinet, position.label))
    return placed, refused


def _known_fingerprints(session: Session, prints: Sequence[bytes]) -> set[bytes]:
    known: set[bytes] = set()
    for start in range(0, len(prints), CHUNK):
        part = list(prints[start : start + CHUNK])
        known.update(
            session.scalars(
                select(SalesImportLineRecord.fingerprint).where(SalesImportLineRecord.fingerprint.in_(part))
            )
        )
    return known


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
    zone = plan.zone
    created: dict[str, list[int]] = {"devices": [], "products": [], "planograms": []}
    if not plan.new_lines:
        return ImportSummary(None, plan, 0, created)
    now = stored_now()
    with session_factory(engine).begin() as session:
        batch = SalesImportRecord(
            imported_at=now,
            user_id=user_id,
            source=plan.parsed.source[:60],
            file_name=file_name[:255],
            sales_added=len(plan.new_lines),
            created="{}",
        )
        session.add(batch)
        session.flush()
        products = _create_products(session, plan, created)
        devices = _create_devices(session, plan, created, zone, products)
        _remember_machines(session, plan, devices, batch.id)
        added = _insert_sales(session, plan, devices, products, batch.id, zone, progress)
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


def _create_products(session: Session, plan: ImportPlan, created: dict[str, list[int]]) -> dict[str, int]:
    prices: dict[str, Counter[Decimal]] = defaultdict(Counter)
    categories: dict[str, str] = {}
    for line, _, _ in plan.new_lines:
        prices[line.product][line.unit_price] += 1
        if line.category:
            categories.setdefault(line.product, line.category)
    ids: dict[str, int] = {}
    for name, known in plan.products.items():
        if known:
            ids[name] = known
        elif name in prices:
            record_ = ProductRecord(
                name=name[:160],
                category=categories.get(name, UNCATEGORISED)[:60],
                price=prices[name].most_common(1)[0][0],
            )
            session.add(record_)
            session.flush()
            ids[name] = record_.id
            created["products"].append(record_.id)
    return ids


def _create_devices(
    session: Session, plan: ImportPlan, created: dict[str, list[int]], zone: tzinfo, products: Mapping[str, int]
) -> dict[str, int]:
    """New machines' devices, cabinets shaped by their coils, and a planogram of each coil's latest product."""
    ids: dict[str, int] = {}
    by_machine: dict[str, list[tuple[SaleLine, int, str]]] = defaultdict(list)
    for entry in plan.new_lines:
        by_machine[entry[0].machine].append(entry)
    taken = set(session.scalars(select(Device.asset_number)))
    for name, machine in plan.machines.items():
        if machine.device_id:
            ids[name] = machine.device_id
            continue
        entries = by_machine.get(name, [])
        if not entries:
            continue
        first = entries[0][0]
        asset = _free_asset(first.device_key or name, taken)
        device = Device(
            name=name[:120], asset_number=asset, location_type=NEW_LOCATION_TYPE, location_name=first.location[:160]
        )
        session.add(device)
        session.flush()
        ids[name] = device.id
        created["devices"].append(device.id)
        latest: dict[tuple[int, str], tuple[date, str, str]] = {}
        for line, cabinet, label in entries:
            key = (cabinet, label)
            if key not in latest or line.sold_on >= latest[key][0]:
                latest[key] = (line.sold_on, line.product, line.coil)
        shape: dict[int, tuple[int, int]] = {}
        for cabinet, label in latest:
            position = Position.parse(label)
            rows, columns = shape.get(cabinet, (1, 1))
            shape[cabinet] = (max(rows, position.row + 1), max(columns, position.column + 1))
        machine.shape = shape
        start = min(sale_moment(line, zone) for line, _, _ in entries)
        for cabinet, (rows, columns) in sorted(shape.items()):
            session.add(
                CabinetRecord(
                    device_id=device.id,
                    cabinet_index=cabinet,
                    rows=min(rows, MAX_ROWS),
                    columns=min(columns, MAX_COLUMNS),
                    temperature_zone=NEW_ZONE,
                )
            )
            planogram = PlanogramRecord(
                device_id=device.id,
                cabinet_index=cabinet,
                name="as imported",
                status="active",
                version=1,
                activated_at=start,
                created_at=start,
                updated_at=start,
            )
            session.add(planogram)
            session.flush()
            created["planograms"].append(planogram.id)
            for (slot_cabinet, label), (_, product, coil) in sorted(latest.items()):
                if slot_cabinet != cabinet:
                    continue
                code = selection_code_of(machine.rule, coil)
                default = default_selection_code(Position.parse(label), cabinet)
                session.add(
                    PlanogramSlotRecord(
                        planogram_id=planogram.id,
                        position=label,
                        product_id=products[product],
                        quantity=0,
                        selection_code=None if code == default else code,
                    )
                )
        session.flush()
    return ids


def _free_asset(wanted: str, taken: set[str]) -> str:
    asset, n = wanted[:40], 2
    while asset in taken:
        asset, n = f"{wanted[:34]}-{n}", n + 1
    taken.add(asset)
    return asset


def _remember_machines(session: Session, plan: ImportPlan, devices: Mapping[str, int], import_id: int) -> None:
    known = {row.machine_name: row for row in session.scalars(select(SalesImportMachineRecord))}
    for name, machine in plan.machines.items():
        if name not in devices:
            continue
        row = known.get(name)
        if row is None:
            session.add(
                SalesImportMachineRecord(
                    machine_name=name[:160],
                    device_id=devices[name],
                    door_digits=machine.rule.door_digits,
                    first_column=machine.rule.first_column,
                    import_id=import_id,
                )
            )
        else:
            row.device_id, row.door_digits, row.first_column = (
                devices[name],
                machine.rule.door_digits,
                machine.rule.first_column,
            )


def _insert_sales(
    session: Session,
    plan: ImportPlan,
    devices: Mapping[str, int],
    products: Mapping[str, int],
    import_id: int,
    zone: tzinfo,
    progress: Progress | None,
) -> int:
    transactions = _transactions(session, plan, devices)
    moments: dict[tuple[date, time | None], datetime] = {}
    total = len(plan.new_lines)
    step = 20_000
    done = 0
    for start in range(0, total, step):
        part = plan.new_lines[start : start + step]
        rows = []
        for line, cabinet, label in part:
            key = (line.sold_on, line.sold_time)
            moment = moments.get(key)
            if moment is None:
                moment = moments[key] = sale_moment(line, zone)
            device = devices[line.machine]
            rows.append(
                {
                    "device_id": device,
                    "cabinet_index": cabinet,
                    "position": label,
                    "product_id": products[line.product],
                    "sold_at": moment,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "transaction_id": transactions[(device, line.basket)]
                    if line.basket
                    else transactions[line.fingerprint],
                }
            )
        ids = session.scalars(insert(SaleRecord).returning(SaleRecord.id, sort_by_parameter_order=True), rows).all()
        session.execute(
            insert(SalesImportLineRecord),
            [
                {
                    "import_id": import_id,
                    "fingerprint": line.fingerprint,
                    "sale_id": sale_id,
                    "device_id": devices[line.machine],
                    "basket": line.basket[:64],
                    "payment": line.payment[:12],
                }
                for (line, _, _), sale_id in zip(part, ids, strict=True)
            ],
        )
        done += len(part)
        if progress is not None:
            progress("storing sales", done, total)
    return done


def _transactions(session: Session, plan: ImportPlan, devices: Mapping[str, int]) -> dict[Any, int]:
    """A transaction id per basket (an earlier import's for a basket it began) and per basket-less line; new ones
    above every id in use, so they never join another sale's basket."""
    wanted = {(devices[line.machine], line.basket) for line, _, _ in plan.new_lines if line.basket}
    found: dict[Any, int] = {}
    by_device: dict[int, list[str]] = defaultdict(list)
    for device, basket in wanted:
        by_device[device].append(basket)
    for device, baskets in by_device.items():
        for start in range(0, len(baskets), CHUNK):
            rows = session.execute(
                select(SalesImportLineRecord.basket, SaleRecord.transaction_id)
                .join(SaleRecord, SaleRecord.id == SalesImportLineRecord.sale_id)
                .where(
                    SalesImportLineRecord.device_id == device,
                    SalesImportLineRecord.basket.in_(baskets[start : start + CHUNK]),
                )
            ).all()
            found.update({(device, basket): transaction for basket, transaction in rows})
    following = (session.scalar(select(func.max(SaleRecord.transaction_id))) or 0) + 1
    for line, _, _ in plan.new_lines:
        key: Any = (devices[line.machine], line.basket) if line.basket else line.fingerprint
        if key not in found:
            found[key] = following
            following += 1
    return found


def undo_import(engine: Engine, import_id: int, *, user_id: int | None = None) -> dict[str, Any]:
    """Take import ``import_id`` back: its sales, and the devices, planograms and products it created that nothing
    else uses now."""
    with session_factory(engine).begin() as session:
        batch = session.get(SalesImportRecord, import_id)
        if batch is None:
            imports = sorted(session.scalars(select(SalesImportRecord.id)))
            listed = ", ".join(map(str, imports[-20:])) if imports else "none"
            raise RequestInvalid(f"there is no sales import {import_id}; the imports are {listed}")
        created = json.loads(batch.created or "{}")
        sale_ids = select(SalesImportLineRecord.sale_id).where(SalesImportLineRecord.import_id == import_id)
        removed = session.execute(delete(SaleRecord).where(SaleRecord.id.in_(sale_ids))).rowcount
        session.execute(delete(SalesImportLineRecord).where(SalesImportLineRecord.import_id == import_id))
        devices = [
            d
            for d in created.get("devices", [])
            if not session.scalar(select(func.count(SaleRecord.id)).where(SaleRecord.device_id == d))
        ]
        session.execute(delete(SalesImportMachineRecord).where(SalesImportMachineRecord.device_id.in_(devices)))
        planograms = select(PlanogramRecord.id).where(PlanogramRecord.device_id.in_(devices))
        session.execute(delete(PlanogramSlotRecord).where(PlanogramSlotRecord.planogram_id.in_(planograms)))
        session.execute(delete(PlanogramRecord).where(PlanogramRecord.device_id.in_(devices)))
        session.execute(delete(CabinetRecord).where(CabinetRecord.device_id.in_(devices)))
        session.execute(delete(Device).where(Device.id.in_(devices)))
        products = [
            p
            for p in created.get("products", [])
            if not session.scalar(select(func.count(SaleRecord.id)).where(SaleRecord.product_id == p))
            and not session.scalar(
                select(func.count(PlanogramSlotRecord.id)).where(PlanogramSlotRecord.product_id == p)
            )
        ]
        session.execute(delete(ProductRecord).where(ProductRecord.id.in_(products)))
        session.execute(delete(SalesImportRecord).where(SalesImportRecord.id == import_id))
        record(
            session,
            user_id,
            "sales.undo",
            {
                "import_id": import_id,
                "sales_removed": removed,
                "devices_removed": len(devices),
                "products_removed": len(products),
            },
            resource_type="sales_import",
            resource_id=import_id,
        )
    return {
        "success": True,
        "import_id": import_id,
        "sales_removed": removed,
        "devices_removed": len(devices),
        "products_removed": len(products),
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
