"""Deadlines settle by themselves: the real bot's scheduler wakes up as the clock moves, through the
same code that production runs on the system clock (bot.scheduling). No test here calls `run_due()`
or `BotHandle.advance()`: they move the clock and watch what the bot posts on its own."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.challenge_support import create, posts
from tests.e2e.harness import BotHandle
from tests.e2e.test_bets import bet_message, log_all, propose, seed_challenge
from tests.emulator import DiscordEmulator, Guild, Member, Message


async def posted(
    emulator: DiscordEmulator, guild: Guild, contains: str, count: int = 1, channel: str = "general"
) -> list[Message]:
    """Wait until the bot has posted `count` messages containing `contains` (on its own), then settle."""
    await emulator.wait_until(
        lambda: len(posts(emulator, guild, channel, contains)) >= count, 10, f"{count} post(s) with {contains!r}"
    )
    await emulator.settle()
    return posts(emulator, guild, channel, contains)


async def bets_settled_with_two_penalties(
    emulator: DiscordEmulator, guild: Guild, handle: BotHandle
) -> tuple[Member, Member]:
    """Sam bets Ana and Ben and makes his 2,020 pushups: each of them owes a run, due in 7 days."""
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana, ben))
    await emulator.click(ana, message, label="Accept")
    await emulator.click(ben, message, label="Accept")
    await log_all(emulator, handle, sam)  # his result is decided at once, and the bet with it
    await handle.timers_idle()
    owed = await handle.bot.svc.db.fetchall("SELECT debtor_id FROM penalties WHERE status = 'owed'")
    assert sorted(r["debtor_id"] for r in owed) == sorted([ana.id, ben.id])
    return ana, ben


async def test_a_challenge_end_posts_its_result_by_itself(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, target="100", duration="2h")
    await emulator.invoke(alice, "challenge log", amount="40")
    bot_handle.clock.advance(timedelta(hours=1, minutes=59))
    await bot_handle.timers_idle()
    assert posts(emulator, guild, "general", "is over") == []  # not before its time
    bot_handle.clock.advance(timedelta(minutes=1))
    [result] = await posted(emulator, guild, "is over")
    assert f"Didn't make it: {alice.mention}" in result.content and result.attachments


async def test_a_challenge_reminder_is_posted_by_itself(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, target="100", duration="3h")
    await emulator.invoke(bob, "challenge join", challenge=1)
    bot_handle.clock.advance(timedelta(hours=2))  # one hour before the end (REMINDER_BEFORE_END_MINUTES)
    [reminder] = await posted(emulator, guild, "⏰")
    assert "ends <t:" in reminder.content and reminder.pinged_user_ids == {alice.id, bob.id}
    assert posts(emulator, guild, "general", "is over") == []


async def test_an_attempt_clock_running_out_posts_the_members_result_by_itself(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    await create(emulator, alice, target="100", duration="1h", clock_starts_at_first_log=True, latest_start="in 3h")
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(alice, "challenge log", amount="60")  # alice's clock: now … +1 h
    bot_handle.clock.advance(timedelta(hours=1))
    [mine] = await posted(emulator, guild, "didn't make it")
    assert alice.mention in mine.content and "60 reps of 100 reps when the clock ran out" in mine.content
    assert "1 still going" in mine.content and posts(emulator, guild, "general", "is over") == []


async def test_a_penalty_reminder_and_its_due_time_are_posted_by_themselves(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    ana, ben = await bets_settled_with_two_penalties(emulator, guild, bot_handle)
    bot_handle.clock.advance(timedelta(days=6, hours=1))
    reminders = await posted(emulator, guild, "is due", count=2)
    assert {next(iter(m.pinged_user_ids)) for m in reminders} == {ana.id, ben.id}
    assert posts(emulator, guild, "general", "is overdue") == []
    bot_handle.clock.advance(timedelta(days=1))
    overdue = await posted(emulator, guild, "is overdue", count=2)
    assert {f"<@{ana.id}>" in m.content for m in overdue} == {True, False}  # one each
    statuses = await bot_handle.bot.svc.db.fetchall("SELECT status FROM penalties")
    assert [r["status"] for r in statuses] == ["owed", "owed"]  # overdue is a moment, not a state change


async def test_a_deadline_set_before_a_restart_fires_by_itself_after_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, target="100", duration="1h")
    await bot_handle.restart()  # the new process knows the deadline from its rows only
    bot_handle.clock.advance(timedelta(hours=1))
    [result] = await posted(emulator, guild, "is over")
    assert f"Didn't make it: {alice.mention}" in result.content


async def test_a_due_time_that_passed_while_the_bot_was_down_settles_at_start_by_itself(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await bets_settled_with_two_penalties(emulator, guild, bot_handle)
    await bot_handle.stop()
    bot_handle.clock.advance(timedelta(days=8))
    await bot_handle.start()
    assert len(await posted(emulator, guild, "is overdue", count=2)) == 2
    await bot_handle.timers_idle()
    assert len(posts(emulator, guild, "general", "is overdue")) == 2  # once each
