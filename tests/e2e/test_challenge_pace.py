"""Pace in /challenge status through the emulator: believable from the first log on, in a unit that
suits the activity (issue 11, point 7; the rules are in bot.domain.pace)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.challenge_support import create
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, Member


def line_of(text: str, member: Member) -> str:
    """The member's standing: their progress line and the details line under it."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if member.mention in line)
    return "\n".join(lines[at : at + 2])


def team_line(text: str) -> str:
    """The team total's pace line (total mode)."""
    found = [line for line in text.splitlines() if line.startswith("pace ")]
    assert len(found) == 1, f"no team pace line in {text!r}"
    return found[0]


async def status_of(emulator: DiscordEmulator, member: Member) -> str:
    res = await emulator.invoke(member, "challenge status", challenge=1)
    assert not res.ephemeral, res.text
    return line_of(res.embed["description"], member)


@pytest.mark.parametrize(
    "options",
    [{}, {"clock_starts_at_first_log": True, "latest_start": "in 3h"}],
    ids=["default", "attempt-clock"],
)
async def test_status_right_after_a_first_log_shows_no_pace_until_there_is_enough_to_go_on(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, options: dict[str, Any]
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, **options)
    bot_handle.clock.advance(timedelta(seconds=5))
    await emulator.invoke(alice, "challenge log", amount="500")
    bot_handle.clock.advance(timedelta(seconds=3))
    early = await status_of(emulator, alice)
    assert "pace — (too early to tell)" in early
    assert "on track" not in early and "at this pace" not in early
    assert not re.search(r"pace [\d,.]+ reps/h", early)  # no absurd pace over a few seconds
    assert re.search(r"needs \d{3} reps/h", early)  # what's needed shows at once, as a whole number

    bot_handle.clock.advance(timedelta(hours=1) - timedelta(seconds=3))
    await emulator.invoke(alice, "challenge log", amount="300")
    later = await status_of(emulator, alice)
    if options:  # the clock started at the first log, an hour ago
        assert "pace 800 reps/h" in later
    else:  # the window started 5 s before the first log
        assert "pace 799 reps/h" in later
    assert "needs 203 reps/h" in later or "needs 204 reps/h" in later  # 1,220 in the 6 h left
    assert "on track to finish at <t:" in later
    assert "." not in re.sub(r"<t:\d+:\w>", "", later.split("\n", 1)[1])  # whole numbers only


async def test_falling_behind_shows_what_the_pace_gives_by_the_end(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    bob = guild.members["bob"]
    await create(emulator, bob)
    bot_handle.clock.advance(timedelta(hours=1))
    await emulator.invoke(bob, "challenge log", amount="100")
    bot_handle.clock.advance(timedelta(hours=1))
    text = await status_of(emulator, bob)
    assert "pace 50 reps/h" in text
    assert "at this pace: 350 reps by the end" in text
    assert "on track" not in text


@pytest.mark.parametrize(
    ("unit", "amount", "pace", "needs"),
    [("km", "5", "6:00 min/km", "18:00 min/km"), ("mi", "5", "6:00 min/mi", "18:00 min/mi")],
)
async def test_a_run_shows_its_pace_in_minutes_per_km_or_mile(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, unit: str, amount: str, pace: str, needs: str
) -> None:
    carol = guild.members["carol"]
    await create(emulator, carol, activity="run", target="10", unit=unit, duration="2h")
    bot_handle.clock.advance(timedelta(minutes=30))
    await emulator.invoke(carol, "challenge log", amount=amount)
    text = await status_of(emulator, carol)
    assert f"pace {pace}" in text  # 5 in 30 min
    assert f"needs {needs}" in text  # 5 more in 1 h 30
    assert "on track to finish at <t:" in text
    assert "/h" not in text


async def test_a_team_total_waits_for_evidence_too(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, mode="total")
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(bob, "challenge log", amount="500")
    res = await emulator.invoke(alice, "challenge status", challenge=1)
    team = team_line(res.embed["description"])
    assert team.startswith("pace — (too early to tell)") and "on track" not in team
    bot_handle.clock.advance(timedelta(hours=2))
    await emulator.invoke(alice, "challenge log", amount="520")
    res = await emulator.invoke(alice, "challenge status", challenge=1)
    team = team_line(res.embed["description"])
    assert "pace 510 reps/h" in team and "needs 200 reps/h" in team and "on track to finish at <t:" in team


async def test_a_week_of_steps_shows_thousands_and_a_dated_projection(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, activity="walk", target="700000", unit="steps", duration="7d")
    bot_handle.clock.advance(timedelta(hours=20))
    await emulator.invoke(alice, "challenge log", amount="100000")
    text = await status_of(emulator, alice)
    assert "pace 5,000 steps/h" in text
    assert "needs 4,054 steps/h" in text  # 600,000 in the 148 h left
    assert re.search(r"on track to finish at <t:\d+:f>", text)  # days away: with the date
