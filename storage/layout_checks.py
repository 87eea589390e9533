"""The layout check of one device, read from the database: its active planograms beside the latest audit of the
machine linked to it, and the read before that one (:mod:`designer.machine_audits.layout_check` compares them).

Reads are kept whole (``audit_reads.raw_text``) and parsed again here, so the check sees every field the parser
knows, not only the columns the importer stores. When more than one machine has been linked to the device (a
machine swapped for another), the one read last is the machine in the device now.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from designer.machine_audits import AuditRead, parse_audit
from designer.machine_audits.layout_check import LayoutCheck, check_layout, planned_selections
from designer.machine_audits.sales import in_read_order
from designer.products import PLANOGRAM_CURRENCY
from storage.fleet import FleetRepository
from storage.machine_audit_tables import AuditMachineRecord, AuditReadRecord


class NoAuditForDevice(LookupError):
    """The device has no machine audit yet: the check has nothing to compare with."""


def latest_reads(engine: Engine, device_id: int) -> list[AuditRead]:
    """The last two reads (oldest first; one when the machine was read once) of the machine linked to the device
    that was read most recently; empty when no machine is linked or none was read."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditReadRecord.machine_id, AuditReadRecord.read_at, AuditReadRecord.raw_text)
            .join(AuditMachineRecord, AuditMachineRecord.id == AuditReadRecord.machine_id)
            .where(AuditMachineRecord.device_id == device_id)
            .order_by(AuditReadRecord.read_at, AuditReadRecord.id)
        ).all()
    if not rows:
        return []
    machine = rows[-1].machine_id
    ordered = in_read_order(parse_audit(row.raw_text) for row in rows if row.machine_id == machine)
    return ordered[-2:]


def device_layout_check(engine: Engine, device_id: int) -> LayoutCheck:
    """The device's active planograms against its machine's latest read; :class:`NoAuditForDevice` says what to do
    when there is none."""
    repository = FleetRepository(engine)
    layout = repository.device_layout(device_id)
    reads = latest_reads(engine, device_id)
    device = layout.device
    label = f"{device.name} (asset {device.asset_number})" if device.asset_number else device.name
    if not reads:
        raise NoAuditForDevice(
            f"{label} has no machine audit: import its DEX file (File → Import machine audit…, or "
            f"`python main.py audit import FILE --device {device.asset_number or device.id}`) and link the machine "
            "to this device"
        )
    planograms = [layout.planogram_for(cabinet) for cabinet in layout.cabinets]
    planned = planned_selections(planograms, repository.catalogue())
    previous = reads[0] if len(reads) == 2 else None
    return check_layout(planned, reads[-1], previous, device=label, planogram_currency=PLANOGRAM_CURRENCY)
