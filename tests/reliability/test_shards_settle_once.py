"""Several real `python -m bot` processes on one PostgreSQL database, with deadlines due at the same
moment: every result, settlement, penalty and announcement happens exactly once.

Each server's deadlines are run by the process of its shard — and, here, also by a process still
running the old layout (SHARD_COUNT=1: every server), as during a re-shard or when a process that
hung comes back. So every due timer and every announcement is wanted by two processes at once; the
claims in the database (bot.store.db `claim`) let one do it. One variant kills a process at a crash
point mid-settlement: the others, and its restart, finish the work once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.faults import EXIT_CODE
from tests.e2e.harness import BotHandle, BotProcess, bot_process_env, spawn_bot_process, start_bot_process
from tests.e2e.test_shards import SHARDS, emulator
from tests.emulator import DiscordEmulator, Guild
from tests.engines import TestEngine
from tests.pg import PgServer

pytestmark = [pytest.mark.subprocess]

__all__ = ["emulator"]  # the two-shard Discord of tests/e2e/test_shards.py

CHALLENGES = ("alice", "bob", "carol")  # each creates one challenge in every server


@pytest.fixture
def servers(emulator: DiscordEmulator) -> list[Guild]:
    """Four servers, two on each shard."""
    return [emulator.create_guild(f"Server {i}", member_names=list(CHALLENGES), shard=i % SHARDS) for i in range(4)]


@pytest.fixture
async def shared(tmp_path: Path, pg_server: PgServer) -> AsyncIterator[TestEngine]:
    """The PostgreSQL database every process of the test shares."""
    engine = TestEngine("postgres", tmp_path, pg_server)
    try:
        yield engine
    finally:
        await engine.close()


async def seed(emulator: DiscordEmulator, servers: list[Guild], engine: TestEngine) -> None:
    """In every server: three challenges whose 7 h ended two hours ago, and a bet on the first (alice
    against bob, accepted) that alice wins in even servers and loses in odd ones."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=9))
    handle = BotHandle(emulator, engine.path(), clock=clock, shard_count=SHARDS, **await engine.url_setting())
    await handle.start()
    try:
        for n, guild in enumerate(servers):
            for name in CHALLENGES:
                member = guild.members[name]
                res = await emulator.invoke(
                    member, "challenge create", activity=f"{name}-pushups", target="2020", unit="reps",
                    duration="7h", mode="total",
                )  # fmt: skip
                assert not res.ephemeral, res.text
            bet = await emulator.invoke(
                guild.members["alice"], "bet create", challenge=1, side="for", stake="run 5 km backwards",
                amount="5", unit="km", opponent=guild.members["bob"],
            )  # fmt: skip
            assert bet.message is not None, bet.text
            await emulator.click(guild.members["bob"], bet.message, label="Accept")
            clock.advance(timedelta(minutes=1))
            for number, name in enumerate(CHALLENGES, start=1):
                amount = "2020" if (name == "alice" and n % 2 == 0) else "1500"
                res = await emulator.invoke(guild.members[name], "challenge log", challenge=number, amount=amount)
                assert not res.ephemeral or "logged" in res.text.lower(), res.text
    finally:
        await handle.stop()


def posts(emulator: DiscordEmulator, guild: Guild) -> list[str]:
    return [m.content for m in emulator.messages(guild.default_channel, include_ephemeral=False) if not m.deleted]


def expected_done(emulator: DiscordEmulator, servers: list[Guild]) -> bool:
    return all(
        sum("is over" in p for p in posts(emulator, g)) >= len(CHALLENGES)
        and sum("is settled" in p for p in posts(emulator, g)) >= 1
        for g in servers
    )


