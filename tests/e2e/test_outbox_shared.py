"""The outbox on a database other processes share (PostgreSQL): an announcement another process is
posting is left to it, and looked at again later in case that process dies before posting it."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from bot.outbox import ELSEWHERE_RECHECK
from bot.store.db import Claim
from tests.e2e.challenge_support import create, posts
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild
from tests.engines import TestEngine


@pytest.mark.parametrize("bot_engine", ["postgres"], indirect=True)
async def test_a_result_another_process_is_posting_is_left_to_it_then_posted_once_when_it_is_gone(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, bot_engine: TestEngine
) -> None:
    await create(emulator, guild.members["alice"])
    other = await bot_engine.open()  # the other process, on the same database
    try:
        async with contextlib.AsyncExitStack() as claims:
            for ann_id in range(1, 50):  # every announcement the next steps can queue
                assert await claims.enter_async_context(other.claim(Claim.ANNOUNCEMENT, ann_id))
            await bot_handle.advance(timedelta(hours=7))  # the challenge ends: its result is queued
            await bot_handle.outbox_done()
            assert posts(emulator, guild, "general", "is over") == []  # the other process has it
        # That process died without posting: after a while this one looks again and posts it.
        bot_handle.clock.advance(ELSEWHERE_RECHECK)
        await emulator.wait_until(lambda: bool(posts(emulator, guild, "general", "is over")), 10, "the result")
        await bot_handle.outbox_done()
        assert len(posts(emulator, guild, "general", "is over")) == 1
    finally:
        await other.close()
