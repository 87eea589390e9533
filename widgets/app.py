"""Starting the designer: the application object, the first-run build, the database, the main window.

Everything the window shares with the run (database, who acts, settings, key store, folders) comes from the
application context ``main.py`` built; exit statuses are :class:`designer.command_outcomes.ExitCode`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QMessageBox

from designer.command_outcomes import ExitCode
from widgets.dialogs.first_run import DemoFleetDialog, FirstRunOutcome
from widgets.style import apply_style
from widgets.window.main_window import APP_TITLE, MainWindow
from widgets.workers import JobState, run_while_responsive

if TYPE_CHECKING:
    from storage.app_context import AppContext
    from storage.database import Engine

ORGANISATION = "Planogram Studio"


def application() -> QApplication:
    """The one QApplication, created on first use and named so settings land in the right place."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName(APP_TITLE)
    app.setApplicationDisplayName(APP_TITLE)
    app.setOrganizationName(ORGANISATION)
    return app


def open_main_window(context: AppContext) -> MainWindow:
    """Show the main window on the context's database (whose engine it then owns) and start reading the fleet."""
    window = MainWindow(context)
    window.show()
    window.load_fleet()
    return window


def keep_long_lived_objects_out_of_gc(window: MainWindow) -> None:
    """Once the placement model is loaded, freeze what is alive (see :func:`settle_long_lived_objects`)."""
    from widgets.window.main_window import settle_long_lived_objects

    window.assistant.ready.connect(settle_long_lived_objects)


def run_designer(context: AppContext, *, build_demo: bool) -> int:
    """Run the designer on the context's database until its window closes (the event loop's status); 1 if the
    first-run build was cancelled, 2 if the database fails."""
    from storage.schema import DatabaseProblem

    app = application()
    apply_style(app)
    if build_demo:
        result = DemoFleetDialog(context.database_url).run()
        if result.outcome is FirstRunOutcome.CANCELLED:
            QMessageBox.information(None, APP_TITLE, result.message)
            return ExitCode.CANCELLED
        if result.outcome is FirstRunOutcome.FAILED:
            QMessageBox.critical(None, APP_TITLE, result.message)
            return ExitCode.BAD_INPUT

    def prepare(_state: JobState) -> Engine:
        return context.engine  # opened, checked and migrated off the GUI thread

    try:
        run_while_responsive(prepare, purpose="prepare database")
    except DatabaseProblem as problem:
        QMessageBox.critical(None, "Cannot open database", str(problem))
        return ExitCode.BAD_INPUT
    window = open_main_window(context)
    keep_long_lived_objects_out_of_gc(window)
    status = app.exec()
    window.deleteLater()
    return status