async def assert_exactly_once(emulator: DiscordEmulator, servers: list[Guild], engine: TestEngine) -> None:
    for n, guild in enumerate(servers):
        seen = posts(emulator, guild)
        assert sum("is over" in p for p in seen) == len(CHALLENGES), seen
        assert sum("is settled" in p for p in seen) == 1, seen
        repeated = {text: k for text, k in Counter(seen).items() if k > 1}
        assert not repeated, f"server {n}: repeated posts {repeated}"
    db = await engine.open()
    try:
        statuses = await db.fetchall("SELECT status, COUNT(*) AS n FROM challenges GROUP BY status")
        bets = await db.fetchall("SELECT guild_id, status, winning_side FROM bets")
        penalties = await db.fetchall("SELECT guild_id, debtor_id FROM penalties")
        unposted = await db.fetchone("SELECT COUNT(*) AS n FROM announcements WHERE posted_at IS NULL")
        pending = await db.fetchone(
            "SELECT COUNT(*) AS n FROM timers WHERE done_at IS NULL AND kind LIKE 'challenge_%'"
        )
        per_ref = await db.fetchall(
            "SELECT kind, ref_id, COUNT(*) AS n FROM announcements GROUP BY kind, ref_id HAVING COUNT(*) > 1"
        )
    finally:
        await db.close()
    assert {r["status"]: r["n"] for r in statuses} == {"finished": len(CHALLENGES) * len(servers)}
    assert len(bets) == len(servers) and all(b["status"] == "settled" for b in bets)
    winners = {b["guild_id"]: b["winning_side"] for b in bets}
    for n, guild in enumerate(servers):
        assert winners[guild.id] == ("for" if n % 2 == 0 else "against")
        owed = sorted(p["debtor_id"] for p in penalties if p["guild_id"] == guild.id)
        loser = guild.members["bob"] if n % 2 == 0 else guild.members["alice"]
        assert owed == [loser.id], (n, owed)
    assert unposted is not None and unposted["n"] == 0
    assert pending is not None and pending["n"] == 0
    assert per_ref == []


async def start(
    emulator: DiscordEmulator, engine: TestEngine, servers: list[Guild], name: str, **env: str
) -> BotProcess:
    folder = engine.tmp_path / name
    folder.mkdir()
    full = {"CHART_PROCESSES": "0", **await engine.env(), **env}
    return await start_bot_process(emulator, folder, full, guilds=servers, database_path=engine.path())


async def wait_done(emulator: DiscordEmulator, servers: list[Guild], procs: list[BotProcess]) -> None:
    try:
        await emulator.wait_until(lambda: expected_done(emulator, servers), 90, "every result and settlement posted")
    except Exception:
        for proc in procs:
            print(proc.output()[-3000:])
        raise
    await asyncio.sleep(1.5)  # a second post would come now, if any process were to make one
    await emulator.settle()


async def test_deadlines_due_at_once_are_settled_once_by_processes_that_all_want_them(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine
) -> None:
    await seed(emulator, servers, shared)
    procs = await asyncio.gather(
        start(emulator, shared, servers, "shard-0", SHARD_COUNT=str(SHARDS), SHARD_IDS="0"),
        start(emulator, shared, servers, "shard-1", SHARD_COUNT=str(SHARDS), SHARD_IDS="1"),
        start(emulator, shared, servers, "old-layout", SHARD_COUNT="1"),  # every server, as before a re-shard
    )
    try:
        await wait_done(emulator, servers, procs)
    finally:
        codes = [await p.stop() for p in procs]
    assert codes == [0, 0, 0], [p.output()[-2000:] for p in procs]
    for proc in procs:
        assert "Traceback" not in proc.output(), proc.output()[-3000:]
    await assert_exactly_once(emulator, servers, shared)


@pytest.mark.parametrize("crash_at", ["finish:after_commit", "post:after_send:1"])
async def test_a_process_killed_mid_settlement_leaves_the_work_to_the_others_done_once(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine, crash_at: str
) -> None:
    await seed(emulator, servers, shared)
    folder = shared.tmp_path / "crashing"
    folder.mkdir()
    env = bot_process_env(emulator, shared.path(), servers) | await shared.env()
    env |= {"SHARD_COUNT": "1", "TEST_CRASH_AT": crash_at, "CHART_PROCESSES": "0"}
    crashing = await spawn_bot_process(folder, env, log_name="crash.log")
    assert await crashing.wait(timeout=60) == EXIT_CODE, crashing.output()[-3000:]
    procs = [
        await start(emulator, shared, servers, "shard-0", SHARD_COUNT=str(SHARDS), SHARD_IDS="0"),
        await start(emulator, shared, servers, "shard-1", SHARD_COUNT=str(SHARDS), SHARD_IDS="1"),
    ]
    try:
        await wait_done(emulator, servers, procs)
        procs.append(await start(emulator, shared, servers, "restart", SHARD_COUNT="1"))  # its restart
        await asyncio.sleep(2)
        await emulator.settle()
    finally:
        codes = [await p.stop() for p in procs]
    assert codes == [0, 0, 0], [p.output()[-2000:] for p in procs]
    await assert_exactly_once(emulator, servers, shared)
