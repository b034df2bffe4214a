"""Per-server settings with their defaults in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError

DEFAULT_PENALTY_DUE_DAYS = 7
PENALTY_DUE_DAYS_MIN, PENALTY_DUE_DAYS_MAX = 1, 90  # as the database checks it (migration 0001)
DISTANCE_UNITS = ("km", "mi")


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


def check_penalty_due_days(days: int) -> int:
    """The default time a loser has to do a penalty, in whole days."""
    if not PENALTY_DUE_DAYS_MIN <= days <= PENALTY_DUE_DAYS_MAX:
        raise UserError(
            f"Give the penalty window in days, from {PENALTY_DUE_DAYS_MIN} to {PENALTY_DUE_DAYS_MAX} (e.g. 7)."
        )
    return days


def check_distance_unit(unit: str) -> str:
    cleaned = unit.strip().lower()
    if cleaned not in DISTANCE_UNITS:
        raise UserError("The distance unit is km or mi.")
    return cleaned
