"""What every use case needs: the database, the clock, the settings and the timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.domain.guild_settings import GuildSettings
from bot.scheduling import Timers
from bot.settings import Settings
from bot.store import guilds
from bot.store.db import Database


@dataclass
class Services:
    db: Database
    clock: Clock
    settings: Settings
    timers: Timers

    def now(self) -> datetime:
        return self.clock.now()

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        return await guilds.get(self.db, guild_id, self.settings.default_timezone)
