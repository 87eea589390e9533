"""Odd and broken databases: each ends the command with its own status and a message naming the file, the
problem and the fix, never a traceback, and nothing is written, created or left beside the file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import main
from designer.command_outcomes import ExitCode
from storage import database
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.simulator.build import remove_leftover_builds
from tests.cvd_builder import write_cvd_database

PROJECT = Path(__file__).resolve().parents[2]
MANAGER = "maria.manager"  # a user of every demo fleet
AFFINITY = json.dumps({"device_id": 1, "analysis_period_days": 90})
EXPORT = ["export", "--device", "1", "--cabinet", "0", "--format", "json"]
CREATE = ["experiment", "create", "--name", "x", "--devices", "1,2", "--start", "2026-06-01"]
Snapshot = dict[str, tuple[int, int, str]]


@pytest.fixture(scope="module")
def fleet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo fleet, opened once by the app as any database in use is (so it is in WAL mode)."""
    path = tmp_path_factory.mktemp("problems") / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=3, days=30, seed=5)
    prepare_database(str(path)).dispose()
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    here = tmp_path / "databases"
    here.mkdir()
    return here


@pytest.fixture
def fleet(fleet_file: Path, folder: Path) -> Path:
    copy = folder / "fleet.sqlite"
    shutil.copy(fleet_file, copy)
    return copy


