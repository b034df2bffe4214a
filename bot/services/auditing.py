"""The audit line of an admin action, written in the transaction that makes the change."""

from __future__ import annotations

from bot import faults
from bot.services.context import Services
from bot.store import audit
from bot.store.db import Conn, InTransaction


def audit_line(svc: Services, guild_id: int, actor_id: int, action: str, target: str, why: str | None) -> InTransaction:
    """An admin action's audit line, for the service to write in the transaction that makes the change:
    the change and its line are committed together or not at all."""
    now = svc.now()

    async def write(conn: Conn) -> None:
        faults.point("admin:before_audit")  # the change is written, its audit line not yet
        await audit.record(conn, guild_id, actor_id, action, target, why, now)

    return write
