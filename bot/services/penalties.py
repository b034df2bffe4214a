"""Penalty use cases: list, submit, verify, reject, waive, and their reminder and due deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import penalties as rules
from bot.domain.activity import (
    ActivitySummary,
    check_activity_time,
    check_distance_activity,
    reconcile_distance,
    reconcile_time,
)
from bot.domain.penalties import PenaltyStatus, Submission
from bot.domain.proof import ProofRef
from bot.domain.text import optional_text
from bot.domain.timeparse import parse_clock_duration
from bot.domain.units import Unit, base_for, parse_amount, parse_unit
from bot.errors import NotFound, UserError
from bot.scheduling import TimerRow
from bot.services.auditing import audit_line
from bot.services.bets import TIMER_PENALTY_DUE, TIMER_PENALTY_REMINDER
from bot.services.context import Services
from bot.store import announcements
from bot.store import bets as bet_store
from bot.store import penalties as store
from bot.store.db import Conn, InTransaction
from bot.store.penalties import EventRow, PenaltyRow

ANN_SUBMITTED = "penalty_submitted"  # ref: the submit event's id (a resubmission posts again)
ANN_DONE = "penalty_done"
ANN_WAIVED = "penalty_waived"
ANN_REMINDER = "penalty_reminder"
ANN_OVERDUE = "penalty_overdue"

REASON_MAX = 200
_OPEN = (PenaltyStatus.OWED, PenaltyStatus.SUBMITTED)
# Each /penalty list filter: the statuses it shows (None: all), and whether only those past their due
# time (rules.is_overdue: open and due). Filtered in SQL, so an old penalty is found however many follow it.
LIST_FILTERS: dict[str, tuple[tuple[PenaltyStatus, ...] | None, bool]] = {
    "open": (_OPEN, False),
    "owed": ((PenaltyStatus.OWED,), False),
    "submitted": ((PenaltyStatus.SUBMITTED,), False),
    "overdue": (_OPEN, True),
    "done": ((PenaltyStatus.VERIFIED, PenaltyStatus.WAIVED), False),
    "all": (None, False),
}
FILTERS = tuple(LIST_FILTERS)


@dataclass(frozen=True)
class PenaltyView:
    row: PenaltyRow
    bet_no: int
    unit: Unit
    now: datetime
    submission: Submission | None = None

    @property
    def status(self) -> PenaltyStatus:
        return PenaltyStatus(self.row.status)

    @property
    def overdue(self) -> bool:
        return rules.is_overdue(self.status, self.row.due_at, self.now)


def submission_of(row: PenaltyRow, unit: Unit) -> Submission | None:
    if row.sub_amount is None or row.sub_elapsed is None:
        return None
    return rules.build_submission(unit, row.sub_amount, row.sub_elapsed, row.amount)


async def view(svc: Services, row: PenaltyRow) -> PenaltyView:
    fresh = await store.get(svc.db, row.id) or row
    bet = await bet_store.get(svc.db, fresh.bet_id)
    unit = parse_unit(fresh.unit)
    return PenaltyView(
        row=fresh,
        bet_no=bet.no if bet is not None else 0,
        unit=unit,
        now=svc.now(),
        submission=submission_of(fresh, unit),
    )


async def resolve(svc: Services, guild_id: int, no: int | None) -> PenaltyRow:
    if no is None:
        raise UserError("Pick a penalty (start typing its number or what it is).")
    row = await store.get_by_no(svc.db, guild_id, no)
    if row is None:
        raise NotFound(f"There's no penalty #{no} in this server. See /penalty list.")
    return row


async def resolve_id(svc: Services, guild_id: int | None, penalty_id: int) -> PenaltyRow:
    """A penalty by row id (from a button): it must exist and belong to the server asking."""
    row = await store.get(svc.db, penalty_id)
    if row is None or guild_id is None or row.guild_id != guild_id:
        raise NotFound("That penalty doesn't exist in this server (any more).")
    return row


async def list_penalties(
    svc: Services, guild_id: int, member_id: int | None = None, which: str = "open"
) -> list[PenaltyView]:
    """The newest (at most store.LIST_LIMIT) of this server's penalties the filter `which` shows."""
    if which not in LIST_FILTERS:
        raise UserError("Show open, owed, submitted, overdue, done or all penalties.")
    statuses, overdue_only = LIST_FILTERS[which]
    rows = await store.list_for_guild(
        svc.db,
        guild_id,
        member_id,
        statuses=None if statuses is None else [s.value for s in statuses],
        due_by=svc.now() if overdue_only else None,
    )
    return [await view(svc, r) for r in rows]


