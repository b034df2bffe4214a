"""Crash anywhere between "deadline reached" and "penalties announced", restart, and check that every
result, settlement, penalty and announcement exists exactly once.

The real `python -m bot` process is killed at a named point (TEST_CRASH_AT, see bot/faults.py) —
an abrupt exit, no cleanup — then started again without the fault. A few points run by default;
`pytest -m slow tests/reliability` runs every point and hit count (≥ 50 trials).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.faults import EXIT_CODE
from tests.e2e.harness import BotHandle, BotProcess, bot_process_env, spawn_bot_process, start_bot_process
from tests.emulator import DiscordEmulator, Guild
from tests.engines import TestEngine

pytestmark = pytest.mark.subprocess

# Announcements the story produces once the deadline has passed: the result and the settlement.
EXPECTED_POSTS = ("is over", "is settled")


class Story:
    """A variant of the seed story chosen by `seed`: Sam makes it or not, one or two opponents."""

    def __init__(self, guild: Guild, seed: int) -> None:
        self.sam = guild.members["alice"]
        self.opponents = [guild.members["bob"], guild.members["carol"]][: 1 + (seed // 2) % 2]
        self.makes_it = seed % 2 == 0

    @property
    def losers(self) -> list[int]:
        return sorted(m.id for m in self.opponents) if self.makes_it else [self.sam.id]


async def story_with_a_missed_deadline(
    emulator: DiscordEmulator, guild: Guild, engine: TestEngine, story: Story
) -> None:
    """Sam bets on his 2,020 pushups; the 7 h deadline is already in the past."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=9))
    handle = BotHandle(emulator, engine.path(), clock=clock, guilds=[guild], **await engine.url_setting())
    await handle.start()
    try:
        sam = story.sam
        await emulator.invoke(
            sam,
            "challenge create",
            activity="pushups",
            target="2020",
            unit="reps",
            duration="7h",
            mode="total",  # decided at the deadline, by the timer (each mode decides at the target)
        )
        named = dict(zip(("opponent", "opponent2"), story.opponents, strict=False))
        bet = await emulator.invoke(
            sam, "bet create", challenge=1, side="for", stake="run 5 km backwards", amount="5", unit="km", **named
        )
        assert bet.message is not None, bet.text
        for opponent in story.opponents:
            await emulator.click(opponent, bet.message, label="Accept")
        clock.advance(timedelta(minutes=10))
        await emulator.invoke(sam, "challenge log", amount="2020" if story.makes_it else "1500")
    finally:
        await handle.stop()


async def wait_for_output(proc: BotProcess, text: str) -> None:
    for _ in range(400):
        if text in proc.output():
            return
        if proc.returncode is not None:
            break
        await asyncio.sleep(0.05)
    pytest.fail(f"no {text!r} in the bot's output:\n{proc.output()[-3000:]}")


def public_posts(emulator: DiscordEmulator, guild: Guild) -> list[str]:
    return [m.content for m in emulator.messages(guild.default_channel, include_ephemeral=False) if not m.deleted]


async def assert_everything_exactly_once(
    emulator: DiscordEmulator, guild: Guild, engine: TestEngine, story: Story
) -> None:
    posts = public_posts(emulator, guild)
    for marker in EXPECTED_POSTS:
        found = [p for p in posts if marker in p]
        assert len(found) == 1, f"{marker!r} posted {len(found)} times: {found}"
    duplicates = {text: n for text, n in Counter(posts).items() if n > 1}
    assert not duplicates, f"repeated posts: {duplicates}"
    db = await engine.open(migrated=False)  # the same database again
    try:
        challenge = await db.fetchone("SELECT status FROM challenges")
        bet = await db.fetchone("SELECT status, winning_side FROM bets")
        penalties = await db.fetchall("SELECT debtor_id, status FROM penalties ORDER BY debtor_id")
        unposted = await db.fetchone("SELECT COUNT(*) FROM announcements WHERE posted_at IS NULL")
        pending = await db.fetchone("SELECT COUNT(*) FROM timers WHERE done_at IS NULL AND kind LIKE 'challenge_%'")
        integrity = None if engine.postgres else await db.fetchone("PRAGMA integrity_check")
    finally:
        await db.close()
    assert challenge is not None and challenge[0] == "finished"
    assert bet is not None and tuple(bet) == ("settled", "for" if story.makes_it else "against")
    assert [p[0] for p in penalties] == story.losers
    assert all(p[1] == "owed" for p in penalties)
    assert unposted is not None and unposted[0] == 0
    assert pending is not None and pending[0] == 0
    assert engine.postgres or (integrity is not None and integrity[0] == "ok")


async def crash_then_recover(
    emulator: DiscordEmulator, guild: Guild, engine: TestEngine, crash_at: str, seed: int = 0
) -> None:
    tmp_path, database = engine.tmp_path, engine.path()
    story = Story(guild, seed)
    await story_with_a_missed_deadline(emulator, guild, engine, story)
    on_engine = await engine.env()
    env = bot_process_env(emulator, database, [guild]) | on_engine | {"TEST_CRASH_AT": crash_at}
    crashing = await spawn_bot_process(tmp_path, env, log_name="crash.log")
    code = await crashing.wait(timeout=30)
    assert code == EXIT_CODE, f"{crash_at}: expected the crash, got exit {code}:\n{crashing.output()[-3000:]}"
    await emulator.settle()
    for run in range(2):  # recover; a further restart must change nothing
        proc = await start_bot_process(emulator, tmp_path, on_engine, guilds=[guild], database_path=database)
        await wait_for_output(proc, "start-up catch-up done")
        await emulator.settle()
        assert await proc.stop() == 0, proc.output()
        assert "Traceback" not in proc.output(), f"run {run}: {proc.output()[-3000:]}"
        await assert_everything_exactly_once(emulator, guild, engine, story)


DEFAULT_POINTS = [("finish:after_commit", 0), ("post:after_send:1", 1), ("post:after_send:2", 2)]
ALL_POINTS = [
    "finish:before",
    "finish:after_commit",
    *(f"post:{step}:{n}" for step in ("before_send", "after_send", "after_mark") for n in (1, 2)),
]


@pytest.mark.parametrize(("crash_at", "seed"), DEFAULT_POINTS)
async def test_crash_during_settlement_recovers_everything_exactly_once(
    emulator: DiscordEmulator, guild: Guild, engine: TestEngine, crash_at: str, seed: int
) -> None:
    await crash_then_recover(emulator, guild, engine, crash_at, seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(7))
@pytest.mark.parametrize("crash_at", ALL_POINTS)
async def test_crash_anywhere_many_trials(
    emulator: DiscordEmulator, guild: Guild, engine: TestEngine, crash_at: str, seed: int
) -> None:
    await crash_then_recover(emulator, guild, engine, crash_at, seed)
