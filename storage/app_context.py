"""What one run of the app shares — database, settings, API key store, who is acting, folders, clock.

Built once by ``main.py`` and handed down explicitly, so no module looks up the signed-in user, the settings
or the user's folders on its own (an environment variable set by one command must never leak into the next,
and each test gets a fresh context of its own). Only this module asks platformdirs where the folders are.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from storage.engine import APP_NAME, normalise_url
from storage.keys import KeyStore
from storage.settings import SETTINGS_FILE, SettingsStore

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from storage.users import SignedInUser

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC (times are stored in UTC and shown in local time)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class DataFolders:
    """Where the app keeps its files: the demo database, models, crash recovery, CVD working copies, settings."""

    data: Path
    config: Path

    @classmethod
    def for_this_user(cls) -> DataFolders:
        """The operating system's per-user folders (XDG on Linux)."""
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, root: Path) -> DataFolders:
        """Every folder inside ``root`` (tests, portable installs)."""
        return cls(data=root / "data", config=root / "config")

    @property
    def demo_database(self) -> Path:
        return self.data / "demo.sqlite"

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def recovery(self) -> Path:
        """Beside the user's databases, so a crash on this machine is recovered on this machine."""
        return self.data / "recovery"

    @property
    def working_copies(self) -> Path:
        """CVD databases are designed on through local working copies kept here."""
        return self.data

    def working_copy(self, cvd_url: str) -> Path:
        """The local working copy of one CVD database (one file per database, named by its URL)."""
        from storage.cvd.source import working_copy_name

        return self.working_copies / working_copy_name(cvd_url)

    @property
    def sales_mappings(self) -> Path:
        """Column mappings of sales exports, one JSON file per source (``designer.sales_exports.saved_mappings``)."""
        return self.config / "sales_mappings"

    @property
    def settings_file(self) -> Path:
        return self.config / SETTINGS_FILE


def os_login() -> str:
    """The operating system's name for the person at the keyboard."""
    return getpass.getuser()


@dataclass(eq=False)
class AppContext:
    """The shared services of one run; the engine opens on first use, the user signs in on first use.

    ``login`` is the name the person asked to act as (``--user``, else the OS login); :attr:`user` is that
    login signed in against the database, with the role the database gives it.
    """

    folders: DataFolders
    login: str
    settings: SettingsStore
    keys: KeyStore
    database: str | None = None  # a SQLAlchemy URL; None: the demo database in the data folder
    clock: Clock = field(default=utc_now)

    @classmethod
    def create(
        cls,
        *,
        database: str | None = None,
        login: str | None = None,
        folders: DataFolders | None = None,
        keys: KeyStore | None = None,
        clock: Clock = utc_now,
    ) -> AppContext:
        """The context ``main.py`` builds: the OS folders and login unless told otherwise."""
        folders = folders or DataFolders.for_this_user()
        return cls(
            folders=folders,
            login=(login or os_login()).strip(),
            settings=SettingsStore(folders.settings_file),
            keys=keys or KeyStore(),
            database=normalise_url(database) if database else None,
            clock=clock,
        )

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.folders.demo_database}"

    @property
    def uses_demo_database(self) -> bool:
        return self.database is None

    def with_database(self, database: str) -> AppContext:
        """The same person, settings and folders on another database (File → Open, a CVD working copy)."""
        return AppContext(self.folders, self.login, self.settings, self.keys, normalise_url(database), self.clock)

    def on_working_copy(self, cvd_url: str) -> AppContext:
        """The same run on the local working copy of the CVD database ``cvd_url``."""
        return self.with_database(f"sqlite:///{self.folders.working_copy(cvd_url)}")

    def as_user(self, login: str) -> AppContext:
        """The same run and database acting as ``login`` (a fresh sign-in; the engine is opened anew)."""
        return AppContext(self.folders, login.strip(), self.settings, self.keys, self.database, self.clock)

    @cached_property
    def engine(self) -> Engine:
        """The database, opened, checked and migrated on first use (raises ``DatabaseProblem``).

        Opened as the running command allows (``storage.schema.opening_for``, set by ``main.py``): a command that
        only reads never creates it and opens a read-only file read-only; the designer may create it.
        """
        from storage.retention import on_start
        from storage.schema import prepare_database

        engine = prepare_database(self.database_url)
        on_start(engine, self.settings.current.data_protection, self.clock())  # retention purge (issue 22)
        return engine

    def close(self) -> None:
        """Dispose of the engine if it was opened (the next use opens it again)."""
        engine = self.__dict__.pop("engine", None)
        if engine is not None:
            engine.dispose()

    def sign_in(self, *, audit: bool = True) -> SignedInUser:
        """Sign :attr:`login` in against the database (registering an unknown login, as ``storage.users`` rules)."""
        from storage.users import sign_in

        return sign_in(self.engine, self.login, audit=audit)

    @cached_property
    def user(self) -> SignedInUser:
        """The signed-in user for headless work (not audited as a sign-in: commands audit what they do)."""
        return self.sign_in(audit=False)