async def autocomplete(svc: Services, guild_id: int, text: str, *, open_only: bool = True) -> list[tuple[int, str]]:
    text = text.strip().lstrip("#")
    statuses = store.OPEN_STATUSES if open_only else ("owed", "submitted", "verified", "waived", "cancelled")
    rows = await store.search(svc.db, guild_id, text, statuses)
    return [(r.no, f"{r.text} ({r.status})") for r in rows]


async def _channel(svc: Services, row: PenaltyRow) -> int:
    bet = await bet_store.get(svc.db, row.bet_id)
    settings = await svc.guild_settings(row.guild_id)
    return settings.announce_channel(bet.channel_id if bet is not None else 0)


@dataclass(frozen=True)
class SubmitResult:
    view: PenaltyView
    submission: Submission
    event_id: int


async def submit(
    svc: Services,
    guild_id: int,
    no: int | None,
    actor_id: int,
    amount: str | None,
    duration: str | None,
    proof: ProofRef | None = None,
    unit: str | None = None,
    *,
    activity: ActivitySummary | None = None,
) -> SubmitResult:
    """Submit a penalty as done. With `activity` (a GPX or FIT file) the distance and the time are the
    file's and need not be typed; typed ones must agree with it."""
    row = await resolve(svc, guild_id, no)
    rules.check_submit(PenaltyStatus(row.status), row.debtor_id, actor_id)
    stake_unit = parse_unit(row.unit)
    entered_unit = parse_unit(unit) if unit else stake_unit
    typed = None
    if amount is not None:
        typed = base_for(parse_amount(amount, entered_unit), entered_unit, stake_unit, "penalty")
    typed_time = None if duration is None else parse_clock_duration(duration)
    if activity is not None:
        check_distance_activity(stake_unit, "penalty")
        check_activity_time(activity, row.assigned_at, svc.now(), f"you owed penalty #{row.no}")
        done = reconcile_distance(typed, activity, stake_unit)
        elapsed = reconcile_time(typed_time, activity)
    elif typed is None or typed_time is None:
        raise UserError(
            "Enter how much you did and how long it took (e.g. 5 and 55:00), or attach the run's GPX or FIT file."
        )
    else:
        done, elapsed = typed, typed_time
    submission = rules.build_submission(stake_unit, done, elapsed, row.amount)
    if not submission.meets_stake:
        raise UserError(
            f"That's {submission.amount_text}, but the penalty is {row.text} — finish the whole thing, then submit it."
        )
    now = svc.now()
    channel = await _channel(svc, row)
    async with svc.db.transaction(guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        rules.check_submit(PenaltyStatus(fresh.status), fresh.debtor_id, actor_id)
        if not await store.submit(conn, row.id, done, elapsed, proof, now):
            raise UserError("You've already submitted this one — a winner or an admin will check it.")
        event_id = await store.add_event(
            conn, row.id, actor_id, "submit", now, amount=done, elapsed=elapsed, proof=proof
        )
        await announcements.queue(conn, guild_id, ANN_SUBMITTED, event_id, channel, now)
    return SubmitResult(view=await view(svc, row), submission=submission, event_id=event_id)


async def _close_timers(svc: Services, conn: Conn, penalty_id: int, now: datetime) -> None:
    for kind in (TIMER_PENALTY_REMINDER, TIMER_PENALTY_DUE):
        await svc.timers.cancel(conn, kind, penalty_id, now)


async def verify(
    svc: Services, row: PenaltyRow, actor_id: int, is_admin: bool, *, audit: InTransaction | None = None
) -> PenaltyView:
    """A winner (or an admin) confirms a submitted penalty; `audit` runs in the same transaction."""
    now = svc.now()
    channel = await _channel(svc, row)
    async with svc.db.transaction(row.guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        rules.check_verify(PenaltyStatus(fresh.status), actor_id, fresh.debtor_id, fresh.creditors, is_admin)
        if not await store.verify(conn, fresh.id, actor_id, now):
            raise UserError("This penalty isn't waiting to be checked any more.")
        await store.add_event(conn, fresh.id, actor_id, "verify", now)
        await _close_timers(svc, conn, fresh.id, now)
        await announcements.queue(conn, fresh.guild_id, ANN_DONE, fresh.id, channel, now)
        await _audit_admin(svc, conn, fresh, actor_id, is_admin, "verify", None, audit)
    return await view(svc, row)


async def reject(
    svc: Services, row: PenaltyRow, actor_id: int, is_admin: bool, reason: str | None = None
) -> PenaltyView:
    now = svc.now()
    clean = optional_text(reason, "reason", REASON_MAX)
    async with svc.db.transaction(row.guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        rules.check_reject(PenaltyStatus(fresh.status), actor_id, fresh.debtor_id, fresh.creditors, is_admin)
        if not await store.reject(conn, fresh.id):
            raise UserError("This penalty isn't waiting to be checked any more.")
        await store.add_event(conn, fresh.id, actor_id, "reject", now, detail=clean)
        if now >= fresh.due_at:
            await announcements.queue(conn, fresh.guild_id, ANN_OVERDUE, fresh.id, await _channel(svc, fresh), now)
        await _audit_admin(svc, conn, fresh, actor_id, is_admin, "reject", clean, None)
    return await view(svc, row)


async def _audit_admin(
    svc: Services,
    conn: Conn,
    row: PenaltyRow,
    actor_id: int,
    is_admin: bool,
    action: str,
    why: str | None,
    audit: InTransaction | None,
) -> None:
    """In the change's transaction: the caller's audit line, else one for an admin who is not a winner
    of the bet (the same commands and buttons serve winners and admins; only the admin right is audited)."""
    if audit is None and rules.acts_as_admin(actor_id, row.creditors, is_admin):
        audit = audit_line(svc, row.guild_id, actor_id, action, f"penalty #{row.no}", why)
    if audit is not None:
        await audit(conn)


async def waive(
    svc: Services,
    row: PenaltyRow,
    actor_id: int,
    is_admin: bool,
    reason: str | None = None,
    *,
    audit: InTransaction | None = None,
) -> PenaltyView:
    """Let a penalty go (a winner or an admin); `audit` runs in the same transaction."""
    now = svc.now()
    clean = optional_text(reason, "reason", REASON_MAX)
    channel = await _channel(svc, row)
    async with svc.db.transaction(row.guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        new = rules.check_waive(PenaltyStatus(fresh.status), actor_id, fresh.creditors, is_admin, fresh.debtor_id)
        if not await store.close(conn, fresh.id, new.value, now):
            raise UserError("This penalty is already closed.")
        await store.add_event(conn, fresh.id, actor_id, "waive", now, detail=clean)
        await _close_timers(svc, conn, fresh.id, now)
        await announcements.queue(conn, fresh.guild_id, ANN_WAIVED, fresh.id, channel, now)
        await _audit_admin(svc, conn, fresh, actor_id, is_admin, "waive", clean, audit)
    return await view(svc, row)


async def verify_no(
    svc: Services, guild_id: int, no: int | None, actor_id: int, is_admin: bool, *, audit: InTransaction | None = None
) -> PenaltyView:
    return await verify(svc, await resolve(svc, guild_id, no), actor_id, is_admin, audit=audit)


async def reject_no(
    svc: Services, guild_id: int, no: int | None, actor_id: int, is_admin: bool, reason: str | None = None
) -> PenaltyView:
    return await reject(svc, await resolve(svc, guild_id, no), actor_id, is_admin, reason)


async def waive_no(
    svc: Services,
    guild_id: int,
    no: int | None,
    actor_id: int,
    is_admin: bool,
    reason: str | None = None,
    *,
    audit: InTransaction | None = None,
) -> PenaltyView:
    return await waive(svc, await resolve(svc, guild_id, no), actor_id, is_admin, reason, audit=audit)


async def history(svc: Services, row: PenaltyRow) -> list[EventRow]:
    return await store.events(svc.db, row.id)


# --------------------------------------------------------------------------- deadlines


async def on_reminder_timer(svc: Services, timer: TimerRow) -> None:
    now = svc.now()
    row = await store.get(svc.db, timer.ref_id)
    if row is None or not rules.is_open(PenaltyStatus(row.status)) or now >= row.due_at:
        return
    channel = await _channel(svc, row)
    async with svc.db.transaction(timer.guild_id) as conn:
        await announcements.queue(conn, row.guild_id, ANN_REMINDER, row.id, channel, now)


async def on_due_timer(svc: Services, timer: TimerRow) -> None:
    """Overdue: announced once; the penalty stays owed until it is done or waived."""
    now = svc.now()
    row = await store.get(svc.db, timer.ref_id)
    # A submitted one is waiting for the winners, not for the debtor: no shaming for that.
    if (
        row is None
        or row.status != PenaltyStatus.OWED.value
        or not rules.is_overdue(PenaltyStatus.OWED, row.due_at, now)
    ):
        return
    channel = await _channel(svc, row)
    async with svc.db.transaction(timer.guild_id) as conn:
        await announcements.queue(conn, row.guild_id, ANN_OVERDUE, row.id, channel, now)
