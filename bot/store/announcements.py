"""SQL for the announcement outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.shards import ShardSet
from bot.store.codec import from_db, opt_from_db, to_db
from bot.store.db import Conn, Database, Row, SyncConn
from bot.store.owned import owned

ERROR_MAX = 300  # characters of the last error kept on a row


@dataclass(frozen=True)
class AnnouncementRow:
    id: int
    guild_id: int
    kind: str
    ref_id: int
    channel_id: int
    attempted_at: datetime | None
    created_at: datetime
    attempts: int = 0
    posted: bool = False  # True: only its image is still to be added (`image_pending`)
    message_id: int | None = None
    message_channel_id: int | None = None


@dataclass(frozen=True)
class Undeliverable:
    kind: str
    channel_id: int
    created_at: datetime
    given_up_at: datetime
    attempts: int
    error: str | None


_QUEUE = (
    "INSERT INTO announcements (guild_id, kind, ref_id, channel_id, created_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (kind, ref_id) DO NOTHING"
)


async def queue(conn: Conn, guild_id: int, kind: str, ref_id: int, channel_id: int, now: datetime) -> bool:
    """Queue an announcement once; returns False when it was already queued. Call inside a transaction."""
    cur = await conn.execute(_QUEUE, (guild_id, kind, ref_id, channel_id, to_db(now)))
    return cur.rowcount == 1


def queue_now(conn: SyncConn, guild_id: int, kind: str, ref_id: int, channel_id: int, now: datetime) -> bool:
    """`queue` for work that runs on the connection's thread (`Database.write`/`run`)."""
    return conn.execute(_QUEUE, (guild_id, kind, ref_id, channel_id, to_db(now))).rowcount == 1


def _row(r: Row) -> AnnouncementRow:
    return AnnouncementRow(
        id=r["id"],
        guild_id=r["guild_id"],
        kind=r["kind"],
        ref_id=r["ref_id"],
        channel_id=r["channel_id"],
        attempted_at=opt_from_db(r["attempted_at"]),
        created_at=from_db(r["created_at"]),
        attempts=r["attempts"],
        posted=r["posted_at"] is not None,
        message_id=r["message_id"],
        message_channel_id=r["message_channel_id"],
    )


async def get(db: Database, ann_id: int) -> AnnouncementRow | None:
    row = await db.fetchone("SELECT * FROM announcements WHERE id = ?", (ann_id,))
    return None if row is None else _row(row)


async def unposted(db: Database, channel_id: int | None = None) -> list[AnnouncementRow]:
    """Queued and neither posted nor given up, oldest first (in one channel, with `channel_id`),
    including those waiting for their next try."""
    if channel_id is None:
        rows = await db.fetchall(
            "SELECT * FROM announcements WHERE posted_at IS NULL AND undeliverable_at IS NULL ORDER BY id"
        )
    else:
        rows = await db.fetchall(
            "SELECT * FROM announcements WHERE posted_at IS NULL AND undeliverable_at IS NULL AND channel_id = ?"
            " ORDER BY id",
            (channel_id,),
        )
    return [_row(r) for r in rows]


def _due_sql(owned_here: str, in_channel: bool) -> str:
    channel = " AND channel_id = :channel" if in_channel else ""
    return (
        "SELECT * FROM announcements WHERE posted_at IS NULL AND undeliverable_at IS NULL"  # noqa: S608
        f"{channel}{owned_here} AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
        " UNION ALL"
        f" SELECT * FROM announcements WHERE image_pending = 1{channel}{owned_here}"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
        " ORDER BY id"
    )


async def due(
    db: Database, now: datetime, channel_id: int | None = None, shards: ShardSet | None = None
) -> list[AnnouncementRow]:
    """What to do now, oldest first: announcements to post and posted ones whose image is still to
    be added, each unless it waits for its next try. With `shards`: the servers this process owns."""
    params: dict[str, object] = {"now": to_db(now)}
    if channel_id is not None:
        params["channel"] = channel_id
    rows = await db.fetchall(_due_sql(owned(shards), channel_id is not None), params)
    return [_row(r) for r in rows]


async def still_to_post(db: Database, ann_id: int) -> bool:
    """Neither posted nor given up: read after claiming it (another process may have posted it)."""
    row = await db.fetchone(
        "SELECT 1 FROM announcements WHERE id = ? AND posted_at IS NULL AND undeliverable_at IS NULL", (ann_id,)
    )
    return row is not None


