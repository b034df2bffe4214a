"""The real `python -m bot` process: configuration errors, clean shutdown, restart and catch-up."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from tests.e2e.challenge_support import create
from tests.e2e.harness import BotHandle, BotProcess, spawn_bot_process, start_bot_process
from tests.emulator import DiscordEmulator, Guild

pytestmark = pytest.mark.subprocess

SENTINEL_TOKEN = "sentinel-token-MTIzNDU2Nzg5.must-never-be-printed"


async def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await spawn_bot_process(tmp_path, env, args=args, log_name=f"cli-{uuid.uuid4().hex}.log")
    code = await proc.wait(timeout=30)
    return code, proc.output()


async def wait_for_output(proc: BotProcess, text: str) -> None:
    """Poll the process log (15 s at most) until it shows `text`."""
    for _ in range(300):
        if text in proc.output():
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"no {text!r} in:\n{proc.output()[-3000:]}")


async def test_without_a_token_the_bot_exits_2_and_says_how_to_get_one(tmp_path: Path) -> None:
    code, output = await run_cli(tmp_path, {"DATABASE_PATH": str(tmp_path / "db.sqlite")})
    assert code == 2
    assert "DISCORD_TOKEN" in output and "discord.com/developers" in output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1


async def test_an_invalid_setting_exits_2_naming_it_without_printing_the_token(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": SENTINEL_TOKEN, "DEFAULT_TIMEZONE": "Mars/Olympus_Mons", "DEV_GUILD_IDS": "12,x"}
    code, output = await run_cli(tmp_path, env)
    assert code == 2
    assert "DEFAULT_TIMEZONE" in output and "DEV_GUILD_IDS" in output
    assert SENTINEL_TOKEN not in output
    assert "Traceback" not in output


async def test_migrate_and_backup_commands(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "data" / "fitbet.db")}
    code, output = await run_cli(tmp_path, env, "migrate")
    assert code == 0 and "0001_foundation.sql" in output
    code, output = await run_cli(tmp_path, env, "migrate")
    assert code == 0 and "applied 0 migration(s)" in output
    code, output = await run_cli(tmp_path, env, "backup", str(tmp_path / "copy.db"))
    assert code == 0 and "integrity check: ok" in output
    assert (tmp_path / "copy.db").stat().st_size > 0


async def test_sigterm_shuts_down_cleanly_and_the_token_never_shows(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path
) -> None:
    proc = await start_bot_process(emulator, tmp_path, {"DISCORD_TOKEN": emulator.token, "LOG_LEVEL": "DEBUG"})
    res = await emulator.invoke(guild.members["alice"], "help")
    assert res.ephemeral and "/challenge create" in res.text
    assert await proc.stop() == 0
    output = proc.output()
    assert "Traceback" not in output
    assert emulator.token not in output
    assert "shutting down" in output


async def test_deadline_passed_while_down_is_settled_once_by_the_real_process(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path
) -> None:
    # Create the challenge 8 hours "ago" with the in-process bot, so its 7 h deadline is already
    # past for the real process, which runs on the system clock.
    database = tmp_path / "fitbet.db"
    past = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=8))
    handle = BotHandle(emulator, database, clock=past, guilds=[guild])
    await handle.start()
    alice = guild.members["alice"]
    await create(emulator, alice)  # a fixed 7 h window, so the deadline decides it
    past.advance(timedelta(hours=2))
    await emulator.invoke(alice, "challenge log", amount="2000")
    await handle.stop()

    channel = guild.default_channel
    before = len(emulator.messages(channel, include_ephemeral=False))
    for attempt in range(2):  # the second start must not post it again
        proc = await start_bot_process(emulator, tmp_path, guilds=[guild], database_path=database)
        await wait_for_output(proc, "start-up catch-up done")
        await emulator.settle()
        results = [m for m in emulator.messages(channel, include_ephemeral=False)[before:] if "is over" in m.content]
        assert len(results) == 1, f"start {attempt + 1}: {[m.content for m in results]}"
        # The chart follows by an edit if it was not drawn in time (the workers may still be starting).
        result = results[0]
        await emulator.wait_until(lambda: bool(result.attachments), 15, "the result's chart")  # noqa: B023
        assert result.attachments[0].filename.endswith(".png")
        assert await proc.stop() == 0, proc.output()
