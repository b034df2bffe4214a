"""The throwaway PostgreSQL of the tests (`tests/pg.py`): it works, it skips with a reason when it
cannot exist, it fails loudly when it is broken, and no session leaves a server behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests import pg
from tests.pg import PgServer, ScratchDatabase

REPO = Path(__file__).resolve().parents[2]
SUBPROCESS_TIMEOUT_S = 90
# These start clusters of their own, so they need the binaries even when FITBET_TEST_POSTGRES is set.
needs_binaries = pytest.mark.skipif(pg.find_bin_dir() is None, reason=pg.SKIP_REASON)

# A tiny suite run by a pytest of its own: it records where its cluster lives, then ends as told.
TINY_SUITE = """
import os, signal, time
from pathlib import Path
from tests import pg

def test_uses_postgres(pg_server):
    cluster = pg._SESSION.cluster
    if report := os.environ.get("REPORT"):
        Path(report + ".part").write_text(f"{cluster.data_dir}\\n{pg.postmaster_pid(cluster.data_dir)}")
        os.replace(report + ".part", report)
    ending = os.environ.get("ENDING")
    if ending == "ctrl-c":
        raise KeyboardInterrupt
    if ending == "wait":
        time.sleep(60)  # killed by the test long before
"""


async def test_a_fresh_database_round_trips_through_asyncpg(pg_database: ScratchDatabase) -> None:
    conn = await asyncpg.connect(pg_database.dsn)
    try:
        assert await conn.fetchval("SELECT current_database()") == pg_database.name
        await conn.execute("CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL)")
        await conn.execute("INSERT INTO t VALUES ($1, $2)", 2**62, "Sam ✓")
        assert await conn.fetchrow("SELECT id, name FROM t") == (2**62, "Sam ✓")
        assert await conn.fetchval("SHOW max_connections") is not None
    finally:
        await conn.close()


async def test_each_database_has_a_unique_name_and_is_dropped_afterwards(pg_server: PgServer) -> None:
    async with pg.fresh_database(pg_server) as first, pg.fresh_database(pg_server) as second:
        assert first.name != second.name
        assert await _database_names(pg_server) >= {first.name, second.name}
        conn = await asyncpg.connect(first.dsn)  # an open connection does not keep the database alive
    assert not await _database_names(pg_server) & {first.name, second.name}
    assert conn.is_closed() or not await _still_usable(conn)


async def test_a_database_can_be_copied_from_a_template(pg_server: PgServer) -> None:
    async with pg.fresh_database(pg_server) as template:
        conn = await asyncpg.connect(template.dsn)
        await conn.execute("CREATE TABLE migrated (version int)")
        await conn.close()
        async with pg.fresh_database(pg_server, template=template.name) as copy:
            conn = await asyncpg.connect(copy.dsn)
            try:
                assert await conn.fetchval("SELECT count(*) FROM migrated") == 0
            finally:
                await conn.close()


def test_without_server_binaries_postgres_tests_are_skipped_with_a_line_saying_why(tmp_path: Path) -> None:
    empty = tmp_path / "no-binaries"
    empty.mkdir()
    done = _run_tiny_suite(tmp_path, FITBET_PG_BIN=str(empty))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert (
        "PostgreSQL: 1 test skipped: no PostgreSQL server binaries (initdb, pg_ctl) found; "
        "install postgresql-15 or set FITBET_PG_BIN"
    ) in done.stdout


def test_a_given_server_is_used_and_nothing_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pg.SERVER_ENV, "postgresql://fitbet:secret@db.example:5433/postgres")
    monkeypatch.setenv(pg.BIN_ENV, "/nonexistent")
    session = pg._Session()
    server = session.server_or_skip()
    assert session.cluster is None
    assert server.dsn("fitbet_test_x") == "postgresql://fitbet:secret@db.example:5433/fitbet_test_x"
    assert pg.pg_skip_reason() is None
    assert "secret" not in (session.summary(used=1, skipped=0) or "")


def test_socket_dsns_keep_their_host_when_the_database_changes() -> None:
    server = PgServer("postgresql://postgres@/postgres?host=/tmp/fitbet-pg-x", "test")
    assert server.dsn("other") == "postgresql://postgres@/other?host=/tmp/fitbet-pg-x"


@pytest.mark.postgres
@needs_binaries
def test_a_cluster_that_cannot_start_fails_with_its_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pg.SERVER_ENV, raising=False)
    monkeypatch.setitem(pg.SERVER_SETTINGS, "max_connections", "'lots'")
    session = pg._Session()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(BaseException) as failure:  # a skip would hide a broken install: must be a failure
            session.server_or_skip()
        assert isinstance(failure.value, pytest.fail.Exception), repr(failure.value)
        assert session.cluster is not None and session.cluster.root is not None
        assert not session.cluster.root.exists()  # stopped and removed right away
        with pytest.raises(pytest.fail.Exception):  # once failed, not retried for every test
            session.server_or_skip()
    finally:
        signal.signal(signal.SIGTERM, previous)
        session.stop()
    message = str(failure.value)
    assert "pg_ctl start" in message
    assert "max_connections" in message  # the server log's own words


@pytest.mark.postgres
@needs_binaries
@pytest.mark.parametrize("ending", ["pass", "ctrl-c", "sigterm"])
def test_no_postmaster_outlives_a_pytest_session(tmp_path: Path, ending: str) -> None:
    report = tmp_path / "report"
    if ending == "sigterm":
        with _tiny_suite_process(tmp_path, REPORT=str(report), ENDING="wait") as process:
            _wait_for(report, process)
            process.send_signal(signal.SIGTERM)
            process.wait(SUBPROCESS_TIMEOUT_S)
    else:
        done = _run_tiny_suite(tmp_path, REPORT=str(report), ENDING=ending)
        assert ("1 passed" if ending == "pass" else "KeyboardInterrupt") in done.stdout, done.stdout + done.stderr
    data_dir, pid = _read_report(report)
    assert not pg._alive(pid)
    assert not _processes_mentioning(data_dir)
    assert not data_dir.parent.exists()


@pytest.mark.postgres
@needs_binaries
def test_a_cluster_whose_pytest_was_killed_is_removed_by_the_next_session(tmp_path: Path) -> None:
    report = tmp_path / "report"
    with _tiny_suite_process(tmp_path, REPORT=str(report), ENDING="wait") as process:
        _wait_for(report, process)
        process.kill()
        process.wait(SUBPROCESS_TIMEOUT_S)
    data_dir, pid = _read_report(report)
    try:
        assert pg._alive(pid)  # SIGKILL leaves it running: nothing in the process could stop it
        done = _run_tiny_suite(tmp_path / "next")
        assert "1 passed" in done.stdout, done.stdout + done.stderr
        assert not pg._alive(pid)
        assert not data_dir.parent.exists()
    finally:
        pg.stop_cluster_dir(data_dir.parent, pg.find_bin_dir(), pg._server_os_user())


async def _database_names(server: PgServer) -> set[str]:
    conn = await asyncpg.connect(server.admin_dsn)
    try:
        return {row["datname"] for row in await conn.fetch("SELECT datname FROM pg_database")}
    finally:
        await conn.close()


async def _still_usable(conn: asyncpg.Connection) -> bool:
    try:
        await conn.fetchval("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return False
    finally:
        conn.terminate()
    return True


def _tiny_suite_env(tmp_path: Path, **env: str) -> tuple[list[str], dict[str, str]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "test_tiny.py").write_text(TINY_SUITE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "tests.pg", "-p", "no:cacheprovider", "test_tiny.py"]
    environment = {k: v for k, v in os.environ.items() if k not in (pg.SERVER_ENV, pg.BIN_ENV, "PYTEST_ADDOPTS")}
    environment |= {"PYTHONPATH": str(REPO), **env}
    return command, environment


def _run_tiny_suite(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    command, environment = _tiny_suite_env(tmp_path, **env)
    return subprocess.run(
        command,
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )


@contextlib.contextmanager
def _tiny_suite_process(tmp_path: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    command, environment = _tiny_suite_env(tmp_path, **env)
    process = subprocess.Popen(
        command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for(report: Path, process: subprocess.Popen[bytes]) -> None:
    """Until the tiny suite has written its report (its cluster is up); fails if it ended first."""
    for _ in _polls():
        if report.exists():
            return
        assert process.poll() is None, "the tiny suite ended before its cluster was up"
    raise AssertionError("the tiny suite never reported its cluster")


def _polls() -> Iterator[None]:
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT_S
    while time.monotonic() < deadline:
        yield
        time.sleep(0.05)


def _read_report(report: Path) -> tuple[Path, int]:
    data_dir, pid = report.read_text().splitlines()
    return Path(data_dir), int(pid)


def _processes_mentioning(data_dir: Path) -> list[int]:
    """Live processes whose command line names `data_dir` (a postmaster runs as `postgres -D <dir>`)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if str(data_dir).encode() in cmdline and pg._alive(int(proc.name)):
            found.append(int(proc.name))
    return found
