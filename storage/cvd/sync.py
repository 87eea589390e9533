"""One sync run between a CVD database and its working copy: queued pushes, audit rows, then the pull.

Pushes go first so CVD holds our activations before we read it back; the pull then brings new sales and
any layout changed in CVD (cabinets still waiting on a push keep theirs, see :mod:`storage.cvd.pull`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine

from storage.cvd.audit_copy import copy_audit
from storage.cvd.control import SyncControl
from storage.cvd.pull import PullSummary, pull
from storage.cvd.queue import PushSummary, collect_activations, queue_status, run_pushes
from storage.cvd.source import open_cvd, without_password
from storage.engine import session_factory
from storage.schema import prepare_database
from storage.sync_tables import SyncState

SOURCE_KEY = "cvd.source"  # plain text (read by storage.users as well): the CVD URL, never with its password


@dataclass(slots=True)
class SyncReport:
    pulled: PullSummary | None = None
    pushed: PushSummary | None = None
    audit_copied: int = 0
    audit_waiting: int = 0
    queue: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "pulled": asdict(self.pulled) if self.pulled else None,
            "pushed": asdict(self.pushed) if self.pushed else None,
            "audit_copied": self.audit_copied,
            "audit_waiting": self.audit_waiting,
            "queue": self.queue,
        }


def _scaled(control: SyncControl, start: int, end: int) -> SyncControl:
    def progress(percent: int, message: str) -> None:
        control.progress(start + (end - start) * percent // 100, message)

    return SyncControl(progress, control.should_stop, control.user_id)


def sync_engines(
    cvd_engine: Engine, local: Engine, *, push: bool = True, pull_too: bool = True, control: SyncControl | None = None
) -> SyncReport:
    control = control or SyncControl()
    report = SyncReport()
    if push:
        collect_activations(local)
        control.step(0, "pushing activated layouts to CVD")
        report.pushed = run_pushes(cvd_engine, local, _scaled(control, 0, 20))
        control.step(20, "copying the audit trail to CVD")
        report.audit_copied, report.audit_waiting = copy_audit(cvd_engine, local)
    if pull_too:
        report.pulled = pull(cvd_engine, local, _scaled(control, 25, 100))
    report.queue = queue_status(local)
    control.step(100, "in sync with CVD")
    return report


def sync(
    cvd_url: str, working_url: str, *, push: bool = True, pull_too: bool = True, control: SyncControl | None = None
) -> SyncReport:
    """Open both sides (the working copy is created or upgraded; CVD is never migrated) and sync them."""
    cvd_engine = open_cvd(cvd_url)
    local = prepare_database(working_url)
    remember_source(local, cvd_url)
    try:
        return sync_engines(cvd_engine, local, push=push, pull_too=pull_too, control=control)
    finally:
        cvd_engine.dispose()
        local.dispose()


def remember_source(local: Engine, cvd_url: str) -> None:
    with session_factory(local).begin() as session:
        row = session.get(SyncState, SOURCE_KEY)
        if row is None:
            session.add(SyncState(key=SOURCE_KEY, value=without_password(cvd_url)))
        else:
            row.value = without_password(cvd_url)


def source_of(local: Engine) -> str | None:
    """The CVD database a working copy syncs with (None for a local database such as the demo)."""
    with session_factory(local)() as session:
        row = session.get(SyncState, SOURCE_KEY)
        return row.value if row else None
