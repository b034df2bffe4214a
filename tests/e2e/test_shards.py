"""Sharding at the Discord layer: several bot processes (SHARD_COUNT / SHARD_IDS) on one database,
each answering the interactions of its own servers, exactly once between them.

The processes share one PostgreSQL database (the `shared_database` fixture): SQLite is one process's
file. Deadlines and announcements across processes: tests/reliability/test_shards_settle_once.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.clock import ManualClock
from bot.domain.shards import ShardSet, shard_of
from bot.store import announcements
from tests.e2e.challenge_support import create
from tests.e2e.harness import (
    BotHandle,
    BotProcess,
    bot_idle_probe,
    bot_process_env,
    spawn_bot_process,
    start_bot_process,
)
from tests.e2e.test_health import health, wait_for_file
from tests.emulator import DiscordEmulator, Guild, InteractionResult
from tests.engines import TestEngine

SHARDS = 2


@dataclass(frozen=True)
class SharedDatabase:
    """One database for every bot process of a test: how each is told to use it."""

    path: Path
    """`BotHandle`'s database path (and where heartbeat files go)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """More settings for in-process bots (`BotHandle(..., **settings)`)."""
    env: dict[str, str] = field(default_factory=dict)
    """More environment for `python -m bot` (on top of `bot_process_env`)."""


@pytest.fixture(params=["postgres"])
async def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SharedDatabase]:
    """PostgreSQL: the engine several processes share (SQLite is one process's file)."""
    engine = TestEngine(request.param, tmp_path, request.getfixturevalue("pg_server"))
    try:
        yield SharedDatabase(path=engine.path(), settings=await engine.url_setting(), env=await engine.env())
    finally:
        await engine.close()


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    """A Discord that recommends (and places servers on) two shards."""
    async with DiscordEmulator(shards=SHARDS) as emu:
        yield emu


@pytest.fixture
def servers(emulator: DiscordEmulator) -> list[Guild]:
    """Four servers, two on each shard (ids chosen so), created before any bot starts."""
    return [emulator.create_guild(f"Server {i}", member_names=["alice", "bob"], shard=i % SHARDS) for i in range(4)]


def shard_processes(
    emulator: DiscordEmulator, database: SharedDatabase, clock: ManualClock, **settings: Any
) -> list[BotHandle]:
    """One in-process bot per shard: SHARD_COUNT=2 and SHARD_IDS=0, then =1."""
    return [
        BotHandle(
            emulator,
            database.path,
            clock=clock,
            shard_count=SHARDS,
            shard_ids=str(i),
            **database.settings,
            **settings,
        )
        for i in range(SHARDS)
    ]


@contextlib.asynccontextmanager
async def running(handles: list[BotHandle]) -> AsyncIterator[list[BotHandle]]:
    try:
        for handle in handles:  # one after the other: a fresh database is migrated once
            await handle.start()
        handles[0].emulator.idle_probe = bot_idle_probe()  # every in-process bot's handlers, not the last one's
        yield handles
    finally:
        for handle in handles:
            await handle.stop()


def record_interactions(bot: discord.Client) -> list[int | None]:
    """The server of every interaction this bot got (appended as they arrive)."""
    seen: list[int | None] = []

    async def on_interaction(interaction: discord.Interaction) -> None:
        seen.append(interaction.guild_id)

    bot.add_listener(on_interaction)
    return seen


def assert_answered_once_by_its_shard(res: InteractionResult, guild: Guild) -> None:
    shard = shard_of(guild.id, SHARDS)
    assert res.callbacks == 1 and res.acknowledged and not res.errors, f"{guild.name}: {res.callbacks} answers"
    assert [s.shard for s in res.delivered_to] == [(shard, SHARDS)], f"{guild.name}: {res.delivered_to}"


async def test_two_shard_processes_each_answer_their_own_servers_exactly_once(
    emulator: DiscordEmulator, servers: list[Guild], shared_database: SharedDatabase, clock: ManualClock
) -> None:
    async with running(shard_processes(emulator, shared_database, clock)) as handles:
        assert [h.bot.shards_owned for h in handles] == [ShardSet(2, frozenset({i})) for i in (0, 1)]
        assert [sorted(h.bot.shards) for h in handles] == [[0], [1]]
        seen = [record_interactions(h.bot) for h in handles]
        for guild in servers:
            res = await create(emulator, guild.members["alice"])
            assert_answered_once_by_its_shard(res, guild)
            assert "#1" in res.text, res.text  # each server's first challenge, in the one shared database
        for i, handle in enumerate(handles):
            own = [g.id for g in servers if handle.bot.shards_owned.owns(g.id)]
            assert seen[i] == own and len(own) == 2, f"shard {i} answered {seen[i]}, owns {own}"
            assert {g.id for g in handle.bot.guilds} == set(own)  # its gateway told it of its own servers only
        assert all(h.bot.gateway_open() for h in handles)
        assert emulator.violations == []


