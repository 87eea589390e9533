"""Planogram → Template library…: a manager finds a template by a tag, sees its versions with who saved them, edits
it like a cabinet (a product dropped into a slot, undo works) and saves it as the next version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from designer.positions import Position
from designer.templates import Template, template_from_planogram
from storage.fleet import FleetRepository
from storage.fleet_operations import save_template
from storage.schema import prepare_database
from storage.templates import TemplateLibrary
from storage.users import sign_in
from widgets.templates.editor import TemplateEditorDialog
from widgets.templates.library import TemplateLibraryDialog
from widgets.window.services import WindowServices


def test_find_a_template_edit_it_like_a_cabinet_and_save_its_next_version(
    qtbot: QtBot, fleet_database: Path, window_services: Callable[[Engine, str], WindowServices]
) -> None:
    engine = prepare_database(f"sqlite:///{fleet_database}")
    repository = FleetRepository(engine)
    catalogue = repository.catalogue()
    manager = sign_in(engine, "maria.manager", audit=False).id
    for device, name, tags in ((3, "Gym snacks", ["gym"]), (1, "Office snacks", ["office", "lobby"])):
        layout = repository.device_layout(device)
        cabinet = layout.cabinets[0]
        save_template(
            engine, template_from_planogram(name, cabinet, layout.planogram_for(cabinet), tags), user_id=manager
        )
    services = window_services(engine, "maria.manager")
    edited: list[Template] = []
    library = TemplateLibraryDialog(
        services, TemplateLibrary(engine), catalogue, edit=edited.append, apply=lambda _template: None
    )
    qtbot.addWidget(library)
    assert library.table.rowCount() == 2
    library.search.setText("lobby")
    assert [library.table.item(row, 0).text() for row in range(library.table.rowCount())] == ["Office snacks"]
    assert library.versions.item(0).text().startswith("v1 — maria.manager")
    library.edit_button.click()
    (template,) = edited
    assert template.label == "Office snacks v1"  # the template found, not the one shown before the search

    editor = TemplateEditorDialog(services, template, catalogue)
    qtbot.addWidget(editor)
    a1 = Position.parse("A1")
    other = next(p for p in catalogue if p != template.as_planogram().slot_at(a1).product_id
                 and catalogue[p].temperature_requirement.value == "ambient")  # fmt: skip
    assert editor.view.drop_product(a1, other) is None
    assert editor.editor.planogram.slot_at(a1).product_id == other
    editor.undo_button.click()
    assert editor.editor.planogram.slot_at(a1).product_id != other  # undo, as in the designer
    assert editor.view.drop_product(a1, other) is None
    editor.save_button.click()
    assert editor.saved is not None and editor.saved.version == 2
    assert TemplateLibrary(engine).load("Office snacks").as_planogram().slot_at(a1).product_id == other
    assert TemplateLibrary(engine).load("Gym snacks").version == 1  # the other template untouched
