"""SQL for challenges, participants, logs and log corrections."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.proof import ProofRef
from bot.store.codec import from_db, opt_from_db, proof_from_db, proof_to_db, to_db
from bot.store.db import Conn, Database, Row, SyncConn, fetchall, fetchone

OPEN_STATUSES = ("scheduled", "active")


@dataclass(frozen=True)
class ChallengeRow:
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
    attempt: timedelta | None
    latest_start: datetime | None
    status: str
    created_at: datetime
    finished_at: datetime | None
    cancelled_by: int | None = None


@dataclass(frozen=True)
class ParticipantRow:
    id: int
    challenge_id: int
    user_id: int
    joined_at: datetime
    left_at: datetime | None
    result: str | None
    reached_at: datetime | None
    final_total: int | None


@dataclass(frozen=True)
class LogRow:
    id: int
    challenge_id: int
    user_id: int
    amount: int
    entered_amount: str
    entered_unit: str
    note: str | None
    proof_url: str | None  # only rows from before proofs were kept on the bot's messages
    logged_at: datetime
    struck_at: datetime | None
    proof: ProofRef | None = None


@dataclass(frozen=True)
class NewChallenge:
    guild_id: int
    channel_id: int
    creator_id: int
    activity: str
    unit: str
    target: int | None
    mode: str
    starts_at: datetime
    ends_at: datetime
    attempt: timedelta | None
    latest_start: datetime | None
    status: str
    created_at: datetime


def challenge_from_row(r: sqlite3.Row | Mapping[str, Any]) -> ChallengeRow:
    return ChallengeRow(
        id=r["id"],
        guild_id=r["guild_id"],
        no=r["no"],
        channel_id=r["channel_id"],
        creator_id=r["creator_id"],
        activity=r["activity"],
        unit=r["unit"],
        target=r["target"],
        mode=r["mode"],
        starts_at=from_db(r["starts_at"]),
        ends_at=from_db(r["ends_at"]),
        attempt=None if r["attempt_ms"] is None else timedelta(milliseconds=r["attempt_ms"]),
        latest_start=opt_from_db(r["latest_start"]),
        status=r["status"],
        created_at=from_db(r["created_at"]),
        finished_at=opt_from_db(r["finished_at"]),
        cancelled_by=r["cancelled_by"],
    )


def _participant(r: Row) -> ParticipantRow:
    return ParticipantRow(
        id=r["id"],
        challenge_id=r["challenge_id"],
        user_id=r["user_id"],
        joined_at=from_db(r["joined_at"]),
        left_at=opt_from_db(r["left_at"]),
        result=r["result"],
        reached_at=opt_from_db(r["reached_at"]),
        final_total=r["final_total"],
    )


def _log(r: sqlite3.Row) -> LogRow:
    return LogRow(
        id=r["id"],
        challenge_id=r["challenge_id"],
        user_id=r["user_id"],
        amount=r["amount"],
        entered_amount=r["entered_amount"],
        entered_unit=r["entered_unit"],
        note=r["note"],
        proof_url=r["proof_url"],
        logged_at=from_db(r["logged_at"]),
        struck_at=opt_from_db(r["struck_at"]),
        proof=proof_from_db(r),
    )


async def insert(conn: Conn, new: NewChallenge) -> ChallengeRow:
    """Insert with the next per-server number (safe: we hold the write lock of BEGIN IMMEDIATE)."""
    row = await fetchone(
        conn,
        "INSERT INTO challenges (guild_id, no, channel_id, creator_id, activity, unit, target, mode, starts_at,"
        " ends_at, attempt_ms, latest_start, status, created_at)"
        " VALUES (?, (SELECT COALESCE(MAX(no), 0) + 1 FROM challenges WHERE guild_id = ?),"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            new.guild_id,
            new.guild_id,
            new.channel_id,
            new.creator_id,
            new.activity,
            new.unit,
            new.target,
            new.mode,
            to_db(new.starts_at),
            to_db(new.ends_at),
            None if new.attempt is None else int(new.attempt.total_seconds() * 1000),
            None if new.latest_start is None else to_db(new.latest_start),
            new.status,
            to_db(new.created_at),
        ),
    )
    assert row is not None
    return challenge_from_row(row)


async def get_by_no(db: Database | Conn, guild_id: int, no: int) -> ChallengeRow | None:
    row = await fetchone(db, "SELECT * FROM challenges WHERE guild_id = ? AND no = ?", (guild_id, no))
    return None if row is None else challenge_from_row(row)


async def get(db: Database | Conn, challenge_id: int) -> ChallengeRow | None:
    row = await fetchone(db, "SELECT * FROM challenges WHERE id = ?", (challenge_id,))
    return None if row is None else challenge_from_row(row)


def open_for_member(conn: SyncConn, guild_id: int, user_id: int) -> list[ChallengeRow]:
    """The scheduled and active challenges a member is in, by number (on the connection's thread)."""
    rows = conn.execute(
        "SELECT c.* FROM challenges c JOIN participants p ON p.challenge_id = c.id"
        " WHERE c.guild_id = ? AND p.user_id = ? AND p.left_at IS NULL AND c.status IN ('scheduled', 'active')"
        " ORDER BY c.no",
        (guild_id, user_id),
    ).fetchall()
    return [challenge_from_row(r) for r in rows]


async def list_for_guild(db: Database, guild_id: int, statuses: tuple[str, ...]) -> list[ChallengeRow]:
    marks = ", ".join("?" for _ in statuses)
    rows = await db.fetchall(
        f"SELECT * FROM challenges WHERE guild_id = ? AND status IN ({marks}) ORDER BY ends_at, no",  # noqa: S608
        (guild_id, *statuses),
    )
    return [challenge_from_row(r) for r in rows]


async def search(
    db: Database, guild_id: int, text: str, statuses: tuple[str, ...], limit: int = 25
) -> list[ChallengeRow]:
    marks = ", ".join("?" for _ in statuses)
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await db.fetchall(
        f"SELECT * FROM challenges WHERE guild_id = ? AND status IN ({marks})"  # noqa: S608
        " AND (activity LIKE ? ESCAPE '\\' OR CAST(no AS TEXT) LIKE ? ESCAPE '\\')"
        " ORDER BY status = 'active' DESC, no DESC LIMIT ?",
        (guild_id, *statuses, pattern, pattern, limit),
    )
    return [challenge_from_row(r) for r in rows]


async def set_status(
    conn: Conn,
    challenge_id: int,
    old: tuple[str, ...],
    new: str,
    now: datetime,
    actor: int | None = None,
) -> bool:
    """Guarded transition: only from one of `old`. Returns whether this call made it."""
    marks = ", ".join("?" for _ in old)
    finished = to_db(now) if new in ("finished", "cancelled") else None
    cur = await conn.execute(
        f"UPDATE challenges SET status = ?, finished_at = COALESCE(?, finished_at),"  # noqa: S608
        f" cancelled_by = COALESCE(?, cancelled_by) WHERE id = ? AND status IN ({marks})",
        (new, finished, actor if new == "cancelled" else None, challenge_id, *old),
    )
    return cur.rowcount == 1


async def set_end(conn: Conn, challenge_id: int, ends_at: datetime) -> None:
    await conn.execute("UPDATE challenges SET ends_at = ? WHERE id = ?", (to_db(ends_at), challenge_id))


async def participants(db: Database | Conn, challenge_id: int, *, active_only: bool = True) -> list[ParticipantRow]:
    where = " AND left_at IS NULL" if active_only else ""
    rows = await fetchall(
        db,
        f"SELECT * FROM participants WHERE challenge_id = ?{where} ORDER BY joined_at, user_id",  # noqa: S608
        (challenge_id,),
    )
    return [_participant(r) for r in rows]


async def participant_by_id(db: Database | Conn, participant_id: int) -> ParticipantRow | None:
    row = await fetchone(db, "SELECT * FROM participants WHERE id = ?", (participant_id,))
    return None if row is None else _participant(row)


async def add_participant(conn: Conn, challenge_id: int, user_id: int, now: datetime) -> bool:
    """Join (or re-join after leaving). Returns False when already an active participant."""
    cur = await conn.execute(
        "INSERT INTO participants (challenge_id, user_id, joined_at) VALUES (?, ?, ?)"
        " ON CONFLICT (challenge_id, user_id) DO UPDATE SET left_at = NULL, joined_at = excluded.joined_at"
        " WHERE participants.left_at IS NOT NULL",
        (challenge_id, user_id, to_db(now)),
    )
    return cur.rowcount == 1


async def remove_participant(conn: Conn, challenge_id: int, user_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE participants SET left_at = ? WHERE challenge_id = ? AND user_id = ? AND left_at IS NULL",
        (to_db(now), challenge_id, user_id),
    )
    return cur.rowcount == 1


async def record_result(
    conn: Conn,
    challenge_id: int,
    user_id: int,
    succeeded: bool,
    reached_at: datetime | None,
    total: int,
    now: datetime,
) -> bool:
    """Decide a participant's result once; False when it was already decided (or they left)."""
    cur = await conn.execute(
        "UPDATE participants SET result = ?, reached_at = ?, final_total = ?, decided_at = ?"
        " WHERE challenge_id = ? AND user_id = ? AND result IS NULL AND left_at IS NULL",
        (
            "succeeded" if succeeded else "failed",
            None if reached_at is None else to_db(reached_at),
            total,
            to_db(now),
            challenge_id,
            user_id,
        ),
    )
    return cur.rowcount == 1


async def set_final_total(conn: Conn, challenge_id: int, user_id: int, total: int) -> None:
    """The total at the end, for a participant whose result was decided earlier (logs after it still count)."""
    await conn.execute(
        "UPDATE participants SET final_total = ? WHERE challenge_id = ? AND user_id = ?", (total, challenge_id, user_id)
    )


def insert_log(
    conn: SyncConn,
    challenge_id: int,
    user_id: int,
    amount: int,
    entered_amount: str,
    entered_unit: str,
    note: str | None,
    proof: ProofRef | None,
    now: datetime,
    interaction_id: int | None = None,
) -> LogRow:
    """Runs on the connection's thread (`Database.write`/`run`), inside the log's transaction."""
    logged_at = to_db(now)
    log_id = conn.execute(
        "INSERT INTO logs (challenge_id, user_id, amount, entered_amount, entered_unit, note, logged_at,"
        " proof_channel_id, proof_message_id, proof_filename, interaction_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        (
            challenge_id, user_id, amount, entered_amount, entered_unit, note, logged_at, *proof_to_db(proof),
            interaction_id,
        ),
    ).fetchone()[0]  # fmt: skip
    return LogRow(
        log_id, challenge_id, user_id, amount, entered_amount, entered_unit, note, None,
        from_db(logged_at), None, proof,
    )  # fmt: skip


