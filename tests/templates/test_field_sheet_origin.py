"""A driver's field sheet names the template its layout came from, so the sheet in the van and the template the
manager applied can be matched."""

from __future__ import annotations

from pathlib import Path

from designer.fleet_changes import MachineFilter, chosen, template_change
from designer.templates import template_from_planogram
from storage.field_data import device_stock
from storage.fleet import FleetRepository
from storage.fleet_operations import apply_operation, current_by_machine, newest_layouts, save_template
from storage.schema import prepare_database
from storage.templates import machines
from storage.users import sign_in
from widgets.field_sheets.sheets import cabinet_sheets, sheet_pages


def test_the_field_sheet_of_an_activated_template_layout_names_the_template(fleet_database: Path) -> None:
    engine = prepare_database(f"sqlite:///{fleet_database}")
    user = sign_in(engine, "maria.manager", audit=False).id
    repository = FleetRepository(engine)
    layout = repository.device_layout(3)
    cabinet = layout.cabinets[0]
    template, _ = save_template(
        engine, template_from_planogram("Office snacks", cabinet, layout.planogram_for(cabinet)), user_id=user
    )
    (lobby,) = chosen(machines(engine), MachineFilter(device_ids=frozenset({7})))
    current = current_by_machine(newest_layouts(engine, [7]))
    change = template_change(template, lobby, current[7], repository.catalogue())
    result = apply_operation(
        engine, [change], kind="template", title="t", activate=True, user_id=user, template_id=template.id
    )

    sheets = cabinet_sheets(device_stock(engine, 7), repository.catalogue())
    snacks = next(sheet for sheet in sheets if sheet.cabinet.index == change.cabinet_index)
    assert snacks.origin == f"from template Office snacks v1 (fleet operation {result.operation_id})"
    assert sheet_pages(snacks)  # the sheet still lays out with the longer header line
    others = [sheet.origin for sheet in sheets if sheet is not snacks]
    assert others == [None] * len(others)  # the cooler was not part of it
