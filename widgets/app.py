"""Starting the designer: the application object, the first-run build, the database, the main window."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QMessageBox

from widgets.first_run import DemoFleetDialog, FirstRunOutcome
from widgets.main_window import APP_TITLE, MainWindow
from widgets.style import apply_style
from widgets.workers import JobState, run_while_responsive

if TYPE_CHECKING:
    from storage.database import Engine

ORGANISATION = "Planogram Studio"

# Exit statuses of run_designer besides the event loop's own.
EXIT_CANCELLED = 1
EXIT_DATABASE_PROBLEM = 2


def application() -> QApplication:
    """The one QApplication, created on first use and named so settings land in the right place."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName(APP_TITLE)
    app.setApplicationDisplayName(APP_TITLE)
    app.setOrganizationName(ORGANISATION)
    return app


def open_main_window(engine: Engine, database_url: str) -> MainWindow:
    """Show the main window on ``engine`` (which it then owns) and start reading the fleet."""
    from storage.fleet import FleetRepository

    window = MainWindow(FleetRepository(engine), database_url)
    window.show()
    window.load_fleet()
    return window


def keep_long_lived_objects_out_of_gc(window: MainWindow) -> None:
    """Once the placement model is loaded, freeze what is alive (see :func:`settle_long_lived_objects`)."""
    from widgets.main_window import settle_long_lived_objects

    window.assistant.ready.connect(settle_long_lived_objects)


def run_designer(database_url: str, *, build_demo: bool) -> int:
    """Run the designer until its window closes; 1 if the first-run build was cancelled, 2 if the database fails."""
    from storage.schema import DatabaseProblem, prepare_database

    app = application()
    apply_style(app)
    if build_demo:
        result = DemoFleetDialog(database_url).run()
        if result.outcome is FirstRunOutcome.CANCELLED:
            QMessageBox.information(None, APP_TITLE, result.message)
            return EXIT_CANCELLED
        if result.outcome is FirstRunOutcome.FAILED:
            QMessageBox.critical(None, APP_TITLE, result.message)
            return EXIT_DATABASE_PROBLEM

    def prepare(_state: JobState) -> Engine:
        return prepare_database(database_url)

    try:
        engine = run_while_responsive(prepare, purpose="prepare database")
    except DatabaseProblem as problem:
        QMessageBox.critical(None, "Cannot open database", str(problem))
        return EXIT_DATABASE_PROBLEM
    window = open_main_window(engine, database_url)
    keep_long_lived_objects_out_of_gc(window)
    status = app.exec()
    window.deleteLater()
    return status
