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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.faults import EXIT_CODE
from bot.scheduling import Timers
from bot.services import bets as bet_service
from bot.services import challenges as challenge_service
from bot.services.bets import OpponentInfo
from bot.services.context import Services
from bot.services.wiring import wire
from bot.settings import load_settings
from tests.e2e.harness import BotHandle, BotProcess, bot_process_env, spawn_bot_process, start_bot_process
from tests.e2e.test_shards import SHARDS, emulator
from tests.emulator import DiscordEmulator, Guild
from tests.engines import TestEngine
from tests.pg import PgServer
from tests.reliability.test_crash_recovery import ALL_POINTS

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


@dataclass(frozen=True)
class Plan:
    """What the seeded servers must end with: per server, results and settlements posted, and who owes."""

    results: int
    settlements: int
    debtors: dict[int, list[int]]  # guild id → the debtors of its penalties, sorted


async def seed(emulator: DiscordEmulator, servers: list[Guild], engine: TestEngine) -> Plan:
    """In every server, through Discord: three challenges whose 7 h ended two hours ago, and a bet on
    the first (alice against bob, accepted) that alice wins in even servers and loses in odd ones."""
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
    loser = {g.id: g.members["bob" if n % 2 == 0 else "alice"].id for n, g in enumerate(servers)}
    return Plan(results=len(CHALLENGES), settlements=1, debtors={g: [u] for g, u in loser.items()})


async def seed_many(servers: list[Guild], engine: TestEngine, per_server: int) -> Plan:
    """Through the service layer (quicker for many): `per_server` challenges in every server, each
    with an accepted bet (alice against bob) that alice wins on even challenges; all ended 2 h ago."""
    db = await engine.open()
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=9))
    config = load_settings(require_token=False, _env_file=None, **await engine.settings())
    svc = Services(db=db, clock=clock, settings=config, timers=Timers(db, clock))
    wire(svc)
    debtors: dict[int, list[int]] = {}
    try:
        for guild in servers:
            alice, bob = guild.members["alice"].id, guild.members["bob"].id
            numbers = []
            for _ in range(per_server):
                view = await challenge_service.create(
                    svc, guild_id=guild.id, channel_id=guild.default_channel.id, creator_id=alice,
                    activity="pushups", target="2020", unit="reps", duration="7h", mode="total",
                    clock_starts_at_first_log=False,
                )  # fmt: skip
                bet = await bet_service.create_bet(
                    svc, guild_id=guild.id, channel_id=guild.default_channel.id, proposer_id=alice, side="for",
                    stake="run 5 km backwards", amount="5", unit="km", challenge_no=view.row.no,
                    opponents=[OpponentInfo(user_id=bob, is_bot=False, in_guild=True)],
                )  # fmt: skip
                await bet_service.accept(svc, guild.id, bet.row.no, bob)
                numbers.append(view.row.no)
            clock.advance(timedelta(seconds=1))
            for k, no in enumerate(numbers):
                await challenge_service.log(svc, guild.id, no, alice, "2020" if k % 2 == 0 else "1500")
            debtors[guild.id] = sorted(bob if k % 2 == 0 else alice for k in range(per_server))
    finally:
        await db.close()
    return Plan(results=per_server, settlements=per_server, debtors=debtors)


def posts(emulator: DiscordEmulator, guild: Guild) -> list[str]:
    return [m.content for m in emulator.messages(guild.default_channel, include_ephemeral=False) if not m.deleted]


def expected_done(emulator: DiscordEmulator, servers: list[Guild], plan: Plan) -> bool:
    return all(
        sum("is over" in p for p in posts(emulator, g)) >= plan.results
        and sum("is settled" in p for p in posts(emulator, g)) >= plan.settlements
        for g in servers
    )


