"""Admin use cases: server settings, challenge corrections, audit trail and export."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.domain import challenges as rules_mod
from bot.domain.challenges import ChallengeStatus
from bot.domain.guild_settings import GuildSettings, check_distance_unit, check_penalty_due_days
from bot.domain.text import optional_text
from bot.domain.timeparse import parse_duration, parse_local_datetime, parse_timezone
from bot.domain.units import base_for, check_log_amount, format_amount, parse_amount, parse_unit
from bot.errors import NotFound, UserError
from bot.services import bets as bet_service
from bot.services import challenges as challenge_service
from bot.services import export_tables
from bot.services import names as member_names
from bot.services.auditing import audit_line
from bot.services.bets import BetView
from bot.services.challenges import ChallengeView
from bot.services.context import Services
from bot.services.export import ExportFiles, ExportPacker
from bot.store import audit, exports, guilds
from bot.store import bets as bet_store
from bot.store import challenges as challenge_store
from bot.store.codec import from_db, to_db
from bot.store.db import Conn, fetchone

MAX_REASON_CHARS = 200
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024  # a server without boosts; the interaction says the real one
# Every table in /admin export, each with the query selecting exactly one server's rows.
EXPORT_TABLES: dict[str, str] = {**audit.EXPORTS, **bet_store.EXPORTS}


def clean_reason(reason: str | None, *, required: bool = False) -> str | None:
    text = optional_text(reason, "reason", MAX_REASON_CHARS)
    if text is None and required:
        raise UserError("Give a short reason; it goes in the audit log.")
    return text


async def set_channel(svc: Services, guild_id: int, actor_id: int, channel_id: int) -> None:
    line = audit_line(svc, guild_id, actor_id, "channel", f"<#{channel_id}>", None)
    await guilds.update(svc.db, guild_id, svc.now(), announce_channel_id=channel_id, audit=line)


async def set_admin_role(svc: Services, guild_id: int, actor_id: int, role_id: int | None) -> None:
    """The role whose members count as fitbet admins besides Manage Server; None: no such role."""
    if role_id == guild_id:
        raise UserError("@everyone can't be the admin role: everyone would be an admin. Pick a role.")
    line = audit_line(svc, guild_id, actor_id, "admin-role", f"<@&{role_id}>" if role_id else "none", None)
    await guilds.update(svc.db, guild_id, svc.now(), admin_role_id=role_id, audit=line)


async def set_penalty_due_days(svc: Services, guild_id: int, actor_id: int, days: int) -> int:
    days = check_penalty_due_days(days)
    line = audit_line(svc, guild_id, actor_id, "penalty-due", f"{days} days", None)
    await guilds.update(svc.db, guild_id, svc.now(), penalty_due_days=days, audit=line)
    return days


async def set_distance_unit(svc: Services, guild_id: int, actor_id: int, unit: str) -> str:
    unit = check_distance_unit(unit)
    line = audit_line(svc, guild_id, actor_id, "distance-unit", unit, None)
    await guilds.update(svc.db, guild_id, svc.now(), distance_unit=unit, audit=line)
    return unit


async def settings(svc: Services, guild_id: int) -> GuildSettings:
    return await svc.guild_settings(guild_id)


async def set_timezone(svc: Services, guild_id: int, actor_id: int, name: str) -> str:
    zone = parse_timezone(name, svc.now())
    line = audit_line(svc, guild_id, actor_id, "timezone", zone.key, None)
    await guilds.update(svc.db, guild_id, svc.now(), timezone=zone.key, audit=line)
    return zone.key


async def cancel_challenge(svc: Services, guild_id: int, no: int, actor_id: int, reason: str | None) -> ChallengeView:
    line = audit_line(svc, guild_id, actor_id, "cancel", f"challenge #{no}", clean_reason(reason))
    return await challenge_service.cancel(svc, guild_id, no, actor_id, is_admin=True, audit=line)


async def extend_challenge(
    svc: Services, guild_id: int, no: int, actor_id: int, until: str, reason: str | None
) -> ChallengeView:
    """Move the end later: `until` is a time in the server's zone or `+2h` to add a duration."""
    why = clean_reason(reason)
    row = await challenge_service.resolve(svc, guild_id, no)
    if row.status not in ("scheduled", "active"):
        raise UserError(f"Challenge #{row.no} is {row.status}; only a running or upcoming challenge can be extended.")
    now = svc.now()
    settings = await svc.guild_settings(guild_id)
    text = until.strip()
    if text.startswith("+"):
        new_end = row.ends_at + parse_duration(text[1:])
    else:
        new_end = parse_local_datetime(text, settings.zone, now)
    rules = rules_mod.extend_rules(challenge_service.rules_of(row), new_end, now)
    async with svc.db.transaction(guild_id) as conn:
        await challenge_store.set_end(conn, row.id, rules.ends_at)
        if rules.latest_start is not None:
            await conn.execute(
                "UPDATE challenges SET latest_start = ? WHERE id = ?", (to_db(rules.latest_start), row.id)
            )
        await svc.timers.schedule_at(conn, guild_id, challenge_service.TIMER_END, row.id, rules.ends_at)
        remind = challenge_service.reminder_time(svc, rules)
        if remind is not None and remind > now:
            await svc.timers.schedule_at(conn, guild_id, challenge_service.TIMER_REMINDER, row.id, remind)
        await audit.record(conn, guild_id, actor_id, "extend", f"challenge #{no} → {to_db(rules.ends_at)}", why, now)
    fresh = await challenge_store.get(svc.db, row.id)
    assert fresh is not None
    return await challenge_service.view(svc, fresh)


