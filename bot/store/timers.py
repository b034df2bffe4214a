"""SQL for durable timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.store.codec import from_db, to_db
from bot.store.db import Database


@dataclass(frozen=True)
class TimerRow:
    id: int
    guild_id: int
    kind: str
    ref_id: int
    due_at: datetime


def _row(row: aiosqlite.Row) -> TimerRow:
    return TimerRow(row["id"], row["guild_id"], row["kind"], row["ref_id"], from_db(row["due_at"]))


async def upsert(conn: aiosqlite.Connection, guild_id: int, kind: str, ref_id: int, due_at: datetime) -> None:
    """Create or move a timer (moving re-opens it). Call inside a transaction."""
    await conn.execute(
        "INSERT INTO timers (guild_id, kind, ref_id, due_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (kind, ref_id) DO UPDATE SET due_at = excluded.due_at, done_at = NULL",
        (guild_id, kind, ref_id, to_db(due_at)),
    )


async def cancel(conn: aiosqlite.Connection, kind: str, ref_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE timers SET done_at = ? WHERE kind = ? AND ref_id = ? AND done_at IS NULL",
        (to_db(now), kind, ref_id),
    )


async def mark_done(conn: aiosqlite.Connection, timer_id: int, now: datetime) -> bool:
    cur = await conn.execute("UPDATE timers SET done_at = ? WHERE id = ? AND done_at IS NULL", (to_db(now), timer_id))
    return cur.rowcount == 1


async def pending(db: Database) -> list[TimerRow]:
    rows = await db.fetchall("SELECT * FROM timers WHERE done_at IS NULL ORDER BY due_at, id")
    return [_row(r) for r in rows]


async def due(db: Database, now: datetime) -> list[TimerRow]:
    rows = await db.fetchall(
        "SELECT * FROM timers WHERE done_at IS NULL AND due_at <= ? ORDER BY due_at, id", (to_db(now),)
    )
    return [_row(r) for r in rows]


async def get(db: Database, kind: str, ref_id: int) -> TimerRow | None:
    row = await db.fetchone("SELECT * FROM timers WHERE kind = ? AND ref_id = ?", (kind, ref_id))
    return None if row is None else _row(row)
