"""When the announcement channel stops accepting the bot, results still reach the server."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.store import announcements
from tests.e2e.challenge_support import create
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, Permission


def texts(emulator: DiscordEmulator, guild: Guild, channel: str, contains: str) -> list[str]:
    return [
        m.content for m in emulator.messages(guild.channels[channel], include_ephemeral=False) if contains in m.content
    ]


async def test_result_falls_back_to_the_challenge_channel_when_the_announcement_channel_refuses(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice, bot_member = guild.admin, guild.members["alice"], guild.bot_member
    assert admin is not None and bot_member is not None
    announcements = guild.channels["announcements"]
    await emulator.invoke(admin, "admin channel", options={"channel": announcements})
    await create(emulator, alice)  # a fixed 7 h window
    announcements.overwrite(bot_member, deny=Permission.SEND_MESSAGES)  # someone locks the channel
    emulator.update_channel(announcements)
    await emulator.settle()
    await bot_handle.advance(timedelta(hours=7, minutes=1))
    assert len(texts(emulator, guild, "general", "is over")) == 1
    assert texts(emulator, guild, "announcements", "is over") == []
    await bot_handle.run_due()  # nothing left queued, nothing repeated
    assert len(texts(emulator, guild, "general", "is over")) == 1


async def test_an_undeliverable_announcement_is_logged_once_not_retried_forever(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, caplog: pytest.LogCaptureFixture
) -> None:
    alice, bot_member = guild.members["alice"], guild.bot_member
    assert bot_member is not None
    await create(emulator, alice)  # a fixed 7 h window
    general = guild.channels["general"]
    general.overwrite(bot_member, deny=Permission.SEND_MESSAGES)
    emulator.update_channel(general)
    await emulator.settle()
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await bot_handle.advance(timedelta(hours=7, minutes=1))
        await bot_handle.run_due()
        await emulator.invoke(alice, "challenge list")  # later commands don't try it again
    undeliverable = [r for r in caplog.records if "undeliverable" in r.getMessage()]
    assert len(undeliverable) == 1
    assert await announcements.unposted(bot_handle.bot.svc.db) == []
    row = await bot_handle.bot.svc.db.fetchone("SELECT kind FROM announcements WHERE undeliverable_at IS NOT NULL")
    assert row is not None and row["kind"] == "challenge_result"
