"""The developer's and CI's throwaway PostgreSQL cluster: start prints the export line, stop deletes it all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.postgres_support import ENV_VARIABLE, require_server

ROOT = Path(__file__).resolve().parents[2]


def _command(action: str, folder: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PLANOGRAM_TEST_POSTGRES_DIR": str(folder)}
    return subprocess.run(
        [sys.executable, "-m", "tests.postgres_support", action],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def cluster_folder() -> Iterator[Path]:
    """Where the second cluster lives; reachable by the postgres account the server runs as under root."""
    scratch = Path(tempfile.mkdtemp(prefix="planogram-cluster-test-"))
    scratch.chmod(0o755)
    yield scratch / "cluster"
    _command("stop", scratch / "cluster")
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.slow
def test_start_prints_a_working_url_env_repeats_it_and_stop_removes_the_cluster(cluster_folder: Path) -> None:
    require_server()  # the same PostgreSQL installation the suite's server runs on
    started = _command("start", cluster_folder)
    assert started.returncode == 0, started.stderr
    line = started.stdout.strip()
    assert line.startswith(f"export {ENV_VARIABLE}=postgresql+psycopg://postgres@127.0.0.1:")
    engine = sa.create_engine(line.split("=", 1)[1], poolclass=NullPool)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW listen_addresses").scalar() == "127.0.0.1"
    engine.dispose()
    assert _command("env", cluster_folder).stdout.strip() == line
    assert _command("start", cluster_folder).stdout.strip() == line  # a second start reuses the running cluster

    stopped = _command("stop", cluster_folder)
    assert stopped.returncode == 0, stopped.stderr
    assert not cluster_folder.exists()
    after = _command("env", cluster_folder)
    assert after.returncode == 1 and "no test cluster is running" in after.stderr
