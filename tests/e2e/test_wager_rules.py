"""The wager's rules as friends play them (issue #11), end to end through the emulator: bets on a
fresh challenge with default options, per-member results, no escape hatches, no corrections after a
result, and a cancel racing the deadline."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.services import challenges as challenge_service
from bot.store.codec import from_db
from tests.e2e.challenge_support import posts, refused
from tests.e2e.harness import BotHandle
from tests.e2e.test_bets import STAKE, bet_message, bet_row, propose, seed_challenge
from tests.emulator import DiscordEmulator, Guild, Member


async def bet_choices(emulator: DiscordEmulator, member: Member, text: str = "") -> list[int]:
    return [int(c.value) for c in await emulator.autocomplete(member, "bet create", "challenge", text)]


async def logs_of(handle: BotHandle, guild: Guild) -> list[tuple[int, int]]:
    rows = await handle.bot.svc.db.fetchall(
        "SELECT l.user_id, l.amount FROM logs l JOIN challenges c ON c.id = l.challenge_id"
        " WHERE c.guild_id = ? AND l.struck_at IS NULL ORDER BY l.id",
        (guild.id,),
    )
    return [(r[0], r[1]) for r in rows]


# --------------------------------------------------------------------------- 1. betting on a fresh challenge


async def test_a_default_challenge_takes_bets_until_the_subject_starts(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    created = await seed_challenge(emulator, sam)  # "2020 pushups 7h", nothing else
    assert "Bets on a member lock at their first log" in created.text
    assert await bet_choices(emulator, ana) == [1]  # the picker offers it
    message = bet_message(await propose(emulator, sam, ana, ben))
    assert f"locks at <@{sam.id}>'s first log" in message.embed_text()
    status = await emulator.invoke(ana, "challenge status", challenge=1)
    assert "Bets on a member lock at their first log" in status.text
    await emulator.click(ana, message, label="Accept")
    await emulator.click(ben, message, label="Accept")
    bot_handle.clock.advance(timedelta(minutes=20))  # friends took their time: his clock hasn't started
    await emulator.invoke(sam, "challenge log", amount="100")
    assert (await bet_row(bot_handle, guild))["status"] == "locked"
    assert await bet_choices(emulator, ana) == []  # his bets are locked: nothing left to bet on
    await refused(emulator, bot_handle, ana, "bet create", "locked", challenge=1, side="against", **STAKE, opponent=sam)
    # His 7 hours count from his first log, not from when the challenge was created.
    row = await bot_handle.bot.svc.db.fetchone("SELECT due_at FROM timers WHERE kind = 'participant_clock_end'")
    assert row is not None and from_db(row[0]) == bot_handle.clock.now() + timedelta(hours=7)


async def test_a_shared_window_takes_bets_until_its_first_log(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam, mode="total")  # one window for everyone, from now
    message = bet_message(await propose(emulator, sam, ana))
    assert "locks at the challenge's first log" in message.embed_text()
    assert await bet_choices(emulator, ana) == [1]
    await emulator.click(ana, message, label="Accept")
    await emulator.invoke(sam, "challenge log", amount="10")
    assert (await bet_row(bot_handle, guild))["status"] == "locked"
    assert await bet_choices(emulator, ana) == []
    status = await emulator.invoke(ana, "challenge status", challenge=1)
    assert "Bets locked at the first log" in status.text


async def test_the_bet_picker_offers_only_challenges_that_still_take_bets(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)  # #1: attempt clock, Sam not started
    await seed_challenge(emulator, sam, activity="squats", mode="total")  # #2: started by a log below
    start = (bot_handle.clock.now() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    await seed_challenge(emulator, sam, activity="burpees", clock_starts_at_first_log=False, start=start)  # #3
    await seed_challenge(emulator, sam, activity="lunges", join=False, mode="total")  # #4: nobody to bet on
    await emulator.invoke(sam, "challenge log", amount="5", challenge=2)
    await seed_challenge(emulator, sam, activity="planks")  # #5
    await emulator.invoke(sam, "challenge cancel", challenge=5)
    assert sorted(await bet_choices(emulator, ana)) == [1, 3]
    labels = [c.name for c in await emulator.autocomplete(ana, "bet create", "challenge", "")]
    assert any("bets lock at the start" in label for label in labels)
    await bot_handle.advance(timedelta(hours=2, minutes=1))  # #3 started
    assert await bet_choices(emulator, ana) == [1]


async def test_a_members_first_log_locks_only_the_bets_on_that_member(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    await emulator.invoke(ana, "challenge join", challenge=1)
    on_sam = bet_message(await propose(emulator, sam, ben))
    on_ana = bet_message(await propose(emulator, ana, ben))
    await emulator.click(ben, on_sam, label="Accept")
    await emulator.invoke(sam, "challenge log", amount="10")  # Sam's clock starts, Ana's doesn't
    assert (await bet_row(bot_handle, guild, 1))["status"] == "locked"
    assert (await bet_row(bot_handle, guild, 2))["status"] == "open"
    res = await emulator.click(ben, on_ana, label="Accept")  # still time to take the bet on Ana
    assert not res.ephemeral and f"✅ <@{ben.id}>" in on_ana.embed_text()
    assert await bet_choices(emulator, ben) == [1]  # Ana hasn't started: bets on her are still taken


# --------------------------------------------------------------------------- 2 and 3. per-member results


async def test_each_member_is_judged_on_their_own_clock_and_their_bets_settle_then(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    clock = bot_handle.clock
    await seed_challenge(emulator, sam, target="100", duration="1h")
    await emulator.invoke(ana, "challenge join", challenge=1)
    on_sam = bet_message(await propose(emulator, sam, ben))
    await emulator.click(ben, on_sam, label="Accept")
    on_ana = bet_message(await propose(emulator, ana, ben))
    await emulator.click(ben, on_ana, label="Accept")

    await emulator.invoke(sam, "challenge log", amount="60")  # Sam's hour: now … +60 min
    clock.advance(timedelta(minutes=30))
    await emulator.invoke(ana, "challenge log", amount="20")  # Ana's hour: +30 … +90 min
    clock.advance(timedelta(minutes=10))
    await emulator.invoke(sam, "challenge log", amount="40")  # Sam reaches 100 at +40 min
    await bot_handle.run_due()
    assert (await bet_row(bot_handle, guild, 1))["status"] == "settled"  # at once, not at Ana's end
    assert (await bet_row(bot_handle, guild, 2))["status"] == "locked"
    [sam_result] = posts(emulator, guild, "general", "made it:")
    assert sam.mention in sam_result.content and "1 still going" in sam_result.content

    await bot_handle.advance(timedelta(minutes=50))  # +90 min: Ana's own hour is over
    assert (await bet_row(bot_handle, guild, 2))["status"] == "settled"
    assert (await bet_row(bot_handle, guild, 2))["winning_side"] == "against"
    [ana_result] = posts(emulator, guild, "general", "didn't make it:")
    assert ana.mention in ana_result.content and "20 reps of 100 reps" in ana_result.content
    penalties = await bot_handle.bot.svc.db.fetchall("SELECT debtor_id FROM penalties ORDER BY no")
    assert [r[0] for r in penalties] == [ben.id, ana.id]  # Ben lost on Sam, Ana lost on herself
    status = await emulator.invoke(sam, "challenge status", challenge=1)
    assert "didn't make it" in status.text and "target in 40 min" in status.text


async def test_a_member_who_joined_later_keeps_their_full_clock(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam, target="100", duration="1h", latest_start="in 2d")
    await emulator.invoke(sam, "challenge log", amount="10")  # Sam's hour starts now
    bot_handle.clock.advance(timedelta(minutes=30))
    await emulator.invoke(ana, "challenge join", challenge=1)  # after Sam started
    await bot_handle.advance(timedelta(minutes=31))  # Sam's hour is over; Ana hasn't started
    [failed] = posts(emulator, guild, "general", "didn't make it:")
    assert sam.mention in failed.content and ana.mention not in failed.content
    assert posts(emulator, guild, "general", "is over") == []
    await bot_handle.advance(timedelta(days=1))  # a day later Ana starts her own full hour
    res = await emulator.invoke(ana, "challenge log", amount="50")
    assert not res.ephemeral, res.text
    await bot_handle.advance(timedelta(minutes=59))
    res = await emulator.invoke(ana, "challenge log", amount="50")
    assert "Target reached in 59 min" in res.content
    await bot_handle.run_due()
    assert len(posts(emulator, guild, "general", "made it:")) == 1


# --------------------------------------------------------------------------- 4. no escape hatches


async def test_a_subject_cannot_leave_or_cancel_their_way_out_of_a_locked_bet(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana))
    await emulator.click(ana, message, label="Accept")
    await emulator.invoke(sam, "challenge log", amount="100")  # locked
    await refused(emulator, bot_handle, sam, "challenge leave", ["bets on you are locked", "#1"], challenge=1)
    await refused(emulator, bot_handle, sam, "challenge cancel", ["part of bet #1", "admin"], challenge=1)
    assert (await bet_row(bot_handle, guild))["status"] == "locked"


async def test_leaving_before_the_lock_calls_open_bets_off_and_says_so(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    bet_message(await propose(emulator, sam, ana))
    res = await emulator.invoke(sam, "challenge leave", challenge=1)
    assert "You left" in res.content
    row = await bet_row(bot_handle, guild)
    assert row["status"] == "voided" and "left challenge #1 before the bet locked" in row["void_reason"]
    [post] = posts(emulator, guild, "general", "🚫 Bet #1")
    assert "left challenge #1 before the bet locked" in post.content and "Nothing is owed" in post.content


async def test_nobody_voids_alone_a_bet_they_are_part_of(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, ana = guild.admin, guild.members["bob"]
    assert admin is not None
    await seed_challenge(emulator, admin)  # the admin bets on himself and loses
    message = bet_message(await propose(emulator, admin, ana))
    await emulator.click(ana, message, label="Accept")
    await emulator.invoke(admin, "challenge log", amount="10")
    await bot_handle.advance(timedelta(hours=7, minutes=1))
    assert (await bet_row(bot_handle, guild))["status"] == "settled"
    await refused(emulator, bot_handle, admin, "admin void", "part of this bet", bet=1, reason="oops")
    # Cancelling the challenge calls off only what is still open: his lost bet and penalty stand.
    await emulator.invoke(admin, "challenge cancel", challenge=1)
    assert (await bet_row(bot_handle, guild))["status"] == "settled"
    assert (await bot_handle.bot.svc.db.fetchone("SELECT status FROM penalties"))[0] == "owed"


async def test_an_admin_in_a_locked_bet_cannot_cancel_the_challenge_but_another_admin_can(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, sam = guild.admin, guild.members["alice"]
    assert admin is not None
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, admin))
    await emulator.click(admin, message, label="Accept")
    await emulator.invoke(sam, "challenge log", amount="10")
    await refused(emulator, bot_handle, admin, "admin cancel", "part of bet #1", challenge=1, reason="rain")
    other = emulator.add_member(guild, "mod", roles=[guild.admins_role])
    await emulator.settle()
    res = await emulator.invoke(other, "admin cancel", challenge=1, reason="injury")
    assert res.ephemeral and "Cancelled" in res.content
    row = await bet_row(bot_handle, guild)
    assert (row["status"], row["voided_by"]) == ("voided", other.id)  # voided by an admin outside it


# --------------------------------------------------------------------------- 5. corrections after a result


async def test_a_result_freezes_the_logs_it_was_decided_on(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, sam, ana = guild.admin, guild.members["alice"], guild.members["bob"]
    assert admin is not None
    await seed_challenge(emulator, sam, target="100", duration="1h", clock_starts_at_first_log=False)
    message = bet_message(await propose(emulator, sam, ana))
    await emulator.click(ana, message, label="Accept")
    await emulator.invoke(sam, "challenge log", amount="100")  # made it: decided, bet settled
    await bot_handle.run_due()
    log_id = (await bot_handle.bot.svc.db.fetchone("SELECT id FROM logs"))[0]
    await refused(emulator, bot_handle, sam, "challenge undo", "already decided", challenge=1)
    await refused(
        emulator, bot_handle, admin, "admin fix-log", ["already decided", "/admin void"], log=log_id, amount="10",
        reason="typo",
    )  # fmt: skip
    await bot_handle.advance(timedelta(hours=7))
    await refused(emulator, bot_handle, admin, "admin fix-log", "already decided", log=log_id, strike=True, reason="x")
    status = await emulator.invoke(sam, "challenge status", challenge=1)
    assert "100 reps" in status.text and "Made it" not in status.text.replace("made it", "")
    [result] = posts(emulator, guild, "general", "is over")
    assert f"✅ Made it: {sam.mention}" in result.content
    assert await logs_of(bot_handle, guild) == [(sam.id, 100)]


# --------------------------------------------------------------------------- 6. a cancel racing the deadline


async def _fixed_challenge(emulator: DiscordEmulator, guild: Guild, no: int = 1) -> Member:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam, mode="total", duration="1h")
    message = bet_message(await propose(emulator, sam, ana, challenge=no))
    await emulator.click(ana, message, label="Accept")
    return sam


async def test_a_cancel_before_the_deadline_wins_and_the_deadline_then_does_nothing(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam = await _fixed_challenge(emulator, guild)
    bot_handle.clock.advance(timedelta(minutes=59))
    res = await emulator.invoke(sam, "challenge cancel", challenge=1)
    assert res.ephemeral and "Cancelled" in res.content
    await bot_handle.advance(timedelta(minutes=2))
    assert len(posts(emulator, guild, "general", "🚫 Challenge #1")) == 1
    assert posts(emulator, guild, "general", "is over") == []
    assert (await bet_row(bot_handle, guild))["status"] == "voided"


async def test_the_deadline_before_a_cancel_wins_and_the_cancel_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam = await _fixed_challenge(emulator, guild)
    await bot_handle.advance(timedelta(hours=1))
    await refused(emulator, bot_handle, sam, "challenge cancel", "is over", challenge=1)
    assert len(posts(emulator, guild, "general", "is over")) == 1
    assert posts(emulator, guild, "general", "🚫 Challenge #1") == []


async def test_a_cancel_and_the_deadline_at_the_same_moment_have_exactly_one_outcome(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    for no, cancel_first in ((1, True), (2, False)):
        admin = guild.admin
        assert admin is not None
        await _fixed_challenge(emulator, guild, no)
        challenge_id = int((await bot_handle.bot.svc.db.fetchone("SELECT MAX(id) FROM challenges"))[0])
        bot_handle.clock.advance(timedelta(minutes=59, seconds=59))
        svc = bot_handle.bot.svc
        cancel = challenge_service.cancel(svc, guild.id, no, admin.id, is_admin=True)
        finish = challenge_service.finish(svc, challenge_id)
        first, second = (cancel, finish) if cancel_first else (finish, cancel)
        outcomes = await asyncio.gather(first, second, return_exceptions=True)
        row = await svc.db.fetchone("SELECT status FROM challenges WHERE id = ?", (challenge_id,))
        kinds = [
            r[0] for r in await svc.db.fetchall("SELECT kind FROM announcements WHERE ref_id = ?", (challenge_id,))
        ]
        results, cancels = kinds.count("challenge_result"), kinds.count("challenge_cancelled")
        assert (results, cancels) == ((0, 1) if row[0] == "cancelled" else (1, 0)), (cancel_first, outcomes, kinds)
        bets = await svc.db.fetchall("SELECT status FROM bets WHERE challenge_id = ?", (challenge_id,))
        assert [b[0] for b in bets] == ["voided" if row[0] == "cancelled" else "settled"]
        if row[0] == "finished":  # the cancel that lost the race was refused, and said so
            assert any("already closed" in str(o) or "is over" in str(o) for o in outcomes), outcomes
        bot_handle.clock.advance(timedelta(hours=2))


async def test_each_member_is_reminded_before_their_own_clock_runs_out(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)  # 7 h clocks, a week to start
    await emulator.invoke(ana, "challenge join", challenge=1)
    await emulator.invoke(sam, "challenge log", amount="500")  # Sam's 7 h start now
    bot_handle.clock.advance(timedelta(hours=2))
    await emulator.invoke(ana, "challenge log", amount="100")  # Ana's start 2 h later
    await bot_handle.advance(timedelta(hours=3, minutes=59))
    assert posts(emulator, guild, "general", "⏰") == []
    await bot_handle.advance(timedelta(minutes=1))  # Sam's clock: 1 h left
    [sam_reminder] = posts(emulator, guild, "general", "⏰")
    assert (
        sam_reminder.content.startswith(f"⏰ {sam.mention}, your clock")
        and "500 reps of 2,020 reps" in sam_reminder.content
    )
    assert sam_reminder.pinged_user_ids == {sam.id}
    await emulator.invoke(ana, "challenge log", amount="1920")  # Ana makes it: no reminder for her
    await bot_handle.advance(timedelta(hours=3))
    assert len(posts(emulator, guild, "general", "⏰")) == 1
