"""Starting the designer: the application object, the first-run build, the database, the main window.

Everything the window shares with the run (database, who acts, settings, key store, folders) comes from the
application context ``main.py`` built; exit statuses are :class:`designer.command_outcomes.ExitCode`.

What a person sees first must not wait for what they do not see yet: this module imports only Qt's widgets, so
a first start paints its progress dialog before the simulator, the window's modules or the models load; the
main window's modules load in a worker while the database is opened (or, on a first start, while the dialog
is still up), and the window trains its model only after its first cabinet is on screen.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from designer.command_outcomes import ExitCode
from widgets.window.first_paint import after_next_paint
from widgets.window.start_window import APP_TITLE, StartWindow, opening_text

if TYPE_CHECKING:
    from storage.app_context import AppContext
    from storage.database import Engine
    from widgets.window.main_window import MainWindow
    from widgets.workers import JobState

ORGANISATION = "Planogram Studio"

START_TIMES_VARIABLE = "PLANOGRAM_START_TIMES"
"""Test-only: a file the start appends its milestones to (``tests/bench/bench_start.py`` reads it)."""

# The start's milestones, as written to the START_TIMES_VARIABLE file.
DESIGNER_STARTED = "designer-started"  # run_designer entered: the interpreter, main.py and the context are done
FIRST_PAINT = "first-paint"  # the start window (the designer's frame, what is opening) is on screen
DIALOG_PAINTED = "dialog-painted"  # first start: the demo-building progress dialog is on screen
WINDOW_PAINTED = "window-painted"  # the main window's first paint reached the screen
USABLE = "usable"  # device list filled, a cabinet painted, the event loop idle again (input is handled)
# Steps between them, for the benchmark's --phases.
QT_READY, DATABASE_READY, WINDOW_BUILT = "qt-ready", "database-ready", "window-built"
FLEET_SHOWN, LAYOUT_SHOWN = "fleet-shown", "layout-shown"


class StartTimes:
    """When the start's milestones happened, as ``<milestone> <unix time> <process CPU seconds>`` lines.

    Only when the test-only variable ``PLANOGRAM_START_TIMES`` names a file; otherwise every call does nothing
    and no event filter is installed. The benchmark compares the times with when it launched the process.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def from_environment(cls) -> StartTimes:
        value = os.environ.get(START_TIMES_VARIABLE)
        return cls(Path(value) if value else None)

    def mark(self, milestone: str) -> None:
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as file:
                file.write(f"{milestone} {time.time():.6f} {time.process_time():.6f}\n")

    def when_painted(self, widget: QWidget, milestone: str) -> None:
        """Mark ``milestone`` once ``widget`` has painted for the first time (from now on)."""
        if self.path is not None:
            after_next_paint(widget, lambda: self.mark(milestone), fallback_ms=None)

    def when_usable(self, window: MainWindow) -> None:
        """Mark :data:`USABLE` once the first device's cabinet has painted (or the fleet turned out empty)."""
        if self.path is None:
            return

        def fleet_loaded(count: int) -> None:
            window.fleet_loaded.disconnect(fleet_loaded)
            self.mark(FLEET_SHOWN)
            if count == 0:
                QTimer.singleShot(0, lambda: self.mark(USABLE))

        def layout_shown(_device_id: int) -> None:
            window.layout_shown.disconnect(layout_shown)
            self.mark(LAYOUT_SHOWN)
            view = window.current_cabinet_view()
            if view is None:
                QTimer.singleShot(0, lambda: self.mark(USABLE))
            else:
                self.when_painted(view.viewport(), USABLE)

        window.fleet_loaded.connect(fleet_loaded)
        window.layout_shown.connect(layout_shown)


