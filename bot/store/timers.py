"""SQL for durable timers. Only bot.scheduling calls these: services go through `Timers`, which
also wakes the scheduler when a row changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.shards import ShardSet
from bot.store.codec import from_db, to_db
from bot.store.db import Conn, Database, Row, fetchone
from bot.store.owned import owned

# When a pending row runs next: its deadline, or the retry time after a failed run. The index
# `timers_next` (migration 0010) is on exactly this expression.
_NEXT = "COALESCE(retry_at, due_at)"


@dataclass(frozen=True)
class TimerRow:
    id: int
    guild_id: int
    kind: str
    ref_id: int
    due_at: datetime
    attempts: int = 0  # failed runs so far


def _row(row: Row) -> TimerRow:
    return TimerRow(row["id"], row["guild_id"], row["kind"], row["ref_id"], from_db(row["due_at"]), row["attempts"])


async def upsert(conn: Conn, guild_id: int, kind: str, ref_id: int, due_at: datetime) -> None:
    """Create or move a timer (moving re-opens it and forgets earlier failures). Call inside a transaction."""
    await conn.execute(
        "INSERT INTO timers (guild_id, kind, ref_id, due_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (kind, ref_id) DO UPDATE SET due_at = excluded.due_at, done_at = NULL,"
        " attempts = 0, retry_at = NULL",
        (guild_id, kind, ref_id, to_db(due_at)),
    )


async def cancel(conn: Conn, kind: str, ref_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE timers SET done_at = ? WHERE kind = ? AND ref_id = ? AND done_at IS NULL",
        (to_db(now), kind, ref_id),
    )


async def mark_done(conn: Conn, timer_id: int, now: datetime) -> bool:
    cur = await conn.execute("UPDATE timers SET done_at = ? WHERE id = ? AND done_at IS NULL", (to_db(now), timer_id))
    return cur.rowcount == 1


async def mark_failed(conn: Conn, timer_id: int, retry_at: datetime) -> int | None:
    """Count a failed run and set when to try again; the new number of attempts (None: no longer pending)."""
    row = await fetchone(
        conn,
        "UPDATE timers SET attempts = attempts + 1, retry_at = ? WHERE id = ? AND done_at IS NULL RETURNING attempts",
        (to_db(retry_at), timer_id),
    )
    return None if row is None else int(row["attempts"])


async def pending(db: Database) -> list[TimerRow]:
    rows = await db.fetchall("SELECT * FROM timers WHERE done_at IS NULL ORDER BY due_at, id")
    return [_row(r) for r in rows]


async def count_pending(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM timers WHERE done_at IS NULL")
    return 0 if row is None else int(row["n"])


async def due(db: Database, now: datetime, shards: ShardSet | None = None) -> list[TimerRow]:
    """Pending rows to run by `now`, oldest deadline first (a failed one once its retry time has come);
    with `shards`, only those of the servers this process owns."""
    rows = await db.fetchall(
        f"SELECT * FROM timers WHERE done_at IS NULL AND {_NEXT} <= ?{owned(shards)} ORDER BY due_at, id",  # noqa: S608
        (to_db(now),),
    )
    return [_row(r) for r in rows]


async def is_pending(db: Database, timer_id: int) -> bool:
    """Still to run: read after claiming it (another process may have run it in the meantime)."""
    row = await db.fetchone("SELECT 1 FROM timers WHERE id = ? AND done_at IS NULL", (timer_id,))
    return row is not None


async def next_run(db: Database, shards: ShardSet | None = None) -> datetime | None:
    """When the earliest pending row runs (its deadline or its retry time); None if nothing is pending.
    With `shards`, among the servers this process owns."""
    row = await db.fetchone(
        f"SELECT MIN({_NEXT}) AS next FROM timers WHERE done_at IS NULL{owned(shards)}"  # noqa: S608
    )
    return None if row is None or row["next"] is None else from_db(row["next"])


async def get(db: Database, kind: str, ref_id: int) -> TimerRow | None:
    row = await db.fetchone("SELECT * FROM timers WHERE kind = ? AND ref_id = ?", (kind, ref_id))
    return None if row is None else _row(row)
