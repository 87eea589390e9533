"""Which of our devices and products an export's machines and products are.

A machine is, in this order: the device an earlier import linked it to (remembered), the device the person named
(``--device``), the device with its telemetry id as asset number, the device of the same name; else a close name is
proposed for the person to confirm (an unanswered proposal stops the import), else a device is created. Products
likewise by name. Each machine also gets the coil rule its coils are read by: corrected by the person, remembered
from an earlier import, else inferred from its coils.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.command_outcomes import RequestInvalid
from designer.sales_exports import CoilRule, MatchProposal, ParsedExport, infer_coil_rule
from designer.sales_exports.matching import exact_matches, propose_matches
from storage.sales_import_tables import SalesImportMachineRecord
from storage.tables import Device, ProductRecord


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


def match_machines(
    session: Session,
    parsed: ParsedExport,
    *,
    device_id: int | None,
    matches: Matches,
    coil_rules: Mapping[str, CoilRule] | None,
    proposals: list[MatchProposal],
) -> dict[str, MachinePlan]:
    """Each machine of the export with its device (or 0 while a proposal waits, None to create) and coil rule."""
    names = parsed.machines()
    if device_id is not None and len(names) > 1:
        raise RequestInvalid(
            f"--device names one device but the file holds {len(names)} machines ({', '.join(names[:5])}); "
            "import without --device, or split the file"
        )
    coils = parsed.coils_by_machine()
    remembered = {row.machine_name: row for row in session.scalars(select(SalesImportMachineRecord))}
    devices = {d.id: d.name for d in session.scalars(select(Device).where(Device.removed_at.is_(None)))}
    assets = dict(session.execute(select(Device.asset_number, Device.id)).all())
    keys = parsed.device_keys()
    machines: dict[str, MachinePlan] = {}
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
    return machines


def match_products(
    session: Session, parsed: ParsedExport, matches: Matches, proposals: list[MatchProposal]
) -> tuple[dict[str, int | None], dict[str, str]]:
    """Each product of the export with our id (0 while a proposal waits, None to create) and how it was found."""
    ours = {p.id: p.name for p in session.scalars(select(ProductRecord).where(ProductRecord.is_system.is_(False)))}
    names = parsed.products()
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
