"""Per-server settings with their defaults in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

DEFAULT_PENALTY_DUE_DAYS = 7


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    timezone: str = "UTC"
    announce_channel_id: int | None = None
    admin_role_id: int | None = None
    penalty_due_days: int = DEFAULT_PENALTY_DUE_DAYS
    distance_unit: str = "km"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def penalty_due(self) -> timedelta:
        return timedelta(days=self.penalty_due_days)

    def announce_channel(self, fallback_channel_id: int) -> int:
        """Where results go: the configured channel, else the channel the thing was created in."""
        return self.announce_channel_id or fallback_channel_id
