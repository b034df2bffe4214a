"""The outbox: stale announcements are dropped or say when they happened, failures are retried on a
schedule by themselves and then given up visibly, and a result never waits for its chart.

"Stopped right after a command" is the command's transaction committed and nothing posted yet: the
service is called directly (the cog would post right after it), then the bot is stopped, the clock
moved and a new bot started on the same database.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest

from bot.domain.announcements import LATE_AFTER, MAX_ATTEMPTS, RETRY_DELAYS
from bot.domain.timeparse import ts
from bot.render.chart import ProgressChart
from bot.services import challenges as challenge_service
from bot.store import announcements
from bot.store.timers import TimerRow
from tests.e2e.challenge_support import PNG_MAGIC, create, posts
from tests.e2e.harness import BotHandle
from tests.e2e.test_penalties import posts as penalty_posts
from tests.e2e.test_penalties import story_until_settled
from tests.emulator import Channel, DiscordEmulator, Guild, Message

LATE = "Posted late"
HALF_WAY = "of the way to"  # the 50 % milestone


def late_note(when: datetime) -> str:
    return f"Posted late: this happened {ts(when, 'f')}"


async def row_of(handle: BotHandle, kind: str) -> announcements.AnnouncementRow:
    row = await handle.bot.svc.db.fetchone("SELECT id FROM announcements WHERE kind = ?", (kind,))
    assert row is not None, f"no {kind} queued"
    found = await announcements.get(handle.bot.svc.db, row["id"])
    assert found is not None
    return found


async def column(handle: BotHandle, kind: str, name: str) -> object:
    row = await handle.bot.svc.db.fetchone(f"SELECT {name} FROM announcements WHERE kind = ?", (kind,))
    assert row is not None, f"no {kind} queued"
    return row[0]


async def recorded(handle: BotHandle, kind: str, name: str, value: object) -> None:
    """Wait until the bot has recorded `value` in a column of its announcement (it records a post
    just after the emulator has stored it)."""
    for _ in range(500):
        if await column(handle, kind, name) == value:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{kind}.{name} never became {value!r}")


def fail_posts(emulator: DiscordEmulator, channel: Channel, hits: int = 1, status: int = 503) -> None:
    """The next `hits` message posts in `channel` fail (503: Discord having trouble; discord.py raises
    at once, it retries 500/502/504 itself; 403: missing permissions)."""
    for _ in range(hits):
        code = 50013 if status == 403 else 0
        emulator.fail_next("POST", rf"^/channels/{channel.id}/messages$", status=status, code=code, message="forced")


def fail_edits(emulator: DiscordEmulator, channel: Channel) -> None:
    """The next message edit in `channel` fails with 503."""
    emulator.fail_next("PATCH", rf"^/channels/{channel.id}/messages/\d+$", status=503, code=0, message="forced")


def message_posts(emulator: DiscordEmulator, guild: Guild, channel: str = "general") -> int:
    """How many times the bot tried to post a message in the channel (failed tries included)."""
    path = f"/channels/{guild.channels[channel].id}/messages"
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path == path)


async def wait_for_try(emulator: DiscordEmulator, guild: Guild, tries_before: int) -> None:
    """Wait until the bot tried to post once more, by itself, and has recorded what happened."""
    await emulator.wait_until(
        lambda: message_posts(emulator, guild) > tries_before, timeout=5, what="the bot to try again by itself"
    )
    await emulator.settle()


# =================================================================================================
# stale announcements (issue 11 §10)
# =================================================================================================


async def test_a_milestone_queued_before_a_stop_is_dropped_once_its_challenge_is_over(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)  # 7 h
    bot_handle.clock.advance(timedelta(hours=1))
    await challenge_service.log(bot_handle.bot.svc, guild.id, None, alice.id, "1010")  # then stopped
    assert [a.kind for a in await announcements.unposted(bot_handle.bot.svc.db)] == ["challenge_milestone_50"]
    await bot_handle.stop()
    bot_handle.clock.advance(timedelta(hours=7))
    await bot_handle.start()
    assert len(posts(emulator, guild, "general", "is over")) == 1
    assert posts(emulator, guild, "general", HALF_WAY) == []  # stale news: dropped
    milestone = await row_of(bot_handle, "challenge_milestone_50")
    assert milestone.posted and milestone.message_id is None


async def test_a_milestone_posted_late_says_when_it_happened_and_a_timely_one_does_not(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, duration="2d")
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(bob, "challenge log", amount="1010")  # posted at once
    logged_at = bot_handle.clock.advance(timedelta(hours=1))
    await challenge_service.log(bot_handle.bot.svc, guild.id, None, alice.id, "1010")  # then stopped
    await bot_handle.stop()
    bot_handle.clock.advance(timedelta(hours=7))
    await bot_handle.start()
    timely, late = posts(emulator, guild, "general", HALF_WAY)
    assert bob.mention in timely.content and LATE not in timely.content
    assert alice.mention in late.content and late_note(logged_at) in late.content
    assert late.pinged_user_ids == {alice.id}


async def test_a_milestone_just_inside_the_late_threshold_has_no_note(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    await challenge_service.log(bot_handle.bot.svc, guild.id, None, alice.id, "1010")
    await bot_handle.stop()
    bot_handle.clock.advance(LATE_AFTER)
    await bot_handle.start()
    (milestone,) = posts(emulator, guild, "general", HALF_WAY)
    assert LATE not in milestone.content


async def test_a_cancellation_queued_before_a_stop_is_never_dropped_and_says_when_it_happened(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    cancelled_at = bot_handle.clock.advance(timedelta(hours=1))
    await challenge_service.cancel(bot_handle.bot.svc, guild.id, 1, alice.id, is_admin=False)  # then stopped
    await bot_handle.stop()
    bot_handle.clock.advance(timedelta(hours=9))  # long past its end
    await bot_handle.start()
    (post,) = posts(emulator, guild, "general", "was cancelled")
    assert late_note(cancelled_at) in post.content


async def test_a_post_sent_but_not_recorded_before_a_stop_is_found_not_repeated_even_when_now_late(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped between sending and recording: the next start finds the post it made, although the
    text it would post now (late, with its note) differs from the one it sent on time."""

    async def stopped_before_recording(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("the process stopped here")

    await create(emulator, guild.members["alice"])
    monkeypatch.setattr(announcements, "mark_posted", stopped_before_recording)
    await bot_handle.advance(timedelta(hours=7))
    assert len(posts(emulator, guild, "general", "is over")) == 1
    await bot_handle.stop()
    monkeypatch.undo()
    bot_handle.clock.advance(LATE_AFTER * 2)
    await bot_handle.start()
    (result,) = posts(emulator, guild, "general", "is over")
    assert LATE not in result.content
    assert await column(bot_handle, "challenge_result", "message_id") == result.id


# =================================================================================================
# failures: retried on a schedule by themselves, then given up visibly (issue 12 §2)
# =================================================================================================


async def test_a_failed_result_is_retried_on_its_schedule_by_itself_not_at_the_next_command(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    clock = bot_handle.clock
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="1500")
    fail_posts(emulator, guild.channels["general"], hits=1)  # Discord has trouble for a while
    tries = message_posts(emulator, guild)
    await bot_handle.advance(timedelta(hours=7))
    finished_at = clock.now()
    assert message_posts(emulator, guild) == tries + 1 and posts(emulator, guild, "general", "is over") == []
    result = await row_of(bot_handle, "challenge_result")
    assert result.attempts == 1 and await column(bot_handle, "challenge_result", "next_attempt_at") is not None

    # An unrelated command that posts its own announcement in the same channel does not try (nor
    # render) the waiting one again.
    await create(emulator, bob, activity="squats", target="100", duration="7d")
    await emulator.invoke(bob, "challenge log", amount="50")
    assert len([m for m in posts(emulator, guild, "general", HALF_WAY) if bob.mention in m.content]) == 1
    assert message_posts(emulator, guild) == tries + 2
    assert (await row_of(bot_handle, "challenge_result")).attempts == 1
    tries += 1
    fail_posts(emulator, guild.channels["general"], hits=2)  # still in trouble for the next two tries

    # Nobody calls the bot: moving the clock to each next try is enough.
    for step, delay in enumerate(RETRY_DELAYS[:2], start=2):
        clock.advance(delay - timedelta(seconds=1))
        await emulator.settle()
        assert message_posts(emulator, guild) == tries + step - 1  # not yet
        clock.advance(timedelta(seconds=1))
        await wait_for_try(emulator, guild, tries + step - 1)
        assert (await row_of(bot_handle, "challenge_result")).attempts == step
    clock.advance(RETRY_DELAYS[2])
    await emulator.wait_for_message(guild.channels["general"], lambda m: "is over" in m.content, timeout=5)
    await emulator.settle()
    (post,) = posts(emulator, guild, "general", "is over")
    assert late_note(finished_at) in post.content  # 12 min 30 s after the deadline
    assert post.attachments and post.attachments[0].data.startswith(PNG_MAGIC)


async def test_after_the_last_try_an_announcement_is_undeliverable_logged_once_and_shown_to_admins(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, caplog: pytest.LogCaptureFixture
) -> None:
    alice, admin = guild.members["alice"], guild.admin
    assert admin is not None
    clock = bot_handle.clock
    await create(emulator, alice)
    fail_posts(emulator, guild.channels["general"], hits=MAX_ATTEMPTS + 5)
    tries = message_posts(emulator, guild)
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        await bot_handle.advance(timedelta(hours=7))
        for step, delay in enumerate(RETRY_DELAYS, start=1):
            clock.advance(delay)
            await wait_for_try(emulator, guild, tries + step)
        assert message_posts(emulator, guild) == tries + MAX_ATTEMPTS
        # Given up: no more tries, whatever happens next.
        clock.advance(timedelta(days=2))
        await emulator.settle()
        await create(emulator, alice, activity="squats", duration="7d")
        await bot_handle.run_due()
    assert message_posts(emulator, guild) == tries + MAX_ATTEMPTS
    given_up = [r for r in caplog.records if r.levelno == logging.ERROR and "undeliverable" in r.getMessage()]
    assert len(given_up) == 1 and "challenge_result" in given_up[0].getMessage()
    assert await announcements.unposted(bot_handle.bot.svc.db) == []
    assert await column(bot_handle, "challenge_result", "undeliverable_at") is not None

    audit = await emulator.invoke(admin, "admin audit")
    assert audit.ephemeral
    assert "not delivered" in audit.text and "challenge result" in audit.text
    assert guild.channels["general"].mention in audit.text and f"{MAX_ATTEMPTS} tries" in audit.text


async def test_an_announcement_refused_by_every_channel_is_shown_to_admins_at_once(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin = guild.admin
    assert admin is not None
    fail_posts(emulator, guild.channels["general"], hits=1, status=403)
    await create(emulator, guild.members["alice"])
    await bot_handle.advance(timedelta(hours=7))
    audit = await emulator.invoke(admin, "admin audit")
    assert "not delivered" in audit.text and "1 try" in audit.text


# =================================================================================================
# a result never waits for its chart (issue 12 §2)
# =================================================================================================


class GatedCharts:
    """Stands in for the bot's chart renderer: draws nothing until `open()`, or fails."""

    def __init__(self, *, fail: bool = False) -> None:
        self.gate = asyncio.Event()
        self.fail = fail
        self.calls = 0

    async def render(self, chart: ProgressChart) -> bytes:
        self.calls += 1
        if self.fail:
            raise RuntimeError("the chart cannot be drawn")
        await self.gate.wait()
        return PNG_MAGIC + b"chart"


async def result_when_posted(emulator: DiscordEmulator, guild: Guild) -> Message:
    return await emulator.wait_for_message(guild.channels["general"], lambda m: "is over" in m.content, timeout=5)


async def test_a_result_is_posted_at_once_and_its_chart_added_by_an_edit_when_drawn(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = guild.members["alice"]
    charts = GatedCharts()
    monkeypatch.setattr(bot_handle.bot.charts, "render", charts.render)
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="1500")
    deadline = asyncio.create_task(bot_handle.advance(timedelta(hours=7)))
    result = await result_when_posted(emulator, guild)  # while the chart is still being drawn
    assert result.attachments == [] and "image" not in result.embeds[0]
    await recorded(bot_handle, "challenge_result", "image_pending", 1)
    charts.gate.set()
    await deadline
    assert result.attachments and result.attachments[0].filename == "challenge-1.png"
    assert result.attachments[0].data == PNG_MAGIC + b"chart"
    assert result.embeds[0]["image"]["url"] == "attachment://challenge-1.png"
    assert result.content == result.history[0].content  # only the chart was added
    assert len(posts(emulator, guild, "general", "is over")) == 1
    assert await column(bot_handle, "challenge_result", "image_pending") == 0


async def test_a_result_waiting_for_its_channel_has_its_chart_drawn_meanwhile_and_sent_with_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    charts = GatedCharts()
    charts.gate.set()
    monkeypatch.setattr(bot_handle.bot.charts, "render", charts.render)
    await create(emulator, guild.members["alice"])
    await create(emulator, guild.members["bob"], activity="squats", target="300")
    fail_posts(emulator, guild.channels["general"], hits=2)  # both fail: they are retried together
    await bot_handle.advance(timedelta(hours=7))
    assert posts(emulator, guild, "general", "is over") == []
    emulator.force_rate_limit(guild.channels["general"], retry_after=0.3)  # the first one waits a moment
    bot_handle.clock.advance(RETRY_DELAYS[0])
    await emulator.wait_until(lambda: len(posts(emulator, guild, "general", "is over")) == 2, 5, "both results")
    await emulator.settle()
    first, second = posts(emulator, guild, "general", "is over")
    assert first.attachments and len(first.history) == 1  # posted at once, its chart added
    assert second.attachments and second.history == []  # drawn while the first one waited: no edit


async def test_a_chart_that_cannot_be_drawn_never_holds_the_result_back(
    emulator: DiscordEmulator,
    guild: Guild,
    bot_handle: BotHandle,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice = guild.members["alice"]
    charts = GatedCharts(fail=True)
    monkeypatch.setattr(bot_handle.bot.charts, "render", charts.render)
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="1500")
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await bot_handle.advance(timedelta(hours=7))
        (result,) = posts(emulator, guild, "general", "is over")
        assert alice.mention in result.content and result.attachments == []
        await create(emulator, alice, activity="squats", duration="7d")
        await bot_handle.advance(timedelta(days=1))
    assert charts.calls == 1  # never tried again
    assert await column(bot_handle, "challenge_result", "image_pending") == 0
    assert len([r for r in caplog.records if "could not be drawn" in r.getMessage()]) == 1
    assert result.history == []


async def test_a_chart_still_being_drawn_at_a_stop_is_added_after_the_restart_without_a_second_post(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = guild.members["alice"]
    monkeypatch.setattr(bot_handle.bot.charts, "render", GatedCharts().render)  # never finishes
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="1500")
    deadline = asyncio.create_task(bot_handle.advance(timedelta(hours=7)))
    result = await result_when_posted(emulator, guild)
    await recorded(bot_handle, "challenge_result", "image_pending", 1)
    await bot_handle.stop()
    await deadline
    assert result.attachments == []
    await bot_handle.start()  # the real renderer again
    assert len(posts(emulator, guild, "general", "is over")) == 1
    assert result.attachments and result.attachments[0].data.startswith(PNG_MAGIC)
    assert await column(bot_handle, "challenge_result", "image_pending") == 0
    await bot_handle.restart()  # done: nothing more happens
    assert len(result.history) == 1


async def test_a_failed_chart_edit_is_retried_on_its_schedule(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = guild.members["alice"]
    charts = GatedCharts()
    monkeypatch.setattr(bot_handle.bot.charts, "render", charts.render)
    await create(emulator, alice)
    deadline = asyncio.create_task(bot_handle.advance(timedelta(hours=7)))
    result = await result_when_posted(emulator, guild)
    fail_edits(emulator, guild.channels["general"])  # the edit fails
    charts.gate.set()
    await deadline
    assert result.attachments == [] and await column(bot_handle, "challenge_result", "image_pending") == 1
    bot_handle.clock.advance(RETRY_DELAYS[0])
    await emulator.wait_until(lambda: bool(result.attachments), timeout=5, what="the chart to be added")
    await emulator.settle()
    assert await column(bot_handle, "challenge_result", "image_pending") == 0
    assert len(posts(emulator, guild, "general", "is over")) == 1


# =================================================================================================
# penalties: a reminder whose moment passed is dropped, an overdue notice never
# =================================================================================================


async def test_a_penalty_reminder_not_delivered_before_the_due_time_is_dropped_the_overdue_notice_posted(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await story_until_settled(emulator, guild, bot_handle)
    fail_posts(emulator, guild.default_channel, hits=2)  # both reminders fail, then the bot is stopped
    await bot_handle.advance(timedelta(days=6, hours=1))
    assert len(await announcements.unposted(bot_handle.bot.svc.db)) == 2
    await bot_handle.stop()
    bot_handle.clock.advance(timedelta(days=2))  # past the due time
    await bot_handle.start()
    assert penalty_posts(emulator, guild, "is due") == []
    assert len(penalty_posts(emulator, guild, "is overdue")) == 2
    reminders = await bot_handle.bot.svc.db.fetchall(
        "SELECT posted_at, message_id FROM announcements WHERE kind = 'penalty_reminder'"
    )
    assert len(reminders) == 2 and all(r["posted_at"] and r["message_id"] is None for r in reminders)


async def test_an_overdue_notice_is_posted_even_if_the_penalty_was_submitted_before_it_went_out(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    _, ana, _ = await story_until_settled(emulator, guild, bot_handle)
    await bot_handle.advance(timedelta(days=6, hours=1))  # the reminders
    fail_posts(emulator, guild.default_channel, hits=2)  # both overdue notices fail once
    await bot_handle.advance(timedelta(days=1))
    assert penalty_posts(emulator, guild, "is overdue") == []
    await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00")
    tries = message_posts(emulator, guild)
    bot_handle.clock.advance(RETRY_DELAYS[0])
    await emulator.wait_until(
        lambda: len(penalty_posts(emulator, guild, "is overdue")) == 2, timeout=5, what="both overdue notices"
    )
    assert message_posts(emulator, guild) == tries + 2


async def test_results_start_going_out_while_later_deadlines_of_the_same_run_are_still_settled(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    """500 deadlines at once: the first result must not wait until the 500th is settled."""
    await create(emulator, guild.members["alice"])
    await create(emulator, guild.members["bob"], activity="squats", target="300")
    svc = bot_handle.bot.svc
    seen_first: list[bool] = []

    async def slow_second_settlement(timer: TimerRow) -> None:
        if timer.ref_id == 2:  # still settling #2 when #1's result is posted
            await emulator.wait_until(
                lambda: bool(posts(emulator, guild, "general", "(#1) is over")), 5, "the first result"
            )
            seen_first.append(True)
        await challenge_service.on_end_timer(svc, timer)

    bot_handle.bot.timers.handle(challenge_service.TIMER_END, slow_second_settlement)
    await bot_handle.advance(timedelta(hours=7))
    assert seen_first == [True]
    assert len(posts(emulator, guild, "general", "is over")) == 2


async def test_a_clock_reminder_not_delivered_before_that_clock_ran_out_is_dropped(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, duration="7h", clock_starts_at_first_log=True, latest_start="in 2 days")
    await emulator.invoke(alice, "challenge log", amount="100")  # her 7 h clock starts
    fail_posts(emulator, guild.channels["general"])  # the reminder, an hour before her clock ends, fails
    await bot_handle.advance(timedelta(hours=6))
    assert await column(bot_handle, "participant_clock_reminder", "attempts") == 1
    bot_handle.clock.advance(timedelta(hours=1))  # its retry comes after her clock ran out
    for _ in range(500):  # the retry drops it: nothing is sent, only recorded
        if await column(bot_handle, "participant_clock_reminder", "posted_at") is not None:
            break
        await asyncio.sleep(0.01)
    await emulator.settle()
    assert posts(emulator, guild, "general", "your clock for") == []
    assert await column(bot_handle, "participant_clock_reminder", "posted_at") is not None
    assert await column(bot_handle, "participant_clock_reminder", "message_id") is None
