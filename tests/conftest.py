"""Keep every test away from the user's real data directory and settings."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.app_context import AppContext, DataFolders
from storage.keys import KeyStore


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    for variable, folder in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(variable, str(Path(home, folder)))
    _same_ai_data_key(Path(home, "config"))


_AI_DATA_KEY = secrets.token_bytes(32)


def _same_ai_data_key(config: Path) -> None:
    """One person runs the whole suite: every test's private config folder holds the same AI data key file (0600),
    so databases built once per session (and child processes) read the AI data sealed by another test."""
    import base64
    import os

    from storage.sealed_columns import KEY_FILE

    folder = config / "planogram-studio"
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="ascii") as file:
        file.write(base64.urlsafe_b64encode(_AI_DATA_KEY).decode("ascii") + "\n")


@pytest.fixture(autouse=True)
def _headless_keyring() -> Iterator[None]:
    """Every test starts on a box with no keyring (keyring's 'fail' backend), as CI and the child processes tests
    start are: otherwise keyring may pick the first test keyring class it finds registered (tests.memory_keyring)
    for the whole run, and keys kept there (the AI data key) would differ from the key files child processes read.
    Tests that want a keyring install one (``dict_keyring``, ``memory_keyring``)."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _no_user_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who acts comes from each test's own context, never from the developer's shell."""
    monkeypatch.delenv("PLANOGRAM_USER", raising=False)


@pytest.fixture
def app_context(tmp_path_factory: pytest.TempPathFactory) -> AppContext:
    """A fresh application context per test: its own folders, settings and key store; the OS login acts."""
    return AppContext.create(folders=DataFolders.under(tmp_path_factory.mktemp("app")), keys=KeyStore())


@pytest.fixture(autouse=True)
def _unanswered_message_boxes_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message box nobody answers would hang the whole run; unless a test answers it, it fails that test.

    Tests that expect a box replace the function themselves (their monkeypatch comes later and wins).
    """
    from PySide6.QtWidgets import QMessageBox

    def unanswered(kind: str):  # type: ignore[no-untyped-def]
        def ask(_parent: object, title: str, text: str, *_args: object, **_kwargs: object) -> object:
            raise AssertionError(f"an unanswered QMessageBox.{kind} would block: {title!r}: {text!r}")

        return staticmethod(ask)

    for kind in ("question", "information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, unanswered(kind))

    from widgets.dialogs.password import PasswordDialog

    def unanswered_password(dialog: PasswordDialog) -> int:
        raise AssertionError(f"an unanswered password dialog would block: {dialog.windowTitle()!r}")

    monkeypatch.setattr(PasswordDialog, "exec", unanswered_password)  # tests.protected_sample.type_passwords answers