def application() -> QApplication:
    """The one QApplication, created on first use and named so settings land in the right place."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName(APP_TITLE)
    app.setApplicationDisplayName(APP_TITLE)
    app.setOrganizationName(ORGANISATION)
    return app


def open_main_window(
    context: AppContext, times: StartTimes | None = None, start: StartWindow | None = None
) -> MainWindow:
    """Show the main window on the context's database (whose engine it then owns) and start reading the fleet.

    A ``start`` window still up gives the main window its place and size and closes once the main window has
    painted, so the screen never goes blank between the two.
    """
    from widgets.window.main_window import MainWindow

    window = MainWindow(context)
    if times is not None:
        times.mark(WINDOW_BUILT)
        times.when_painted(window, WINDOW_PAINTED)
        times.when_usable(window)
    if start is not None:
        start.hand_over(window)
        after_next_paint(window, start.close, fallback_ms=1_000)
    window.show()
    window.load_fleet()
    return window


def keep_long_lived_objects_out_of_gc(window: MainWindow) -> None:
    """Once the placement model is loaded, freeze what is alive (see :func:`settle_long_lived_objects`)."""
    from widgets.window.main_window import settle_long_lived_objects

    window.assistant.ready.connect(settle_long_lived_objects)


def load_window_modules() -> None:
    """Import the main window's modules (most of the start's import time) off the GUI thread.

    Importing defines classes and value constants (colours, points) but creates no widget, so a worker may do it
    while the GUI thread keeps painting the progress dialog or waits for the database.
    """
    import widgets.window.main_window  # noqa: F401


def build_demo_then_load_window(database_url: str, **options: object) -> object:
    """The first run's job: build the demo fleet, then load the window's modules while the dialog is still up."""
    from widgets.dialogs import first_run

    summary = first_run.build_demo_fleet(database_url, **options)
    load_window_modules()
    return summary


def run_designer(context: AppContext, *, build_demo: bool) -> int:
    """Run the designer on the context's database until its window closes (the event loop's status); 1 if the
    first-run build was cancelled, 2 if the database fails."""
    from widgets.style import apply_style
    from widgets.workers import run_while_responsive

    times = StartTimes.from_environment()
    times.mark(DESIGNER_STARTED)
    app = application()
    apply_style(app)
    times.mark(QT_READY)
    if build_demo:
        from widgets.dialogs.first_run import DemoFleetDialog, FirstRunOutcome

        dialog = DemoFleetDialog(context.database_url, build=build_demo_then_load_window)
        times.when_painted(dialog, DIALOG_PAINTED)
        result = dialog.run()
        if result.outcome is FirstRunOutcome.CANCELLED:
            QMessageBox.information(None, APP_TITLE, result.message)
            return ExitCode.CANCELLED
        if result.outcome is FirstRunOutcome.FAILED:
            QMessageBox.critical(None, APP_TITLE, result.message)
            return ExitCode.BAD_INPUT

    start = StartWindow(opening_text(context.uses_demo_database))
    times.when_painted(start, FIRST_PAINT)
    start.show()

    def prepare(_state: JobState) -> Engine:
        engine = context.engine  # opened, checked and migrated off the GUI thread
        load_window_modules()
        return engine

    try:
        run_while_responsive(prepare, purpose="prepare database")
    except Exception as problem:
        from storage.schema import DatabaseProblem  # loaded by the job: the GUI thread need not wait for it

        if not isinstance(problem, DatabaseProblem):
            raise
        start.close()
        QMessageBox.critical(None, "Cannot open database", str(problem))
        return ExitCode(problem.exit_code)
    times.mark(DATABASE_READY)
    if start.abandoned:  # closed while opening: the person no longer wants the designer
        context.close()
        return ExitCode.CANCELLED
    from widgets.window.access_guard import sign_in_on

    admitted = sign_in_on(context.engine, context, start)  # the CVD password, when the database is protected
    if admitted is None:
        start.close()
        context.close()
        return ExitCode.CANCELLED
    window = open_main_window(admitted, times, start)
    keep_long_lived_objects_out_of_gc(window)
    status = app.exec()
    window.deleteLater()
    return status
