"""SQL for bets, their opponents and the votes on manual bets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store.codec import from_db, opt_from_db, to_db
from bot.store.db import Conn, Database, Row, fetchall, fetchone

Db = Database | Conn

OPEN_STATUSES = ("open", "locked")
ALL_STATUSES = ("open", "locked", "settled", "expired", "voided")


@dataclass(frozen=True)
class StakeRow:
    text: str
    amount: int  # base units
    unit: str
    due: timedelta


@dataclass(frozen=True)
class BetRow:
    id: int
    guild_id: int
    no: int
    channel_id: int
    proposer_id: int
    proposer_side: str
    challenge_id: int | None
    subject_id: int | None
    description: str | None
    decide_at: datetime | None
    open_bet: bool
    for_owes: StakeRow
    against_owes: StakeRow
    status: str
    winning_side: str | None
    message_channel_id: int | None
    message_id: int | None
    locked_at: datetime | None
    settled_at: datetime | None
    settled_by: int | None
    settled_how: str | None
    voided_at: datetime | None
    voided_by: int | None
    void_reason: str | None
    status_before_void: str | None
    created_at: datetime

    @property
    def is_manual(self) -> bool:
        return self.challenge_id is None


@dataclass(frozen=True)
class OpponentRow:
    bet_id: int
    user_id: int
    named: bool
    response: str | None
    responded_at: datetime | None


@dataclass(frozen=True)
class NewBet:
    guild_id: int
    channel_id: int
    proposer_id: int
    proposer_side: str
    challenge_id: int | None
    subject_id: int | None
    description: str | None
    decide_at: datetime | None
    open_bet: bool
    for_owes: StakeRow
    against_owes: StakeRow
    created_at: datetime


def _ms(td: timedelta) -> int:
    return td // timedelta(milliseconds=1)


def _bet(r: Row) -> BetRow:
    return BetRow(
        id=r["id"],
        guild_id=r["guild_id"],
        no=r["no"],
        channel_id=r["channel_id"],
        proposer_id=r["proposer_id"],
        proposer_side=r["proposer_side"],
        challenge_id=r["challenge_id"],
        subject_id=r["subject_id"],
        description=r["description"],
        decide_at=opt_from_db(r["decide_at"]),
        open_bet=bool(r["open_bet"]),
        for_owes=StakeRow(r["for_text"], r["for_amount"], r["for_unit"], timedelta(milliseconds=r["for_due_ms"])),
        against_owes=StakeRow(
            r["against_text"], r["against_amount"], r["against_unit"], timedelta(milliseconds=r["against_due_ms"])
        ),
        status=r["status"],
        winning_side=r["winning_side"],
        message_channel_id=r["message_channel_id"],
        message_id=r["message_id"],
        locked_at=opt_from_db(r["locked_at"]),
        settled_at=opt_from_db(r["settled_at"]),
        settled_by=r["settled_by"],
        settled_how=r["settled_how"],
        voided_at=opt_from_db(r["voided_at"]),
        voided_by=r["voided_by"],
        void_reason=r["void_reason"],
        status_before_void=r["status_before_void"],
        created_at=from_db(r["created_at"]),
    )


def _opponent(r: Row) -> OpponentRow:
    return OpponentRow(
        bet_id=r["bet_id"],
        user_id=r["user_id"],
        named=bool(r["named"]),
        response=r["response"],
        responded_at=opt_from_db(r["responded_at"]),
    )


async def insert(conn: Conn, new: NewBet) -> BetRow:
    """Insert with the next per-server number (safe: we hold the write lock of BEGIN IMMEDIATE)."""
    row = await fetchone(
        conn,
        "INSERT INTO bets (guild_id, no, channel_id, proposer_id, proposer_side, challenge_id, subject_id,"
        " description, decide_at, open_bet, for_text, for_amount, for_unit, for_due_ms,"
        " against_text, against_amount, against_unit, against_due_ms, status, created_at)"
        " VALUES (?, (SELECT COALESCE(MAX(no), 0) + 1 FROM bets WHERE guild_id = ?),"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?) RETURNING *",
        (
            new.guild_id,
            new.guild_id,
            new.channel_id,
            new.proposer_id,
            new.proposer_side,
            new.challenge_id,
            new.subject_id,
            new.description,
            None if new.decide_at is None else to_db(new.decide_at),
            int(new.open_bet),
            new.for_owes.text,
            new.for_owes.amount,
            new.for_owes.unit,
            _ms(new.for_owes.due),
            new.against_owes.text,
            new.against_owes.amount,
            new.against_owes.unit,
            _ms(new.against_owes.due),
            to_db(new.created_at),
        ),
    )
    assert row is not None
    return _bet(row)


async def add_named_opponent(conn: Conn, bet_id: int, user_id: int) -> None:
    await conn.execute(
        "INSERT INTO bet_opponents (bet_id, user_id, named) VALUES (?, ?, 1) ON CONFLICT DO NOTHING",
        (bet_id, user_id),
    )


async def get(db: Db, bet_id: int) -> BetRow | None:
    row = await fetchone(db, "SELECT * FROM bets WHERE id = ?", (bet_id,))
    return None if row is None else _bet(row)


async def get_by_no(db: Db, guild_id: int, no: int) -> BetRow | None:
    row = await fetchone(db, "SELECT * FROM bets WHERE guild_id = ? AND no = ?", (guild_id, no))
    return None if row is None else _bet(row)


async def opponents(db: Db, bet_id: int) -> list[OpponentRow]:
    rows = await fetchall(
        db, "SELECT * FROM bet_opponents WHERE bet_id = ? ORDER BY named DESC, responded_at, user_id", (bet_id,)
    )
    return [_opponent(r) for r in rows]


async def respond(conn: Conn, bet_id: int, user_id: int, response: str, now: datetime, *, named: bool) -> bool:
    """Record an accept or decline; accepting is final. Returns whether this call changed anything."""
    if named:
        cur = await conn.execute(
            "UPDATE bet_opponents SET response = ?, responded_at = ?"
            " WHERE bet_id = ? AND user_id = ? AND response IS NOT 'accepted' AND response IS NOT ?",
            (response, to_db(now), bet_id, user_id, response),
        )
        return cur.rowcount == 1
    cur = await conn.execute(
        "INSERT INTO bet_opponents (bet_id, user_id, named, response, responded_at) VALUES (?, ?, 0, ?, ?)"
        " ON CONFLICT (bet_id, user_id) DO UPDATE SET response = excluded.response,"
        " responded_at = excluded.responded_at"
        " WHERE bet_opponents.response IS NOT 'accepted' AND bet_opponents.response IS NOT excluded.response",
        (bet_id, user_id, response, to_db(now)),
    )
    return cur.rowcount == 1


async def lock(conn: Conn, bet_id: int, new_status: str, now: datetime) -> bool:
    """OPEN → LOCKED or EXPIRED, once."""
    cur = await conn.execute(
        "UPDATE bets SET status = ?, locked_at = ? WHERE id = ? AND status = 'open'", (new_status, to_db(now), bet_id)
    )
    return cur.rowcount == 1


async def settle(conn: Conn, bet_id: int, winning_side: str, now: datetime, by: int | None, how: str) -> bool:
    """LOCKED → SETTLED, once."""
    cur = await conn.execute(
        "UPDATE bets SET status = 'settled', winning_side = ?, settled_at = ?, settled_by = ?, settled_how = ?"
        " WHERE id = ? AND status = 'locked'",
        (winning_side, to_db(now), by, how, bet_id),
    )
    return cur.rowcount == 1


async def void(conn: Conn, bet_id: int, now: datetime, by: int | None, reason: str | None) -> bool:
    """Any status but VOIDED → VOIDED, once; the status it had is kept."""
    cur = await conn.execute(
        "UPDATE bets SET status_before_void = status, status = 'voided', voided_at = ?, voided_by = ?,"
        " void_reason = ? WHERE id = ? AND status != 'voided'",
        (to_db(now), by, reason, bet_id),
    )
    return cur.rowcount == 1


async def set_message(conn: Conn, bet_id: int, channel_id: int, message_id: int) -> None:
    await conn.execute(
        "UPDATE bets SET message_channel_id = ?, message_id = ? WHERE id = ?", (channel_id, message_id, bet_id)
    )


async def for_challenge(db: Db, challenge_id: int, statuses: tuple[str, ...]) -> list[BetRow]:
    marks = ", ".join("?" for _ in statuses)
    rows = await fetchall(
        db,
        f"SELECT * FROM bets WHERE challenge_id = ? AND status IN ({marks}) ORDER BY id",  # noqa: S608
        (challenge_id, *statuses),
    )
    return [_bet(r) for r in rows]


async def list_for_guild(db: Db, guild_id: int, statuses: tuple[str, ...], limit: int = 200) -> list[BetRow]:
    marks = ", ".join("?" for _ in statuses)
    rows = await fetchall(
        db,
        f"SELECT * FROM bets WHERE guild_id = ? AND status IN ({marks}) ORDER BY no DESC LIMIT ?",  # noqa: S608
        (guild_id, *statuses, limit),
    )
    return [_bet(r) for r in rows]


async def search(db: Db, guild_id: int, text: str, limit: int = 25) -> list[BetRow]:
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await fetchall(
        db,
        "SELECT b.* FROM bets b LEFT JOIN challenges c ON c.id = b.challenge_id WHERE b.guild_id = ?"
        " AND (CAST(b.no AS TEXT) LIKE ? ESCAPE '\\' OR b.description LIKE ? ESCAPE '\\'"
        " OR c.activity LIKE ? ESCAPE '\\' OR b.against_text LIKE ? ESCAPE '\\' OR b.for_text LIKE ? ESCAPE '\\')"
        " ORDER BY b.status IN ('open', 'locked') DESC, b.no DESC LIMIT ?",
        (guild_id, pattern, pattern, pattern, pattern, pattern, limit),
    )
    return [_bet(r) for r in rows]


async def vote(conn: Conn, bet_id: int, user_id: int, side: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO bet_votes (bet_id, user_id, side, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (bet_id, user_id) DO UPDATE SET side = excluded.side, at = excluded.at",
        (bet_id, user_id, side, to_db(now)),
    )


async def votes(db: Db, bet_id: int) -> dict[int, str]:
    rows = await fetchall(db, "SELECT user_id, side FROM bet_votes WHERE bet_id = ?", (bet_id,))
    return {r["user_id"]: r["side"] for r in rows}


async def first_log_at(db: Db, challenge_id: int) -> datetime | None:
    """When a challenge's first attempt clock started: its first log ever (undone ones too)."""
    row = await fetchone(db, "SELECT MIN(logged_at) FROM logs WHERE challenge_id = ?", (challenge_id,))
    return None if row is None or row[0] is None else from_db(row[0])


# The bets and penalties tables in a server export (/admin export): each query takes the guild id once.
EXPORTS: dict[str, str] = {
    "bets": "SELECT * FROM bets WHERE guild_id = ? ORDER BY no",
    "bet_opponents": "SELECT o.* FROM bet_opponents o JOIN bets b ON b.id = o.bet_id WHERE b.guild_id = ?"
    " ORDER BY o.bet_id, o.user_id",
    "bet_votes": "SELECT v.* FROM bet_votes v JOIN bets b ON b.id = v.bet_id WHERE b.guild_id = ?"
    " ORDER BY v.bet_id, v.user_id",
    "penalties": "SELECT * FROM penalties WHERE guild_id = ? ORDER BY no",
    "penalty_events": "SELECT e.* FROM penalty_events e JOIN penalties p ON p.id = e.penalty_id"
    " WHERE p.guild_id = ? ORDER BY e.id",
}
