"""The remaining button paths: Decline pressed by a named opponent, and a disputed manual bet."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.challenge_support import public_messages
from tests.e2e.harness import BotHandle
from tests.e2e.test_bets import bet_message, bet_row, channel_posts, propose, seed_challenge
from tests.emulator import DiscordEmulator, Guild


async def test_decline_button_records_the_answer_and_the_bet_expires_without_takers(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana))
    res = await emulator.click(ana, message, label="Decline")
    assert res.response_type == 7
    assert f"❌ <@{ana.id}>" in message.embed_text()
    assert res.followups and res.followups[0].ephemeral and "declined" in res.followups[0].content
    row = await bot_handle.bot.svc.db.fetchone("SELECT response FROM bet_opponents WHERE user_id = ?", (ana.id,))
    assert row is not None and row[0] == "declined"
    await emulator.invoke(sam, "challenge log", amount="10")  # the first log locks the bet
    assert (await bet_row(bot_handle, guild))["status"] == "expired"
    assert len(channel_posts(emulator, guild, "expired")) == 1


async def test_sides_that_disagree_leave_a_manual_bet_undecided(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    res = await emulator.invoke(
        sam,
        "bet create",
        side="for",
        stake="burpees",
        amount="50",
        unit="reps",
        opponent=ana,
        description="Sam swims 2 km on Friday",
        decide_at="in 2d",
    )
    await emulator.click(ana, bet_message(res), label="Accept")
    await bot_handle.advance(timedelta(days=2, minutes=1))
    [ask] = channel_posts(emulator, guild, "Time to decide")
    await emulator.click(sam, ask, label="It happened")
    posted = len(public_messages(emulator))
    disputed = await emulator.click(ana, ask, label="It didn't happen")
    assert disputed.followups and "disagree" in disputed.followups[0].content.lower()
    assert (await bet_row(bot_handle, guild))["status"] == "locked"
    assert not channel_posts(emulator, guild, "is settled")
    assert len(public_messages(emulator)) == posted
    assert not all(b.get("disabled") for b in ask.buttons)  # still open for a change of mind
