"""The template library: templates saved, searched, versioned (who and when); and the machines they go into,
with CVD's model and route and our own tags, read in one pass for a fleet of any size."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, delete, func, select

from designer.fleet_changes import MachineFacts
from designer.roles import Action
from designer.templates import Template, clean_tags, slots_from_json
from storage.audit import record as audit_record
from storage.engine import session_factory
from storage.fleet import cabinet_from_record
from storage.stored_time import stored_now
from storage.tables import CabinetRecord, Device, User
from storage.template_tables import DeviceTagRecord, PlanogramTemplateRecord
from storage.users import require_user


class TemplateLibrary:
    """Templates by name; each save is a new version, none is overwritten."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    def save(self, template: Template, *, user_id: int | None) -> Template:
        """Store ``template`` as the next version of its name (version 1 for a new name); audited."""
        with self._sessions.begin() as session:
            require_user(session, user_id, Action.EDIT)
            latest = session.scalar(
                select(func.max(PlanogramTemplateRecord.version)).where(PlanogramTemplateRecord.name == template.name)
            )
            record = PlanogramTemplateRecord(
                name=template.name,
                version=(latest or 0) + 1,
                rows=template.rows,
                columns=template.columns,
                temperature_zone=template.zone.value,
                tags=json.dumps(list(clean_tags(template.tags))),
                slots=json.dumps(template.slots_json()),
                note=template.note,
                created_at=stored_now(),
                created_by=user_id,
            )
            session.add(record)
            session.flush()
            details = {"name": record.name, "version": record.version, "slots": len(template.product_ids())}
            audit_record(session, user_id, "template.save", details, resource_type="template", resource_id=record.id)
            return self._template(record, session.get(User, user_id).username if user_id else "")

    def latest(self, search: str = "") -> list[Template]:
        """The newest version of every template whose name, tags, zone or shape holds every word of ``search``."""
        newest = (
            select(PlanogramTemplateRecord.name, func.max(PlanogramTemplateRecord.version).label("version"))
            .group_by(PlanogramTemplateRecord.name)
            .subquery()
        )
        query = (
            select(PlanogramTemplateRecord, User.username)
            .join(
                newest,
                (newest.c.name == PlanogramTemplateRecord.name) & (newest.c.version == PlanogramTemplateRecord.version),
            )
            .outerjoin(User, User.id == PlanogramTemplateRecord.created_by)
            .order_by(PlanogramTemplateRecord.name)
        )
        with self._sessions() as session:
            found = [self._template(record, username or "") for record, username in session.execute(query)]
        return [template for template in found if template.matches(search)]

    def versions(self, name: str) -> list[Template]:
        """Every version of one template, newest first."""
        query = (
            select(PlanogramTemplateRecord, User.username)
            .outerjoin(User, User.id == PlanogramTemplateRecord.created_by)
            .where(PlanogramTemplateRecord.name == name)
            .order_by(PlanogramTemplateRecord.version.desc())
        )
        with self._sessions() as session:
            return [self._template(record, username or "") for record, username in session.execute(query)]

    def load(self, name: str, version: int | None = None) -> Template:
        """One version (the newest when ``version`` is None); LookupError names the templates there are."""
        versions = self.versions(name)
        if not versions:
            names = ", ".join(template.name for template in self.latest()) or "none yet (template save …)"
            raise LookupError(f"there is no template {name!r}; the templates are: {names}")
        if version is None:
            return versions[0]
        found = next((template for template in versions if template.version == version), None)
        if found is None:
            listed = ", ".join(f"v{template.version}" for template in reversed(versions))
            raise LookupError(f"template {name!r} has no version {version}; its versions are {listed}")
        return found

    def by_id(self, template_id: int) -> Template:
        with self._sessions() as session:
            record = session.get(PlanogramTemplateRecord, template_id)
            if record is None:
                raise LookupError(f"template version {template_id} no longer exists")
            user = session.get(User, record.created_by) if record.created_by else None
            return self._template(record, user.username if user else "")

    @staticmethod
    def _template(record: PlanogramTemplateRecord, username: str) -> Template:
        from designer.cabinets import TemperatureZone

        return Template(
            record.name,
            record.rows,
            record.columns,
            TemperatureZone.parse(record.temperature_zone),
            slots_from_json(json.loads(record.slots or "[]")),
            tuple(json.loads(record.tags or "[]")),
            version=record.version,
            note=record.note or "",
            id=record.id,
            created_at=record.created_at,
            created_by=username,
        )


def machines(engine: Engine, device_ids: Iterable[int] | None = None) -> list[MachineFacts]:
    """Every machine (or those of ``device_ids``) with its cabinets, model, route and tags: three queries."""
    wanted = None if device_ids is None else sorted(set(device_ids))
    with session_factory(engine)() as session:
        devices = select(Device).order_by(Device.id)
        cabinets = select(CabinetRecord).order_by(CabinetRecord.device_id, CabinetRecord.cabinet_index)
        tags = select(DeviceTagRecord.device_id, DeviceTagRecord.tag).order_by(DeviceTagRecord.id)
        if wanted is not None:
            devices = devices.where(Device.id.in_(wanted))
            cabinets = cabinets.where(CabinetRecord.device_id.in_(wanted))
            tags = tags.where(DeviceTagRecord.device_id.in_(wanted))
        by_device = defaultdict(list)
        for cabinet in session.scalars(cabinets):
            by_device[cabinet.device_id].append(cabinet_from_record(cabinet))
        tags_of = defaultdict(list)
        for device_id, tag in session.execute(tags):
            tags_of[device_id].append(tag)
        return [
            MachineFacts(
                device.id,
                device.name,
                device.asset_number,
                device.location_type,
                tuple(by_device[device.id]),
                device.model,
                device.route_id,
                tuple(tags_of[device.id]),
                device.removed_at is not None,
            )
            for device in session.scalars(devices)
        ]


def set_tags(engine: Engine, device_id: int, tags: Sequence[str], *, user_id: int | None) -> tuple[str, ...]:
    """Replace a machine's tags (ours: CVD has none); audited."""
    cleaned = clean_tags(tags)
    with session_factory(engine).begin() as session:
        require_user(session, user_id, Action.EDIT)
        if session.get(Device, device_id) is None:
            raise LookupError(f"device {device_id} is not in this database")
        session.execute(delete(DeviceTagRecord).where(DeviceTagRecord.device_id == device_id))
        session.add_all(DeviceTagRecord(device_id=device_id, tag=tag) for tag in cleaned)
        audit_record(
            session, user_id, "device.tags", {"tags": list(cleaned)}, resource_type="device", resource_id=device_id
        )
    return cleaned
