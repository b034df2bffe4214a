"""/admin settle|void, and admins using /penalty waive|verify|reject, end to end: what changes, what
members then see, the audit trail."""

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


async def test_an_admin_waives_verifies_and_rejects_with_the_members_commands_audited(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    """One path per action: /penalty waive|verify|reject (and the buttons) serve the winners and the admins;
    an admin who isn't a winner acts by their admin right, which goes in the audit log with the change."""
    _sam, _ana, ben = await story_until_settled(emulator, guild, bot_handle)
    assert guild.admin is not None
    assert "admin waive" not in emulator.command_names(guild) and "admin verify" not in emulator.command_names(guild)
    res = await emulator.invoke(guild.admin, "penalty waive", penalty=1, reason="injured")
    assert res.ephemeral and "Waived" in res.content
    assert await status(bot_handle, guild, 1) == "waived"
    await refused(emulator, bot_handle, guild.admin, "penalty verify", "hasn't been submitted", penalty=2)
    await emulator.invoke(ben, "penalty submit", penalty=2, amount="5", duration="55:00")
    await emulator.invoke(guild.admin, "penalty reject", penalty=2, reason="no proof")
    await emulator.invoke(ben, "penalty submit", penalty=2, amount="5", duration="54:00")
    ok = await emulator.invoke(guild.admin, "penalty verify", penalty=2)
    assert "verified" in ok.content
    assert await status(bot_handle, guild, 2) == "verified"
    assert [row[1:] for row in await audit_rows(bot_handle, guild)] == [
        ("waive", "penalty #1", "injured"),
        ("reject", "penalty #2", "no proof"),
        ("verify", "penalty #2", None),
    ]
    await refused(emulator, bot_handle, guild.admin, "penalty waive", "already done", penalty=2)
    await refused(emulator, bot_handle, guild.admin, "penalty waive", "no penalty #9", penalty=9)


async def test_a_winner_acting_on_their_own_bet_is_not_an_admin_action(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, _ana, ben = await story_until_settled(emulator, guild, bot_handle)
    assert guild.admin is not None
    coaches = emulator.add_role(guild, "Coaches")
    emulator.give_role(sam, coaches)
    await emulator.settle()
    await emulator.invoke(guild.admin, "admin role", role=coaches)  # Sam is an admin too, and a winner
    await emulator.invoke(sam, "penalty waive", penalty=1, reason="he's injured")
    await emulator.invoke(ben, "penalty submit", penalty=2, amount="5", duration="55:00")
    await emulator.invoke(sam, "penalty verify", penalty=2)
    assert await status(bot_handle, guild, 1) == "waived" and await status(bot_handle, guild, 2) == "verified"
    assert [row[1] for row in await audit_rows(bot_handle, guild)] == ["admin-role"]
