"""Pictures of the sync screens for reviews: the designer on a pulled CVD database (signed in as the sample's
manager, with B1 of 999-Cooler-0 selected: Doritos at its own $3.00 against $1.50 in the catalogue), the
status-bar progress with Cancel, and the conflict dialog.

Usage: ``python tests/sync/capture_sync_screens.py OUT_FOLDER`` (offscreen; works on copies in a temp folder).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PROJECT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests" / "gui")]

from capture_screenshot import settle, wait_for  # noqa: E402

from designer.positions import Position  # noqa: E402
from storage.app_context import AppContext  # noqa: E402
from storage.cvd.pull import pull  # noqa: E402
from storage.cvd.queue import conflicts  # noqa: E402
from storage.cvd.sync import sync  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.fleet import FleetRepository  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from tests.shared_sample import CVD_SAMPLE  # noqa: E402
from tests.sync.helpers import edit_and_activate  # noqa: E402
from widgets.app import application, open_main_window  # noqa: E402
from widgets.style import apply_style  # noqa: E402
from widgets.sync.conflicts import ConflictDialog  # noqa: E402

MANAGER = "manager2"  # the sample's manager: the designer as they would use it


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp())
    cvd_file = folder / "cvd.sqlite"
    shutil.copyfile(CVD_SAMPLE, cvd_file)  # the README's pictures show the real sample
    working = f"sqlite:///{folder / 'working.sqlite'}"
    sync(str(cvd_file), working)
    app = application()
    apply_style(app)
    window = open_main_window(AppContext.create(database=working, login=MANAGER))
    window.resize(1440, 860)
    wait_for(window.fleet_loaded, "the fleet")
    device = next(d for d in window.devices if d.asset_number == "999")
    window.device_list.select_device(device.id)
    wait_for(window.layout_shown, "device 999")
    view = next(v for v in window.cabinet_views() if v.cabinet.index == 0)
    window.cabinet_tabs.setCurrentWidget(view)
    view.select([Position.parse("B1")])  # type: ignore[attr-defined]
    settle(app, 800)
    window.grab().save(str(out / "sync-designer-999.png"), "PNG")
    window.inspector.grab().save(str(out / "slot-price-inspector.png"), "PNG")
    window.sync.progress.started("Syncing with CVD…")
    window.sync.progress.progressed(46, "sales 40,000 of 150,000")
    settle(app)
    window.grab().save(str(out / "sync-status-bar.png"), "PNG")
    window.sync.progress.finished()
    window.session.discard_all()  # a picture, not a session

    cvd = make_engine(f"sqlite:///{cvd_file}")
    other = prepare_database(f"sqlite:///{folder / 'other.sqlite'}")
    pull(cvd, other)
    edit_and_activate(other, "444", 0, {"A1": (11, 10, 6), "C1": (19, 9, 4)})
    sync(str(cvd_file), f"sqlite:///{folder / 'other.sqlite'}", pull_too=False)
    mine = window.repository.engine
    edit_and_activate(mine, "444", 0, {"A1": (7, 12, 7), "B2": (16, 8, 5)})
    sync(str(cvd_file), working, pull_too=False)
    (conflict,) = conflicts(mine)
    names = {pid: product.name for pid, product in FleetRepository(mine).catalogue().items()}
    dialog = ConflictDialog(conflict, names)
    dialog.show()
    settle(app)
    dialog.grab().save(str(out / "sync-conflict-dialog.png"), "PNG")
    dialog.close()
    window.close()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots")))
