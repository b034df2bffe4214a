"""SQL for members' display names as last seen (migration 0011)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.store.codec import to_db
from bot.store.db import Database

NAME_MAX = 100


async def remember(db: Database, guild_id: int, names: Mapping[int, str], now: datetime) -> None:
    """Store each member's name; a row whose name is unchanged is left as it is."""
    rows = [(guild_id, uid, name[:NAME_MAX], to_db(now)) for uid, name in names.items() if name]
    if not rows:
        return
    async with db.transaction(guild_id) as conn:
        await conn.executemany(
            "INSERT INTO member_names (guild_id, user_id, name, named_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET name = excluded.name, named_at = excluded.named_at"
            " WHERE member_names.name != excluded.name",
            rows,
        )


async def lookup(db: Database, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(user_ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = await db.fetchall(
            f"SELECT user_id, name FROM member_names WHERE guild_id = ? AND user_id IN ({marks})",  # noqa: S608
            (guild_id, *chunk),
        )
        found.update((r["user_id"], r["name"]) for r in rows)
    return found


async def all_names(db: Database, guild_id: int) -> dict[int, str]:
    rows = await db.fetchall("SELECT user_id, name FROM member_names WHERE guild_id = ?", (guild_id,))
    return {r["user_id"]: r["name"] for r in rows}
