"""File → Open CVD database… and Sync with CVD now (F5): syncs run in a worker, with progress and Cancel in the
status bar; a layout changed on both sides opens the conflict dialog.

The window places the actions and the progress indicator, and answers the two signals: open the working copy
a CVD database was pulled into, and read the fleet again after a sync brought changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import keyring.errors
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox

from designer.roles import Action
from storage.cvd.control import SyncCancelled, SyncControl
from storage.database import url_password, url_with_password
from widgets.sync.conflicts import ConflictDialog
from widgets.sync.log import SyncLogDialog
from widgets.sync.status import RESULT_SHOWN_MS, SyncProgress, SyncResult
from widgets.workers import JobCancelled, JobState

if TYPE_CHECKING:
    from designer.products import Catalogue
    from storage.cvd.queue import Conflict
    from storage.cvd.sync import SyncReport
    from storage.sync_log import SyncLogEntry
    from widgets.window.services import WindowServices

SYNC = "cvd sync"
SYNC_LOG = "cvd sync log"
CONFLICTS = "cvd conflicts"


def report_text(report: SyncReport) -> str:
    parts = []
    if report.pushed is not None:
        parts.append(f"{report.pushed.pushed} layout(s) pushed")
    if report.pulled is not None:
        parts.append(f"{report.pulled.layouts_changed} layout(s) and {report.pulled.sales_new:,} sale(s) pulled")
    waiting = report.queue.get("pending", 0) + report.queue.get("conflict", 0)
    if waiting:
        parts.append(f"{waiting} waiting")
    return "Synced with CVD: " + ", ".join(parts)


class SyncActions(QObject):
    """The window's link to its CVD database (if its working copy came from one)."""

    pulled = Signal(str)  # the URL of the working copy a CVD database was just pulled into, to open
    synced = Signal()  # the open working copy took CVD's changes: its fleet is to be read again

    def __init__(self, window: WindowServices, catalogue: Callable[[], Catalogue]) -> None:
        super().__init__(window.parent)
        self.window = window
        self.catalogue = catalogue
        self.source: str | None = None
        self.progress = SyncProgress()
        self.progress.cancel_requested.connect(lambda: window.jobs.cancel(SYNC))
        self.result = SyncResult()
        self.open_action = QAction("Open &CVD database…", window.parent)
        self.open_action.setStatusTip("Design on a CVD database: it is pulled into a working copy and synced back")
        self.open_action.triggered.connect(lambda _checked=False: self.choose_cvd())
        self.server_action = QAction("Open CVD &server…", window.parent)
        self.server_action.setStatusTip("A CVD database on PostgreSQL; its password is kept in the system keyring")
        self.server_action.triggered.connect(lambda _checked=False: self.choose_server())
        self._session_passwords: dict[str, str] = {}  # only where the computer has no keyring; never on disk
        self.sync_action = QAction("S&ync with CVD now", window.parent)
        self.sync_action.setShortcut(QKeySequence("F5"))
        self.sync_action.triggered.connect(lambda _checked=False: self.sync_now())
        self.log_action = QAction("Sync &log…", window.parent)
        self.log_action.setStatusTip("What each sync with CVD did: when, which way, the result and the counts")
        self.log_action.triggered.connect(lambda _checked=False: self.show_log())
        self.log_dialog: SyncLogDialog | None = None
        self.refresh_source()

    def actions(self) -> list[QAction]:
        return [self.open_action, self.server_action, self.sync_action, self.log_action]

    def refresh_source(self) -> None:
        """Whether the open database syncs with CVD (a one-row read on an open engine); again when another opens."""
        from storage.cvd.sync import source_of

        self.source = source_of(self.window.repository().engine)
        self.sync_action.setEnabled(self.source is not None)
        self.log_action.setEnabled(self.source is not None)
        self.sync_action.setToolTip(
            f"Push activations and pull from {self.source}" if self.source else "This database was not pulled from CVD"
        )

    # --- syncing ---------------------------------------------------------------------------------

    def choose_cvd(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window.parent, "Open CVD database", "", "CVD databases (*.db *.sqlite *.sqlite3);;All files (*)"
        )
        if path:
            self.open_cvd(f"sqlite:///{Path(path).resolve()}")

    def choose_server(self) -> None:
        url, ok = QInputDialog.getText(
            self.window.parent,
            "Open CVD server",
            "PostgreSQL URL of the CVD database (no password):",
            text="postgresql+psycopg://user@server/cvd",
        )
        if not ok or not url.strip():
            return
        self.open_server(url.strip())

    def open_server(self, url: str, password: str | None = None) -> None:
        """Open a CVD server: the password comes from the keyring, else it is asked once and kept there."""
        from storage.cvd.source import remember_password, with_password, without_password

        url = without_password(url)
        if url_password(with_password(url)) is None and password is None:
            password, ok = QInputDialog.getText(
                self.window.parent, "Open CVD server", f"Password for {url}:", QLineEdit.EchoMode.Password
            )
            if not ok:
                return
        if password is not None:
            try:
                remember_password(url, password)
            except keyring.errors.KeyringError:
                self._session_passwords[url] = password
                self.window.say("This computer has no keyring: the password is kept for this session only", 10_000)
        self.open_cvd(url)

    def _connect_url(self, url: str) -> str:
        """The URL to connect with: a session-only password is added here, never stored anywhere."""
        password = self._session_passwords.get(url)
        return url_with_password(url, password) if password else url

    def open_cvd(self, cvd_url: str) -> None:
        """Pull ``cvd_url`` into its working copy (in a worker), then open that copy in this window."""
        working = self.window.context().on_working_copy(cvd_url).database_url
        self._run(self._connect_url(cvd_url), working, opening=True)

    def sync_now(self) -> None:
        if self.source is None:
            self.window.say("This database was not pulled from CVD; use File → Open CVD database…", 0)
            return
        reason = self.window.roles.why_not(Action.SYNC)
        if reason is not None:
            self.window.say(f"Not synced: {reason}", 8000)
            return
        self._run(self._connect_url(self.source), self.window.context().database_url, opening=False)

    def _run(self, cvd_url: str, working_url: str, *, opening: bool) -> None:
        from storage.cvd.sync import sync

        user_id = None if opening else self.window.user_id()

        def job(state: JobState) -> SyncReport:
            return sync(cvd_url, working_url, control=SyncControl(state.report_progress, state.should_stop, user_id))

        self.result.clear_result()
        self.progress.started("Syncing with CVD…")
        self.sync_action.setEnabled(False)
        self.window.jobs.start(
            SYNC,
            job,
            on_success=lambda report: self._synced(report, working_url, opening),
            on_failure=self._failed,
            on_progress=self.progress.progressed,
        )

    def _synced(self, report: SyncReport, working_url: str, opening: bool) -> None:
        self.sync_action.setEnabled(True)
        self._tell(f"{report_text(report)} ({datetime.now():%H:%M})")
        if opening:
            self.pulled.emit(working_url)
            return
        self.synced.emit()
        if report.queue.get("conflict"):  # new ones and those left for later: one dialog each, in turn
            self.show_conflicts()

    def _tell(self, result: str) -> None:
        """A sync's result: kept in the status bar's own place for it, and said as its message, long enough to read."""
        self.progress.finished()
        self.result.show_result(result)
        self.window.say(result, RESULT_SHOWN_MS)

    def _failed(self, error: Exception) -> None:
        self.sync_action.setEnabled(self.source is not None)
        if isinstance(error, (SyncCancelled, JobCancelled)):
            self._tell("Sync stopped: what was synced stays, nothing is half-written; sync again to finish")
            return
        self.progress.finished()
        self.result.show_result(f"Sync did not finish ({datetime.now():%H:%M}); activations stay queued")
        QMessageBox.warning(
            self.window.parent, "Sync with CVD", f"The sync did not finish:\n\n{error}\n\nActivations stay queued."
        )

    # --- the log ---------------------------------------------------------------------------------

    def show_log(self) -> None:
        """File → Sync log…: the working copy's sync steps, read in a worker."""
        from storage.sync_log import sync_log

        engine, source = self.window.repository().engine, self.source or "CVD"
        self.window.jobs.start(
            SYNC_LOG, lambda _state: sync_log(engine), on_success=lambda entries: self._show_log(source, entries)
        )

    def _show_log(self, source: str, entries: list[SyncLogEntry]) -> None:
        if self.log_dialog is not None:
            self.log_dialog.close()
        self.log_dialog = SyncLogDialog(source, entries, self.window.parent)
        self.log_dialog.show()

    # --- conflicts -------------------------------------------------------------------------------

    def show_conflicts(self) -> None:
        from storage.cvd.queue import conflicts

        engine = self.window.repository().engine
        self.window.jobs.start(CONFLICTS, lambda _state: conflicts(engine), on_success=self._ask)

    def _ask(self, found: list[Conflict]) -> None:
        if not found:
            return
        names = {product_id: product.name for product_id, product in self.catalogue().items()}
        dialog = ConflictDialog(found[0], names, self.window.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self.window.say("The conflicting push stays parked until you decide", 6000)
            return
        self.resolve(found[0].push_id, dialog)

    def resolve(self, push_id: int, dialog: ConflictDialog) -> None:
        from storage.cvd.queue import resolve_conflict

        engine, choice, per_slot, user_id = (
            self.window.repository().engine,
            dialog.choice,
            dialog.per_slot,
            self.window.user_id(),
        )

        def job(_state: JobState) -> object:
            return resolve_conflict(engine, push_id, choice, per_slot, user_id)

        self.window.jobs.start(CONFLICTS, job, on_success=lambda _result: self.sync_now(), on_failure=self._failed)
