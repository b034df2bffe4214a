"""/help end to end: one line per command the member can use, read from what was synced."""

from __future__ import annotations

from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild


def _help_text(embeds: list[dict[str, object]]) -> str:
    return "\n".join(str(e.get("description") or "") + "\n" + str(e.get("title") or "") for e in embeds)


async def test_help_lists_every_command_for_an_admin(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    assert guild.admin is not None
    res = await emulator.invoke(guild.admin, "help")
    assert res.ephemeral and res.embeds
    text = _help_text(res.embeds)
    synced = emulator.command_names(guild)
    assert "challenge create" in synced and "admin audit" in synced
    for path in synced:
        assert f"/{path}" in text, f"/{path} missing from /help"
    assert "Start a challenge, e.g. 2020 pushups in 7h." in text  # with its description


async def test_help_leaves_out_admin_commands_for_members(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    res = await emulator.invoke(guild.members["alice"], "help")
    assert res.ephemeral
    text = _help_text(res.embeds)
    for path in emulator.command_names(guild):
        if path.startswith("admin "):
            assert f"/{path}" not in text
        else:
            assert f"/{path}" in text, f"/{path} missing from /help"
    assert res.message is not None and res.message.pinged_user_ids == set()
