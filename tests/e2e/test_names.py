"""Names, not numbers: without the members intent the bot keeps the display names it sees in commands."""

from __future__ import annotations

from bot.services import names
from tests.e2e.challenge_support import create, refused
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild


async def test_the_log_picker_shows_who_logged_by_name_and_follows_a_rename(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    alice.nick = "Ally"
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="500")
    choices = await emulator.autocomplete(admin, "admin fix-log", "log", "", reason="x")
    assert [c.name.split(" · ")[1] for c in choices] == ["Ally"]
    assert "member" not in choices[0].name
    alice.nick = "Al the Great"
    await emulator.invoke(alice, "challenge log", amount="20")
    choices = await emulator.autocomplete(admin, "admin fix-log", "log", "", reason="x")
    assert [c.name.split(" · ")[1] for c in choices] == ["Al the Great", "Al the Great"]
    # Typing part of a name finds that member's logs.
    assert len(await emulator.autocomplete(admin, "admin fix-log", "log", "great", reason="x")) == 2


async def test_a_member_named_in_a_command_is_known_by_name_and_a_refused_command_keeps_nothing(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    svc = bot_handle.bot.svc
    await emulator.invoke(alice, "stats", member=bob)
    assert await names.known(svc, guild.id, [alice.id, bob.id]) == {alice.id: "alice", bob.id: "bob"}
    await refused(emulator, bot_handle, carol, "challenge log", "not in any open challenge", amount="5")
    assert await names.known(svc, guild.id, [carol.id]) == {}
    assert (await names.names_for(svc, guild.id, [carol.id]))[carol.id] == f"member …{str(carol.id)[-4:]}"
