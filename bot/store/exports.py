"""SQL for the readable /admin export: one server's rows, joined so each row reads on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from bot.store.db import Conn

# Each readable table with the query selecting exactly one server's rows (the only parameter: guild id).
READABLE: dict[str, str] = {
    "challenges": "SELECT c.* FROM challenges c WHERE c.guild_id = ? ORDER BY c.no",
    "results": "SELECT c.no, c.unit, p.*,"
    " COALESCE(p.final_total, (SELECT SUM(l.amount) FROM logs l WHERE l.challenge_id = p.challenge_id"
    " AND l.user_id = p.user_id AND l.struck_at IS NULL), 0) AS total"
    " FROM participants p JOIN challenges c ON c.id = p.challenge_id WHERE c.guild_id = ?"
    " ORDER BY c.no, p.joined_at, p.user_id",
    "logs": "SELECT l.*, c.no, c.unit FROM logs l JOIN challenges c ON c.id = l.challenge_id"
    " WHERE c.guild_id = ? ORDER BY l.id",
    "bets": "SELECT b.*, c.no AS challenge_no,"
    " (SELECT GROUP_CONCAT(o.user_id) FROM bet_opponents o WHERE o.bet_id = b.id AND o.response = 'accepted')"
    " AS opponents"
    " FROM bets b LEFT JOIN challenges c ON c.id = b.challenge_id WHERE b.guild_id = ? ORDER BY b.no",
    "penalties": "SELECT p.*, b.no AS bet_no FROM penalties p JOIN bets b ON b.id = p.bet_id"
    " WHERE p.guild_id = ? ORDER BY p.no",
    "audit_log": "SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id",
}


async def readable_rows(
    conn: Conn, table: str, guild_id: int, chunk: int = 2000
) -> AsyncIterator[list[dict[str, Any]]]:
    """One readable table's rows in chunks, each row by column name. `conn` should be a
    `Database.snapshot()`: the cursor stays open between chunks."""
    async with conn.execute(READABLE[table], (guild_id,)) as cur:
        columns = [d[0] for d in cur.description]
        while rows := await cur.fetchmany(chunk):
            yield [dict(zip(columns, row, strict=True)) for row in rows]
