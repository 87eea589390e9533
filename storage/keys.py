"""The Anthropic API key: kept in the OS keyring (service ``planogram-studio``), else in memory for this session.

The key travels inside :class:`ApiKey`, whose ``repr``/``str`` never show it, so an accidental log line, an
f-string in an error or a crash report's locals print ``ApiKey(hidden)``. Only the SDK call reads it back,
through :meth:`ApiKey.reveal`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail

SERVICE = "planogram-studio"
ACCOUNT = "anthropic-api-key"
log = logging.getLogger(__name__)

NO_KEYRING_NOTICE = (
    "This computer has no system keyring (password store), so the API key cannot be saved. It is kept in "
    "memory for this session only and is never written to disk; enter it again the next time you start "
    "Planogram Studio."
)


class ApiKey:
    """A secret that will not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise KeyProblem("the API key is empty")
        if any(character.isspace() or not character.isprintable() or ord(character) > 127 for character in value):
            raise KeyProblem("an API key is one word of plain letters, digits and dashes; check what was pasted")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey(hidden)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash((ApiKey, self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an API key is never pickled")


class KeyProblem(ValueError):
    """A key that cannot be used or kept; the message never contains the key."""


class KeyLocation(StrEnum):
    KEYRING = "keyring"
    SESSION = "session"  # no keyring on this computer: in memory until the app quits
    NONE = "none"


@dataclass(frozen=True, slots=True)
class KeyStatus:
    location: KeyLocation
    notice: str | None = None  # plain-language, shown by the Settings dialog

    @property
    def has_key(self) -> bool:
        return self.location is not KeyLocation.NONE


def keyring_usable(backend: keyring.backend.KeyringBackend | None = None) -> bool:
    """False for the headless 'fail' backend, the do-nothing 'null' one and plain-text files on disk."""
    backend = backend or keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring) or name == "keyring.backends.null.Keyring":
        return False
    if name.startswith("keyrings.alt.") and "Plaintext" in name:
        return False  # a plain-text file in the home folder is not a secret store
    backends = getattr(backend, "backends", None)
    if backends is not None:  # the chainer: usable only if one of its links is
        return any(keyring_usable(link) for link in backends)
    return True


class KeyStore:
    """Where the key lives; thread-safe, because the LLM client reads it from worker threads."""

    def __init__(self, service: str = SERVICE, account: str = ACCOUNT) -> None:
        self._service = service
        self._account = account
        self._session: ApiKey | None = None
        self._lock = threading.Lock()

    def keyring_available(self) -> bool:
        return keyring_usable()

    def load(self) -> ApiKey | None:
        """The key for the next call: the session's if one was entered without a keyring, else the keyring's."""
        with self._lock:
            if self._session is not None:
                return self._session
        if not self.keyring_available():
            return None
        try:
            stored = keyring.get_password(self._service, self._account)
        except keyring.errors.KeyringError as error:
            log.warning("the keyring could not be read (%s)", type(error).__name__)
            return None
        if not stored:
            return None
        try:
            return ApiKey(stored)
        except KeyProblem:
            log.warning("the keyring holds an unusable API key entry; it is ignored")
            return None

    def save(self, key: ApiKey) -> KeyStatus:
        """Keep ``key`` in the keyring, or — with no keyring — in memory for this session, saying so."""
        if self.keyring_available():
            try:
                keyring.set_password(self._service, self._account, key.reveal())
            except keyring.errors.KeyringError as error:
                log.warning("the keyring refused the key (%s); kept for this session only", type(error).__name__)
            else:
                with self._lock:
                    self._session = None
                return KeyStatus(KeyLocation.KEYRING, "The API key is saved in this computer's keyring.")
        with self._lock:
            self._session = key
        return KeyStatus(KeyLocation.SESSION, NO_KEYRING_NOTICE)

    def remove(self) -> KeyStatus:
        with self._lock:
            self._session = None
        if self.keyring_available():
            try:
                keyring.delete_password(self._service, self._account)
            except keyring.errors.PasswordDeleteError:
                pass  # there was none
            except keyring.errors.KeyringError as error:
                log.warning("the keyring could not remove the key (%s)", type(error).__name__)
                return KeyStatus(self.status().location, "The keyring could not remove the key; try again.")
        return KeyStatus(KeyLocation.NONE, "The API key is removed.")

    def status(self) -> KeyStatus:
        with self._lock:
            if self._session is not None:
                return KeyStatus(KeyLocation.SESSION, NO_KEYRING_NOTICE)
        if not self.keyring_available():
            return KeyStatus(KeyLocation.NONE, NO_KEYRING_NOTICE)
        return KeyStatus(KeyLocation.KEYRING if self.load() is not None else KeyLocation.NONE)