async def due_channels(db: Database, now: datetime, shards: ShardSet | None = None) -> list[int]:
    """The channels with something due (see `due`), the one with the oldest first."""
    mine = owned(shards)
    rows = await db.fetchall(
        "SELECT channel_id, MIN(id) AS first FROM ("  # noqa: S608 - fixed fragments only
        " SELECT channel_id, id FROM announcements WHERE posted_at IS NULL AND undeliverable_at IS NULL"
        f" AND (next_attempt_at IS NULL OR next_attempt_at <= :now){mine}"
        " UNION ALL"
        " SELECT channel_id, id FROM announcements WHERE image_pending = 1"
        f" AND (next_attempt_at IS NULL OR next_attempt_at <= :now){mine}) AS due"
        " GROUP BY channel_id ORDER BY first",
        {"now": to_db(now)},
    )
    return [r["channel_id"] for r in rows]


async def next_attempt_at(db: Database, shards: ShardSet | None = None) -> datetime | None:
    """The earliest time a waiting announcement (or image) is to be tried again."""
    mine = owned(shards)
    row = await db.fetchone(
        "SELECT MIN(t) FROM ("  # noqa: S608 - fixed fragments only
        " SELECT MIN(next_attempt_at) AS t FROM announcements WHERE posted_at IS NULL AND undeliverable_at IS NULL"
        f"{mine} UNION ALL SELECT MIN(next_attempt_at) FROM announcements WHERE image_pending = 1{mine}) AS waiting"
    )
    return None if row is None else opt_from_db(row[0])


async def mark_attempted(db: Database, ann_id: int, now: datetime, guild_id: int | None = None) -> None:
    """About to be sent (`guild_id`: its server's, so other servers' writers need not wait)."""

    def work(conn: SyncConn) -> None:
        conn.execute("UPDATE announcements SET attempted_at = ? WHERE id = ?", (to_db(now), ann_id))

    await db.write(work, guild_id)


async def mark_posted(
    db: Database,
    ann_id: int,
    message: tuple[int, int] | None,
    now: datetime,
    *,
    image_pending: bool = False,
    guild_id: int | None = None,
) -> bool:
    """Posted as (channel id, message id), or dropped with None; tries start over for its image.
    (`guild_id`: the announcement's server, so other servers' writers need not wait.)"""
    channel_id, message_id = message if message is not None else (None, None)

    def work(conn: SyncConn) -> bool:
        cur = conn.execute(
            "UPDATE announcements SET posted_at = ?, message_channel_id = ?, message_id = ?, image_pending = ?,"
            " attempts = 0, next_attempt_at = NULL"
            " WHERE id = ? AND posted_at IS NULL AND undeliverable_at IS NULL",
            (to_db(now), channel_id, message_id, int(image_pending), ann_id),
        )
        return cur.rowcount == 1

    # One trip to the database thread: 500 results due at once make 1,000 of these (docs/benchmarks.md).
    return await db.write(work, guild_id)


async def mark_image_done(db: Database, ann_id: int) -> None:
    """Its image was added to the message, or will never be (cannot be drawn, message gone)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE announcements SET image_pending = 0, attempts = 0, next_attempt_at = NULL WHERE id = ?", (ann_id,)
        )


async def mark_failed(db: Database, ann_id: int, attempts: int, retry_at: datetime, error: str) -> None:
    """A try failed: `attempts` so far, the next one at `retry_at`."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE announcements SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            (attempts, to_db(retry_at), error[:ERROR_MAX], ann_id),
        )


async def mark_undeliverable(db: Database, ann_id: int, attempts: int, now: datetime, error: str) -> bool:
    """Given up: never posted. False when it was already posted or given up (nothing changed)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE announcements SET undeliverable_at = ?, attempts = ?, next_attempt_at = NULL, last_error = ?"
            " WHERE id = ? AND posted_at IS NULL AND undeliverable_at IS NULL",
            (to_db(now), attempts, error[:ERROR_MAX], ann_id),
        )
        return cur.rowcount == 1


async def undeliverable(db: Database, guild_id: int, limit: int = 25) -> list[Undeliverable]:
    """The server's announcements given up on, newest first."""
    rows = await db.fetchall(
        "SELECT kind, channel_id, created_at, undeliverable_at, attempts, last_error FROM announcements"
        " WHERE guild_id = ? AND undeliverable_at IS NOT NULL ORDER BY undeliverable_at DESC, id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [
        Undeliverable(
            r["kind"], r["channel_id"], from_db(r["created_at"]), from_db(r["undeliverable_at"]), r["attempts"],
            r["last_error"],
        )
        for r in rows
    ]  # fmt: skip


async def message_id_for(db: Database, kind: str, ref_id: int) -> tuple[int, int] | None:
    """(channel id, message id) of a posted announcement, in the channel it went to."""
    row = await db.fetchone(
        "SELECT COALESCE(message_channel_id, channel_id) AS channel, message_id FROM announcements"
        " WHERE kind = ? AND ref_id = ? AND message_id IS NOT NULL",
        (kind, ref_id),
    )
    return None if row is None else (row["channel"], row["message_id"])
