"""Bulk seeding straight into SQLite (no services, no Discord): migrations applied as the bot does,
then `executemany` in a few big transactions. Times are written with the store's own codec."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.store.codec import to_db
from bot.store.db import Database

# (activity, unit, target in base units, typical log amount in base units)
ACTIVITIES: tuple[tuple[str, str, int, int], ...] = (
    ("pushups", "reps", 2020, 40),
    ("run", "km", 42_200_000, 5_000_000),  # millimetres
    ("plank", "min", 3_600_000, 60_000),  # milliseconds
    ("squats", "reps", 1000, 25),
    ("steps", "steps", 100_000, 2_500),
)
BATCH = 100_000


async def _migrate(path: Path) -> None:
    db = await Database.open(path)
    try:
        await db.migrate()
    finally:
        await db.close()


def migrate(path: Path) -> None:
    """A fresh database file with every migration applied (through the bot's own runner)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_migrate(path))
        return
    # Called from async code: run the migrations on their own loop in a helper thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _migrate(path)).result()


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _chunks(rows: Iterable[Sequence[object]], size: int = BATCH) -> Iterator[list[Sequence[object]]]:
    chunk: list[Sequence[object]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def insert_many(conn: sqlite3.Connection, sql: str, rows: Iterable[Sequence[object]]) -> int:
    """executemany in transactions of BATCH rows."""
    n = 0
    for chunk in _chunks(rows):
        conn.execute("BEGIN")
        conn.executemany(sql, chunk)
        conn.execute("COMMIT")
        n += len(chunk)
    return n


@dataclass(frozen=True)
class Challenge:
    id: int
    guild_id: int
    no: int
    channel_id: int
    creator_id: int
    activity: str
    unit: str
    target: int | None
    mode: str
    starts_at: datetime
    ends_at: datetime
    status: str
    finished_at: datetime | None = None

    def row(self) -> tuple[object, ...]:
        return (
            self.id,
            self.guild_id,
            self.no,
            self.channel_id,
            self.creator_id,
            self.activity,
            self.unit,
            self.target,
            self.mode,
            to_db(self.starts_at),
            to_db(self.ends_at),
            None,
            None,
            self.status,
            to_db(self.starts_at),
            None if self.finished_at is None else to_db(self.finished_at),
        )


CHALLENGE_SQL = (
    "INSERT INTO challenges (id, guild_id, no, channel_id, creator_id, activity, unit, target, mode, starts_at,"
    " ends_at, attempt_ms, latest_start, status, created_at, finished_at) VALUES"
    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PARTICIPANT_SQL = (
    "INSERT INTO participants (challenge_id, user_id, joined_at, result, reached_at, final_total)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
LOG_SQL = (
    "INSERT INTO logs (challenge_id, user_id, amount, entered_amount, entered_unit, logged_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
TIMER_SQL = "INSERT INTO timers (guild_id, kind, ref_id, due_at) VALUES (?, ?, ?, ?)"


def insert_challenges(conn: sqlite3.Connection, challenges: Iterable[Challenge]) -> int:
    return insert_many(conn, CHALLENGE_SQL, (c.row() for c in challenges))


def log_row(challenge_id: int, user_id: int, amount: int, unit: str, at: datetime) -> tuple[object, ...]:
    return (challenge_id, user_id, amount, str(amount), unit, to_db(at))


def insert_logs(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> int:
    return insert_many(conn, LOG_SQL, rows)


def insert_participants(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> int:
    return insert_many(conn, PARTICIPANT_SQL, rows)


def insert_timers(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> int:
    return insert_many(conn, TIMER_SQL, rows)


def spread(start: datetime, length: timedelta, i: int, n: int) -> datetime:
    """The i-th of n instants evenly inside [start, start + length)."""
    return start + length * (i / max(n, 1))
