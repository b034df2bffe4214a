"""Start-up faults of the real `python -m bot`: each ends at once with one line naming the cause and
the setting, no traceback and a non-zero exit; it never hangs and never writes to a stranger's file.

The database faults run with DISCORD_API_BASE on a closed port: they are found before Discord is
asked anything.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import socket
import sqlite3
import stat
import uuid
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.e2e.harness import REPO_ROOT, spawn_bot_process
from tests.pg import PgServer

pytestmark = pytest.mark.subprocess

TOKEN = "not-a-real-token"
HANG = 30  # seconds: a process still running after this is hanging


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unreachable_discord() -> dict[str, str]:
    return {"DISCORD_API_BASE": f"http://127.0.0.1:{closed_port()}/api/v10", "DISCORD_CONNECT_RETRY_SECONDS": "2"}


async def run_bot(tmp_path: Path, env: dict[str, str], *args: str, preexec_fn: object = None) -> tuple[int, str]:
    full = {"DISCORD_TOKEN": TOKEN} | unreachable_discord() | env
    proc = await spawn_bot_process(
        tmp_path,
        full,
        args=args,
        log_name=f"bot-{uuid.uuid4().hex}.log",
        preexec_fn=preexec_fn,  # type: ignore[arg-type]
    )
    code = await proc.wait(timeout=HANG)
    return code, proc.output()


async def one_line_failure(tmp_path: Path, env: dict[str, str], code: int, **kwargs: object) -> str:
    exit_code, output = await run_bot(tmp_path, env, **kwargs)  # type: ignore[arg-type]
    assert "Traceback" not in output, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert exit_code == code, output
    return lines[0]


async def fitbet_database(path: Path) -> None:
    db = await Database.open(path)
    try:
        await db.migrate()
    finally:
        await db.close()


# ---- DATABASE_URL that can't be used ---------------------------------------------------------


async def test_a_database_url_that_is_not_postgresql_is_a_setting_error_in_one_line(tmp_path: Path) -> None:
    line = await one_line_failure(tmp_path, {"DATABASE_URL": "mysql://fitbet:pw@localhost/fitbet"}, 2)
    assert "DATABASE_URL" in line and "postgresql://" in line
    assert "pw" not in line.replace("postgresql", "")  # the given URL (and its password) is not repeated


async def test_a_postgresql_nobody_answers_at_is_one_line_with_the_password_masked(tmp_path: Path) -> None:
    url = f"postgresql://fitbet:hunter2@127.0.0.1:{closed_port()}/fitbet"
    line = await one_line_failure(tmp_path, {"DATABASE_URL": url}, 1)
    assert "DATABASE_URL: cannot connect to PostgreSQL at postgresql://fitbet:***@127.0.0.1:" in line, line
    assert "hunter2" not in line


async def test_a_postgresql_database_that_does_not_exist_is_named_in_one_line(
    tmp_path: Path, pg_server: PgServer
) -> None:
    url = pg_server.dsn(f"missing_{uuid.uuid4().hex[:8]}")
    line = await one_line_failure(tmp_path, {"DATABASE_URL": url}, 1)
    assert "DATABASE_URL: cannot connect to PostgreSQL" in line and "does not exist" in line, line


async def test_backup_with_postgresql_points_at_pg_dump_in_one_line(tmp_path: Path) -> None:
    url = f"postgresql://fitbet:hunter2@127.0.0.1:{closed_port()}/fitbet"
    code, output = await run_bot(tmp_path, {"DATABASE_URL": url}, "backup", str(tmp_path / "copy.db"))
    assert code == 2 and "Traceback" not in output, output
    (line,) = output.strip().splitlines()
    assert "pg_dump" in line and "hunter2" not in line
    assert not (tmp_path / "copy.db").exists()


# ---- DATABASE_PATH that can't be used --------------------------------------------------------


async def test_a_database_path_that_is_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(folder)}, 2)
    assert f"DATABASE_PATH={folder}" in line and "folder" in line and str(folder / "fitbet.db") in line


async def test_a_database_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be\n")
    line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(blocker / "sub" / "fitbet.db")}, 2)
    assert "DATABASE_PATH=" in line and f"{blocker} is a file" in line


def _without_root_file_override() -> None:
    """In the child: drop root's right to ignore file permissions (so a read-only folder is read-only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.mark.parametrize("inside", ["fitbet.db", "sub/fitbet.db"], ids=["file", "folder-to-create"])
