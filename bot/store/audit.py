"""SQL for the admin audit trail and the per-server data export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from bot.store.codec import to_db
from bot.store.db import Conn, Database, Row


async def record(
    conn: Conn,
    guild_id: int,
    actor_id: int,
    action: str,
    target: str,
    reason: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (guild_id, actor_id, action, target, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, actor_id, action, target, reason, to_db(now)),
    )


async def entries(db: Database, guild_id: int, limit: int = 500) -> list[Row]:
    return await db.fetchall("SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?", (guild_id, limit))


# Each exported table with the query selecting exactly one server's rows.
EXPORTS: dict[str, str] = {
    "guild_settings": "SELECT * FROM guild_settings WHERE guild_id = ?",
    "challenges": "SELECT * FROM challenges WHERE guild_id = ? ORDER BY no",
    "participants": "SELECT p.* FROM participants p JOIN challenges c ON c.id = p.challenge_id"
    " WHERE c.guild_id = ? ORDER BY p.challenge_id, p.user_id",
    "logs": "SELECT l.* FROM logs l JOIN challenges c ON c.id = l.challenge_id WHERE c.guild_id = ? ORDER BY l.id",
    "log_corrections": "SELECT k.* FROM log_corrections k JOIN logs l ON l.id = k.log_id"
    " JOIN challenges c ON c.id = l.challenge_id WHERE c.guild_id = ? ORDER BY k.id",
    "audit_log": "SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id",
}


async def export_rows(
    conn: Conn, sql: str, guild_id: int, chunk: int = 2000
) -> AsyncIterator[tuple[list[str], list[tuple[object, ...]]]]:
    """One exported table in chunks of rows, each with the column names: at least one chunk (maybe
    without rows). `conn` should be a `Database.snapshot()`: the cursor stays open between chunks."""
    async with conn.execute(sql, (guild_id,)) as cur:
        columns = [d[0] for d in cur.description]
        rows = await cur.fetchmany(chunk)
        yield columns, [tuple(r) for r in rows]
        while rows:
            rows = await cur.fetchmany(chunk)
            if rows:
                yield columns, [tuple(r) for r in rows]
