"""/penalty through the Discord emulator: submit with pace, Verify/Reject buttons (also after a
restart), waive, reminders and overdue once, lists, and every bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.challenge_support import PNG_MAGIC, refused
from tests.e2e.harness import BotHandle
from tests.e2e.test_bets import bet_message, click_refused, log_all, propose, seed_challenge
from tests.emulator import DiscordEmulator, DriverError, Guild, Member, Message


async def story_until_settled(emulator: DiscordEmulator, guild: Guild, handle: BotHandle) -> tuple[Member, ...]:
    """Sam bets Ana and Ben, makes 2,020 pushups in time; each of them owes a 5 km backwards run."""
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana, ben))
    await emulator.click(ana, message, label="Accept")
    await emulator.click(ben, message, label="Accept")
    await log_all(emulator, handle, sam)
    await handle.advance(timedelta(hours=4, minutes=1))
    return sam, ana, ben


def posts(emulator: DiscordEmulator, guild: Guild, contains: str) -> list[Message]:
    return [m for m in emulator.messages(guild.default_channel, include_ephemeral=False) if contains in m.content]


async def status(handle: BotHandle, guild: Guild, no: int) -> str:
    row = await handle.bot.svc.db.fetchone("SELECT status FROM penalties WHERE guild_id = ? AND no = ?", (guild.id, no))
    assert row is not None
    return str(row[0])


async def test_seed_story_ends_with_both_penalties_done(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = await story_until_settled(emulator, guild, bot_handle)
    owed = await emulator.invoke(ana, "penalty list", member=ana)
    assert owed.ephemeral and "#1" in owed.text and "run 5 km backwards" in owed.text and "owed" in owed.text

    bot_handle.clock.advance(timedelta(days=1))
    proof = emulator.attachment("run.png", PNG_MAGIC + b" proof", content_type="image/png")
    res = await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00", proof=proof)
    assert not res.ephemeral and "11:00 min/km" in res.content and res.files, res.text  # the photo, for all
    [ask] = posts(emulator, guild, "verify it or reject it")
    assert "5 km in 55 min · 11:00 min/km" in ask.content and "Proof:" in ask.content
    assert ask.pinged_user_ids == {sam.id}  # the winner is asked, nobody else
    assert ask.custom_ids == ["fitbet:pen:1:verify", "fitbet:pen:1:reject"]
    clicked = await emulator.click(sam, ask, label="Verify")
    assert clicked.response_type == 7 and all(b.get("disabled") for b in ask.buttons)
    [done] = posts(emulator, guild, "Penalty #1 (run 5 km backwards) is done")
    assert done.pinged_user_ids == {ana.id} and "11:00 min/km" in done.content

    res = await emulator.invoke(ben, "penalty submit", penalty=2, amount="5", duration="55:00")
    assert "11:00 min/km" in res.content
    verified = await emulator.invoke(sam, "penalty verify", penalty=2)
    assert verified.ephemeral and "verified penalty #2" in verified.content
    [second_ask] = posts(emulator, guild, "submitted penalty #2")
    assert all(b.get("disabled") for b in second_ask.buttons)  # answered by command: buttons go grey
    assert len(posts(emulator, guild, "is done")) == 2
    finished = await emulator.invoke(sam, "penalty list", which="done")
    assert "#1" in finished.text and "#2" in finished.text
    assert await status(bot_handle, guild, 1) == await status(bot_handle, guild, 2) == "verified"


async def test_reject_sends_it_back_and_a_resubmission_asks_again(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, _ = await story_until_settled(emulator, guild, bot_handle)
    await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00")
    [ask] = posts(emulator, guild, "submitted penalty #1")
    rejected = await emulator.click(sam, ask, label="Reject")
    assert rejected.response_type == 7 and "rejected" in ask.content
    assert rejected.followups and rejected.followups[0].pinged_user_ids == {ana.id}
    assert await status(bot_handle, guild, 1) == "owed"
    with pytest.raises(DriverError):
        await emulator.click(sam, ask, label="Verify")  # the old post's buttons are off
    await emulator.invoke(ana, "penalty submit", penalty=1, amount="5.1", duration="56:10")
    asks = posts(emulator, guild, "submitted penalty #1")
    assert len(asks) == 2
    await emulator.click(sam, asks[1], label="Verify")
    assert await status(bot_handle, guild, 1) == "verified"


async def test_verify_button_works_after_a_restart(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = await story_until_settled(emulator, guild, bot_handle)
    await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00")
    [ask] = posts(emulator, guild, "submitted penalty #1")
    await bot_handle.restart()
    await click_refused(emulator, bot_handle, ana, ask, "Verify", "your own penalty")
    await click_refused(emulator, bot_handle, ben, ask, "Verify", "Only the winners")
    res = await emulator.click(sam, ask, label="Verify")
    assert res.response_type == 7
    assert await status(bot_handle, guild, 1) == "verified"


async def test_admin_may_verify_but_the_debtor_never(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    _, ana, _ = await story_until_settled(emulator, guild, bot_handle)
    await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00")
    assert guild.admin is not None
    res = await emulator.invoke(guild.admin, "penalty verify", penalty=1)
    assert res.ephemeral and "verified" in res.content
    assert await status(bot_handle, guild, 1) == "verified"


async def test_waive_by_a_winner_not_by_the_debtor(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = await story_until_settled(emulator, guild, bot_handle)
    await refused(emulator, bot_handle, ana, "penalty waive", "your own penalty", penalty=1)
    await refused(emulator, bot_handle, ben, "penalty waive", "Only the winners", penalty=1)
    res = await emulator.invoke(sam, "penalty waive", penalty=1, reason="good sport")
    assert res.ephemeral and "Waived" in res.content
    [post] = posts(emulator, guild, "was waived")
    assert post.pinged_user_ids == {ana.id}
    await refused(emulator, bot_handle, ana, "penalty submit", "waived", penalty=1, amount="5", duration="55:00")


async def test_reminder_and_overdue_are_announced_once(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    _, ana, ben = await story_until_settled(emulator, guild, bot_handle)
    await bot_handle.advance(timedelta(days=6, hours=1))
    reminders = posts(emulator, guild, "is due")
    assert {next(iter(m.pinged_user_ids)) for m in reminders} == {ana.id, ben.id} and len(reminders) == 2
    await bot_handle.advance(timedelta(days=1))
    await bot_handle.restart()
    await bot_handle.run_due()
    overdue = posts(emulator, guild, "is overdue")
    assert len(overdue) == 2 and len(posts(emulator, guild, "is due")) == 2
    listed = await emulator.invoke(ana, "penalty list", which="overdue")
    assert "#1" in listed.text and "#2" in listed.text and "overdue" in listed.text
    assert await status(bot_handle, guild, 1) == "owed"  # it stays owed until done or waived
    res = await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00")
    assert "11:00 min/km" in res.content


async def test_bad_submissions_and_judgements_are_refused(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = await story_until_settled(emulator, guild, bot_handle)
    await refused(emulator, bot_handle, ben, "penalty submit", "isn't yours", penalty=1, amount="5", duration="55:00")
    await refused(emulator, bot_handle, ana, "penalty submit", "no penalty #9", penalty=9, amount="5", duration="55:00")
    await refused(emulator, bot_handle, ana, "penalty submit", "world record", penalty=1, amount="5", duration="5:00")
    await refused(
        emulator, bot_handle, ana, "penalty submit", "check the amount", penalty=1, amount="900", duration="9h"
    )
    await refused(
        emulator, bot_handle, ana, "penalty submit", "more than zero", penalty=1, amount="0", duration="55:00"
    )
    await refused(emulator, bot_handle, ana, "penalty submit", "55:00", penalty=1, amount="5", duration="12:77")
    await refused(emulator, bot_handle, ana, "penalty submit", "whole thing", penalty=1, amount="2", duration="20:00")
    text = emulator.attachment("notes.txt", b"trust me", content_type="text/plain")
    await refused(
        emulator,
        bot_handle,
        ana,
        "penalty submit",
        "must be an image",
        penalty=1,
        amount="5",
        duration="55:00",
        proof=text,
    )
    await refused(emulator, bot_handle, sam, "penalty verify", "hasn't been submitted", penalty=1)
    await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00")
    await refused(
        emulator, bot_handle, ana, "penalty submit", "already submitted", penalty=1, amount="5", duration="55:00"
    )
    await refused(emulator, bot_handle, ana, "penalty verify", "your own penalty", penalty=1)
    await refused(emulator, bot_handle, ben, "penalty verify", "Only the winners", penalty=1)
    await refused(emulator, bot_handle, ben, "penalty reject", "Only the winners", penalty=1)
    # The same numbers in another server are somebody else's (here: nobody's).
    dave = other_guild.members["dave"]
    await refused(emulator, bot_handle, dave, "penalty verify", "no penalty #1", penalty=1)
    await refused(
        emulator, bot_handle, dave, "penalty submit", "no penalty #1", penalty=1, amount="5", duration="55:00"
    )
    listed = await emulator.invoke(dave, "penalty list", which="all")
    assert "run 5 km backwards" not in listed.text


async def test_penalty_autocomplete_shows_number_and_text(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    _, ana, _ = await story_until_settled(emulator, guild, bot_handle)
    choices = await emulator.autocomplete(ana, "penalty submit", "penalty", "back")
    assert [c.value for c in choices] == [2, 1]
    assert choices[0].name.startswith("#2 run 5 km backwards")
    assert await emulator.autocomplete(other_guild.members["dave"], "penalty submit", "penalty", "") == []


async def test_forged_verify_ids_from_another_server_are_refused(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    """Both servers settle a bet; a Verify button edited to point at the other server's penalty finds nothing."""
    dave, erin = other_guild.members["dave"], other_guild.members["erin"]
    sam, ana = guild.members["alice"], guild.members["bob"]
    for proposer, opponent in ((dave, erin), (sam, ana)):
        await seed_challenge(emulator, proposer)
        await emulator.click(opponent, bet_message(await propose(emulator, proposer, opponent)), label="Accept")
        await emulator.invoke(proposer, "challenge log", amount="2020")
    await bot_handle.advance(timedelta(hours=7, minutes=1))
    await emulator.invoke(erin, "penalty submit", penalty=1, amount="5", duration="55:00")  # penalty row 1
    await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00")  # penalty row 2
    [ask] = posts(emulator, guild, "submitted penalty #1")
    assert ask.custom_ids == ["fitbet:pen:2:verify", "fitbet:pen:2:reject"]
    for row in ask.components:
        for button in row.get("components", []):
            button["custom_id"] = button["custom_id"].replace(":2:", ":1:")
    await click_refused(emulator, bot_handle, sam, ask, "Verify", "doesn't exist in this server")
    row = await bot_handle.bot.svc.db.fetchone("SELECT status FROM penalties WHERE id = 1")
    assert row is not None and row[0] == "submitted"


async def test_submit_unit_option_offers_units(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    choices = await emulator.autocomplete(guild.members["bob"], "penalty submit", "unit", "m")
    assert "mi" in [c.value for c in choices]