async def test_a_shard_process_posts_its_own_servers_announcements_and_leaves_the_others(
    emulator: DiscordEmulator, servers: list[Guild], shared_database: SharedDatabase, clock: ManualClock
) -> None:
    """Shard 0's process alone: an announcement queued for a shard-1 server waits for shard 1's process."""
    handle = shard_processes(emulator, shared_database, clock)[0]
    async with handle:
        db, now = handle.bot.svc.db, clock.now()
        mine, other = servers[0], servers[1]  # shard 0, shard 1
        async with db.transaction() as conn:  # results of challenges that no longer exist: dropped when handled
            for ref, guild in enumerate((mine, other), start=998):
                await announcements.queue(conn, guild.id, "challenge_result", ref, guild.default_channel.id, now)
        await handle.bot.outbox.post()
        rows = {
            r["guild_id"]: r
            for r in await db.fetchall("SELECT guild_id, posted_at, attempted_at, attempts FROM announcements")
        }
    assert rows[mine.id]["posted_at"] is not None  # handled by the process that owns its server
    assert rows[other.id]["posted_at"] is None and rows[other.id]["attempted_at"] is None  # untouched
    assert rows[other.id]["attempts"] == 0


async def test_one_process_running_both_shards_answers_in_every_server(
    emulator: DiscordEmulator, servers: list[Guild], shared_database: SharedDatabase, clock: ManualClock
) -> None:
    handle = BotHandle(emulator, shared_database.path, clock=clock, shard_count=SHARDS, **shared_database.settings)
    async with handle:
        bot = handle.bot
        assert bot.shards_owned == ShardSet(2, frozenset({0, 1})) and sorted(bot.shards) == [0, 1]
        assert [s.shard for s in emulator.sessions] == [(0, 2), (1, 2)]
        assert {g.id for g in bot.guilds} == {g.id for g in servers}
        seen = record_interactions(bot)
        for guild in servers:
            res = await emulator.invoke(guild.members["bob"], "help")
            assert_answered_once_by_its_shard(res, guild)
            assert res.text
        assert seen == [g.id for g in servers]
        # Health: every shard's connection must be up. One down (until it resumes) is not healthy.
        assert bot.gateway_open()
        shard = bot.get_shard(1)
        assert shard is not None
        await shard.disconnect()
        await emulator.wait_until(lambda: emulator.session_for_shard(1) is None, what="shard 1 gone")
        assert not bot.gateway_open() and emulator.session_for_shard(0) is not None
        await shard.connect()  # a new IDENTIFY (discord.py waits 5 s before it: Discord's identify limit)
        await emulator.wait_for_shards([1], timeout=handle.timeout)
        assert bot.gateway_open()
        res = await emulator.invoke(servers[1].members["bob"], "help")
        assert_answered_once_by_its_shard(res, servers[1])


async def start_shard_process(
    emulator: DiscordEmulator, tmp_path: Path, database: SharedDatabase, shard_id: int
) -> BotProcess:
    folder = tmp_path / f"shard-{shard_id}"
    folder.mkdir()
    env = {"SHARD_COUNT": str(SHARDS), "SHARD_IDS": str(shard_id), "CHART_PROCESSES": "0"} | database.env
    proc = await start_bot_process(emulator, folder, env, database_path=database.path)
    await emulator.wait_for_shards([shard_id], timeout=30)
    return proc


@pytest.mark.subprocess
async def test_two_real_shard_processes_answer_each_server_exactly_once(
    emulator: DiscordEmulator, servers: list[Guild], shared_database: SharedDatabase, tmp_path: Path
) -> None:
    procs: list[BotProcess] = []
    try:
        for shard_id in range(SHARDS):
            procs.append(await start_shard_process(emulator, tmp_path, shared_database, shard_id))
        for guild in servers:
            res = await emulator.invoke(guild.members["alice"], "help")
            assert_answered_once_by_its_shard(res, guild)
            assert res.text
        for guild in servers:  # and a command that writes to the shared database
            res = await create(emulator, guild.members["bob"])
            assert_answered_once_by_its_shard(res, guild)
        for proc, shard_id in zip(procs, range(SHARDS), strict=True):
            assert f"running shard(s) {shard_id} of {SHARDS}" in proc.output()
        # Each process keeps a heartbeat of its own beside the shared database; `health` finds its own.
        for shard_id in range(SHARDS):
            beat = shared_database.path.with_name(f"{shared_database.path.name}.shards-{shard_id}.heartbeat")
            await wait_for_file(beat)
            env = {"SHARD_COUNT": str(SHARDS), "SHARD_IDS": str(shard_id)} | shared_database.env
            code, line = await health(tmp_path, shared_database.path, **env)
            assert code == 0, line
        code, line = await health(tmp_path, shared_database.path, **shared_database.env)  # no process runs it all
        assert code == 1 and f"no gateway heartbeat at {shared_database.path}.heartbeat" in line, line
        assert emulator.violations == []
    finally:
        codes = [await proc.stop() for proc in procs]
    assert codes == [0] * SHARDS, [p.output()[-2000:] for p in procs]


@pytest.mark.subprocess
async def test_a_shard_count_discord_refuses_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async with DiscordEmulator(shards=4, require_sharding=True) as emu:
        emu.create_guild("Big")
        env = bot_process_env(emu, tmp_path / "fitbet.db") | {"SHARD_COUNT": "2"}
        proc = await spawn_bot_process(tmp_path, env)
        code = await proc.wait(timeout=30)
        output = proc.output()
    assert code == 2, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if " ERROR " in line]
    assert len(errors) == 1, output
    assert "4011" in errors[0] and "SHARD_COUNT=2" in errors[0], errors