@dataclass(frozen=True)
class LogFix:
    challenge_no: int
    user_id: int
    old_amount: int
    new_amount: int | None  # None: struck out
    view: ChallengeView


async def fix_log(
    svc: Services,
    guild_id: int,
    log_id: int,
    actor_id: int,
    reason: str,
    amount: str | None = None,
    unit: str | None = None,
    strike: bool = False,
) -> LogFix:
    """Change or strike one log; the old value is kept in log_corrections and the audit log."""
    why = clean_reason(reason, required=True)
    if strike == (amount is not None):
        raise UserError("Either give the corrected amount or set strike: True — one of the two.")
    found = await svc.db.fetchone(
        "SELECT l.*, c.no, c.unit AS challenge_unit, c.status AS challenge_status, p.result"
        " FROM logs l JOIN challenges c ON c.id = l.challenge_id"
        " LEFT JOIN participants p ON p.challenge_id = l.challenge_id AND p.user_id = l.user_id"
        " WHERE l.id = ? AND c.guild_id = ?",
        (log_id, guild_id),
    )
    if found is None:
        raise NotFound("There's no such log in this server. Pick one from the list as you type.")
    rules_mod.check_log_correctable(
        ChallengeStatus(found["challenge_status"]), found["result"] is not None, found["no"]
    )
    if found["struck_at"] is not None:
        raise UserError("That log was already struck out; nothing left to fix.")
    now = svc.now()
    new_amount: int | None = None
    if amount is not None:
        challenge_unit = parse_unit(found["challenge_unit"])
        entered = parse_unit(unit) if unit else challenge_unit
        new_amount = base_for(parse_amount(amount, entered), entered, challenge_unit)
        check_log_amount(new_amount, challenge_unit)
    async with svc.db.transaction(guild_id) as conn:
        if new_amount is None:
            log_row = await _log_row(conn, log_id)
            await challenge_store.strike_log(conn, log_row, actor_id, "strike", why, now)
        else:
            cur = await conn.execute(
                "UPDATE logs SET amount = ? WHERE id = ? AND struck_at IS NULL", (new_amount, log_id)
            )
            if cur.rowcount != 1:
                raise UserError("That log changed in the meantime; try again.")
            await conn.execute(
                "INSERT INTO log_corrections (log_id, actor_id, action, old_amount, new_amount, reason, at)"
                " VALUES (?, ?, 'edit', ?, ?, ?, ?)",
                (log_id, actor_id, found["amount"], new_amount, why, to_db(now)),
            )
        await audit.record(conn, guild_id, actor_id, "fix-log", f"challenge #{found['no']} log {log_id}", why, now)
    row = await challenge_store.get(svc.db, found["challenge_id"])
    assert row is not None
    return LogFix(found["no"], found["user_id"], found["amount"], new_amount, await challenge_service.view(svc, row))


