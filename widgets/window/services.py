"""What the main window lends the collaborators it composes: its services, passed in, never the window itself.

A collaborator (the field-sheet actions, Claude's explanations, the analysis windows, the CVD sync) takes these
and exposes its actions and docks; the window places them. Nothing here imports the window, so no collaborator
does either, and each can be built in a test from plain parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from storage.app_context import AppContext
    from storage.fleet import DeviceLayout, FleetRepository
    from widgets.canvas.cabinet_editing import EditableCabinetView
    from widgets.editing.undo import CabinetEditor
    from widgets.window.sign_in import RoleGate
    from widgets.workers import BackgroundJobs


@dataclass(frozen=True, slots=True)
class WindowServices:
    """The window's services. The database, and the context with it, change when another database opens,
    so they are asked for when an action runs rather than kept."""

    parent: QWidget  # dialogs and analysis windows open over it
    jobs: BackgroundJobs
    roles: RoleGate
    say: Callable[[str, int], None]  # a status-bar message for so many milliseconds (0: until the next one)
    context: Callable[[], AppContext]
    repository: Callable[[], FleetRepository]

    def user_id(self) -> int | None:
        """Who is signed in, for the audit trail and Claude's ledger (None while signing in)."""
        user = self.roles.user
        return user.id if user is not None else None


@dataclass(frozen=True, slots=True)
class OnScreen:
    """What the merchandiser is looking at, asked for when an action runs: the device and the cabinet tab."""

    layout: Callable[[], DeviceLayout | None]
    editable_view: Callable[[], EditableCabinetView | None]

    def editor(self) -> CabinetEditor | None:
        view = self.editable_view()
        return view.editor if view is not None else None
