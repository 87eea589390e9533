"""The one declarative ``Base`` every table of ours is declared on.

It lives apart from the table modules so that each of them (``storage.tables``, ``storage.llm_tables``,
``storage.sync_tables``) imports it without importing another: whoever needs the complete schema imports
:mod:`storage.schema`, which names all three.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