async def test_a_database_folder_without_write_access_names_the_folder_and_the_user(
    tmp_path: Path, inside: str
) -> None:
    # Like a root-owned bind mount in Docker: the folder exists, the bot's user may not write in it.
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    preexec = _without_root_file_override if os.geteuid() == 0 else None
    try:
        line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(folder / inside)}, 2, preexec_fn=preexec)
    except Exception as exc:  # only when the child could not drop root's override
        if "prctl" in str(exc):
            pytest.skip(f"cannot drop CAP_DAC_OVERRIDE here: {exc}")
        raise
    finally:
        folder.chmod(stat.S_IRWXU)
    assert f"DATABASE_PATH={folder / inside}" in line
    assert f"write access to the folder {folder}" in line
    assert f"user id {os.geteuid()}" in line
    assert list(folder.iterdir()) == []


# ---- files that are not fitbet's, or damaged ------------------------------------------------


async def test_a_file_that_is_not_sqlite_is_refused_unchanged_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping: eggs, flour\n" * 20)
    before = path.read_bytes()
    line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(path)}, 2)
    assert f"DATABASE_PATH={path}" in line and "not a SQLite database" in line
    assert path.read_bytes() == before


async def test_a_truncated_fitbet_database_is_refused_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "fitbet.db"
    await fitbet_database(path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 3])
    line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(path)}, 1)
    assert f"DATABASE_PATH={path}" in line and "cut short" in line and "backup" in line


async def test_a_fitbet_database_damaged_inside_is_refused_without_hanging(tmp_path: Path) -> None:
    # The header and the schema are sound; the page of schema_migrations, read by the first
    # migration step (on the bot's own connection), is garbage.
    path = tmp_path / "fitbet.db"
    await fitbet_database(path)
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'schema_migrations'").fetchone()
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xa5" * page_size)
    line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(path)}, 1)
    assert f"DATABASE_PATH={path}" in line and "damaged" in line and "backup" in line


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("kind", ["tables", "application_id"])
async def test_another_applications_sqlite_file_is_refused_and_left_byte_for_byte(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    path = folder / "app.db"
    with sqlite3.connect(path) as conn:
        if kind == "application_id":
            conn.execute("PRAGMA application_id = 1297105496")  # MBTiles
        # Another tool's migrations table, with the name fitbet uses.
        conn.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)")
        conn.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.close()
    before = _files(folder)
    line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(path)}, 2)
    assert f"DATABASE_PATH={path}" in line and "another application's" in line and "unchanged" in line
    assert _files(folder) == before  # same files, same bytes: no -wal, no migration, no stamp


# ---- migrations ------------------------------------------------------------------------------


async def test_two_migrations_with_the_same_number_refuse_to_start_naming_both(tmp_path: Path) -> None:
    # A copy of the bot whose migrations folder holds a second 0002 (the process imports the copy:
    # `python -m` puts its working directory first on sys.path).
    for name in ("bot", "cogs", "migrations"):
        shutil.copytree(REPO_ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "migrations" / "0002_also_two.sql").write_text("CREATE TABLE also_two (x INTEGER);\n")
    path = tmp_path / "fitbet.db"
    line = await one_line_failure(tmp_path, {"DATABASE_PATH": str(path)}, 1)
    assert "0002_challenges.sql" in line and "0002_also_two.sql" in line
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "also_two" not in tables and "challenges" not in tables  # refused before any migration


# ---- Discord ---------------------------------------------------------------------------------


async def test_discord_unreachable_at_start_up_is_retried_then_the_bot_exits_with_one_line(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "fitbet.db"), "LOG_LEVEL": "WARNING"} | unreachable_discord()
    code, output = await run_bot(tmp_path, env)
    assert code == 1, output
    assert "Traceback" not in output, output
    *retries, last = output.strip().splitlines()
    assert len(retries) >= 2, output  # 2 s of retries: after 1 s, then after the rest
    assert all("Discord is unreachable" in line and "trying again in" in line for line in retries), output
    assert "gave up" in last and "DISCORD_API_BASE" in last and "DISCORD_CONNECT_RETRY_SECONDS=2" in last


async def test_sigterm_while_waiting_for_discord_ends_the_bot_at_once(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "fitbet.db")} | unreachable_discord()
    env["DISCORD_CONNECT_RETRY_SECONDS"] = "600"
    proc = await spawn_bot_process(tmp_path, env)
    await proc.wait_for_output("trying again", timeout=HANG)
    assert await proc.stop(timeout=HANG) == 0, proc.output()
    assert "Traceback" not in proc.output(), proc.output()
