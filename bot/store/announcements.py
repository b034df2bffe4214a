"""SQL for the announcement outbox."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.store.codec import opt_from_db, to_db
from bot.store.db import Database


@dataclass(frozen=True)
class AnnouncementRow:
    id: int
    guild_id: int
    kind: str
    ref_id: int
    channel_id: int
    attempted_at: datetime | None


_QUEUE = (
    "INSERT INTO announcements (guild_id, kind, ref_id, channel_id, created_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (kind, ref_id) DO NOTHING"
)


async def queue(
    conn: aiosqlite.Connection, guild_id: int, kind: str, ref_id: int, channel_id: int, now: datetime
) -> bool:
    """Queue an announcement once; returns False when it was already queued. Call inside a transaction."""
    cur = await conn.execute(_QUEUE, (guild_id, kind, ref_id, channel_id, to_db(now)))
    return cur.rowcount == 1


def queue_now(conn: sqlite3.Connection, guild_id: int, kind: str, ref_id: int, channel_id: int, now: datetime) -> bool:
    """`queue` for work that runs on the connection's thread (`Database.write`/`run`)."""
    return conn.execute(_QUEUE, (guild_id, kind, ref_id, channel_id, to_db(now))).rowcount == 1


async def unposted(db: Database, channel_id: int | None = None) -> list[AnnouncementRow]:
    """Queued and not yet posted, oldest first (in one channel, with `channel_id`)."""
    if channel_id is None:
        rows = await db.fetchall("SELECT * FROM announcements WHERE posted_at IS NULL ORDER BY id")
    else:
        rows = await db.fetchall(
            "SELECT * FROM announcements WHERE posted_at IS NULL AND channel_id = ? ORDER BY id", (channel_id,)
        )
    return [
        AnnouncementRow(r["id"], r["guild_id"], r["kind"], r["ref_id"], r["channel_id"], opt_from_db(r["attempted_at"]))
        for r in rows
    ]


async def mark_attempted(db: Database, ann_id: int, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE announcements SET attempted_at = ? WHERE id = ?", (to_db(now), ann_id))


async def mark_posted(db: Database, ann_id: int, message_id: int | None, now: datetime) -> bool:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE announcements SET posted_at = ?, message_id = ? WHERE id = ? AND posted_at IS NULL",
            (to_db(now), message_id, ann_id),
        )
        return cur.rowcount == 1


async def message_id_for(db: Database, kind: str, ref_id: int) -> tuple[int, int] | None:
    row = await db.fetchone(
        "SELECT channel_id, message_id FROM announcements WHERE kind = ? AND ref_id = ? AND message_id IS NOT NULL",
        (kind, ref_id),
    )
    return None if row is None else (row["channel_id"], row["message_id"])
