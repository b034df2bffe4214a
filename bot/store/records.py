"""Read-only SQL for member records and the leaderboard (one server at a time)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.store.codec import to_db
from bot.store.db import Database

# A member's side in a bet: the proposer's, or the other one for an accepted opponent.
_BET_SIDES = """
    SELECT b.id, b.guild_id, b.status, b.winning_side, b.settled_at, b.proposer_id AS user_id,
           b.proposer_side AS side
    FROM bets b
    UNION ALL
    SELECT b.id, b.guild_id, b.status, b.winning_side, b.settled_at, o.user_id,
           CASE b.proposer_side WHEN 'for' THEN 'against' ELSE 'for' END AS side
    FROM bets b JOIN bet_opponents o ON o.bet_id = b.id AND o.response = 'accepted'
"""


# Optional filters are added as fixed SQL fragments rather than `(? IS NULL OR col = ?)`, which keeps
# SQLite from using an index for them (a member's /stats scanned the whole server; docs/benchmarks.md).


async def bet_counts(
    db: Database, guild_id: int, since: datetime | None, user_id: int | None = None
) -> dict[int, tuple[int, int]]:
    """user_id → (won, lost) over settled bets (one member's only, with `user_id`)."""
    where, params = "", list[object]([guild_id])
    if since is not None:
        where += " AND settled_at >= ?"
        params.append(to_db(since))
    if user_id is not None:
        where += " AND user_id = ?"
        params.append(user_id)
    rows = await db.fetchall(
        f"SELECT user_id, SUM(side = winning_side) AS won, SUM(side != winning_side) AS lost"  # noqa: S608
        f" FROM ({_BET_SIDES}) WHERE guild_id = ? AND status = 'settled'{where} GROUP BY user_id",
        tuple(params),
    )
    return {r["user_id"]: (r["won"] or 0, r["lost"] or 0) for r in rows}


async def challenge_counts(
    db: Database, guild_id: int, since: datetime | None, user_id: int | None = None
) -> dict[int, tuple[int, int]]:
    """user_id → (completed, failed) over finished challenges."""
    where, params = "", list[object]([guild_id])
    if since is not None:
        where += " AND c.finished_at >= ?"
        params.append(to_db(since))
    if user_id is not None:
        where += " AND p.user_id = ?"
        params.append(user_id)
    rows = await db.fetchall(
        "SELECT p.user_id, SUM(p.result = 'succeeded') AS done, SUM(p.result = 'failed') AS failed"  # noqa: S608
        " FROM participants p JOIN challenges c ON c.id = p.challenge_id"
        " WHERE c.guild_id = ? AND c.status = 'finished' AND p.left_at IS NULL AND p.result IS NOT NULL"
        f"{where} GROUP BY p.user_id",
        tuple(params),
    )
    return {r["user_id"]: (r["done"] or 0, r["failed"] or 0) for r in rows}


async def penalty_counts(
    db: Database, guild_id: int, now: datetime, since: datetime | None, user_id: int | None = None
) -> dict[int, tuple[int, int, int]]:
    """user_id → (open and not yet due, done, overdue)."""
    where, params = "", [to_db(now), _since(since), _since(since), to_db(now), guild_id]
    if user_id is not None:
        where = " AND debtor_id = ?"
        params.append(user_id)
    rows = await db.fetchall(
        "SELECT debtor_id,"  # noqa: S608
        " SUM(status IN ('owed', 'submitted') AND due_at > ?) AS owed,"
        " SUM(status = 'verified' AND (? IS NULL OR verified_at >= ?)) AS done,"
        " SUM(status IN ('owed', 'submitted') AND due_at <= ?) AS overdue"
        f" FROM penalties WHERE guild_id = ?{where} GROUP BY debtor_id",
        tuple(params),
    )
    return {r["debtor_id"]: (r["owed"] or 0, r["done"] or 0, r["overdue"] or 0) for r in rows}


async def activity_totals(
    db: Database, guild_id: int, since: datetime | None, user_id: int | None = None, activity: str | None = None
) -> list[aiosqlite.Row]:
    """(user_id, activity, unit, total in base units) over counted logs of current participants.

    All time: from `log_totals` (one row per participant, kept by triggers); a period: from the logs."""
    where, params = "", list[object]([guild_id])
    if user_id is not None:
        where += " AND p.user_id = ?"
        params.append(user_id)
    if activity is not None:
        where += " AND LOWER(c.activity) = LOWER(?)"
        params.append(activity)
    if since is None:
        return await db.fetchall(
            "SELECT p.user_id, LOWER(c.activity) AS activity, c.unit, SUM(t.total) AS total"  # noqa: S608
            " FROM participants p JOIN challenges c ON c.id = p.challenge_id"
            " JOIN log_totals t ON t.challenge_id = p.challenge_id AND t.user_id = p.user_id"
            " WHERE c.guild_id = ? AND c.status != 'cancelled' AND p.left_at IS NULL AND t.total > 0"
            f"{where} GROUP BY p.user_id, LOWER(c.activity), c.unit",
            tuple(params),
        )
    return await db.fetchall(
        "SELECT p.user_id, LOWER(c.activity) AS activity, c.unit, SUM(l.amount) AS total"  # noqa: S608
        " FROM participants p JOIN challenges c ON c.id = p.challenge_id"
        " JOIN logs l ON l.challenge_id = p.challenge_id AND l.user_id = p.user_id"
        " WHERE c.guild_id = ? AND c.status != 'cancelled' AND p.left_at IS NULL AND l.struck_at IS NULL"
        f" AND l.logged_at >= ?{where} GROUP BY p.user_id, LOWER(c.activity), c.unit",
        (params[0], to_db(since), *params[1:]),
    )


async def successes(db: Database, guild_id: int, user_id: int) -> list[aiosqlite.Row]:
    """Finished challenges the member completed, with what is needed for 'fastest time to a target'."""
    return await db.fetchall(
        "SELECT c.*, p.reached_at,"
        " (SELECT MIN(l.logged_at) FROM logs l WHERE l.challenge_id = c.id AND l.user_id = p.user_id) AS first_log"
        " FROM participants p JOIN challenges c ON c.id = p.challenge_id"
        " WHERE c.guild_id = ? AND p.user_id = ? AND p.result = 'succeeded' AND p.reached_at IS NOT NULL"
        " AND c.status = 'finished' AND c.target IS NOT NULL",
        (guild_id, user_id),
    )


async def has_activity(db: Database, guild_id: int, activity: str) -> bool:
    """Whether any challenge of the server (whatever its state) is for this activity."""
    row = await db.fetchone(
        "SELECT 1 FROM challenges WHERE guild_id = ? AND LOWER(activity) = LOWER(?) LIMIT 1", (guild_id, activity)
    )
    return row is not None


async def activities(db: Database, guild_id: int, prefix: str) -> list[str]:
    rows = await db.fetchall(
        "SELECT DISTINCT LOWER(activity) AS a FROM challenges WHERE guild_id = ? AND LOWER(activity) LIKE ?"
        " ORDER BY a LIMIT 25",
        (guild_id, prefix.lower().replace("%", "").replace("_", "") + "%"),
    )
    return [r["a"] for r in rows]


def _since(since: datetime | None) -> str | None:
    return None if since is None else to_db(since)