async def assert_exactly_once(emulator: DiscordEmulator, servers: list[Guild], engine: TestEngine, plan: Plan) -> None:
    for n, guild in enumerate(servers):
        seen = posts(emulator, guild)
        assert sum("is over" in p for p in seen) == plan.results, seen
        assert sum("is settled" in p for p in seen) == plan.settlements, seen
        # A result or settlement names its challenge or bet: the same text twice is the same post twice.
        announced = [p for p in seen if "is over" in p or "is settled" in p or "owes" in p]
        repeated = {text: k for text, k in Counter(announced).items() if k > 1}
        assert not repeated, f"server {n}: repeated posts {repeated}"
    db = await engine.open()
    try:
        statuses = await db.fetchall("SELECT status, COUNT(*) AS n FROM challenges GROUP BY status")
        bets = await db.fetchall("SELECT guild_id, status FROM bets")
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
    assert {r["status"]: r["n"] for r in statuses} == {"finished": plan.results * len(servers)}
    assert len(bets) == plan.settlements * len(servers) and all(b["status"] == "settled" for b in bets)
    for guild in servers:
        owed = sorted(p["debtor_id"] for p in penalties if p["guild_id"] == guild.id)
        assert owed == plan.debtors[guild.id], (guild.name, owed)
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


async def wait_done(emulator: DiscordEmulator, servers: list[Guild], plan: Plan, procs: list[BotProcess]) -> None:
    try:
        await emulator.wait_until(
            lambda: expected_done(emulator, servers, plan), 180, "every result and settlement posted"
        )
    except Exception:
        for proc in procs:
            print(proc.output()[-3000:])
        raise
    await asyncio.sleep(1.5)  # a second post would come now, if any process were to make one
    await emulator.settle()


async def test_deadlines_due_at_once_are_settled_once_by_processes_that_all_want_them(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine
) -> None:
    plan = await seed(emulator, servers, shared)
    await settle_with_three_processes(emulator, servers, shared, plan)


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
async def test_a_hundred_deadlines_due_at_once_are_settled_once_round_after_round(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine, round_: int
) -> None:
    plan = await seed_many(servers, shared, per_server=25)
    await settle_with_three_processes(emulator, servers, shared, plan)


async def settle_with_three_processes(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine, plan: Plan
) -> None:
    procs = await asyncio.gather(
        start(emulator, shared, servers, "shard-0", SHARD_COUNT=str(SHARDS), SHARD_IDS="0"),
        start(emulator, shared, servers, "shard-1", SHARD_COUNT=str(SHARDS), SHARD_IDS="1"),
        start(emulator, shared, servers, "old-layout", SHARD_COUNT="1"),  # every server, as before a re-shard
    )
    try:
        await wait_done(emulator, servers, plan, procs)
    finally:
        codes = [await p.stop() for p in procs]
    assert codes == [0, 0, 0], [p.output()[-2000:] for p in procs]
    for proc in procs:
        assert "Traceback" not in proc.output(), proc.output()[-3000:]
    await assert_exactly_once(emulator, servers, shared, plan)


@pytest.mark.parametrize("crash_at", ["finish:after_commit", "post:after_send:1"])
async def test_a_process_killed_mid_settlement_leaves_the_work_to_the_others_done_once(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine, crash_at: str
) -> None:
    await crash_one_then_finish(emulator, servers, shared, crash_at, await seed(emulator, servers, shared))


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", ALL_POINTS)
async def test_a_process_killed_at_any_crash_point_among_many_deadlines(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine, crash_at: str
) -> None:
    await crash_one_then_finish(emulator, servers, shared, crash_at, await seed_many(servers, shared, per_server=10))


async def crash_one_then_finish(
    emulator: DiscordEmulator, servers: list[Guild], shared: TestEngine, crash_at: str, plan: Plan
) -> None:
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
        await wait_done(emulator, servers, plan, procs)
        procs.append(await start(emulator, shared, servers, "restart", SHARD_COUNT="1"))  # its restart
        await asyncio.sleep(2)
        await emulator.settle()
    finally:
        codes = [await p.stop() for p in procs]
    assert codes == [0, 0, 0], [p.output()[-2000:] for p in procs]
    await assert_exactly_once(emulator, servers, shared, plan)