async def logs(db: Database | Conn, challenge_id: int, *, include_struck: bool = False) -> list[LogRow]:
    where = "" if include_struck else " AND struck_at IS NULL"
    rows = await fetchall(
        db,
        f"SELECT * FROM logs WHERE challenge_id = ?{where} ORDER BY logged_at, id",  # noqa: S608
        (challenge_id,),
    )
    return [_log(r) for r in rows]


@dataclass(frozen=True)
class LogPoints:
    """What standings need from a challenge's logs, read in one query (no LogRow per log)."""

    points: list[tuple[int, int, datetime]]  # (user_id, amount, logged_at) of counted logs, oldest first
    first: dict[int, datetime]  # each member's first log ever, struck ones included (attempt clocks)
    corrected: int  # how many logs were undone, struck or edited (each kept with its record)


async def log_points(db: Database | Conn, challenge_id: int, user_id: int | None = None) -> LogPoints:
    """The challenge's logs as points; one member's only when `user_id` is given."""
    rows = await fetchall(
        db,
        "SELECT user_id, amount, logged_at, struck_at IS NOT NULL,"
        " EXISTS (SELECT 1 FROM log_corrections k WHERE k.log_id = logs.id)"
        " FROM logs WHERE challenge_id = :c AND (CAST(:u AS INTEGER) IS NULL OR user_id = :u) ORDER BY logged_at, id",
        {"c": challenge_id, "u": user_id},
    )
    points: list[tuple[int, int, datetime]] = []
    first: dict[int, datetime] = {}
    corrected = 0
    for user_id, amount, logged_at, is_struck, was_corrected in rows:
        at = from_db(logged_at)
        first.setdefault(user_id, at)
        corrected += bool(was_corrected)
        if not is_struck:
            points.append((user_id, amount, at))
    return LogPoints(points, first, corrected)


