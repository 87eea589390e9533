"""Pairs of (our id, CVD id) per kind of row, and the small JSON facts sync keeps in ``sync_state``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.sync_tables import CvdLink, SyncState


class Links:
    """The links of one kind, loaded once per step; new pairs are added to the session."""

    def __init__(self, session: Session, kind: str) -> None:
        self._session = session
        self.kind = kind
        self.rows: dict[int, CvdLink] = {
            link.cvd_id: link for link in session.scalars(select(CvdLink).where(CvdLink.kind == kind))
        }

    def local(self, cvd_id: int | None) -> int | None:
        link = self.rows.get(cvd_id) if cvd_id is not None else None
        return link.local_id if link else None

    def cvd(self, local_id: int) -> int | None:
        for link in self.rows.values():
            if link.local_id == local_id:
                return link.cvd_id
        return None

    def by_local(self) -> dict[int, int]:
        return {link.local_id: cvd_id for cvd_id, link in self.rows.items()}

    def put(self, cvd_id: int, local_id: int, *, key: str | None = None, updated_at: str | None = None) -> CvdLink:
        link = self.rows.get(cvd_id)
        if link is None:
            link = CvdLink(kind=self.kind, local_id=local_id, cvd_id=cvd_id)
            self._session.add(link)
            self.rows[cvd_id] = link
        link.local_id = local_id
        link.cvd_key = key
        link.cvd_updated_at = updated_at
        return link


def read_state(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(SyncState, key)
    return json.loads(row.value) if row is not None else default


def read_states(session: Session, keys: Sequence[str]) -> dict[str, Any]:
    """:func:`read_state` of many keys in one query per thousand; absent keys are left out."""
    found: dict[str, Any] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), 1000):
        for row in session.scalars(select(SyncState).where(SyncState.key.in_(wanted[start : start + 1000]))):
            found[row.key] = json.loads(row.value)
    return found


def write_state(session: Session, key: str, value: Any) -> None:
    row = session.get(SyncState, key)
    text = json.dumps(value, sort_keys=True, default=str)
    if row is None:
        session.add(SyncState(key=key, value=text))
    else:
        row.value = text


def forget_state(session: Session, key: str) -> None:
    session.execute(delete(SyncState).where(SyncState.key == key))
