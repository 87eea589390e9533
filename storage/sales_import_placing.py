"""Where and when each imported line sold: the slot its coil names on its machine, and the stored moment.

A coil names the slot whose selection code it carries in the planogram in force then
(:mod:`designer.machine_audits.selection_slots`); failing that, the slot its machine's coil rule gives. A line
whose coil names no slot its machine has is refused with the reason. A day-only sale is stored at :data:`NOON`
in the export's time zone, in UTC. Work is done once per machine and coil (and per day where the machine's
planograms may have changed), not once per line: a million lines touch a few thousand coils.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.machine_audits.selection_slots import SelectionSlot
from designer.sales_exports import CoilRule, RefusedRow, SaleLine
from storage.audit_sales import SlotFinder
from storage.sales_import_matching import MachinePlan
from storage.tables import CabinetRecord

NOON = time(12, 0)
"""Where in its day a sale the export dates by day only is placed (before local time is turned into UTC)."""

Placed = tuple[SaleLine, int, str]
"""A line with the cabinet index and slot label it sold from."""


def cabinet_shapes(session: Session, device_id: int) -> dict[int, tuple[int, int]]:
    """A device's cabinets: index → (rows, columns)."""
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
    return moment_of(line.sold_on, line.sold_time, zone)


def moment_of(day: date, at: time | None, zone: tzinfo) -> datetime:
    """The stored (UTC) time of a sale on ``day`` at ``at`` (None: :data:`NOON`) in ``zone``."""
    return datetime.combine(day, at or NOON, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


class Moments:
    """Stored moments by (day, time): a million lines share a few hundred."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.known: dict[tuple[date, time | None], datetime] = {}

    def of(self, line: SaleLine) -> datetime:
        key = (line.sold_on, line.sold_time)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = moment_of(line.sold_on, line.sold_time, self.zone)
        return found


def place_lines(
    lines: Sequence[SaleLine],
    machines: Mapping[str, MachinePlan],
    finders: Mapping[int | None, SlotFinder],
    shapes: Mapping[int | None, dict[int, tuple[int, int]]],
    moments: Moments,
) -> tuple[list[Placed], list[RefusedRow]]:
    """Each line's cabinet and slot; lines whose coil names no slot of their machine are refused."""
    placed: list[Placed] = []
    refused: list[RefusedRow] = []
    by_rule: dict[tuple[str, str], tuple[int, str] | str] = {}
    codes: dict[tuple[str, str], str] = {}
    in_force: dict[tuple[int, datetime], dict[str, SelectionSlot]] = {}
    for line in lines:
        key = (line.machine, line.coil)
        plan = machines[line.machine]
        finder = finders.get(plan.device_id) if plan.device_id else None
        if finder is not None and finder.versions:
            moment = moments.of(line)
            slots = in_force.get((plan.device_id or 0, moment))
            if slots is None:
                slots = in_force[(plan.device_id or 0, moment)] = finder.codes_at(moment)
            code = codes.get(key)
            if code is None:
                code = codes[key] = selection_code_of(plan.rule, line.coil)
            slot = slots.get(code)
            if slot is not None:
                placed.append((line, slot.cabinet_index, slot.position.label))
                continue
        spot = by_rule.get(key)
        if spot is None:
            spot = by_rule[key] = _by_rule(line, plan, shapes)
        if isinstance(spot, str):
            refused.append(RefusedRow(line.line_number, spot))
        else:
            placed.append((line, *spot))
    return placed, refused


def _by_rule(
    line: SaleLine, plan: MachinePlan, shapes: Mapping[int | None, dict[int, tuple[int, int]]]
) -> tuple[int, str] | str:
    """The cabinet and slot label the machine's coil rule gives the line's coil, or why it names none."""
    cabinet, position = plan.rule.cabinet_index(line.coil), plan.rule.position(line.coil)
    shape = shapes.get(plan.device_id, {}).get(cabinet) if plan.device_id else None
    if position is None:
        return f"coil {line.coil} names no slot by the rule {plan.rule.describe(line.coil)}"
    if plan.device_id and shape is None:
        return (
            f"coil {line.coil} names cabinet {cabinet}, which device "
            f"{plan.device_id} does not have; correct the coil rule of {line.machine!r}"
        )
    if shape is not None and not (position.row < shape[0] and position.column < shape[1]):
        return (
            f"coil {line.coil} names slot {position.label}, outside "
            f"cabinet {cabinet} ({shape[0]}×{shape[1]}) of device {plan.device_id}"
        )
    return cabinet, position.label
