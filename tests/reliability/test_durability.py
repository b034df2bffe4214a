"""Durability: `kill -9` in the middle of a burst of writes leaves a sound database that holds every
acknowledged log; `python -m bot backup` makes a consistent copy while the bot runs."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.e2e.harness import bot_process_env, spawn_bot_process, start_bot_process
from tests.emulator import DiscordEmulator, DriverError, EmulatorError, Guild, Member

pytestmark = pytest.mark.subprocess


async def log_once(emulator: DiscordEmulator, member: Member, amount: int) -> bool:
    """True when the bot acknowledged the log publicly (it was committed before the reply)."""
    try:
        res = await emulator.invoke(member, "challenge log", amount=str(amount), settle=False, timeout=5)
    except (EmulatorError, DriverError, TimeoutError):
        return False
    return not res.ephemeral and "logged" in res.content


async def sound_database(path: Path) -> tuple[str, int]:
    db = await Database.open(path)
    try:
        check = await db.fetchone("PRAGMA integrity_check")
        total = await db.fetchone("SELECT COALESCE(SUM(amount), 0) FROM logs WHERE struck_at IS NULL")
    finally:
        await db.close()
    assert check is not None and total is not None
    return str(check[0]), int(total[0])


async def test_kill_9_during_a_burst_of_writes_keeps_the_database_sound(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path
) -> None:
    database = tmp_path / "fitbet.db"
    proc = await start_bot_process(emulator, tmp_path, guilds=[guild], database_path=database)
    members = [guild.members[name] for name in ("alice", "bob", "carol")]
    created = await emulator.invoke(
        members[0], "challenge create", activity="squats", unit="reps", duration="1d", mode="most"
    )
    assert not created.ephemeral, created.text
    for member in members[1:]:
        await emulator.invoke(member, "challenge join", challenge=1)

    acknowledged = 0
    well_under_way = asyncio.Event()

    async def burst(member: Member) -> None:
        nonlocal acknowledged
        for _ in range(60):
            if await log_once(emulator, member, 1):
                acknowledged += 1
                if acknowledged >= 40:
                    well_under_way.set()

    writers = [asyncio.create_task(burst(m)) for m in members]
    await asyncio.wait_for(well_under_way.wait(), 60)  # well into the burst …
    proc.process.send_signal(signal.SIGKILL)  # … the process dies without any cleanup
    assert await proc.wait() == -signal.SIGKILL
    await asyncio.gather(*writers)
    emulator.take_violations()  # interactions the dead bot never answered are expected here

    check, total = await sound_database(database)
    assert check == "ok"
    assert total >= acknowledged, "every acknowledged log survived"
    assert total <= 3 * 60

    # And the bot starts again on it.
    proc = await start_bot_process(emulator, tmp_path, guilds=[guild], database_path=database)
    status = await emulator.invoke(members[0], "challenge status", challenge=1)
    assert not status.ephemeral, status.text
    assert await proc.stop() == 0


async def test_backup_while_the_bot_runs_is_a_consistent_copy(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path
) -> None:
    database = tmp_path / "fitbet.db"
    proc = await start_bot_process(emulator, tmp_path, guilds=[guild], database_path=database)
    alice = guild.members["alice"]
    await emulator.invoke(alice, "challenge create", activity="squats", target="1000", unit="reps", duration="1d")
    for _ in range(20):
        await log_once(emulator, alice, 5)

    async def keep_logging() -> None:
        for _ in range(30):
            await log_once(emulator, alice, 1)

    writer = asyncio.create_task(keep_logging())
    env = bot_process_env(emulator, database, [guild])
    backup = await spawn_bot_process(tmp_path, env, args=["backup", str(tmp_path / "copy.db")], log_name="b.log")
    assert await backup.wait(timeout=30) == 0, backup.output()
    await writer
    assert "integrity check: ok" in backup.output()
    check, total = await sound_database(tmp_path / "copy.db")
    assert check == "ok"
    assert 100 <= total <= 130  # everything before the backup, maybe some of what came during it
    assert await proc.stop() == 0
