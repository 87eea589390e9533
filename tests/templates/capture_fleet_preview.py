"""Save a picture of Planogram → Apply template… previewing a template on every office machine, for the README.

Usage: ``python tests/templates/capture_fleet_preview.py DATABASE OUT.png [--source 3] [--user maria.manager]``.
Runs offscreen on a copy-free database (a template is saved in it if none of that name exists): opens the main
window, saves the source device's snack cabinet as "Office snacks" when needed, opens the dialog through the
Planogram menu's action, filters to office machines, previews (real predictions) and grabs the dialog.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gui"))  # the main window capture's helpers

from capture_screenshot import settle, wait_for

from storage.app_context import AppContext
from storage.engine import normalise_url
from widgets.app import application, open_main_window
from widgets.style import apply_style

TEMPLATE = "Office snacks"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("out")
    parser.add_argument("--source", type=int, default=3, help="the device whose snack cabinet is the template")
    parser.add_argument("--user", default="maria.manager")
    args = parser.parse_args(argv)
    from designer.templates import template_from_planogram
    from storage.fleet import FleetRepository
    from storage.fleet_operations import save_template
    from storage.schema import prepare_database
    from storage.templates import TemplateLibrary
    from storage.users import sign_in

    url = normalise_url(args.database)
    engine = prepare_database(url)
    user = sign_in(engine, args.user, audit=False)
    library = TemplateLibrary(engine)
    if not any(template.name == TEMPLATE for template in library.latest()):
        layout = FleetRepository(engine).device_layout(args.source)
        cabinet = layout.cabinets[0]
        template = template_from_planogram(TEMPLATE, cabinet, layout.planogram_for(cabinet), ["office", "snacks"])
        save_template(engine, template, user_id=user.id)
    template = library.load(TEMPLATE)

    app = application()
    apply_style(app)
    window = open_main_window(AppContext.create(database=url, login=args.user))
    window.resize(1280, 800)
    wait_for(window.layout_shown, "the first device to load")
    settle(app)
    dialog = window.templates.show_fleet_change("template", template)
    dialog.set_filter(location_type="office")
    settle(app)
    preview = dialog.run_preview()
    if preview is None:
        raise SystemExit(f"no preview: {dialog.totals.text()}")
    settle(app, 400)
    saved = dialog.grab().save(args.out, "PNG")
    dialog.close()
    window.close()
    if not saved:
        raise SystemExit(f"could not write {args.out}")
    print(f"saved {args.out}: {preview.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