@dataclass(frozen=True)
class LogState:
    """What accepting one member's log needs to know, read in one query inside its transaction."""

    challenge: ChallengeRow  # as it is now (an admin may have extended or closed it since it was resolved)
    participant_id: int | None  # None: not (or no longer) in the challenge
    first_log_at: datetime | None  # attempt clocks: the member's first log, struck ones included
    any_log: bool  # anyone has logged in this challenge (undone logs too)
    total: int  # the member's counted total (log_totals)
    group_total: int | None  # the current participants' counted total; total mode only


_LOG_STATE = (
    "SELECT c.*,"
    " (SELECT p.id FROM participants p"
    "   WHERE p.challenge_id = c.id AND p.user_id = :user AND p.left_at IS NULL) AS participant_id,"
    # When attempt clocks started, only where there are any.
    " CASE WHEN c.attempt_ms IS NOT NULL THEN"
    "   (SELECT MIN(l.logged_at) FROM logs l WHERE l.challenge_id = c.id AND l.user_id = :user) END AS first_log_at,"
    " EXISTS (SELECT 1 FROM logs l WHERE l.challenge_id = c.id) AS any_log,"
    " COALESCE((SELECT t.total FROM log_totals t WHERE t.challenge_id = c.id AND t.user_id = :user), 0) AS mine,"
    # The group's total only where it decides (total mode): it sums every participant's row.
    " CASE c.mode WHEN 'total' THEN COALESCE((SELECT SUM(t.total) FROM participants p JOIN log_totals t"
    "   ON t.challenge_id = p.challenge_id AND t.user_id = p.user_id"
    "   WHERE p.challenge_id = c.id AND p.left_at IS NULL), 0) END AS group_total"
)


