"""``python main.py --cvd URL`` (or ``--db`` naming a CVD file): pull into the working copy, then the designer.

When CVD cannot be reached but a working copy exists, the designer opens on it offline: activations queue
and reach CVD at the next sync.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QMessageBox

from widgets.app import EXIT_DATABASE_PROBLEM, application, run_designer
from widgets.main_window import APP_TITLE
from widgets.style import apply_style
from widgets.workers import JobState, run_while_responsive


def run_designer_on_cvd(cvd_url: str) -> int:
    from sqlalchemy.exc import DBAPIError

    from storage.cvd.control import SyncControl, SyncProblem
    from storage.cvd.source import working_copy_path, working_copy_url
    from storage.cvd.sync import sync
    from storage.engine import normalise_url

    cvd_url = normalise_url(cvd_url)
    working = working_copy_url(cvd_url)
    app = application()
    apply_style(app)

    def progress(percent: int, message: str) -> None:
        print(f"\r{percent:3d}%  {message:<60}", end="", file=sys.stderr, flush=True)

    def pull(state: JobState) -> object:
        return sync(cvd_url, working, control=SyncControl(progress, state.should_stop))

    try:
        run_while_responsive(pull, purpose="pull from CVD")
        print(file=sys.stderr)
    except (SyncProblem, DBAPIError) as problem:
        print(file=sys.stderr)
        if not working_copy_path(cvd_url).exists():
            QMessageBox.critical(None, APP_TITLE, str(problem))
            return EXIT_DATABASE_PROBLEM
        print(f"planogram-studio: {problem}; working offline on the last pulled copy", file=sys.stderr)
    return run_designer(working, build_demo=False)
