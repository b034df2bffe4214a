"""The readable /admin export: tables a person opens in a spreadsheet.

Members' names next to their ids, amounts in their own units (5 min, not 300000 ms), times in ISO 8601
with the server's offset (2026-12-01T18:00:00+01:00), durations as h:mm:ss. The raw database tables can
go along as `raw_<table>.csv` (bot.services.admin.export_csv).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import challenges as rules_mod
from bot.domain.timeparse import title_duration
from bot.domain.units import from_base, parse_unit
from bot.services.challenges import rules_of
from bot.store.challenges import challenge_from_row
from bot.store.codec import opt_from_db


@dataclass(frozen=True)
class Context:
    names: Mapping[int, str]
    zone: ZoneInfo
    guild_id: int


Row = Mapping[str, Any]
Cells = list[object]


@dataclass(frozen=True)
class Table:
    columns: Sequence[str]
    row: Callable[[Row, Context], Cells]


def when(text: str | None, ctx: Context) -> str:
    """A stored UTC time in the server's zone, ISO 8601 with its offset; empty when unset."""
    moment = opt_from_db(text)
    return "" if moment is None else moment.astimezone(ctx.zone).isoformat(timespec="seconds")


def amount(base: int | None, unit_text: str) -> str:
    """Base units in the unit they belong to, as a plain number a spreadsheet reads: `5.25`, `2020`."""
    if base is None:
        return ""
    value = from_base(base, parse_unit(unit_text)).quantize(Decimal("0.001"))
    return format(value.normalize(), "f")


def clock(ms: int | None) -> str:
    """`0:55:00`, `1:02:03`: hours, minutes and seconds, as spreadsheets read a duration."""
    if ms is None:
        return ""
    hours, rest = divmod(round(ms / 1000), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def window(ms: int) -> str:
    return title_duration(timedelta(milliseconds=ms))


def name(user_id: int | None, ctx: Context) -> str:
    return "" if user_id is None else ctx.names.get(user_id, "")


def people(ids: Sequence[int], ctx: Context) -> str:
    """`Ana (1234); Ben (5678)`: several members in one cell, each name with its id."""
    return "; ".join(f"{ctx.names.get(uid, 'unknown')} ({uid})" for uid in ids)


def _challenge(r: Row, ctx: Context) -> Cells:
    rules = rules_of(challenge_from_row(r))
    return [
        r["no"],
        rules_mod.title(rules, ctx.zone),
        r["activity"],
        r["mode"],
        amount(r["target"], r["unit"]),
        r["unit"],
        clock(r["attempt_ms"]),
        when(r["starts_at"], ctx),
        when(r["ends_at"], ctx),
        when(r["latest_start"], ctx),
        r["status"],
        r["creator_id"],
        name(r["creator_id"], ctx),
        when(r["created_at"], ctx),
        when(r["finished_at"], ctx),
    ]


def _result(r: Row, ctx: Context) -> Cells:
    return [
        r["no"],
        r["user_id"],
        name(r["user_id"], ctx),
        when(r["joined_at"], ctx),
        when(r["left_at"], ctx),
        r["result"] or "",
        amount(r["total"], r["unit"]),
        r["unit"],
        when(r["reached_at"], ctx),
        when(r["decided_at"], ctx),
    ]


def _log(r: Row, ctx: Context) -> Cells:
    proof = ""
    if r["proof_message_id"] is not None:
        proof = f"https://discord.com/channels/{ctx.guild_id}/{r['proof_channel_id']}/{r['proof_message_id']}"
    return [
        r["id"],
        r["no"],
        r["user_id"],
        name(r["user_id"], ctx),
        amount(r["amount"], r["unit"]),
        r["unit"],
        f"{r['entered_amount']} {r['entered_unit']}",
        when(r["logged_at"], ctx),
        r["note"] or "",
        when(r["struck_at"], ctx),
        proof or r["proof_url"] or "",
    ]


def _stake(r: Row, side: str) -> str:
    return f"{r[f'{side}_text']}: {amount(r[f'{side}_amount'], r[f'{side}_unit'])} {r[f'{side}_unit']}"


def _bet(r: Row, ctx: Context) -> Cells:
    opponents = [int(x) for x in (r["opponents"] or "").split(",") if x]
    return [
        r["no"],
        r["challenge_no"] or "",
        r["subject_id"] or "",
        name(r["subject_id"], ctx),
        r["description"] or "",
        when(r["decide_at"], ctx),
        r["proposer_id"],
        name(r["proposer_id"], ctx),
        r["proposer_side"],
        people(opponents, ctx),
        _stake(r, "for"),
        window(r["for_due_ms"]),
        _stake(r, "against"),
        window(r["against_due_ms"]),
        r["status"],
        r["winning_side"] or "",
        when(r["settled_at"], ctx),
        r["settled_how"] or "",
        when(r["voided_at"], ctx),
        r["void_reason"] or "",
        when(r["created_at"], ctx),
    ]


def _penalty(r: Row, ctx: Context) -> Cells:
    return [
        r["no"],
        r["bet_no"],
        r["debtor_id"],
        name(r["debtor_id"], ctx),
        people([int(x) for x in json.loads(r["creditors"])], ctx),
        r["text"],
        amount(r["amount"], r["unit"]),
        r["unit"],
        when(r["due_at"], ctx),
        r["status"],
        amount(r["sub_amount"], r["unit"]),
        clock(r["sub_elapsed_ms"]),
        when(r["submitted_at"], ctx),
        r["verified_by"] or "",
        name(r["verified_by"], ctx),
        when(r["closed_at"], ctx),
    ]


def _audit(r: Row, ctx: Context) -> Cells:
    return [when(r["at"], ctx), r["actor_id"], name(r["actor_id"], ctx), r["action"], r["target"], r["reason"] or ""]


TABLES: dict[str, Table] = {
    "challenges": Table(
        (
            "no", "title", "activity", "mode", "target", "unit", "clock_per_member", "starts_at", "ends_at",
            "latest_start", "status", "creator_id", "creator", "created_at", "finished_at",
        ),
        _challenge,
    ),
    "results": Table(
        (
            "challenge_no", "member_id", "member", "joined_at", "left_at", "result", "total", "unit", "reached_at",
            "decided_at",
        ),
        _result,
    ),
    "logs": Table(
        (
            "log_id", "challenge_no", "member_id", "member", "amount", "unit", "as_typed", "logged_at", "note",
            "struck_at", "proof",
        ),
        _log,
    ),
    "bets": Table(
        (
            "no", "challenge_no", "subject_id", "subject", "description", "decide_at", "proposer_id", "proposer",
            "proposer_side", "opponents", "for_side_owes", "for_side_due_within", "against_side_owes",
            "against_side_due_within",
            "status", "winning_side", "settled_at", "settled_how", "voided_at", "void_reason", "created_at",
        ),
        _bet,
    ),
    "penalties": Table(
        (
            "no", "bet_no", "debtor_id", "debtor", "owed_to", "penalty", "amount", "unit", "due_at", "status",
            "done_amount", "time_taken", "submitted_at", "verified_by_id", "verified_by", "closed_at",
        ),
        _penalty,
    ),
    "audit_log": Table(("at", "actor_id", "actor", "action", "target", "reason"), _audit),
}  # fmt: skip
