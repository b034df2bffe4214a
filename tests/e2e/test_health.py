"""`python -m bot health` (Docker's HEALTHCHECK) against the real bot process and the emulator:
0 while the bot is connected, non-zero once it stopped, when its heartbeat is stale, or when the
database does not answer. The verdict's details on files: tests/store/test_health.py."""

from __future__ import annotations

import asyncio
import ctypes
import os
import time
import uuid
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.e2e.harness import BotHandle, spawn_bot_process, start_bot_process
from tests.emulator import DiscordEmulator, Guild

pytestmark = pytest.mark.subprocess


async def health(tmp_path: Path, database: Path, **env: str) -> tuple[int, str]:
    proc = await spawn_bot_process(
        tmp_path, {"DATABASE_PATH": str(database), **env}, args=("health",), log_name=f"health-{uuid.uuid4().hex}.log"
    )
    code = await proc.wait(timeout=30)
    return code, proc.output().strip()


async def wait_for_file(path: Path) -> None:
    for _ in range(300):
        if await asyncio.to_thread(path.exists):
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"{path} was never written")


async def test_health_is_0_while_the_bot_runs_and_fails_once_it_stopped(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "fitbet.db"
    proc = await start_bot_process(emulator, tmp_path, guilds=[guild], database_path=database)
    await wait_for_file(tmp_path / "data" / "fitbet.db.heartbeat")  # written when the gateway is ready
    code, line = await health(tmp_path, database)
    assert code == 0, line
    assert line.startswith("healthy: the database answers (") and "gateway heartbeat is" in line

    assert await proc.stop() == 0, proc.output()
    code, line = await health(tmp_path, database)
    assert code == 1, line
    assert line.startswith(
        f"unhealthy: no gateway heartbeat at {database}.heartbeat: the bot is not running,"
        " or has not connected to Discord yet; the database answers ("
    )


async def test_a_stale_heartbeat_fails_the_health_check(tmp_path: Path) -> None:
    database = tmp_path / "fitbet.db"
    db = await Database.open(database)
    await db.migrate()
    await db.close()
    heartbeat = tmp_path / "beat"
    heartbeat.write_text(f"{time.time() - 600:.3f}\n")  # a bot killed 10 minutes ago (kill -9 leaves its file)
    code, line = await health(tmp_path, database, HEARTBEAT_PATH=str(heartbeat), HEARTBEAT_MAX_AGE_SECONDS="120")
    assert code == 1 and "s old, more than HEARTBEAT_MAX_AGE_SECONDS=120" in line, line
    heartbeat.write_text(f"{time.time():.3f}\n")
    code, line = await health(tmp_path, database, HEARTBEAT_PATH=str(heartbeat))
    assert code == 0, line


def _without_root_file_override() -> None:
    """In the child: drop root's right to ignore file permissions (so an unreadable file is unreadable)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


async def test_a_database_the_bot_user_cannot_read_fails_the_health_check(tmp_path: Path) -> None:
    database = tmp_path / "fitbet.db"
    db = await Database.open(database)
    await db.migrate()
    await db.close()
    heartbeat = tmp_path / "beat"
    heartbeat.write_text(f"{time.time():.3f}\n")
    database.chmod(0)
    try:
        proc = await spawn_bot_process(
            tmp_path,
            {"DATABASE_PATH": str(database), "HEARTBEAT_PATH": str(heartbeat)},
            args=("health",),
            log_name="health-unreadable.log",
            preexec_fn=_without_root_file_override if os.geteuid() == 0 else None,
        )
        code = await proc.wait(timeout=30)
    except Exception as exc:  # only when the child could not drop root's override
        if "prctl" in str(exc):
            pytest.skip(f"cannot drop CAP_DAC_OVERRIDE here: {exc}")
        raise
    finally:
        database.chmod(0o600)
    line = proc.output().strip()
    assert code == 1, line
    assert f"the database does not answer (DATABASE_PATH={database}: user id {os.geteuid()}" in line
    assert "Permission denied" in line and "Traceback" not in line


async def test_a_bad_setting_fails_the_health_check_with_1_never_dockers_reserved_2(tmp_path: Path) -> None:
    code, line = await health(tmp_path, tmp_path / "fitbet.db", HEARTBEAT_MAX_AGE_SECONDS="soon")
    assert code == 1, line
    assert line.startswith("unhealthy: Invalid setting HEARTBEAT_MAX_AGE_SECONDS")


async def test_the_in_process_bot_beats_while_connected_and_removes_its_heartbeat_when_it_stops(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path
) -> None:
    handle = BotHandle(emulator, tmp_path / "fitbet.db", guilds=[guild])
    bot = await handle.start()
    beat = tmp_path / "fitbet.db.heartbeat"
    try:
        await wait_for_file(beat)
        assert bot.gateway_open()
        assert [t.get_name() for t in asyncio.all_tasks() if t.get_name() == "fitbet-heartbeat"] == ["fitbet-heartbeat"]
        written = float(beat.read_text())
        assert abs(written - time.time()) < 60  # wall-clock time, not the bot's ManualClock
    finally:
        await handle.stop()
    assert not bot.gateway_open()
    assert not beat.exists()
    assert [t for t in asyncio.all_tasks() if t.get_name() == "fitbet-heartbeat"] == []
