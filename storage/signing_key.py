"""This machine's key for signing the HTTP service's access tokens: in the OS keyring, else a 0600 key file.

Whoever holds the key can mint a token for any user, so it never leaves the machine: ``main.py serve`` and
``main.py token`` read the same key (the service's workers all read it, so a token is valid on every worker).
It lives in the keyring (service ``planogram-studio``, entry ``api-signing-key``) where there is one; on a box
with no keyring backend it lives in ``api-signing.key`` in the user's config folder, readable by its owner only
(mode 0600), and :attr:`SigningKey.where` says which. Deleting it (or the entry) revokes every token at once.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors

from storage.keys import SERVICE, keyring_usable

ACCOUNT = "api-signing-key"
KEY_FILE = "api-signing.key"
KEY_BYTES = 32  # HS256 wants at least the hash's 256 bits
log = logging.getLogger(__name__)


class SigningKeyProblem(RuntimeError):
    """The key cannot be read or kept; the message says where and what to do (it never contains the key)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The key's bytes (never printed) and where they are kept, in words for the README and ``serve``'s banner."""

    secret: bytes
    where: str

    def __repr__(self) -> str:
        return f"SigningKey(hidden, where={self.where!r})"


def signing_key(config_folder: Path) -> SigningKey:
    """The machine's signing key, made on first use: from the keyring when there is one, else the key file."""
    return machine_key(config_folder, ACCOUNT, KEY_FILE, "tokens issued before stop working")


def machine_key(config_folder: Path, account: str, file_name: str, loss: str) -> SigningKey:
    """A secret of this machine (the token signing key, the AI data key): the keyring entry ``account`` where there
    is a keyring, else ``file_name`` in ``config_folder`` (mode 0600); made on first use. ``loss`` says what a new
    key costs, for the messages that suggest one."""
    if keyring_usable():
        try:
            stored = keyring.get_password(SERVICE, account)
            if not stored:
                stored = _encode(secrets.token_bytes(KEY_BYTES))
                keyring.set_password(SERVICE, account, stored)
            return SigningKey(_decode(stored, f"the keyring entry {SERVICE}/{account}", loss), "the system keyring")
        except keyring.errors.KeyringError as error:
            log.warning("the keyring could not keep the key %s (%s); using the key file", account, type(error).__name__)
    path = config_folder / file_name
    return SigningKey(_from_file(path, loss), str(path))


def _from_file(path: Path, loss: str) -> bytes:
    """Read the key file, or create it with owner-only permissions (never readable by others, even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            raise SigningKeyProblem(
                f"{path} can be read by other users of this computer, so what it protects cannot be trusted. "
                f"Fix: chmod 600 {path}, or delete it (a new key is made; {loss})"
            ) from None
        return _decode(path.read_text(encoding="ascii").strip(), str(path), loss)
    with os.fdopen(handle, "w", encoding="ascii") as file:
        file.write(_encode(secrets.token_bytes(KEY_BYTES)) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return _decode(path.read_text(encoding="ascii").strip(), str(path), loss)


def _encode(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode("ascii")


def _decode(text: str, where: str, loss: str = "tokens issued before stop working") -> bytes:
    try:
        secret = base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        secret = b""
    if len(secret) < KEY_BYTES:
        raise SigningKeyProblem(f"the key in {where} is damaged. Fix: delete it (a new one is made; {loss})")
    return secret