def read_log_state(conn: SyncConn, guild_id: int, no: int | None, user_id: int) -> list[LogState]:
    """Challenge #`no` of the server, or (`no` None) every open challenge the member is in, by number.

    Runs on the connection's thread (`Database.write`/`run`), inside the log's transaction.
    """
    if no is not None:
        sql = _LOG_STATE + " FROM challenges c WHERE c.guild_id = :guild AND c.no = :no"
    else:
        sql = (
            _LOG_STATE + " FROM challenges c JOIN participants me ON me.challenge_id = c.id"
            " WHERE c.guild_id = :guild AND me.user_id = :user AND me.left_at IS NULL"
            " AND c.status IN ('scheduled', 'active') ORDER BY c.no"
        )
    rows = conn.execute(sql, {"guild": guild_id, "no": no, "user": user_id}).fetchall()
    return [
        LogState(
            challenge=challenge_from_row(r),
            participant_id=r["participant_id"],
            first_log_at=opt_from_db(r["first_log_at"]),
            any_log=bool(r["any_log"]),
            total=r["mine"],
            group_total=r["group_total"],
        )
        for r in rows
    ]


async def first_logs(conn: Database | Conn, challenge_id: int) -> dict[int, datetime]:
    """Each member's first log in the challenge, struck ones included (when attempt clocks started)."""
    rows = await fetchall(
        conn, "SELECT user_id, MIN(logged_at) FROM logs WHERE challenge_id = ? GROUP BY user_id", (challenge_id,)
    )
    return {user_id: from_db(at) for user_id, at in rows}


async def proof_logs(db: Database | Conn, challenge_id: int, limit: int) -> list[LogRow]:
    """The latest counted logs of a challenge that came with a kept proof photo, newest first."""
    rows = await fetchall(
        db,
        "SELECT * FROM logs WHERE challenge_id = ? AND proof_filename IS NOT NULL AND struck_at IS NULL"
        " ORDER BY logged_at DESC, id DESC LIMIT ?",
        (challenge_id, limit),
    )
    return [_log(r) for r in rows]


async def last_log(conn: Conn, challenge_id: int, user_id: int) -> LogRow | None:
    row = await fetchone(
        conn,
        "SELECT * FROM logs WHERE challenge_id = ? AND user_id = ? AND struck_at IS NULL"
        " ORDER BY logged_at DESC, id DESC LIMIT 1",
        (challenge_id, user_id),
    )
    return None if row is None else _log(row)


async def strike_log(
    conn: Conn,
    log: LogRow,
    actor_id: int,
    action: str,
    reason: str | None,
    now: datetime,
    interaction_id: int | None = None,
) -> bool:
    """Take a log out of the count, keeping it and a correction record."""
    cur = await conn.execute("UPDATE logs SET struck_at = ? WHERE id = ? AND struck_at IS NULL", (to_db(now), log.id))
    if cur.rowcount != 1:
        return False
    await conn.execute(
        "INSERT INTO log_corrections (log_id, actor_id, action, old_amount, new_amount, reason, at, interaction_id)"
        " VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
        (log.id, actor_id, action, log.amount, reason, to_db(now), interaction_id),
    )
    return True


def log_of_interaction(conn: SyncConn, interaction_id: int) -> int | None:
    """The log an interaction already stored, if any (on the connection's thread, in the log's transaction)."""
    row = conn.execute("SELECT id FROM logs WHERE interaction_id = ?", (interaction_id,)).fetchone()
    return None if row is None else int(row[0])


async def correction_of_interaction(conn: Conn, interaction_id: int) -> bool:
    """Whether an interaction already undid or corrected a log."""
    row = await fetchone(conn, "SELECT 1 FROM log_corrections WHERE interaction_id = ?", (interaction_id,))
    return row is not None


async def first_log_at(db: Database | Conn, challenge_id: int, user_id: int) -> datetime | None:
    """When the member's attempt clock started: their first log, undone ones included."""
    row = await fetchone(
        db, "SELECT MIN(logged_at) FROM logs WHERE challenge_id = ? AND user_id = ?", (challenge_id, user_id)
    )
    return None if row is None or row[0] is None else from_db(row[0])
