"""The designer's speed against its budgets (issue 3, DESIGN.md): printed, not asserted.

    .venv/bin/python tests/bench/bench_designer.py            every figure
    .venv/bin/python tests/bench/bench_designer.py --frames   only the one-frame gestures (quicker)

- a 10×20 cabinet repaints in < 16 ms (one frame), also right after an edit, a zoom step and a drag-over
  (the heat map scored and shown): each measured on a quiet machine and again while another process keeps one
  core busy, since a merchandiser's laptop is never quiet;
- opening a device with 4 cabinets of 10×20 (read + four grids built) < 300 ms.

The app's start (first paint, a usable window, the first run's progress dialog) is timed by bench_start.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from designer.positions import Position  # noqa: E402
from storage.app_context import AppContext  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord  # noqa: E402
from widgets.app import application, keep_long_lived_objects_out_of_gc, open_main_window  # noqa: E402
from widgets.canvas.cabinet_editing import EditableCabinetView  # noqa: E402
from widgets.canvas.mime import product_mime  # noqa: E402
from widgets.style import apply_style  # noqa: E402
from widgets.window.main_window import MainWindow  # noqa: E402

ROWS, COLUMNS, CABINETS = 10, 20, 4
FRAME_BUDGET_MS = 16
FULL_REPAINT = "10×20 cabinet: full repaint"
ZOOM_STEP = "10×20 cabinet: zoom step (cache rebuilt)"
EDIT_REPAINT = "10×20 cabinet: edit + repaint"
DRAG_OVER = "drag-over → heat map scored and repainted"


def big_device(url: str) -> None:
    """One device with four full 10×20 ambient cabinets of 60 products."""
    engine = prepare_database(url)
    with Session(engine) as session, session.begin():
        for product_id in range(1, 61):
            session.add(ProductRecord(id=product_id, name=f"Benchmark Product Number {product_id}",
                                      category=f"category {product_id % 12}", price=Decimal("1.75")))  # fmt: skip
        session.add(Device(id=1, name="Bench Tower", asset_number="B-1", location_type="office"))
        for index in range(CABINETS):
            session.add(CabinetRecord(device_id=1, cabinet_index=index, rows=ROWS, columns=COLUMNS,
                                      temperature_zone="ambient"))  # fmt: skip
            slots = [
                PlanogramSlotRecord(
                    position=Position(r, c).label,
                    product_id=(r * COLUMNS + c) % 60 + 1,
                    quantity=(r + c) % 10,
                    capacity=10,
                    par_level=8,
                )
                for r in range(ROWS)
                for c in range(COLUMNS)
            ]
            session.add(PlanogramRecord(device_id=1, cabinet_index=index, status="active", version=1, slots=slots))
    engine.dispose()


def wait(signal, timeout_ms: int = 30_000) -> None:  # type: ignore[no-untyped-def]
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


@contextmanager
def busy_core() -> Iterator[None]:
    """Another process spinning on one core while the block runs; killed afterwards, also on error or Ctrl+C.

    A process, not a thread: it competes for CPU time as a browser or a sync client would, not for our GIL.
    """
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # past the interpreter's start-up, spinning
        yield
    finally:
        spinner.kill()
        spinner.wait()


def settle(milliseconds: int) -> None:
    """Let the event loop run (timers, workers' results, paints) for a while, as it would between gestures."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def report(what: str, values_ms: list[float], budget_ms: float) -> None:
    values = sorted(values_ms)
    p50 = statistics.median(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    verdict = "OK" if p95 < budget_ms else "OVER BUDGET"
    print(f"{what:<48} p50 {p50:8.2f} ms  p95 {p95:8.2f} ms  budget {budget_ms:6.0f} ms  {verdict}")


def open_window(folder: Path) -> tuple[QApplication, MainWindow, EditableCabinetView]:
    """The main window on the benchmark device, in the steady state: model loaded, explanations prepared."""
    url = f"sqlite:///{folder / 'big.sqlite'}"
    big_device(url)
    app = application()
    apply_style(app)
    window = open_main_window(AppContext.create(database=url))
    keep_long_lived_objects_out_of_gc(window)  # as run_designer does
    window.resize(1440, 900)
    wait(window.layout_shown)
    app.processEvents()

    if window.assistant.scorer is None:  # measure the steady state, not while the model trains beside it
        wait(window.assistant.ready)
    while window.jobs.is_busy("prepare explanations"):
        app.processEvents()
        time.sleep(0.01)
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return app, window, view


def measure_frames(window: MainWindow, view: EditableCabinetView) -> dict[str, list[float]]:
    """Milliseconds of each one-frame gesture (warm-up samples dropped), keyed by the figure's name."""
    repaint: list[float] = []
    for _ in range(65):
        start = time.perf_counter()
        view.viewport().repaint()
        repaint.append((time.perf_counter() - start) * 1000)

    zoomed: list[float] = []
    for step in range(40):
        start = time.perf_counter()
        view.zoom_by(1.02 if step % 2 else 1 / 1.02)  # every slot's cached pixmap is re-rendered
        view.viewport().repaint()
        zoomed.append((time.perf_counter() - start) * 1000)
    view.fit_to_window()

    after_edit: list[float] = []
    for index in range(60):
        start = time.perf_counter()
        view.drop_product(Position(index % ROWS, (index * 7) % COLUMNS), (index % 60) + 1)
        view.viewport().repaint()
        after_edit.append((time.perf_counter() - start) * 1000)

    mime = product_mime(1, "Benchmark Product Number 1")
    drag_over: list[float] = []
    shown: list[object] = []
    window.assistant.heat_map_shown.connect(shown.append)
    for step in range(63):
        view.heat_layer.clear()
        shown.clear()
        point = view.mapFromScene(view.slot_item(Position(step % ROWS, step % COLUMNS)).sceneBoundingRect().center())
        start = time.perf_counter()
        QApplication.sendEvent(
            view.viewport(),
            QDragEnterEvent(
                point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
            ),
        )
        if not shown:  # scored in a worker: wait for it
            wait(window.assistant.heat_map_shown, 5_000)
        view.viewport().repaint()
        drag_over.append((time.perf_counter() - start) * 1000)
        settle(30)  # the next frames of the drag: the hovered slot's analysis runs and is shown, as it would
        QApplication.sendEvent(view.viewport(), QDragLeaveEvent())
    window.assistant.heat_map_shown.disconnect(shown.append)
    return {
        FULL_REPAINT: repaint[5:],
        ZOOM_STEP: zoomed,
        EDIT_REPAINT: after_edit,
        DRAG_OVER: drag_over[3:],
    }


def measure_opening(window: MainWindow) -> None:
    opening: list[float] = []
    for _ in range(12):
        window.session.close_all()  # measure a cold open of the documents, not reused editors
        start = time.perf_counter()
        window.load_device(1)
        wait(window.layout_shown)
        opening.append((time.perf_counter() - start) * 1000)
    report("open a device with 4 cabinets of 10×20", opening[2:], 300)


def in_process(folder: Path, *, frames_only: bool = False) -> None:
    """Each one-frame figure on a quiet machine, then with another process keeping one core busy."""
    _app, window, view = open_window(folder)
    quiet = measure_frames(window, view)
    with busy_core():
        loaded = measure_frames(window, view)
    for label, figures in (("quiet", quiet), ("one core busy", loaded)):
        print(f"-- {label}")
        for what, values in figures.items():
            report(what, values, FRAME_BUDGET_MS)
    if not frames_only:
        measure_opening(window)
    window.session.discard_all()  # the benchmark's edits: closing must not ask about them
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", action="store_true", help="only the one-frame gestures, quiet and loaded")
    frames_only = parser.parse_args().frames
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = str(Path(folder) / "data")  # recovery journals stay out of the user's data
        in_process(Path(folder), frames_only=frames_only)


if __name__ == "__main__":
    main()
