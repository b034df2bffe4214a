"""Read-only SQL for member records and the leaderboard (one server at a time)."""

from __future__ import annotations

from datetime import datetime

from bot.store.codec import to_db
from bot.store.db import Database, Row

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


async def bet_counts(db: Database, guild_id: int, user_id: int) -> tuple[int, int]:
    """A member's (won, lost) over settled bets."""
    row = await db.fetchone(
        f"SELECT SUM(CASE WHEN side = winning_side THEN 1 ELSE 0 END) AS won,"  # noqa: S608
        " SUM(CASE WHEN side != winning_side THEN 1 ELSE 0 END) AS lost"
        f" FROM ({_BET_SIDES}) AS s WHERE guild_id = ? AND status = 'settled' AND user_id = ?",
        (guild_id, user_id),
    )
    return (0, 0) if row is None else (row["won"] or 0, row["lost"] or 0)


async def challenge_counts(db: Database, guild_id: int, user_id: int) -> tuple[int, int]:
    """A member's (completed, failed): every decided result (each mode decides members before the end)."""
    row = await db.fetchone(
        "SELECT SUM(CASE WHEN p.result = 'succeeded' THEN 1 ELSE 0 END) AS done,"
        " SUM(CASE WHEN p.result = 'failed' THEN 1 ELSE 0 END) AS failed"
        " FROM participants p JOIN challenges c ON c.id = p.challenge_id"
        " WHERE c.guild_id = ? AND c.status != 'cancelled' AND p.left_at IS NULL AND p.result IS NOT NULL"
        " AND p.user_id = ?",
        (guild_id, user_id),
    )
    return (0, 0) if row is None else (row["done"] or 0, row["failed"] or 0)


async def penalty_counts(db: Database, guild_id: int, user_id: int, now: datetime) -> tuple[int, int, int]:
    """A member's penalties: (open and not yet due, done, overdue)."""
    row = await db.fetchone(
        "SELECT SUM(CASE WHEN status IN ('owed', 'submitted') AND due_at > ? THEN 1 ELSE 0 END) AS owed,"
        " SUM(CASE WHEN status = 'verified' THEN 1 ELSE 0 END) AS done,"
        " SUM(CASE WHEN status IN ('owed', 'submitted') AND due_at <= ? THEN 1 ELSE 0 END) AS overdue"
        " FROM penalties WHERE guild_id = ? AND debtor_id = ?",
        (to_db(now), to_db(now), guild_id, user_id),
    )
    return (0, 0, 0) if row is None else (row["owed"] or 0, row["done"] or 0, row["overdue"] or 0)


async def ranked(
    db: Database, guild_id: int, now: datetime, since: datetime | None, limit: int, viewer_id: int | None
) -> tuple[list[Row], int]:
    """The overall board ranked in SQL: its first `limit` members and the viewer, and how many it has.

    Members are on it for a settled bet, a penalty, or taking part in a challenge (not left, not
    cancelled; in a period: open, or finished in it). Order: bets won, challenges completed,
    penalties done (more first), penalties overdue (fewer first), then user id. Each row has the
    counts, `part` ('top' or 'viewer') and, on the viewer's row, `above`: how many members rank
    before it.
    Only these rows leave SQLite: materialising every member's row in Python cost ~4× the query
    at 10,000 members (docs/benchmarks.md, measurement 3).
    """
    params: dict[str, object] = {"guild": guild_id, "now": to_db(now), "limit": limit, "viewer": viewer_id}
    bet_since = challenge_since = paid_since = decided_since = ""
    if since is not None:
        params["since"] = to_db(since)
        bet_since = " AND settled_at >= :since"
        challenge_since = " AND (c.status != 'finished' OR c.finished_at >= :since)"
        paid_since = " AND verified_at >= :since"
        decided_since = " AND p.decided_at >= :since"
    rows = await db.fetchall(
        f"""
        WITH g AS MATERIALIZED (
            SELECT user_id, SUM(won) AS won, SUM(lost) AS lost, SUM(done) AS done, SUM(failed) AS failed,
                   SUM(owed) AS owed, SUM(paid) AS paid, SUM(overdue) AS overdue
            FROM (
                SELECT user_id, CASE WHEN side = winning_side THEN 1 ELSE 0 END AS won,
                       CASE WHEN side != winning_side THEN 1 ELSE 0 END AS lost, 0 AS done, 0 AS failed,
                       0 AS owed, 0 AS paid, 0 AS overdue
                FROM ({_BET_SIDES}) AS s WHERE guild_id = :guild AND status = 'settled'{bet_since}
                UNION ALL
                SELECT p.user_id, 0, 0, CASE WHEN p.result = 'succeeded'{decided_since} THEN 1 ELSE 0 END,
                       CASE WHEN p.result = 'failed'{decided_since} THEN 1 ELSE 0 END, 0, 0, 0
                FROM challenges c JOIN participants p ON p.challenge_id = c.id
                WHERE c.guild_id = :guild AND c.status != 'cancelled' AND p.left_at IS NULL{challenge_since}
                UNION ALL
                SELECT debtor_id, 0, 0, 0, 0,
                       CASE WHEN status IN ('owed', 'submitted') AND due_at > :now THEN 1 ELSE 0 END,
                       CASE WHEN status = 'verified'{paid_since} THEN 1 ELSE 0 END,
                       CASE WHEN status IN ('owed', 'submitted') AND due_at <= :now THEN 1 ELSE 0 END
                FROM penalties WHERE guild_id = :guild
            ) AS sides GROUP BY user_id
        ),
        top AS (SELECT * FROM g ORDER BY won DESC, done DESC, paid DESC, overdue, user_id LIMIT :limit)
        SELECT top.*, 0 AS above, 'top' AS part FROM top
        UNION ALL
        SELECT me.*, (
            SELECT COUNT(*) FROM g AS o
            WHERE (o.won, o.done, o.paid, -o.overdue, -o.user_id) > (me.won, me.done, me.paid, -me.overdue, -me.user_id)
        ), 'viewer' FROM g AS me WHERE me.user_id = :viewer
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (SELECT COUNT(*) FROM g), 'size'
        """,  # noqa: S608 - fixed fragments only
        params,
    )
    size = next(r["above"] for r in rows if r["part"] == "size")
    return [r for r in rows if r["part"] != "size"], int(size)


async def activity_totals(
    db: Database, guild_id: int, since: datetime | None, user_id: int | None = None, activity: str | None = None
) -> list[Row]:
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


async def successes(db: Database, guild_id: int, user_id: int) -> list[Row]:
    """Challenges the member completed (decided, not cancelled), for 'fastest time to a target'."""
    return await db.fetchall(
        "SELECT c.*, p.reached_at,"
        " (SELECT MIN(l.logged_at) FROM logs l WHERE l.challenge_id = c.id AND l.user_id = p.user_id) AS first_log"
        " FROM participants p JOIN challenges c ON c.id = p.challenge_id"
        " WHERE c.guild_id = ? AND p.user_id = ? AND p.result = 'succeeded' AND p.reached_at IS NOT NULL"
        " AND c.status != 'cancelled' AND c.target IS NOT NULL",
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
