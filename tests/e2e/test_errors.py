"""Unexpected failures: the member gets a short apology with a reference, the log gets the details."""

from __future__ import annotations

import logging
import re

import pytest

from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild


async def test_unexpected_error_is_logged_with_a_reference_and_the_member_sees_an_apology(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, caplog: pytest.LogCaptureFixture
) -> None:
    # Break storage underneath the running bot: the command fails in a way no rule foresees.
    await bot_handle.bot.svc.db.conn.execute("ALTER TABLE challenges RENAME TO challenges_gone")
    with caplog.at_level(logging.ERROR, logger="fitbet.errors"):
        res = await emulator.invoke(guild.members["alice"], "challenge list")
    assert res.ephemeral
    match = re.search(r"`([0-9a-f]{8})`", res.content)
    assert match is not None and "sorry" in res.content.lower(), res.content
    assert "Traceback" not in res.content and "challenges_gone" not in res.content
    records = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert records, "the reference shown to the member must be in the log"
    record = records[0]
    assert "challenge list" in record.getMessage() and str(guild.id) in record.getMessage()
    assert record.exc_info is not None  # the traceback goes to the log, not to Discord
    await bot_handle.bot.svc.db.conn.execute("ALTER TABLE challenges_gone RENAME TO challenges")


async def test_help_lists_every_command_with_one_line_and_admin_commands_only_to_admins(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    member = await emulator.invoke(guild.members["bob"], "help")
    admin = await emulator.invoke(guild.admin, "help")
    assert member.ephemeral and admin.ephemeral
    for name in emulator.command_names(guild):
        assert f"</{name}:" in admin.text, f"/help does not list /{name}"
        assert (f"</{name}:" in member.text) == (not name.startswith("admin")), name
