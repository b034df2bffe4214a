"""/challenge end to end: every subcommand through the emulator, its bad inputs, and the timed
posts (milestones, reminders, start, result with chart) with a manual clock and restarts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.render import chart as chart_module
from bot.services import challenges as challenge_service
from tests.e2e.challenge_support import (
    PNG_MAGIC,
    assert_no_mass_pings,
    challenge_row,
    create,
    logs,
    participants,
    posts,
    public_messages,
    refused,
    snapshot,
)
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild

TITLE = "2,020 pushups in under 7 hours"


# =================================================================================================
# create
# =================================================================================================


async def test_create_announces_title_window_mode_and_participants(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    res = await create(emulator, alice)
    assert f"**{TITLE}**" in res.content
    assert not res.ephemeral
    text = res.text
    assert "<t:" in text and ":R>" in text  # window as Discord timestamps
    assert "Mode: **each**" in text
    assert alice.mention in text  # the creator joined
    row = await challenge_row(bot_handle, guild, 1)
    assert (row["activity"], row["target"], row["unit"], row["mode"], row["status"]) == (
        "pushups",
        2020,
        "reps",
        "each",
        "active",
    )
    assert await participants(bot_handle, guild, 1) == [alice.id]
    assert res.message is not None and res.message.pinged_user_ids == set()


async def test_create_with_an_end_time_in_the_server_zone_and_without_joining(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    when = (bot_handle.clock.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    res = await create(
        emulator,
        guild.members["bob"],
        activity="run",
        target="42.2",
        unit="km",
        duration=None,
        end=when.strftime("%Y-%m-%d %H:%M"),
        join=False,
        mode="total",
    )
    assert "42.2 km run together" in res.content
    row = await challenge_row(bot_handle, guild, 1)
    assert row["ends_at"].startswith(when.strftime("%Y-%m-%dT%H:%M"))
    assert row["mode"] == "total"
    assert await participants(bot_handle, guild, 1) == []
    assert "No participants yet" in res.text


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"target": "0"}, "more than zero"),
        ({"target": "-5"}, "more than zero"),
        ({"target": "99999999"}, "more than anyone could do"),
        ({"target": "nan"}, "isn't a number"),
        ({"target": "inf"}, "isn't a number"),
        ({"target": "Infinity"}, "isn't a number"),
        ({"target": "1e308"}, "isn't a number"),
        ({"target": None}, "needs a target"),
        ({"unit": "parsecs"}, ["don't know the unit", "km"]),
        ({"duration": "soon"}, ["can't read", "7h"]),
        ({"duration": "-2h"}, "can't read"),
        ({"duration": "30s"}, ["too short", "1 min"]),
        ({"duration": "0m"}, "too short"),
        ({"duration": "400d"}, "too long"),
        ({"duration": None}, "either a duration"),
        ({"end": "in 5h"}, "either a duration"),
        ({"duration": None, "end": "2020-01-01 10:00"}, "in the past"),
        ({"duration": None, "end": "2099-01-01 10:00"}, "too far in the future"),
        ({"duration": None, "end": "someday"}, "can't read"),
        ({"duration": None, "start": "in 5h", "end": "in 2h"}, "after the start"),
        ({"duration": None, "end": "in 400d"}, "too long"),
        ({"start": "2020-01-01 10:00"}, "start time is in the past"),
        ({"start": "whenever"}, "can't read"),
        ({"latest_start": "in 2h", "clock_starts_at_first_log": False}, "only applies"),
        ({"clock_starts_at_first_log": True, "duration": None, "end": "in 5h"}, "give its length as the duration"),
        ({"clock_starts_at_first_log": True, "latest_start": "2020-01-01 10:00"}, "pick a later time"),
    ],
)
async def test_create_refuses_bad_input(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, options: dict[str, Any], expected: Any
) -> None:
    values: dict[str, Any] = {"activity": "pushups", "target": "2020", "unit": "reps", "duration": "7h"} | options
    await refused(
        emulator,
        bot_handle,
        guild.members["alice"],
        "challenge create",
        expected,
        **{k: v for k, v in values.items() if v is not None},
    )


async def test_create_unit_autocomplete(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    choices = await emulator.autocomplete(guild.members["alice"], "challenge create", "unit", "k")
    assert {c.value for c in choices} >= {"km", "kcal"}
    assert all(len(c.name) <= 100 for c in choices)


# =================================================================================================
# join / leave
# =================================================================================================


async def test_join_adds_the_member_and_status_shows_them(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)
    res = await emulator.invoke(bob, "challenge join", challenge=1)
    assert not res.ephemeral and bob.mention in res.content and TITLE in res.content
    assert res.message is not None and res.message.pinged_user_ids == set()
    assert await participants(bot_handle, guild, 1) == [alice.id, bob.id]
    status = await emulator.invoke(bob, "challenge status", challenge=1)
    assert bob.mention in status.text


async def test_join_refusals(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)
    await create(emulator, other_guild.members["dave"])
    await create(emulator, other_guild.members["dave"], activity="swim", target="2", unit="km")
    await refused(emulator, bot_handle, alice, "challenge join", "already in", challenge=1)
    await refused(emulator, bot_handle, bob, "challenge join", "no challenge #99", challenge=99)
    # #2 exists only in the other server: ids are per server.
    await refused(emulator, bot_handle, bob, "challenge join", ["no challenge #2", "this server"], challenge=2)
    # Joining #1 here joins this server's #1, never the other server's.
    await emulator.invoke(bob, "challenge join", challenge=1)
    assert await participants(bot_handle, guild, 1) == [alice.id, bob.id]
    assert await participants(bot_handle, other_guild, 1) == [other_guild.members["dave"].id]


async def test_join_after_the_end_or_cancel_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)
    await create(emulator, alice, duration="1h")
    await emulator.invoke(alice, "challenge cancel", challenge=1)
    await refused(emulator, bot_handle, bob, "challenge join", "cancelled", challenge=1)
    async with bot_handle.timers_paused():
        bot_handle.clock.advance(timedelta(hours=1))
        await refused(emulator, bot_handle, bob, "challenge join", "ended", challenge=2)  # before the end timer ran
    await bot_handle.run_due()
    await refused(emulator, bot_handle, bob, "challenge join", "over", challenge=2)


async def test_leave_stops_counting_but_keeps_the_logs(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(bob, "challenge log", amount="300", challenge=1)
    res = await emulator.invoke(bob, "challenge leave")  # his only challenge: no id needed
    assert res.ephemeral and "You left" in res.content and TITLE in res.content
    assert await participants(bot_handle, guild, 1) == [alice.id]
    assert [row["amount"] for row in await logs(bot_handle, guild, 1)] == [300]  # kept on record
    status = await emulator.invoke(alice, "challenge status", challenge=1)
    assert bob.mention not in status.text and "300" not in status.text
    # And he can't log any more.
    await refused(emulator, bot_handle, bob, "challenge log", "not in this challenge", amount="5", challenge=1)


async def test_rejoining_after_leaving(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(bob, "challenge leave", challenge=1)
    res = await emulator.invoke(bob, "challenge join", challenge=1)
    assert not res.ephemeral and "joined" in res.content
    assert await participants(bot_handle, guild, 1) == [alice.id, bob.id]
    await refused(emulator, bot_handle, bob, "challenge join", "already in", challenge=1)


async def test_leave_refusals(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await refused(emulator, bot_handle, bob, "challenge leave", "not in any open challenge")
    await create(emulator, alice)
    await create(emulator, alice, duration="1h")
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(bob, "challenge join", challenge=2)
    await refused(emulator, bot_handle, bob, "challenge leave", "several challenges")
    await refused(emulator, bot_handle, guild.members["carol"], "challenge leave", "not in challenge #1", challenge=1)
    await refused(emulator, bot_handle, bob, "challenge leave", "no challenge #7", challenge=7)
    # After the end, also before the deadline timer has run, the result stands.
    async with bot_handle.timers_paused():
        bot_handle.clock.advance(timedelta(hours=1))
        await refused(emulator, bot_handle, bob, "challenge leave", "over", challenge=2)
    await bot_handle.run_due()
    await refused(emulator, bot_handle, bob, "challenge leave", "over", challenge=2)
    await emulator.invoke(alice, "challenge cancel", challenge=1)
    await refused(emulator, bot_handle, bob, "challenge leave", "cancelled", challenge=1)


# =================================================================================================
# log / undo
# =================================================================================================


async def test_log_adds_up_and_says_when_the_target_is_reached(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, target="100")
    res = await emulator.invoke(alice, "challenge log", amount="40")
    assert not res.ephemeral and "logged 40 reps" in res.content and "now 40 reps (40%)" in res.content
    bot_handle.clock.advance(timedelta(minutes=25))
    res = await emulator.invoke(alice, "challenge log", amount="60", note="last set", challenge=1)
    assert "now 100 reps (100%)" in res.content
    assert "Target reached in 25 min" in res.content
    assert "> last set" in res.content
    assert [r["amount"] for r in await logs(bot_handle, guild, 1)] == [40, 60]


async def test_log_converts_units_of_the_same_kind(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, activity="run", target="10", unit="km", duration="2d")
    res = await emulator.invoke(alice, "challenge log", amount="1", unit="mi")
    assert "logged 1.61 km" in res.content
    await emulator.invoke(alice, "challenge log", amount="500", unit="m")
    rows = await logs(bot_handle, guild, 1)
    assert [r["amount"] for r in rows] == [1_609_344, 500_000]  # base unit: millimetres
    assert [(r["entered_amount"], r["entered_unit"]) for r in rows] == [("1", "mi"), ("500", "m")]
    status = await emulator.invoke(alice, "challenge status")
    assert "2.11 km" in status.text
    choices = await emulator.autocomplete(alice, "challenge log", "unit", "mi", amount="1")
    assert "mi" in [c.value for c in choices]


async def test_log_with_proof_keeps_the_image_and_refuses_other_files(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    photo = emulator.attachment("set.png", PNG_MAGIC + b"photo", content_type="image/png")
    res = await emulator.invoke(alice, "challenge log", amount="100", proof=photo)
    assert res.message is not None and [f.data for f in res.files] == [photo.data]  # the bot's own copy
    assert (await logs(bot_handle, guild, 1))[0]["proof_message_id"] == res.message.id  # more in test_proof.py
    document = emulator.attachment("notes.txt", b"trust me", content_type="text/plain")
    await refused(emulator, bot_handle, alice, "challenge log", "must be an image", amount="100", proof=document)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"amount": "0"}, "more than zero"),
        ({"amount": "-1"}, "more than zero"),
        ({"amount": "0.0000001"}, ["counted whole", "enter 1"]),  # a fraction of a rep, not rounded to 0
        ({"amount": "abc"}, "isn't a number"),
        ({"amount": "nan"}, "isn't a number"),
        ({"amount": "inf"}, "isn't a number"),
        ({"amount": "-inf"}, "isn't a number"),
        ({"amount": "1e308"}, "isn't a number"),
        ({"amount": "999999999999999"}, "too big"),
        ({"amount": "20000"}, ["more than anyone logs", "10,000 reps"]),
        ({"amount": "5", "unit": "parsecs"}, "don't know the unit"),
        ({"amount": "5", "unit": "km"}, ["counts repetitions", "distance"]),
        ({"amount": "5", "unit": "steps"}, "not steps"),
        ({"amount": "5", "challenge": 99}, "no challenge #99"),
    ],
)
async def test_log_refuses_bad_amounts_and_units(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, options: dict[str, Any], expected: Any
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    await refused(emulator, bot_handle, alice, "challenge log", expected, **options)


async def test_log_refuses_absurd_amounts_in_other_units(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, activity="run", target="100", unit="km", duration="2d")
    await refused(emulator, bot_handle, alice, "challenge log", "more than anyone logs", amount="500", unit="mi")
    await create(emulator, alice, activity="plank", target="10", unit="min", duration="2d")
    await refused(
        emulator, bot_handle, alice, "challenge log", "more than anyone logs", amount="25", unit="h", challenge=2
    )


async def test_log_refused_where_the_member_cannot_log(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)  # 1: bob is not in it
    await create(emulator, alice, duration="1h")  # 2: will finish
    await create(emulator, alice, duration="2d")  # 3: will be cancelled
    await create(emulator, alice, start="in 2d", duration="1h")  # 4: not started yet
    await create(emulator, other_guild.members["dave"], duration="1h")
    await create(emulator, other_guild.members["dave"], duration="1h")
    await create(emulator, other_guild.members["dave"], duration="1h")
    await create(emulator, other_guild.members["dave"], duration="1h")
    await create(emulator, other_guild.members["dave"], duration="1h")  # other server's #5
    await refused(emulator, bot_handle, bob, "challenge log", "join it first", amount="10", challenge=1)
    await refused(emulator, bot_handle, bob, "challenge log", "not in any open challenge", amount="10")
    await refused(emulator, bot_handle, alice, "challenge log", "several challenges", amount="10")
    await refused(emulator, bot_handle, alice, "challenge log", "hasn't started yet", amount="10", challenge=4)
    await refused(emulator, bot_handle, alice, "challenge log", "no challenge #5", amount="10", challenge=5)
    await emulator.invoke(alice, "challenge cancel", challenge=3)
    await refused(emulator, bot_handle, alice, "challenge log", "cancelled", amount="10", challenge=3)
    async with bot_handle.timers_paused():  # after the end, before the deadline timer has run
        bot_handle.clock.advance(timedelta(hours=1))
        await refused(emulator, bot_handle, alice, "challenge log", "ended", amount="10", challenge=2)
    await bot_handle.run_due()
    await refused(emulator, bot_handle, alice, "challenge log", "over", amount="10", challenge=2)


async def test_undo_strikes_the_last_log_and_keeps_it_on_record(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="100")
    await emulator.invoke(alice, "challenge log", amount="250")
    res = await emulator.invoke(alice, "challenge undo")
    assert res.ephemeral and "Undid your log of 250 reps" in res.content and "at 100 reps" in res.content
    rows = await logs(bot_handle, guild, 1)
    assert [(r["amount"], r["struck_at"] is not None) for r in rows] == [(100, False), (250, True)]
    status = await emulator.invoke(alice, "challenge status")
    assert "100 reps (4%)" in status.text and "undone or corrected" in status.text
    res = await emulator.invoke(alice, "challenge undo", challenge=1)
    assert "at 0 reps" in res.content
    await refused(emulator, bot_handle, alice, "challenge undo", "no log to undo", challenge=1)


async def test_undo_refusals(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await refused(emulator, bot_handle, alice, "challenge undo", "not in any open challenge")
    await create(emulator, alice, duration="1h")
    await create(emulator, alice, duration="2h")
    await emulator.invoke(alice, "challenge log", amount="10", challenge=1)
    await emulator.invoke(alice, "challenge log", amount="10", challenge=2)
    await refused(emulator, bot_handle, bob, "challenge undo", "no log to undo", challenge=1)
    await refused(emulator, bot_handle, alice, "challenge undo", "no challenge #3", challenge=3)
    await emulator.invoke(alice, "challenge cancel", challenge=2)
    await refused(emulator, bot_handle, alice, "challenge undo", "isn't running", challenge=2)
    async with bot_handle.timers_paused():  # after the end, before the deadline timer has run
        bot_handle.clock.advance(timedelta(hours=1))
        await refused(emulator, bot_handle, alice, "challenge undo", "ended", challenge=1)
    await bot_handle.run_due()
    await refused(emulator, bot_handle, alice, "challenge undo", "isn't running", challenge=1)


# =================================================================================================
# status / list
# =================================================================================================


async def test_status_shows_bars_sorted_pace_and_time_left(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await create(emulator, alice)
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(carol, "challenge join", challenge=1)
    bot_handle.clock.advance(timedelta(hours=1))
    await emulator.invoke(bob, "challenge log", amount="505")
    await emulator.invoke(alice, "challenge log", amount="101")
    res = await emulator.invoke(carol, "challenge status", challenge=1)
    assert not res.ephemeral
    embed = res.embed
    assert embed["title"] == f"#1 {TITLE}"
    text = embed["description"]
    assert text.index(bob.mention) < text.index(alice.mention) < text.index(carol.mention)
    assert "▰▰▰▱▱▱▱▱▱▱▱▱ 505 reps (25%)" in text
    assert "pace 505 reps/h" in text and "needs" in text and "on track to finish at <t:" in text
    assert f"{carol.mention} ▱▱▱▱▱▱▱▱▱▱▱▱ 0 reps (0%)" in text
    assert "Time left: ends <t:" in text and ":R>" in text


async def test_status_default_and_refusals(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await refused(emulator, bot_handle, alice, "challenge status", "which challenge")
    await create(emulator, alice)
    res = await emulator.invoke(bob, "challenge status")  # the server's only open one
    assert TITLE in res.text
    await create(emulator, alice, activity="squats", target="500")
    await refused(emulator, bot_handle, bob, "challenge status", "which challenge")
    await refused(emulator, bot_handle, bob, "challenge status", "no challenge #3", challenge=3)
    for _ in range(3):
        await create(emulator, other_guild.members["dave"], activity="swim", target="1", unit="km")
    await refused(emulator, bot_handle, bob, "challenge status", "no challenge #3", challenge=3)
    res = await emulator.invoke(alice, "challenge status", challenge=2)
    assert "500 squats" in res.text


async def test_status_of_a_finished_challenge(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, target="10", duration="1h")
    await emulator.invoke(alice, "challenge log", amount="10")
    await bot_handle.advance(timedelta(hours=2))
    res = await emulator.invoke(alice, "challenge status", challenge=1)
    assert "finished" in res.embed["footer"]["text"] and "✅ target in" in res.text


async def test_list_shows_only_open_challenges_of_this_server(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    res = await emulator.invoke(alice, "challenge list")
    assert res.ephemeral and "No active or upcoming challenges" in res.text
    await create(emulator, alice)
    await create(emulator, alice, activity="squats", start="in 1d")
    await create(emulator, alice, activity="lunges")
    await emulator.invoke(alice, "challenge cancel", challenge=3)
    await create(emulator, other_guild.members["dave"], activity="swim", target="1", unit="km")
    res = await emulator.invoke(alice, "challenge list")
    text = res.text
    assert res.ephemeral and f"**#1** {TITLE} — 1 in · ends <t:" in text
    assert "**#2** 2,020 squats" in text and "starts <t:" in text
    assert "lunges" not in text and "swim" not in text
    assert not res.components  # one page: no buttons


async def test_list_paginates_with_buttons(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    svc = bot_handle.bot.svc
    channel = guild.channels["general"].id
    alice = guild.members["alice"]
    for n in range(45):  # seeded through the service: 45 interactions would only slow the test down
        await challenge_service.create(
            svc,
            guild_id=guild.id,
            channel_id=channel,
            creator_id=alice.id,
            activity=f"very long activity name number {n:02d} for paging",
            target="100",
            unit="reps",
            duration="2d",
        )
    res = await emulator.invoke(alice, "challenge list")
    assert res.ephemeral and res.message is not None
    footer = res.embed["footer"]["text"]
    assert footer.startswith("Page 1 of ")
    pages = int(footer.rsplit(" ", 1)[1])
    assert pages >= 2
    assert res.message.button("◀ Previous").get("disabled") is True
    seen = res.text
    message = res.message
    for page in range(2, pages + 1):
        click = await emulator.click(alice, message, label="Next ▶")
        message = emulator.message(message.id)
        assert message.embeds[0]["footer"]["text"] == f"Page {page} of {pages}"
        assert click.ephemeral or message.ephemeral
        seen += message.text
    assert message.button("Next ▶").get("disabled") is True
    for n in range(45):
        assert f"number {n:02d}" in seen
    await emulator.click(alice, message, label="◀ Previous")
    assert emulator.message(message.id).embeds[0]["footer"]["text"] == f"Page {pages - 1} of {pages}"


# =================================================================================================
# cancel
# =================================================================================================


async def test_creator_cancels_and_no_result_follows(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    res = await emulator.invoke(alice, "challenge cancel", challenge=1)
    assert res.ephemeral and "Cancelled challenge #1" in res.content
    announced = posts(emulator, guild, "general", "was cancelled")
    assert len(announced) == 1 and alice.mention in announced[0].content and TITLE in announced[0].content
    assert (await challenge_row(bot_handle, guild, 1))["status"] == "cancelled"
    await bot_handle.advance(timedelta(hours=8))
    assert posts(emulator, guild, "general", "is over") == []
    assert posts(emulator, guild, "general", "⏰") == []


async def test_cancel_refusals(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)
    await create(emulator, alice, duration="1h")
    await emulator.invoke(bob, "challenge join", challenge=1)
    await refused(emulator, bot_handle, bob, "challenge cancel", "only the creator", challenge=1)
    await refused(emulator, bot_handle, alice, "challenge cancel", "no challenge #9", challenge=9)
    for _ in range(3):
        await create(emulator, other_guild.members["dave"])
    await refused(emulator, bot_handle, alice, "challenge cancel", "no challenge #3", challenge=3)
    await bot_handle.advance(timedelta(hours=1))
    await refused(emulator, bot_handle, alice, "challenge cancel", "over", challenge=2)
    await emulator.invoke(alice, "challenge cancel", challenge=1)
    await refused(emulator, bot_handle, alice, "challenge cancel", "cancelled", challenge=1)


async def test_creator_cannot_cancel_once_the_end_has_passed(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, target="100", duration="1h")
    async with bot_handle.timers_paused():  # the deadline timer has not run yet
        bot_handle.clock.advance(timedelta(hours=1))
        await refused(emulator, bot_handle, alice, "challenge cancel", "over", challenge=1)
    await bot_handle.run_due()
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1 and f"Didn't make it: {alice.mention}" in results[0].content


async def test_an_admin_may_cancel_anyones_challenge(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await create(emulator, guild.members["alice"])
    res = await emulator.invoke(guild.admin, "challenge cancel", challenge=1)
    assert res.ephemeral and "Cancelled challenge #1" in res.content
    assert (await challenge_row(bot_handle, guild, 1))["status"] == "cancelled"


# =================================================================================================
# autocomplete
# =================================================================================================


async def test_challenge_autocomplete_shows_this_servers_challenges_only(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    await create(emulator, alice, activity="run", target="5", unit="km", duration="2d")
    await create(emulator, alice, activity="squats", target="300")
    await emulator.invoke(alice, "challenge cancel", challenge=3)
    await create(emulator, other_guild.members["dave"], activity="swim", target="1", unit="km")
    choices = await emulator.autocomplete(alice, "challenge join", "challenge", "")
    assert [(c.name, c.value) for c in choices] == [("#2 5 km run in under 2 days", 2), (f"#1 {TITLE}", 1)]
    choices = await emulator.autocomplete(alice, "challenge join", "challenge", "run")
    assert [c.value for c in choices] == [2]
    choices = await emulator.autocomplete(alice, "challenge log", "challenge", "#1", amount="5")
    assert [c.value for c in choices] == [1]
    assert await emulator.autocomplete(alice, "challenge join", "challenge", "swim") == []
    # Status also offers closed challenges.
    choices = await emulator.autocomplete(alice, "challenge status", "challenge", "")
    assert sorted(c.value for c in choices) == [1, 2, 3]
    other = await emulator.autocomplete(other_guild.members["dave"], "challenge status", "challenge", "")
    assert [(c.name, c.value) for c in other] == [("#1 1 km swim in under 7 hours", 1)]


# =================================================================================================
# mentions
# =================================================================================================


async def test_member_text_never_pings_everyone_or_roles(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    role = emulator.add_role(guild, "Runners")
    role.mentionable = True
    await create(emulator, alice, activity=f"@everyone {role.mention} pushups", target="100")
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(
        alice, "challenge log", amount="60", note=f"@everyone @here {role.mention} {bob.mention} look!"
    )
    await emulator.invoke(alice, "challenge log", amount="60")
    await bot_handle.advance(timedelta(hours=7))
    texts = [m.content for m in public_messages(emulator)]
    assert any("@everyone" in t and role.mention in t for t in texts)  # shown …
    assert_no_mass_pings(emulator)  # … never pinged
    logged = posts(emulator, guild, "general", "look!")
    assert len(logged) == 1 and logged[0].pinged_user_ids == set()  # a note doesn't ping bob either
    result = posts(emulator, guild, "general", "is over")
    assert len(result) == 1 and result[0].pinged_user_ids == {alice.id, bob.id}


# =================================================================================================
# timed posts: milestones, result with chart, restarts, reminders, start, attempt clocks
# =================================================================================================


@pytest.fixture
def charts(bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch) -> list[chart_module.ChartSpec]:
    """Every result chart the bot draws, as the spec of what the image shows."""
    drawn: list[chart_module.ChartSpec] = []
    real_draw = chart_module.draw  # in-process bots draw in a thread (chart_processes=0)

    def spy_draw(spec: chart_module.ChartSpec) -> bytes:
        drawn.append(spec)
        return real_draw(spec)

    monkeypatch.setattr(chart_module, "draw", spy_draw)
    return drawn


async def test_2020_pushups_milestones_then_exactly_one_result_with_chart(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, charts: list[chart_module.ChartSpec]
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    clock = bot_handle.clock
    res = await create(emulator, alice, activity="pushups", target="2,020", unit="reps", duration="7h")
    assert TITLE in res.content
    await emulator.invoke(bob, "challenge join", challenge=1)
    clock.advance(timedelta(minutes=30))
    await emulator.invoke(alice, "challenge log", amount="500")
    await emulator.invoke(bob, "challenge log", amount="200")
    assert posts(emulator, guild, "general", "50%") == []
    clock.advance(timedelta(hours=2))
    await emulator.invoke(alice, "challenge log", amount="600")  # 1,100: past half-way
    half = posts(emulator, guild, "general", "is 50% of the way")
    assert len(half) == 1 and alice.mention in half[0].content and half[0].pinged_user_ids == {alice.id}
    clock.advance(timedelta(hours=4, minutes=11))
    res = await emulator.invoke(alice, "challenge log", amount="920")  # exactly 2,020 at 6 h 41 min
    assert "now 2,020 reps (100%)" in res.content and "Target reached in 6 h 41 min" in res.content
    await bot_handle.run_due()
    full = posts(emulator, guild, "general", "made it:")  # her own result, decided now: no 100 % milestone too
    assert len(full) == 1 and posts(emulator, guild, "general", "reached the target") == []
    assert full[0].content.startswith(f"✅ {alice.mention} made it: 2,020 reps in 6 h 41 min")
    assert "1 still going" in full[0].content and full[0].pinged_user_ids == {alice.id}
    assert len(posts(emulator, guild, "general", "is 50% of the way")) == 1  # not repeated

    clock.advance(timedelta(minutes=19))  # exactly the deadline
    await bot_handle.run_due()
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1
    result = results[0]
    assert f"🏆 **{TITLE}** (#1) is over." in result.content
    assert f"✅ Made it: {alice.mention}" in result.content
    assert f"❌ Didn't make it: {bob.mention}" in result.content
    assert len(result.attachments) == 1
    chart = result.attachments[0]
    assert chart.filename == "challenge-1.png" and chart.data.startswith(PNG_MAGIC)
    assert result.embeds[0]["image"]["url"] == "attachment://challenge-1.png"
    assert [c.legend for c in charts] == [
        ("target 2,020 reps", "alice — 2,020 reps"),  # with her own result
        ("target 2,020 reps", "alice — 2,020 reps", "bob — 200 reps"),  # with everyone's
    ]
    assert charts[1].x.high == 7 * 3600 and charts[1].line("alice").ys[-1] == 2020
    assert (await challenge_row(bot_handle, guild, 1))["status"] == "finished"

    # Never again: more timer runs, a later clock, a restart.
    await bot_handle.advance(timedelta(hours=1))
    await bot_handle.restart()
    await bot_handle.advance(timedelta(days=1))
    assert len(posts(emulator, guild, "general", "is over")) == 1
    assert len(posts(emulator, guild, "general", "made it:")) == 1


async def test_result_names_a_member_who_left_the_server_without_failing(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, charts: list[chart_module.ChartSpec]
) -> None:
    alice, carol = guild.members["alice"], guild.members["carol"]
    await create(emulator, alice, target="100", duration="1h")
    await emulator.invoke(carol, "challenge join", challenge=1)
    await emulator.invoke(carol, "challenge log", amount="100")
    emulator.remove_member(guild, carol)
    await bot_handle.advance(timedelta(hours=1))
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1 and results[0].attachments
    assert f"✅ Made it: {carol.mention}" in results[0].content
    assert [c.legend for c in charts][-1] == (
        "target 100 reps",
        "alice — 0 reps",
        "carol — 100 reps",  # the name she had when she last used a command (bot.services.names)
    )


async def test_result_is_posted_once_after_the_bot_was_down_at_the_deadline(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="2020")
    await bot_handle.stop()
    bot_handle.clock.advance(timedelta(hours=9))
    await bot_handle.start()  # catches up at start-up
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1 and results[0].attachments[0].data.startswith(PNG_MAGIC)
    # The reminder's moment (1 h before the end) passed while the bot was down: too late to remind.
    assert posts(emulator, guild, "general", "⏰") == []
    await bot_handle.restart()
    await bot_handle.run_due()
    assert len(posts(emulator, guild, "general", "is over")) == 1
    status = await emulator.invoke(alice, "challenge status", challenge=1)
    assert "finished" in status.embed["footer"]["text"]


async def test_an_attempt_clock_result_chart_puts_each_member_on_their_own_clock(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, charts: list[chart_module.ChartSpec]
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, target="100", duration="1h", clock_starts_at_first_log=True, latest_start="in 3h")
    await emulator.invoke(bob, "challenge join", challenge=1)
    bot_handle.clock.advance(timedelta(minutes=10))
    await emulator.invoke(alice, "challenge log", amount="60")  # alice's hour: +10 min … +70 min
    bot_handle.clock.advance(timedelta(minutes=100))
    await emulator.invoke(bob, "challenge log", amount="30")  # bob's hour: +110 min … +170 min
    bot_handle.clock.advance(timedelta(minutes=40))
    await emulator.invoke(bob, "challenge log", amount="80")
    await bot_handle.advance(timedelta(hours=3))
    results = posts(emulator, guild, "general", "is over")
    assert results and all(r.attachments[0].data.startswith(PNG_MAGIC) for r in results)
    assert charts
    for spec in charts:  # one hour since each member's own first log, not the 4-hour window
        assert (spec.x.low, spec.x.high) == (0, 3600)
        assert spec.x.title == "minutes since each member's first log"
    lines = {line.label: list(zip(line.xs, line.ys, strict=True)) for spec in charts for line in spec.lines}
    assert (0, 60) in lines["alice — 60 reps"]  # her first log at the start of her own clock
    assert (0, 30) in lines["bob — 110 reps"] and (40 * 60, 110) in lines["bob — 110 reps"]
    assert lines["alice — 60 reps"][-1] == (3600, 60) and lines["bob — 110 reps"][-1] == (3600, 110)  # both 1 h


async def test_a_total_mode_result_chart_shows_the_combined_total_against_the_target(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, charts: list[chart_module.ChartSpec]
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, target="100", duration="1h", mode="total")
    await emulator.invoke(bob, "challenge join", challenge=1)
    bot_handle.clock.advance(timedelta(minutes=10))
    await emulator.invoke(alice, "challenge log", amount="60")
    bot_handle.clock.advance(timedelta(minutes=10))
    await emulator.invoke(bob, "challenge log", amount="50")
    await bot_handle.advance(timedelta(hours=1))
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1 and "Made it" in results[0].content and results[0].attachments
    (spec,) = charts
    assert spec.legend == ("target 100 reps", "together — 110 reps", "alice — 60 reps", "bob — 50 reps")
    together = spec.line("together")
    assert together.ys[-1] == 110 > spec.line("target").ys[0]
    assert (20 * 60, 110) in zip(together.xs, together.ys, strict=True)  # the moment the team got there


async def test_a_result_whose_chart_cannot_be_drawn_is_posted_without_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(spec: chart_module.ChartSpec) -> bytes:
        raise RuntimeError("matplotlib is broken")

    monkeypatch.setattr(chart_module, "draw", broken)
    alice = guild.members["alice"]
    await create(emulator, alice, target="100", duration="1h")
    await emulator.invoke(alice, "challenge log", amount="100")
    await bot_handle.advance(timedelta(hours=1))
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1 and f"✅ Made it: {alice.mention}" in results[0].content
    assert results[0].attachments == [] and "image" not in results[0].embeds[0]
    await bot_handle.advance(timedelta(minutes=5))
    assert len(posts(emulator, guild, "general", "is over")) == 1  # delivered, not retried


@pytest.mark.parametrize("bot_settings", [{"chart_processes": 1}])
async def test_chart_workers_start_with_the_bot_not_with_the_first_result(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    pool = bot_handle.bot.charts._pool
    assert pool is not None and len(pool._processes) == 1  # running before any chart was asked for
    alice = guild.members["alice"]
    await create(emulator, alice, target="100", duration="1h")
    await emulator.invoke(alice, "challenge log", amount="100")
    await bot_handle.advance(timedelta(hours=1))
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1 and results[0].attachments[0].data.startswith(PNG_MAGIC)


async def test_reminder_one_hour_before_the_end(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice)
    await emulator.invoke(bob, "challenge join", challenge=1)
    await bot_handle.advance(timedelta(hours=5, minutes=59))
    assert posts(emulator, guild, "general", "⏰") == []
    await bot_handle.advance(timedelta(minutes=1))
    reminders = posts(emulator, guild, "general", "⏰")
    assert len(reminders) == 1
    assert f"**{TITLE}** (#1) ends <t:" in reminders[0].content
    assert reminders[0].pinged_user_ids == {alice.id, bob.id}
    await bot_handle.advance(timedelta(minutes=30))
    await bot_handle.restart()
    assert len(posts(emulator, guild, "general", "⏰")) == 1


async def test_reminder_halfway_through_a_short_window(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, target="100", duration="1h")
    await bot_handle.advance(timedelta(minutes=29))
    assert posts(emulator, guild, "general", "⏰") == []
    await bot_handle.advance(timedelta(minutes=1))
    assert len(posts(emulator, guild, "general", "⏰")) == 1


async def test_scheduled_start_is_announced_once(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    res = await create(emulator, alice, target="100", start="in 2h", duration="1h")
    assert "Starts <t:" in res.text
    assert (await challenge_row(bot_handle, guild, 1))["status"] == "scheduled"
    await emulator.invoke(bob, "challenge join", challenge=1)  # joining early is fine
    await refused(emulator, bot_handle, alice, "challenge log", "hasn't started yet", amount="10")
    await bot_handle.advance(timedelta(hours=1, minutes=59))
    assert posts(emulator, guild, "general", "has started") == []
    await bot_handle.advance(timedelta(minutes=1))
    started = posts(emulator, guild, "general", "has started")
    assert len(started) == 1
    assert started[0].content.startswith("🏁 **100 pushups in under 1 hour** (#1) has started!")
    assert started[0].pinged_user_ids == {alice.id, bob.id}
    assert (await challenge_row(bot_handle, guild, 1))["status"] == "active"
    res = await emulator.invoke(alice, "challenge log", amount="10")
    assert not res.ephemeral
    await bot_handle.restart()
    await bot_handle.advance(timedelta(minutes=1))
    assert len(posts(emulator, guild, "general", "has started")) == 1


async def test_attempt_clock_starts_at_each_first_log(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    clock = bot_handle.clock
    res = await create(
        emulator, alice, target="100", duration="1h", clock_starts_at_first_log=True, latest_start="in 3h"
    )
    assert "100 pushups in under 1 hour" in res.content and "from each participant's first log" in res.text
    await emulator.invoke(bob, "challenge join", challenge=1)
    clock.advance(timedelta(minutes=10))
    await emulator.invoke(alice, "challenge log", amount="60")  # alice's clock: +10 min … +70 min
    clock.advance(timedelta(minutes=20))
    await emulator.invoke(bob, "challenge log", amount="30")  # bob's clock: +30 min … +90 min
    status = await emulator.invoke(alice, "challenge status")
    assert "clock ends <t:" in status.text
    # +70 min: alice's hour is over. She is judged now, by herself, not when the last clock or the
    # latest start runs out; bob's clock keeps running.
    await bot_handle.advance(timedelta(minutes=40))
    mine = posts(emulator, guild, "general", "didn't make it")
    assert len(mine) == 1 and alice.mention in mine[0].content and "1 still going" in mine[0].content
    assert posts(emulator, guild, "general", "is over") == []
    clock.advance(timedelta(minutes=1))
    await refused(emulator, bot_handle, alice, "challenge log", "clock has run out", amount="40")
    res = await emulator.invoke(bob, "challenge log", amount="70")
    assert "Target reached in 41 min" in res.content  # his own clock started at his first log
    await bot_handle.run_due()
    [his] = posts(emulator, guild, "general", "made it:")
    assert bob.mention in his.content and "41 min" in his.content and his.attachments  # his result, his chart
    # Others may still join and take their full clock until the latest start (+3 h): the challenge
    # as a whole ends at the latest start + 1 h, with one result post for everyone.
    assert posts(emulator, guild, "general", "is over") == []
    await bot_handle.advance(timedelta(hours=2, minutes=48))
    assert posts(emulator, guild, "general", "is over") == []
    await bot_handle.advance(timedelta(minutes=1))
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1
    assert f"✅ Made it: {bob.mention}" in results[0].content
    assert f"❌ Didn't make it: {alice.mention}" in results[0].content


async def test_attempt_clock_latest_start_refuses_late_starters(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, target="100", duration="1h", clock_starts_at_first_log=True, latest_start="in 1h")
    async with bot_handle.timers_paused():  # the window's end timer would close it first
        bot_handle.clock.advance(timedelta(minutes=61))
        await refused(emulator, bot_handle, bob, "challenge join", "latest start", challenge=1)
        await refused(emulator, bot_handle, alice, "challenge log", "latest start", amount="10")


async def test_most_mode_ranks_by_total_and_the_highest_wins(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    res = await create(emulator, alice, target=None, duration="2h", mode="most")
    assert "Most pushups in 2 hours" in res.content
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(alice, "challenge log", amount="30")
    await emulator.invoke(bob, "challenge log", amount="50")
    status = await emulator.invoke(alice, "challenge status")
    text = status.embed["description"]
    assert f"**1.** {bob.mention} — 50 reps" in text and f"**2.** {alice.mention} — 30 reps" in text
    await bot_handle.advance(timedelta(hours=2))
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1
    assert f"✅ Made it: {bob.mention}" in results[0].content
    assert f"❌ Didn't make it: {alice.mention}" in results[0].content


async def test_total_mode_team_milestones(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, activity="run", target="10", unit="km", duration="2d", mode="total")
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(alice, "challenge log", amount="3")
    await emulator.invoke(bob, "challenge log", amount="3")
    assert len(posts(emulator, guild, "general", "The team is 50% of the way")) == 1
    bot_handle.clock.advance(timedelta(hours=3))
    res = await emulator.invoke(bob, "challenge log", amount="4")
    assert "Target reached in 3 h" in res.content
    assert len(posts(emulator, guild, "general", "The team reached the target of 10 km in 3 h")) == 1
    before = await snapshot(bot_handle)
    assert before["announcements"]
