"""What every use case needs: the database, the clock, the settings and the timers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import Clock
from bot.domain.guild_settings import GuildSettings
from bot.scheduling import Timers
from bot.settings import Settings
from bot.store import guilds
from bot.store.db import Database

# (conn, challenge row, {user_id: ParticipantResult} or None when cancelled, now)
ChallengeClosedHook = Callable[[aiosqlite.Connection, Any, dict[int, Any] | None, datetime], Awaitable[None]]

# (conn, challenge row, now)
ChallengeStartedHook = Callable[[aiosqlite.Connection, Any, datetime], Awaitable[None]]


@dataclass
class Services:
    db: Database
    clock: Clock
    settings: Settings
    timers: Timers
    # Run inside the transaction that finishes (results) or cancels (None) a challenge: bets hook in here.
    on_challenge_closed: list[ChallengeClosedHook] = field(default_factory=list)
    # Run inside the transaction in which a challenge starts counting (bets lock here): its start
    # time for a fixed window, or the first log of an attempt-clock challenge.
    on_challenge_started: list[ChallengeStartedHook] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock.now()

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        return await guilds.get(self.db, guild_id, self.settings.default_timezone)