def snapshot(folder: Path) -> Snapshot:
    """Every file in ``folder``: size, modification time and content hash (any write changes one of them)."""
    return {
        file.name: (file.stat().st_size, file.stat().st_mtime_ns, hashlib.sha256(file.read_bytes()).hexdigest())
        for file in sorted(folder.iterdir())
    }


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str = ""
) -> tuple[int, str, str]:
    """``main.main(argv)`` in this process: (status, stdout, stderr); a traceback would fail the test itself."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def error_of(out: str) -> str:
    body = json.loads(out)
    assert body["success"] is False
    return str(body["error"])


READING_CALLS = {
    "experiment list": (["experiment", "list"], ""),
    "api affinity-analysis": (["--user", MANAGER, "api", "affinity-analysis"], AFFINITY),
    "sync status": (["sync", "status", "--cvd", "cvd.sqlite"], ""),
}


@pytest.mark.parametrize("call", sorted(READING_CALLS))
def test_a_newer_schema_asks_for_an_update_and_is_left_untouched(
    call: str, fleet: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with closing(sqlite3.connect(fleet)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    before = snapshot(folder)
    argv, stdin = READING_CALLS[call]

    code, out, _ = run([*argv, "--db", str(fleet)], capsys, monkeypatch, stdin)

    assert code == ExitCode.NEWER_VERSION == 9
    message = error_of(out)
    assert "fleet.sqlite was written by a newer version of Planogram Studio" in message
    assert "'0099_from_the_future'" in message and "Update Planogram Studio" in message
    assert snapshot(folder) == before


@pytest.fixture
def locked(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Another connection holds the write lock (as a program writing would); the wait is cut to 0.2 s here."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(fleet, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield fleet
    holder.rollback()
    holder.close()


@pytest.mark.parametrize(
    "argv, stdin",
    [(CREATE, ""), (["--user", MANAGER, "api", "affinity-analysis"], AFFINITY)],
    ids=["experiment create", "api affinity-analysis"],
)
def test_a_locked_database_is_busy_try_again(
    argv: list[str], stdin: str, locked: Path, folder: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    before = snapshot(folder)

    code, out, _ = run([*argv, "--db", str(locked)], capsys, monkeypatch, stdin)

    assert code == ExitCode.BUSY == 6
    message = error_of(out)
    assert "fleet.sqlite is busy: another program holds its write lock and kept it longer than 0.2 s" in message
    assert "Try again" in message and "backup" not in message
    assert snapshot(folder) == before


def test_the_wait_for_a_lock_is_stated() -> None:
    assert database.BUSY_TIMEOUT_S == 5.0
    problem = database.explain_failure(sqlite3.OperationalError("database is locked"), "x.sqlite")
    assert problem.exit_code == ExitCode.BUSY and "longer than 5 s" in str(problem)


@pytest.fixture
def read_only(fleet: Path, folder: Path) -> Iterator[Path]:
    """The fleet's file and folder made unwritable for real: immutable (root, where chattr works), else chmod."""
    if os.geteuid() != 0:
        fleet.chmod(0o444)
        folder.chmod(0o555)
        yield fleet
        folder.chmod(0o755)
        fleet.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: nothing can make a file read-only for root here")
    done = subprocess.run(["chattr", "+i", str(fleet), str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here ({done.stderr.strip()})")
    try:
        yield fleet
    finally:
        subprocess.run(["chattr", "-i", str(fleet), str(folder)], check=True)


@pytest.mark.parametrize(
    "argv, stdin",
    [
        (["experiment", "list"], ""),
        (["sync", "status", "--cvd", "cvd.sqlite"], ""),
        (["--user", MANAGER, "api", "affinity-analysis"], AFFINITY),
        (["--user", MANAGER, "api", "demand-forecast"], "FORECAST"),
    ],
    ids=["experiment list", "sync status", "api affinity-analysis", "api demand-forecast"],
)
def test_reading_commands_work_on_a_read_only_database_without_writing(
    argv: list[str], stdin: str, read_only: Path, folder: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    if stdin == "FORECAST":
        stdin = json.dumps({"device_id": 1, "products": products_of_device_1(read_only), "forecast_days": 7})
    before = snapshot(folder)

    code, out, err = run([*argv, "--db", str(read_only)], capsys, monkeypatch, stdin)

    assert snapshot(folder) == before  # no audit row, no -wal or -shm beside it
    assert code == ExitCode.DONE, out
    assert json.loads(out)["success"] is True
    if "api" in argv:
        assert "read-only: the audit row was not written" in err.splitlines()
    if "demand-forecast" in argv:
        assert "read-only: the forecast rows were not written" in err.splitlines()


def products_of_device_1(fleet: Path) -> list[int]:
    """Products on device 1's active layouts, read without writing (the file may be read-only)."""
    with closing(sqlite3.connect(f"{fleet.as_uri()}?mode=ro&immutable=1", uri=True)) as connection:
        rows = connection.execute(
            "SELECT DISTINCT s.product_id FROM planogram_slots s JOIN planograms p ON p.id = s.planogram_id "
            "WHERE p.device_id = 1 AND p.status = 'active' AND s.product_id IS NOT NULL ORDER BY 1 LIMIT 3"
        ).fetchall()
    return [product for (product,) in rows]


def test_export_works_on_a_read_only_database(
    read_only: Path, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(folder)
    out_file = tmp_path / "sheet.json"

    code, out, err = run(
        ["--user", MANAGER, *EXPORT, "--out", str(out_file), "--db", str(read_only)], capsys, monkeypatch
    )

    assert code == ExitCode.DONE, err
    assert json.loads(out)["success"] is True and out_file.exists()
    assert snapshot(folder) == before


def test_a_writing_command_on_a_read_only_database_says_why(
    read_only: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(folder)

    code, out, _ = run([*CREATE, "--db", str(read_only)], capsys, monkeypatch)

    assert code == ExitCode.READ_ONLY == 7
    message = error_of(out)
    assert f"{read_only} cannot be changed" in message and "nothing was changed" in message
    assert "copy it to a folder you can write to" in message and "experiment list/status" in message
    assert snapshot(folder) == before


def test_an_unknown_login_on_a_read_only_database_is_told_to_choose_a_user(
    read_only: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(folder)

    code, out, _ = run(["--user", "newcomer", "api", "affinity-analysis", "--db", str(read_only)], capsys,
                       monkeypatch, AFFINITY)  # fmt: skip

    assert code == ExitCode.READ_ONLY
    assert "has no user 'newcomer' and is read-only" in error_of(out) and "--user NAME" in error_of(out)
    assert snapshot(folder) == before


def test_demo_into_a_read_only_folder_says_so(
    read_only: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(folder)

    code, out, _ = run(["demo", "--db", str(folder / "new.sqlite"), "--devices", "1", "--days", "30"], capsys,
                       monkeypatch)  # fmt: skip

    assert code == ExitCode.READ_ONLY
    assert f"cannot build the demo fleet at {folder / 'new.sqlite'}: the folder {folder} cannot be written" in (
        error_of(out)
    )
    assert snapshot(folder) == before


@pytest.fixture
def damaged(fleet: Path) -> Path:
    """64 KB overwritten in the middle of the file: SQLite's quick_check fails on it."""
    with fleet.open("r+b") as file:
        file.seek(fleet.stat().st_size // 2 // 4096 * 4096)
        file.write(b"\xa5" * 65536)
    return fleet


@pytest.mark.parametrize(
    "argv, stdin",
    [
        (CREATE, ""),
        (["--user", MANAGER, "api", "affinity-analysis"], AFFINITY),
        (["--user", MANAGER, *EXPORT, "--out", "{tmp}/sheet.json"], ""),
    ],
    ids=["experiment create", "api affinity-analysis", "export"],
)
def test_a_damaged_database_is_refused_before_anything_is_written(
    argv: list[str], stdin: str, damaged: Path, folder: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    before = snapshot(folder)
    argv = [part.replace("{tmp}", str(tmp_path)) for part in argv]

    code, out, err = run([*argv, "--db", str(damaged)], capsys, monkeypatch, stdin)

    assert code == ExitCode.CORRUPT == 8
    message = err if "export" in argv else error_of(out)
    assert "fleet.sqlite is damaged: SQLite's quick_check says" in message
    assert "nothing was written to it. Restore it from a backup" in message
    assert snapshot(folder) == before
    assert not (tmp_path / "sheet.json").exists()


@pytest.mark.parametrize("argv", [["backtest"], ["experiment", "list"]], ids=["backtest", "experiment list"])
def test_a_truncated_database_is_damaged(
    argv: list[str], fleet: Path, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with fleet.open("r+b") as file:
        file.truncate(fleet.stat().st_size // 3)
    before = snapshot(folder)

    code, out, _ = run([*argv, "--db", str(fleet)], capsys, monkeypatch)

    assert code == ExitCode.CORRUPT
    assert "fleet.sqlite is damaged" in error_of(out) and "Restore it from a backup" in error_of(out)
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    "content, words",
    [(b"", "is empty (0 bytes): it is not a Planogram Studio database"),
     (b"shopping list\n" * 300, "is not a readable database: it is not a SQLite file")],
    ids=["0-byte file", "text file"],
)  # fmt: skip
@pytest.mark.parametrize("call", sorted(READING_CALLS))
def test_an_empty_or_non_sqlite_file_is_never_written(
    content: bytes, words: str, call: str, folder: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    odd = folder / "odd.sqlite"
    odd.write_bytes(content)
    before = snapshot(folder)
    argv, stdin = READING_CALLS[call]

    code, out, _ = run([*argv, "--db", str(odd)], capsys, monkeypatch, stdin)

    assert code == ExitCode.NOT_A_DATABASE
    assert words in error_of(out) and "left untouched" in error_of(out)
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    "argv, stdin",
    [
        (["sync", "status", "--cvd", "cvd.sqlite"], ""),
        (["experiment", "list"], ""),
        (["--user", MANAGER, "api", "affinity-analysis"], AFFINITY),
    ],
    ids=["sync status", "experiment list", "api affinity-analysis"],
)
def test_a_missing_folder_is_never_created_by_a_reading_command(
    argv: list[str], stdin: str, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = folder / "missing" / "dir" / "wc.sqlite"

    code, out, _ = run([*argv, "--db", str(missing)], capsys, monkeypatch, stdin)

    assert code == ExitCode.NO_DATABASE
    assert f"there is no database at {missing}" in error_of(out)
    assert list(folder.iterdir()) == []


def test_export_from_a_missing_folder_creates_nothing(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = folder / "missing" / "fleet.sqlite"

    code, _, err = run([*EXPORT, "--out", str(tmp_path / "x.json"), "--db", str(missing)], capsys, monkeypatch)

    assert code == ExitCode.NO_DATABASE
    assert f"there is no database at {missing}" in err and "does not exist" in err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("table", ["sales", "users", "dex_reads"])
def test_a_cvd_file_missing_a_table_names_it(
    table: str, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cvd = folder / "cvd.sqlite"
    write_cvd_database(f"sqlite:///{cvd}")
    with closing(sqlite3.connect(cvd)) as connection:
        connection.execute(f"DROP TABLE {table}")
    before = snapshot(folder)

    code, out, _ = run(["sync", "pull", "--cvd", str(cvd), "--db", str(folder / "wc.sqlite")], capsys, monkeypatch)

    assert code == ExitCode.BAD_INPUT
    message = error_of(out)
    assert f"lacks CVD's table {table}: it is not a CVD database of a version sync knows" in message
    assert "run the sync again" not in message and "stopped answering" not in message
    assert snapshot(folder) == before  # no working copy was created


def test_a_killed_demo_build_leaves_nothing_after_the_next_run(folder: Path) -> None:
    """kill -9 skips every ``finally``: the half-built file stays until the next build of the same target."""
    target = folder / "fleet.sqlite"
    command = [sys.executable, "main.py", "demo", "--db", str(target), "--devices", "40"]
    build = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # until the build has written into its file (at most a minute)
            leftovers = list(folder.glob(".fleet.sqlite.*.building*"))
            if any(file.stat().st_size > 0 for file in leftovers):
                break
            time.sleep(0.1)
    finally:
        build.kill()
        build.wait()
    assert list(folder.glob(".fleet.sqlite.*.building")), "the build was not caught part-way"

    build_demo_fleet(f"sqlite:///{target}", devices=1, days=30, seed=5)

    assert [file.name for file in folder.iterdir()] == ["fleet.sqlite"]


def test_a_build_still_running_is_left_alone(folder: Path) -> None:
    import fcntl

    target = folder / "fleet.sqlite"
    running = folder / ".fleet.sqlite.0123abcd.building"
    dead = folder / ".fleet.sqlite.89abcdef.building"
    for file in (running, dead, Path(f"{dead}-wal"), Path(f"{dead}-shm")):
        file.write_bytes(b"half")
    with running.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)

        removed = remove_leftover_builds(target)

    assert sorted(file.name for file in removed) == sorted([dead.name, f"{dead.name}-wal", f"{dead.name}-shm"])
    assert [file.name for file in folder.iterdir()] == [running.name]


def test_a_pull_into_an_empty_file_leaves_it_empty(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a command that may create its database never writes into an existing empty file."""
    cvd = folder / "cvd.sqlite"
    write_cvd_database(f"sqlite:///{cvd}")
    empty = folder / "wc.sqlite"
    empty.write_bytes(b"")
    before = snapshot(folder)

    code, out, _ = run(["sync", "pull", "--cvd", str(cvd), "--db", str(empty)], capsys, monkeypatch)

    assert code == ExitCode.NOT_A_DATABASE
    assert f"{empty} is empty (0 bytes)" in error_of(out)
    assert snapshot(folder) == before
