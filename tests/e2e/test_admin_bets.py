"""/admin settle|void|waive|verify end to end: what changes, what members then see, the audit trail."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.challenge_support import refused
from tests.e2e.harness import BotHandle
from tests.e2e.test_admin import audit_rows
from tests.e2e.test_penalties import posts, status, story_until_settled
from tests.emulator import DiscordEmulator, Guild


async def test_void_after_settlement_cancels_penalties_updates_stats_and_is_audited(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, _ben = await story_until_settled(emulator, guild, bot_handle)
    before = await emulator.invoke(sam, "stats", member=sam)
    assert "1 won" in before.text
    assert "#1" in (await emulator.invoke(ana, "penalty list", member=ana)).text

    res = await emulator.invoke(guild.admin, "admin void", bet=1, reason="wrong challenge")
    assert res.ephemeral and "voided" in res.content
    assert await status(bot_handle, guild, 1) == "cancelled" and await status(bot_handle, guild, 2) == "cancelled"
    assert posts(emulator, guild, "voided"), "the void is announced"
    listed = await emulator.invoke(ana, "penalty list", member=ana)
    assert "#1" not in listed.text
    after = await emulator.invoke(sam, "stats", member=sam)
    assert "0 won" in after.text
    assert (guild.admin.id, "void", "bet #1", "wrong challenge") in await audit_rows(bot_handle, guild)
    await refused(emulator, bot_handle, guild.admin, "admin void", "already been voided", bet=1)


async def test_admin_settles_a_manual_bet_but_not_a_challenge_bet_while_it_runs(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await emulator.invoke(
        sam, "challenge create", activity="pushups", target="2020", unit="reps", duration="7h", start="in 1h"
    )
    await emulator.invoke(
        sam, "bet create", challenge=1, side="for", stake="burpees", amount="100", unit="reps", opponent=ana
    )
    await refused(emulator, bot_handle, guild.admin, "admin settle", "settled by its challenge", bet=1, outcome="for")

    manual = await emulator.invoke(
        sam,
        "bet create",
        side="for",
        stake="burpees",
        amount="50",
        unit="reps",
        opponent=ana,
        description="I run a sub-25 5k on Saturday",
        decide_at="in 2d",
    )
    assert not manual.ephemeral, manual.text
    assert manual.message is not None
    await emulator.click(ana, manual.message, label="Accept")
    await bot_handle.advance(timedelta(days=2, minutes=1))  # decision time: the bet locks
    res = await emulator.invoke(guild.admin, "admin settle", bet=2, outcome="for", reason="saw the watch")
    assert res.ephemeral and "settled" in res.content, res.text
    assert (guild.admin.id, "settle", "bet #2 → for", "saw the watch") in await audit_rows(bot_handle, guild)
    owed = await emulator.invoke(ana, "penalty list", member=ana)
    assert "burpees" in owed.text


async def test_admin_waives_and_verifies_penalties(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    _sam, _ana, ben = await story_until_settled(emulator, guild, bot_handle)
    res = await emulator.invoke(guild.admin, "admin waive", penalty=1, reason="injured")
    assert res.ephemeral and "waived" in res.content
    assert await status(bot_handle, guild, 1) == "waived"
    await refused(emulator, bot_handle, guild.admin, "admin verify", "hasn't been submitted", penalty=2)
    await emulator.invoke(ben, "penalty submit", penalty=2, amount="5", duration="55:00")
    ok = await emulator.invoke(guild.admin, "admin verify", penalty=2)
    assert ok.ephemeral and "verified" in ok.content
    assert await status(bot_handle, guild, 2) == "verified"
    actions = [row[1] for row in await audit_rows(bot_handle, guild)]
    assert actions == ["waive", "verify"]
    await refused(emulator, bot_handle, guild.admin, "admin waive", "already done", penalty=2)
    await refused(emulator, bot_handle, guild.admin, "admin waive", "no penalty #9", penalty=9)
