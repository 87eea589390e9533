"""The AI data sealed at rest: predictions, experiments, feedback and Claude's cached answers, encrypted per value.

Column encryption (AES-256-GCM, a fresh 96-bit nonce per value), not a whole-file cipher, so the working copy
stays a plain SQLite or PostgreSQL database that other tools, CVD's app and the shared contract tests open as
before: only the payload columns read as ``sealed1:…`` text. :class:`SealedText` is the column type, so the
repositories write and read plain strings and never see the cipher.

The key is this user's, one per account (not per database): the OS keyring entry ``planogram-studio/ai-data-key``
where there is a keyring, else ``ai-data.key`` in the user's config folder with mode 0600
(:func:`ai_data_key_location` says which; Settings shows it). It is read once per process. A lost key makes the
sealed values unreadable: reading one raises :class:`AiDataKeyLost`, whose message says how to get back
(``python main.py privacy reset-ai-data``: the AI data is cleared and rebuilt from the sales as the models answer
again). Values written by a release before sealing read as they are, and :func:`seal_plaintext` seals them.
"""

from __future__ import annotations

import base64
import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, Text, select, update
from sqlalchemy.types import TypeDecorator

from designer.command_outcomes import ExitCode
from storage.base import Base
from storage.database import DatabaseProblem
from storage.engine import APP_NAME
from storage.signing_key import SigningKeyProblem, machine_key

KEY_ACCOUNT = "ai-data-key"
KEY_FILE = "ai-data.key"
PREFIX = "sealed1:"
NONCE_BYTES = 12
LOSS = "the AI data sealed with the old key can no longer be read: clear it with python main.py privacy reset-ai-data"
RECOVERY = (
    "Fix: if the key was moved, put it back (keyring entry planogram-studio/ai-data-key, or the file ai-data.key in "
    "the config folder); otherwise clear the sealed AI data and let it be rebuilt from the sales: "
    "python main.py privacy reset-ai-data --db DATABASE (predictions, feedback and Claude's cache are answered "
    "anew; experiments must be created again)"
)


class AiDataKeyLost(DatabaseProblem):
    """A sealed value cannot be opened with this computer's key: the key was lost or replaced."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the AI data in this database cannot be read: {detail}. {RECOVERY}", ExitCode.CORRUPT)


def user_config_folder() -> Path:
    """Where the key file lives when there is no keyring: the user's config folder (XDG on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


class Seal:
    """AES-GCM over text: ``seal`` gives ``sealed1:`` + base64(nonce + ciphertext + tag); ``open`` reverses it."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._cipher = AESGCM(key[:32])

    def seal(self, plain: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, plain.encode("utf-8"), None)
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str) -> str:
        if not is_sealed(stored):
            return stored  # written before sealing (an older release); seal_plaintext seals it
        from cryptography.exceptions import InvalidTag

        raw = base64.b64decode(stored[len(PREFIX) :])
        try:
            return self._cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")
        except (InvalidTag, ValueError):
            raise AiDataKeyLost("it was sealed with another key than this computer's") from None


def is_sealed(value: str | None) -> bool:
    return value is not None and value.startswith(PREFIX)


_lock = threading.Lock()


def _ai_data_secret(folder: Path) -> bytes:
    try:
        return machine_key(folder, KEY_ACCOUNT, KEY_FILE, LOSS).secret
    except SigningKeyProblem as problem:
        raise AiDataKeyLost(str(problem)) from None


@cache
def _seal_for(folder: Path) -> Seal:
    return Seal(_ai_data_secret(folder))


def current_seal() -> Seal:
    """This user's seal, made (with its key) on first use and kept for the process."""
    with _lock:
        return _seal_for(user_config_folder())


@cache
def _model_key_for(folder: Path) -> bytes:
    import hashlib
    import hmac

    return hmac.new(_ai_data_secret(folder), b"planogram-studio model integrity", hashlib.sha256).digest()


def model_integrity_key() -> bytes:
    """The key that signs saved model files: derived from the AI data key (one secret to keep; losing it makes
    saved models foreign, and they are retrained)."""
    with _lock:
        return _model_key_for(user_config_folder())


def ai_data_key_location() -> str:
    """Where the AI data key is kept (or will be, once sealing needs it), in words for Settings and the DPIA: "the
    system keyring" or the file path. Nothing is read or made here."""
    from storage.keys import keyring_usable

    return "the system keyring" if keyring_usable() else str(user_config_folder() / KEY_FILE)


class SealedText(TypeDecorator[str]):
    """A text column whose values are sealed on write and opened on read (callers see plain strings)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None or is_sealed(value):
            return value
        return current_seal().seal(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else current_seal().open(str(value))


def sealed_columns() -> list[Any]:
    """Every sealed column on the metadata (every table is on it once ``storage.schema`` is imported, as it is
    wherever a database is opened; the table modules import this one, so it cannot import them)."""
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, SealedText)
    ]


def seal_plaintext(engine: Engine) -> int:
    """Seal the values an older release wrote in the clear; how many were sealed (0 once all are, and then
    nothing is written: one look per column for a value in the clear)."""
    raw = Text()  # the stored text itself, past the seal
    with engine.connect() as connection:
        columns = [
            column
            for column in sealed_columns()
            if connection.execute(
                select(column.cast(raw)).where(column.is_not(None), ~column.cast(raw).startswith(PREFIX)).limit(1)
            ).first()
            is not None
        ]
    sealed = 0
    if not columns:
        return sealed
    with engine.begin() as connection:
        for column in columns:
            table = column.table
            key = list(table.primary_key.columns)
            rows = connection.execute(
                select(*key, column.cast(raw)).where(column.is_not(None), ~column.cast(raw).startswith(PREFIX))
            ).all()
            for *ids, value in rows:
                condition = [part == identity for part, identity in zip(key, ids, strict=True)]
                connection.execute(update(table).where(*condition).values({column.name: current_seal().seal(value)}))
                sealed += 1
    return sealed
