"""``python main.py --cvd URL`` (or ``--db`` naming a CVD file): the designer on the CVD database's working copy.

The window opens at once on the working copy (empty the first time) and the sync runs in the background with
progress and Cancel in the status bar; when it ends, the window shows what was pulled. When CVD cannot be
reached, the designer stays on the last pulled copy: activations queue and reach CVD at the next sync.
"""

from __future__ import annotations

from widgets.app import EXIT_DATABASE_PROBLEM, application, open_main_window
from widgets.main_window import APP_TITLE
from widgets.style import apply_style
from widgets.workers import JobState, run_while_responsive


def run_designer_on_cvd(cvd_url: str) -> int:
    from PySide6.QtWidgets import QMessageBox

    from storage.cvd.source import working_copy_url
    from storage.database import Engine
    from storage.engine import normalise_url
    from storage.schema import DatabaseProblem, prepare_database

    cvd_url = normalise_url(cvd_url)
    working = working_copy_url(cvd_url)
    app = application()
    apply_style(app)

    def prepare(_state: JobState) -> Engine:
        return prepare_database(working)

    try:
        engine = run_while_responsive(prepare, purpose="prepare working copy")
    except DatabaseProblem as problem:
        QMessageBox.critical(None, APP_TITLE, str(problem))
        return EXIT_DATABASE_PROBLEM
    window = open_main_window(engine, working)
    window.sync.open_cvd(cvd_url)
    status = app.exec()
    window.deleteLater()
    return status
