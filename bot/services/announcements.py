"""What admins see of the announcement outbox."""

from __future__ import annotations

from bot.services.context import Services
from bot.store import announcements
from bot.store.announcements import Undeliverable


async def undeliverable(svc: Services, guild_id: int) -> list[Undeliverable]:
    """The server's announcements the bot gave up on (no channel took them, or every try failed)."""
    return await announcements.undeliverable(svc.db, guild_id)
