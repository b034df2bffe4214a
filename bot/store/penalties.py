"""SQL for penalties and their history (penalty_events)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.proof import ProofRef
from bot.store.codec import from_db, opt_from_db, proof_from_db, proof_to_db, to_db
from bot.store.db import Conn, Database, Row, dialect_of, fetchall, fetchone

Db = Database | Conn

OPEN_STATUSES = ("owed", "submitted")
LIST_LIMIT = 500  # /penalty list shows at most this many, the newest first


@dataclass(frozen=True)
class PenaltyRow:
    id: int
    guild_id: int
    no: int
    bet_id: int
    debtor_id: int
    creditors: tuple[int, ...]
    text: str
    amount: int
    unit: str
    due_at: datetime
    status: str
    assigned_at: datetime
    sub_amount: int | None
    sub_elapsed: timedelta | None
    sub_proof_url: str | None  # only rows from before proofs were kept on the bot's messages
    submitted_at: datetime | None
    verified_by: int | None
    verified_at: datetime | None
    closed_at: datetime | None
    sub_proof: ProofRef | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    penalty_id: int
    actor_id: int | None
    action: str
    at: datetime
    amount: int | None
    elapsed: timedelta | None
    proof_url: str | None  # only rows from before proofs were kept on the bot's messages
    detail: str | None
    proof: ProofRef | None = None


@dataclass(frozen=True)
class NewPenalty:
    guild_id: int
    bet_id: int
    debtor_id: int
    creditors: tuple[int, ...]
    text: str
    amount: int
    unit: str
    due_at: datetime
    assigned_at: datetime


def _td(ms: int | None) -> timedelta | None:
    return None if ms is None else timedelta(milliseconds=ms)


def _penalty(r: Row) -> PenaltyRow:
    return PenaltyRow(
        id=r["id"],
        guild_id=r["guild_id"],
        no=r["no"],
        bet_id=r["bet_id"],
        debtor_id=r["debtor_id"],
        creditors=tuple(int(x) for x in json.loads(r["creditors"])),
        text=r["text"],
        amount=r["amount"],
        unit=r["unit"],
        due_at=from_db(r["due_at"]),
        status=r["status"],
        assigned_at=from_db(r["assigned_at"]),
        sub_amount=r["sub_amount"],
        sub_elapsed=_td(r["sub_elapsed_ms"]),
        sub_proof_url=r["sub_proof_url"],
        submitted_at=opt_from_db(r["submitted_at"]),
        verified_by=r["verified_by"],
        verified_at=opt_from_db(r["verified_at"]),
        closed_at=opt_from_db(r["closed_at"]),
        sub_proof=proof_from_db(r, "sub_proof"),
    )


def _event(r: Row) -> EventRow:
    return EventRow(
        id=r["id"],
        penalty_id=r["penalty_id"],
        actor_id=r["actor_id"],
        action=r["action"],
        at=from_db(r["at"]),
        amount=r["amount"],
        elapsed=_td(r["elapsed_ms"]),
        proof_url=r["proof_url"],
        detail=r["detail"],
        proof=proof_from_db(r),
    )


async def insert(conn: Conn, new: NewPenalty) -> PenaltyRow | None:
    """One penalty per loser per bet: returns None when this bet already gave this member one."""
    row = await fetchone(
        conn,
        "INSERT INTO penalties (guild_id, no, bet_id, debtor_id, creditors, text, amount, unit, due_at, status,"
        " assigned_at) VALUES (?, (SELECT COALESCE(MAX(no), 0) + 1 FROM penalties WHERE guild_id = ?),"
        " ?, ?, ?, ?, ?, ?, ?, 'owed', ?) ON CONFLICT (bet_id, debtor_id) DO NOTHING RETURNING *",
        (
            new.guild_id,
            new.guild_id,
            new.bet_id,
            new.debtor_id,
            json.dumps(sorted(new.creditors)),
            new.text,
            new.amount,
            new.unit,
            to_db(new.due_at),
            to_db(new.assigned_at),
        ),
    )
    return None if row is None else _penalty(row)


async def add_event(
    conn: Conn,
    penalty_id: int,
    actor_id: int | None,
    action: str,
    now: datetime,
    *,
    amount: int | None = None,
    elapsed: timedelta | None = None,
    proof: ProofRef | None = None,
    detail: str | None = None,
) -> int:
    row = await fetchone(
        conn,
        "INSERT INTO penalty_events (penalty_id, actor_id, action, at, amount, elapsed_ms, detail,"
        " proof_channel_id, proof_message_id, proof_filename) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            penalty_id,
            actor_id,
            action,
            to_db(now),
            amount,
            None if elapsed is None else elapsed // timedelta(milliseconds=1),
            detail,
            *proof_to_db(proof),
        ),
    )
    assert row is not None
    return int(row["id"])


async def get(db: Db, penalty_id: int) -> PenaltyRow | None:
    row = await fetchone(db, "SELECT * FROM penalties WHERE id = ?", (penalty_id,))
    return None if row is None else _penalty(row)


async def get_by_no(db: Db, guild_id: int, no: int) -> PenaltyRow | None:
    row = await fetchone(db, "SELECT * FROM penalties WHERE guild_id = ? AND no = ?", (guild_id, no))
    return None if row is None else _penalty(row)


async def for_bet(db: Db, bet_id: int) -> list[PenaltyRow]:
    rows = await fetchall(db, "SELECT * FROM penalties WHERE bet_id = ? ORDER BY no", (bet_id,))
    return [_penalty(r) for r in rows]


async def list_for_guild(
    db: Db,
    guild_id: int,
    member_id: int | None = None,
    *,
    statuses: Sequence[str] | None = None,
    due_by: datetime | None = None,
    limit: int = LIST_LIMIT,
) -> list[PenaltyRow]:
    """The newest `limit` penalties of a server, filtered here (not by the caller, which would miss
    old ones): owed by or to `member_id`, in one of `statuses`, due at or before `due_by`."""
    where: list[str] = ["guild_id = ?"]
    params: list[object] = [guild_id]
    if member_id is not None:
        where.append(
            "(debtor_id = ? OR EXISTS (SELECT 1 FROM json_each(penalties.creditors) WHERE json_each.value = ?))"
            if dialect_of(db) == "sqlite"
            else "(debtor_id = ? OR creditors::jsonb @> to_jsonb(?::bigint))"
        )
        params += [member_id, member_id]
    if statuses is not None:
        where.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params += statuses
    if due_by is not None:
        where.append("due_at <= ?")
        params.append(to_db(due_by))
    rows = await fetchall(
        db,
        f"SELECT * FROM penalties WHERE {' AND '.join(where)} ORDER BY no DESC LIMIT ?",  # noqa: S608 - fixed clauses
        (*params, limit),
    )
    return [_penalty(r) for r in rows]


async def search(db: Db, guild_id: int, text: str, statuses: tuple[str, ...], limit: int = 25) -> list[PenaltyRow]:
    marks = ", ".join("?" for _ in statuses)
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await fetchall(
        db,
        f"SELECT * FROM penalties WHERE guild_id = ? AND status IN ({marks})"  # noqa: S608
        " AND (CAST(no AS TEXT) LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\') ORDER BY no DESC LIMIT ?",
        (guild_id, *statuses, pattern, pattern, limit),
    )
    return [_penalty(r) for r in rows]


async def submit(
    conn: Conn,
    penalty_id: int,
    amount: int,
    elapsed: timedelta,
    proof: ProofRef | None,
    now: datetime,
) -> bool:
    cur = await conn.execute(
        "UPDATE penalties SET status = 'submitted', sub_amount = ?, sub_elapsed_ms = ?, sub_proof_url = NULL,"
        " sub_proof_channel_id = ?, sub_proof_message_id = ?, sub_proof_filename = ?,"
        " submitted_at = ? WHERE id = ? AND status = 'owed'",
        (amount, elapsed // timedelta(milliseconds=1), *proof_to_db(proof), to_db(now), penalty_id),
    )
    return cur.rowcount == 1


async def verify(conn: Conn, penalty_id: int, actor_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE penalties SET status = 'verified', verified_by = ?, verified_at = ?, closed_at = ?"
        " WHERE id = ? AND status = 'submitted'",
        (actor_id, to_db(now), to_db(now), penalty_id),
    )
    return cur.rowcount == 1


async def reject(conn: Conn, penalty_id: int) -> bool:
    """SUBMITTED → OWED; the submission stays in penalty_events."""
    cur = await conn.execute(
        "UPDATE penalties SET status = 'owed', sub_amount = NULL, sub_elapsed_ms = NULL, sub_proof_url = NULL,"
        " sub_proof_channel_id = NULL, sub_proof_message_id = NULL, sub_proof_filename = NULL,"
        " submitted_at = NULL WHERE id = ? AND status = 'submitted'",
        (penalty_id,),
    )
    return cur.rowcount == 1


async def close(conn: Conn, penalty_id: int, new_status: str, now: datetime) -> bool:
    """OWED or SUBMITTED → WAIVED or CANCELLED, once."""
    cur = await conn.execute(
        "UPDATE penalties SET status = ?, closed_at = ? WHERE id = ? AND status IN ('owed', 'submitted')",
        (new_status, to_db(now), penalty_id),
    )
    return cur.rowcount == 1


async def events(db: Db, penalty_id: int) -> list[EventRow]:
    rows = await fetchall(db, "SELECT * FROM penalty_events WHERE penalty_id = ? ORDER BY id", (penalty_id,))
    return [_event(r) for r in rows]


async def event(db: Db, event_id: int) -> EventRow | None:
    row = await fetchone(db, "SELECT * FROM penalty_events WHERE id = ?", (event_id,))
    return None if row is None else _event(row)
