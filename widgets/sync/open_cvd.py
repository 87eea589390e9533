"""``python main.py --cvd URL`` (or ``--db`` naming a CVD file): the designer on the CVD database's working copy.

The window opens at once on the working copy (empty the first time) and the sync runs in the background with
progress and Cancel in the status bar; when it ends, the window shows what was pulled. When CVD cannot be
reached, the designer stays on the last pulled copy: activations queue and reach CVD at the next sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode
from widgets.app import application, open_main_window
from widgets.style import apply_style
from widgets.window.start_window import APP_TITLE, StartWindow
from widgets.workers import JobState, run_while_responsive

if TYPE_CHECKING:
    from storage.app_context import AppContext
    from storage.database import Engine


def run_designer_on_cvd(context: AppContext, cvd_url: str) -> int:
    """The designer on the working copy of ``cvd_url``: the same person, settings and folders as ``context``."""
    from PySide6.QtWidgets import QMessageBox

    from storage.engine import normalise_url
    from storage.schema import DatabaseProblem

    cvd_url = normalise_url(cvd_url)
    working = context.on_working_copy(cvd_url)
    app = application()
    apply_style(app)
    start = StartWindow("Opening the CVD working copy…")
    start.show()

    def prepare(_state: JobState) -> Engine:
        return working.engine  # opened, checked and migrated off the GUI thread

    try:
        run_while_responsive(prepare, purpose="prepare working copy")
    except DatabaseProblem as problem:
        start.close()
        QMessageBox.critical(None, APP_TITLE, str(problem))
        return ExitCode(problem.exit_code)
    if start.abandoned:  # closed while opening: the person no longer wants the designer
        working.close()
        return ExitCode.CANCELLED
    from widgets.window.access_guard import sign_in_on

    admitted = sign_in_on(working.engine, working, start)  # a copy already pulled carries CVD's passwords
    if admitted is None:
        start.close()
        working.close()
        return ExitCode.CANCELLED
    window = open_main_window(admitted, start=start)
    window.sync.open_cvd(cvd_url)
    status = app.exec()
    window.deleteLater()
    return status
