"""What the models and the views hold of a database: its handle, the error it fails with, its URL's password.

The queries live in storage's repositories; ``ai/`` and ``widgets/`` only pass a database along and catch
its failure, so they import these names rather than SQLAlchemy (an import-linter contract keeps it so).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["DatabaseFailure", "Engine", "url_password", "url_with_password"]

DatabaseFailure = SQLAlchemyError
"""Any failure of a repository's query (a locked or unreadable file, a lost server). It is SQLAlchemy's own
base error under a storage name: every repository raises it already, so nothing needs translating, and the
driver's message stays on it as ``orig``."""


def url_password(url: str) -> str | None:
    """The password written in a database URL, if any."""
    return make_url(url).password


def url_with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in it, spelled out (to connect with; never to show or store)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)
