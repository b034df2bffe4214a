"""Offline across deadlines: hundreds of deadlines pass while the bot is down; on start-up every one
is settled and announced exactly once, in deadline order, through a rate-limited channel."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.e2e.harness import BotHandle
from tests.e2e.test_penalties import story_until_settled
from tests.emulator import DiscordEmulator, Guild
from tests.engines import ENGINES

# Every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.parametrize("bot_engine", ENGINES, indirect=True)


_NUMBER = re.compile(r"\(#(\d+)\) is over")


@pytest.mark.parametrize("challenges", [pytest.param(40, id="40"), pytest.param(220, id="220", marks=pytest.mark.slow)])
async def test_deadlines_missed_while_down_are_settled_once_in_order_within_rate_limits(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, challenges: int
) -> None:
    # Two penalties are owed, due in 7 days (the seed story, settled while the bot runs).
    await story_until_settled(emulator, guild, bot_handle)
    alice, bob = guild.members["alice"], guild.members["bob"]
    # Created in one order, ending in the reverse one: challenge #k+1 ends after challenge #k+2.
    for i in range(challenges):
        member = alice if i % 2 else bob
        res = await emulator.invoke(
            member, "challenge create", activity="squats", target="100", unit="reps", duration=f"{600 - 2 * i}m"
        )
        assert not res.ephemeral, res.text
    deadlines = {
        row["no"]: row["ends_at"]
        for row in await bot_handle.bot.svc.db.fetchall(
            "SELECT no, ends_at FROM challenges WHERE guild_id = ?", (guild.id,)
        )
    }
    assert len(deadlines) == challenges + 1  # and the seed's, open a week for others to take it on

    await bot_handle.stop()
    bot_handle.timeout = 120  # the start-up below renders and posts 200 results with their charts
    bot_handle.clock.advance(timedelta(days=8))  # every challenge ended, both penalties overdue
    emulator.set_channel_rate_limit(5, per=0.1)  # 429s with retry-after past 5 posts per 0.1 s
    emulator.force_rate_limit(guild.default_channel, hits=3)  # and certainly a few
    posted_before = len(emulator.messages(guild.default_channel, include_ephemeral=False))
    await bot_handle.start()  # start-up catch-up
    await bot_handle.restart()  # and once more: nothing may be posted twice
    await bot_handle.run_due()

    new = emulator.messages(guild.default_channel, include_ephemeral=False)[posted_before:]
    results = [int(m[1]) for post in new if (m := _NUMBER.search(post.content))]
    assert sorted(results) == sorted(deadlines), "every challenge's result, exactly once"
    assert results == sorted(deadlines, key=lambda no: (deadlines[no], no)), "in deadline order"
    overdue = [post for post in new if "overdue" in post.content.lower()]
    assert len(overdue) == 2, [p.content for p in overdue]
    unposted = await bot_handle.bot.svc.db.fetchone("SELECT COUNT(*) FROM announcements WHERE posted_at IS NULL")
    pending = await bot_handle.bot.svc.db.fetchone(
        "SELECT COUNT(*) FROM timers WHERE done_at IS NULL AND due_at <= ?",
        (bot_handle.clock.now().isoformat(timespec="microseconds"),),
    )
    assert unposted is not None and unposted[0] == 0
    assert pending is not None and pending[0] == 0
    assert any(r.status == 429 for r in emulator.requests), "the channel limit was actually hit and honoured"