async def _log_row(conn: Conn, log_id: int) -> challenge_store.LogRow:
    row = await fetchone(conn, "SELECT * FROM logs WHERE id = ?", (log_id,))
    assert row is not None
    return challenge_store._log(row)


@dataclass(frozen=True)
class LogChoice:
    log_id: int
    challenge_no: int
    user_id: int
    amount_text: str
    logged_at: datetime


async def recent_logs(svc: Services, guild_id: int, limit: int = 200) -> list[LogChoice]:
    """This server's most recent logs still counting, for the fix-log picker."""
    rows = await svc.db.fetchall(
        "SELECT l.id, l.user_id, l.amount, l.logged_at, c.no, c.unit FROM logs l"
        " JOIN challenges c ON c.id = l.challenge_id"
        " WHERE c.guild_id = ? AND l.struck_at IS NULL ORDER BY l.id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [
        LogChoice(
            r["id"], r["no"], r["user_id"], format_amount(r["amount"], parse_unit(r["unit"])), from_db(r["logged_at"])
        )
        for r in rows
    ]


async def export_csv(
    svc: Services, guild_id: int, actor_id: int, upload_limit: int = DEFAULT_UPLOAD_LIMIT, *, raw: bool = False
) -> ExportFiles:
    """This server's data, as of one moment, as CSV files a person reads (bot.services.export_tables):
    one per table, and with `raw` also the database's own tables as `raw_<table>.csv`. The messages'
    files each stay within `upload_limit` bytes (zipped and split when they must; bot.services.export)."""
    packer = ExportPacker(upload_limit, svc.now())
    settings = await svc.guild_settings(guild_id)
    context = export_tables.Context(await member_names.everyone(svc, guild_id), settings.zone, guild_id)
    async with svc.db.snapshot() as conn:
        for table, spec in export_tables.TABLES.items():
            await asyncio.to_thread(packer.add, table, spec.columns, [])  # the header, also without rows
            async for rows in exports.readable_rows(conn, table, guild_id):
                cells = [spec.row(row, context) for row in rows]
                await asyncio.to_thread(packer.add, table, spec.columns, cells)  # CSV and deflate: off the loop
        for table, sql in EXPORT_TABLES.items() if raw else ():
            async for columns, raw_rows in audit.export_rows(conn, sql, guild_id):
                await asyncio.to_thread(packer.add, f"raw_{table}", columns, raw_rows)
    files = await asyncio.to_thread(packer.finish)
    async with svc.db.transaction(guild_id) as conn:
        what = f"{files.tables} tables" + (" (with the raw ones)" if raw else "")
        await audit.record(conn, guild_id, actor_id, "export", what, None, svc.now())
    return files


async def audit_entries(svc: Services, guild_id: int) -> list[tuple[datetime, int, str, str, str | None]]:
    return [
        (from_db(r["at"]), r["actor_id"], r["action"], r["target"], r["reason"])
        for r in await audit.entries(svc.db, guild_id)
    ]


# --- bets and penalties ----------------------------------------------------------------------


async def settle_bet(svc: Services, guild_id: int, no: int, actor_id: int, side: str, reason: str | None) -> BetView:
    line = audit_line(svc, guild_id, actor_id, "settle", f"bet #{no} → {side}", clean_reason(reason))
    return await bet_service.settle_manual(svc, guild_id, no, actor_id, True, side, audit=line)


async def void_bet(svc: Services, guild_id: int, no: int, actor_id: int, reason: str | None) -> BetView:
    why = clean_reason(reason)
    line = audit_line(svc, guild_id, actor_id, "void", f"bet #{no}", why)
    return await bet_service.void_bet(svc, guild_id, no, actor_id, True, why, audit=line)
