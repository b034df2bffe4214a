"""Challenge use cases: create, join, leave, log, undo, status, list, cancel, and their deadlines."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from bot import faults
from bot.domain import challenges as rules_mod
from bot.domain.activity import (
    ActivitySummary,
    check_activity_time,
    check_distance_activity,
    reconcile_distance,
)
from bot.domain.bets import LockTrigger, lock_trigger
from bot.domain.challenges import ChallengeRules, ChallengeStatus, LogEntry, Mode, Standings
from bot.domain.proof import ProofRef
from bot.domain.text import optional_text
from bot.domain.timeparse import DayEdge, parse_duration, parse_local_datetime
from bot.domain.units import (
    Unit,
    base_for,
    check_log_amount,
    from_base,
    parse_amount,
    parse_unit,
    to_base,
)
from bot.errors import NotAllowed, NotFound, RepeatedInteraction, UserError
from bot.scheduling import TimerRow
from bot.services.context import Services
from bot.store import announcements
from bot.store import challenges as store
from bot.store.challenges import ChallengeRow, LogRow, NewChallenge, ParticipantRow
from bot.store.db import Conn, InTransaction, SyncConn

TIMER_START = "challenge_start"
TIMER_REMINDER = "challenge_reminder"
TIMER_END = "challenge_end"
TIMER_CLOCK_END = "participant_clock_end"  # ref: participant id; an attempt clock runs out
TIMER_CLOCK_REMINDER = "participant_clock_reminder"  # ref: participant id; its clock ends soon

ANN_CREATED = "challenge_created"
ANN_STARTED = "challenge_started"
ANN_REMINDER = "challenge_reminder"
ANN_RESULT = "challenge_result"
ANN_MEMBER_RESULT = "participant_result"  # ref: participant id; one member judged before the end
ANN_CLOCK_REMINDER = "participant_clock_reminder"  # ref: participant id
ANN_CANCELLED = "challenge_cancelled"
ANN_MILESTONE = "challenge_milestone_{mark}"  # ref: participant id
ANN_TOTAL_MILESTONE = "challenge_total_milestone_{mark}"  # ref: challenge id

T = TypeVar("T")

MAX_NOTE_CHARS = 200
MAX_PARTICIPANTS = 50
STATUS_PROOFS = 5  # latest proof photos linked from /challenge status


@dataclass(frozen=True)
class ChallengeView:
    """Everything a renderer needs to show one challenge at one moment."""

    row: ChallengeRow
    rules: ChallengeRules
    title: str
    participants: tuple[ParticipantRow, ...]
    standings: Standings
    now: datetime
    tz_name: str
    corrected_logs: int = 0
    first_log_at: datetime | None = None  # the challenge's first log (undone ones too): bets may lock there
    proof_logs: tuple[LogRow, ...] = ()  # the latest logs with a kept proof photo (only /challenge status)

    @property
    def status(self) -> ChallengeStatus:
        return ChallengeStatus(self.row.status)


@dataclass(frozen=True)
class LogResult:
    challenge: ChallengeRow
    rules: ChallengeRules
    title: str
    log: LogRow
    progress: rules_mod.LogProgress


def rules_of(row: ChallengeRow) -> ChallengeRules:
    return ChallengeRules(
        activity=row.activity,
        unit=parse_unit(row.unit),
        target=row.target,
        mode=Mode(row.mode),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        attempt=row.attempt,
        latest_start=row.latest_start,
    )


async def resolve(svc: Services, guild_id: int, no: int | None) -> ChallengeRow:
    if no is None:
        raise UserError("Pick a challenge (start typing its name or number).")
    row = await store.get_by_no(svc.db, guild_id, no)
    if row is None:
        raise _no_such(no)
    return row


def _no_such(no: int) -> NotFound:
    return NotFound(f"There's no challenge #{no} in this server. See /challenge list.")


async def resolve_for_member(svc: Services, guild_id: int, no: int | None, user_id: int) -> ChallengeRow:
    """The challenge named, or the member's only open one when none is named."""
    if no is not None:
        return await resolve(svc, guild_id, no)
    return _only_open(await svc.db.run(store.open_for_member, guild_id, user_id))


def _only_open(rows: list[T]) -> T:
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise UserError("You're not in any open challenge. Name one, or join one with /challenge join.")
    raise UserError("You're in several challenges; pick one with the `challenge` option.")


def _point_entries(points: list[tuple[int, int, datetime]]) -> list[LogEntry]:
    return [LogEntry(user_id=user_id, amount=amount, at=at) for user_id, amount, at in points]


async def view(svc: Services, row: ChallengeRow, *, now: datetime | None = None) -> ChallengeView:
    now = now or svc.now()
    settings = await svc.guild_settings(row.guild_id)
    rules = rules_of(row)
    people = await store.participants(svc.db, row.id)
    logged = await store.log_points(svc.db, row.id)
    at = min(now, row.ends_at) if row.status == "finished" else now
    board = rules_mod.standings(rules, [p.user_id for p in people], _point_entries(logged.points), at, logged.first)
    return ChallengeView(
        row=row,
        rules=rules,
        title=rules_mod.title(rules, settings.zone),
        participants=tuple(people),
        standings=board,
        now=now,
        tz_name=settings.timezone,
        corrected_logs=logged.corrected,
        first_log_at=min(logged.first.values(), default=None),
    )


def _parse_target(target: str | None, unit: Unit) -> int | None:
    if target is None or not target.strip():
        return None
    return to_base(parse_amount(target, unit), unit)


async def create(
    svc: Services,
    *,
    guild_id: int,
    channel_id: int,
    creator_id: int,
    activity: str,
    target: str | None,
    unit: str,
    duration: str | None = None,
    end: str | None = None,
    start: str | None = None,
    mode: str = "each",
    clock_starts_at_first_log: bool | None = None,
    latest_start: str | None = None,
    join: bool = True,
) -> ChallengeView:
    now = svc.now()
    settings = await svc.guild_settings(guild_id)
    zone = settings.zone
    the_unit = parse_unit(unit)
    try:
        the_mode = Mode(mode)
    except ValueError:
        raise UserError("Mode must be each, total or most.") from None
    starts_at = parse_local_datetime(start, zone, now, bare_day=DayEdge.START) if start else None
    ends_at = parse_local_datetime(end, zone, now) if end else None
    length = parse_duration(duration) if duration else None
    latest = parse_local_datetime(latest_start, zone, now) if latest_start else None
    if clock_starts_at_first_log is None:
        clock_starts_at_first_log = (latest is not None) or rules_mod.default_attempt_clock(
            the_mode, start_given=bool(start) or bool(end), duration_given=length is not None
        )
    if latest is not None and not clock_starts_at_first_log:
        raise UserError("A latest start only applies with clock_starts_at_first_log: True.")
    if clock_starts_at_first_log and length is None:
        raise UserError("With the clock starting at the first log, give its length as the duration (e.g. 7h).")
    rules = rules_mod.build_rules(
        activity=activity,
        unit=the_unit,
        mode=the_mode,
        now=now,
        target=_parse_target(target, the_unit),
        starts_at=starts_at,
        ends_at=ends_at,
        duration=None if clock_starts_at_first_log else length,
        attempt=length if clock_starts_at_first_log else None,
        latest_start=latest,
    )
    status = "active" if rules.starts_at <= now else "scheduled"
    async with svc.db.transaction(guild_id) as conn:
        row = await store.insert(
            conn,
            NewChallenge(
                guild_id=guild_id,
                channel_id=channel_id,
                creator_id=creator_id,
                activity=rules.activity,
                unit=rules.unit.symbol,
                target=rules.target,
                mode=rules.mode.value,
                starts_at=rules.starts_at,
                ends_at=rules.ends_at,
                attempt=rules.attempt,
                latest_start=rules.latest_start,
                status=status,
                created_at=now,
            ),
        )
        if join:
            await store.add_participant(conn, row.id, creator_id, now)
        await _arm(svc, conn, row, rules)
        announce_to = settings.announce_channel(channel_id)
        if announce_to != channel_id:
            await announcements.queue(conn, guild_id, ANN_CREATED, row.id, announce_to, now)
    return await view(svc, row, now=now)


def reminder_time(svc: Services, rules: ChallengeRules) -> datetime | None:
    """The challenge's reminder before its end; none for attempt clocks, where each member gets their own
    (`clock_reminder_time`): a week-long window's end means nothing to someone on a 7 h clock."""
    if rules.attempt is not None:
        return None
    before = timedelta(minutes=svc.settings.reminder_before_end_minutes)
    return rules_mod.reminder_at(rules.starts_at, rules.ends_at, before)


def clock_reminder_time(svc: Services, rules: ChallengeRules, started_at: datetime) -> datetime | None:
    """A member's reminder before their own attempt clock runs out (halfway for short clocks)."""
    before = timedelta(minutes=svc.settings.reminder_before_end_minutes)
    return rules_mod.reminder_at(started_at, rules_mod.clock_end(rules, started_at), before)


async def _arm(svc: Services, conn: Conn, row: ChallengeRow, rules: ChallengeRules) -> None:
    """(Re)write the challenge's timers from its rules; call inside the transaction that changed them."""
    now = svc.now()
    if rules.starts_at > now:
        await svc.timers.schedule_at(conn, row.guild_id, TIMER_START, row.id, rules.starts_at)
    remind = reminder_time(svc, rules)
    if remind is not None and remind > now:
        await svc.timers.schedule_at(conn, row.guild_id, TIMER_REMINDER, row.id, remind)
    await svc.timers.schedule_at(conn, row.guild_id, TIMER_END, row.id, rules.ends_at)


def _check_open(row: ChallengeRow, action: str) -> None:
    if row.status == "cancelled":
        raise UserError(f"Challenge #{row.no} was cancelled; you can't {action} it.")
    if row.status == "finished":
        raise UserError(f"Challenge #{row.no} is over; you can't {action} it any more.")


def _check_joinable(row: ChallengeRow, now: datetime) -> None:
    _check_open(row, "join")
    rules = rules_of(row)
    if now >= rules.ends_at:
        raise UserError(f"Challenge #{row.no} has ended; you can't join it any more.")
    if rules.attempt is not None and rules.latest_start is not None and now > rules.latest_start:
        raise UserError(f"The latest start for challenge #{row.no} has passed, so joining now is too late.")


async def join_refusal(svc: Services, row: ChallengeRow, user_id: int) -> str | None:
    """Why the member can't join the challenge now, or None when they can (nothing is written)."""
    try:
        _check_joinable(row, svc.now())
    except UserError as exc:
        return exc.message
    people = await store.participants(svc.db, row.id)
    if any(p.user_id == user_id for p in people):
        return f"You're already in challenge #{row.no}."
    if len(people) >= MAX_PARTICIPANTS:
        return f"Challenge #{row.no} is full ({MAX_PARTICIPANTS} participants)."
    return None


async def join(svc: Services, guild_id: int, no: int | None, user_id: int) -> ChallengeView:
    row = await resolve(svc, guild_id, no)
    now = svc.now()
    _check_joinable(row, now)
    async with svc.db.transaction(guild_id) as conn:
        people = await store.participants(conn, row.id)
        if any(p.user_id == user_id for p in people):
            raise UserError(f"You're already in challenge #{row.no}.")
        if len(people) >= MAX_PARTICIPANTS:
            raise UserError(f"Challenge #{row.no} is full ({MAX_PARTICIPANTS} participants).")
        await store.add_participant(conn, row.id, user_id, now)
    return await view(svc, row, now=now)


async def leave(svc: Services, guild_id: int, no: int | None, user_id: int) -> ChallengeView:
    """Leave a challenge. Refused while locked bets ride on the member (no escape hatch) or once their
    result is decided; open bets on them are called off, since their result will never come."""
    row = await resolve_for_member(svc, guild_id, no, user_id)
    now = svc.now()
    async with svc.db.transaction(guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        if fresh.status == "finished" or now >= fresh.ends_at:  # also before the deadline timer has run
            raise UserError(f"Challenge #{row.no} is over; its result stands, so you can't leave it now.")
        if fresh.status == "cancelled":
            raise UserError(f"Challenge #{row.no} was cancelled; there's nothing to leave.")
        me = next((p for p in await store.participants(conn, row.id) if p.user_id == user_id), None)
        if me is None:
            raise UserError(f"You're not in challenge #{row.no}.")
        if me.result is not None:
            raise UserError(f"Your result in challenge #{row.no} is already decided, so leaving changes nothing.")
        for hook in svc.before_member_leaves:
            await hook(conn, fresh, user_id, now)
        if not await store.remove_participant(conn, row.id, user_id, now):
            raise UserError(f"You're not in challenge #{row.no}.")
        for kind in (TIMER_CLOCK_END, TIMER_CLOCK_REMINDER):
            await svc.timers.cancel(conn, kind, me.id, now)
        await _finish_if_all_judged(svc, conn, fresh, now)
    fresh = await store.get(svc.db, row.id)
    assert fresh is not None
    return await view(svc, fresh, now=now)


def _clean_note(note: str | None) -> str | None:
    return optional_text(note, "note", MAX_NOTE_CHARS)


async def log(
    svc: Services,
    guild_id: int,
    no: int | None,
    user_id: int,
    amount: str | None,
    unit: str | None = None,
    note: str | None = None,
    proof: ProofRef | None = None,
    *,
    interaction_id: int | None = None,
    activity: ActivitySummary | None = None,
) -> LogResult:
    """Log for oneself. `interaction_id` makes it exactly once: a repeated delivery of the same interaction
    raises RepeatedInteraction and stores nothing. With `activity` (a GPX or FIT file) the amount is the
    file's distance; a typed amount must agree with it."""
    now = svc.now()
    settings = await svc.guild_settings(guild_id)
    if amount is None and activity is None:
        raise UserError("Enter how much you did, e.g. 500 or 2.5 — or attach the run's GPX or FIT file.")

    def accept(conn: SyncConn, *, hooks_follow: bool = False) -> _Accepted:
        # Runs whole on the database thread, in the log's transaction: find the challenge, read it as it
        # is now with the member's place in it and the running totals (log_totals) in one query, insert,
        # and queue a milestone if one was crossed. So a log costs the same at the first log of a
        # challenge and at the millionth, and one trip to the database thread (docs/benchmarks.md,
        # measurements 1 and 2). A UserError raised here rolls everything back.
        found = store.read_log_state(conn, guild_id, no, user_id)
        if no is not None and not found:
            raise _no_such(no)
        state = found[0] if no is not None else _only_open(found)
        row = state.challenge
        rules = rules_of(row)
        if interaction_id is not None and store.log_of_interaction(conn, interaction_id) is not None:
            raise RepeatedInteraction(interaction_id)
        entered_unit = parse_unit(unit) if unit else rules.unit
        typed = None if amount is None else base_for(parse_amount(amount, entered_unit), entered_unit, rules.unit)
        if activity is not None:
            check_distance_activity(rules.unit, "challenge")
            check_activity_time(activity, rules.starts_at, now, f"challenge #{row.no} started")
            base = reconcile_distance(typed, activity, rules.unit)
            entered, entered_unit = from_base(base, rules.unit), rules.unit
        else:
            assert typed is not None and amount is not None
            base, entered = typed, parse_amount(amount, entered_unit)
        check_log_amount(base, rules.unit)
        clean = _clean_note(note)
        is_participant = state.participant_id is not None
        rules_mod.check_can_log(rules, ChallengeStatus(row.status), is_participant, state.first_log_at, now)
        if _starts_something(rules, row, state) and not hooks_follow:
            raise _NeedsHooks
        entry = store.insert_log(
            conn, row.id, user_id, base, _decimal_text(entered), entered_unit.symbol, clean, proof, now, interaction_id
        )
        progress = rules_mod.progress_after_log(
            rules,
            total_before=state.total,
            group_before=state.group_total,
            amount=base,
            at=entry.logged_at,
            first_log_at=state.first_log_at,
        )
        # In each mode the member's own result post says "made it" (see judge_member): no 100 % milestone too.
        if progress.milestone is not None and not (rules.mode is Mode.EACH and progress.reached_now):
            total_mode = rules.mode is Mode.TOTAL
            kind = (ANN_TOTAL_MILESTONE if total_mode else ANN_MILESTONE).format(mark=progress.milestone)
            ref = row.id if total_mode else state.participant_id
            assert ref is not None
            announcements.queue_now(conn, guild_id, kind, ref, settings.announce_channel(row.channel_id), now)
        if progress.reached_now and rules.mode is Mode.EACH and not hooks_follow:
            raise _NeedsHooks  # rolled back; done again on the path that judges the member
        return _Accepted(state, rules, entry, progress)

    try:
        done = await svc.db.write(accept, guild_id)
    except _NeedsHooks:
        # This log starts a clock (bets lock, a clock-end timer is armed) or decides the member's
        # result (bets on them settle): async work, all in the same transaction as the log.
        async with svc.db.transaction(guild_id) as conn:
            done = await svc.db.run(functools.partial(accept, hooks_follow=True))
            await _after_log(svc, conn, done, now)
    return LogResult(
        challenge=done.state.challenge,
        rules=done.rules,
        title=rules_mod.title(done.rules, settings.zone),
        log=done.log,
        progress=done.progress,
    )


class _NeedsHooks(Exception):
    """Internal: the log starts a clock or decides a result, so it takes the path with async hooks."""


def _starts_something(rules: ChallengeRules, row: ChallengeRow, state: store.LogState) -> bool:
    """A first log that locks bets: the member's own clock (attempt clocks), or the challenge's very
    first log when bets lock at the first progress (see `bot.domain.bets.lock_trigger`)."""
    if rules.attempt is not None:
        return state.first_log_at is None
    return not state.any_log and lock_trigger(rules, row.created_at) is LockTrigger.FIRST_LOG


async def _after_log(svc: Services, conn: Conn, done: _Accepted, now: datetime) -> None:
    """The async part of a log that starts a clock or reaches the target (inside the log's transaction)."""
    row, rules, state = done.state.challenge, done.rules, done.state
    if _starts_something(rules, row, state):
        subject = done.log.user_id if rules.attempt is not None else None
        for hook in svc.on_challenge_started:
            await hook(conn, row, now, subject)
        if rules.attempt is not None and state.participant_id is not None:
            await svc.timers.schedule_at(
                conn, row.guild_id, TIMER_CLOCK_END, state.participant_id, rules_mod.clock_end(rules, now)
            )
            remind = clock_reminder_time(svc, rules, now)
            if remind is not None:
                await svc.timers.schedule_at(conn, row.guild_id, TIMER_CLOCK_REMINDER, state.participant_id, remind)
    if done.progress.reached_now and rules.mode is Mode.EACH:
        await judge_member(svc, conn, row, done.log.user_id, now)


@dataclass(frozen=True)
class _Accepted:
    state: store.LogState
    rules: ChallengeRules
    log: LogRow
    progress: rules_mod.LogProgress


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


async def undo(
    svc: Services, guild_id: int, no: int | None, user_id: int, *, interaction_id: int | None = None
) -> tuple[LogRow, ChallengeView]:
    """Undo one's last log; with `interaction_id`, a repeated delivery raises RepeatedInteraction."""
    row = await resolve_for_member(svc, guild_id, no, user_id)
    if row.status != "active":
        raise UserError(f"Challenge #{row.no} isn't running, so its logs can't be undone.")
    now = svc.now()
    if now >= row.ends_at:
        raise UserError(f"Challenge #{row.no} has ended; its logs can't be undone any more.")
    async with svc.db.transaction(guild_id) as conn:
        if interaction_id is not None and await store.correction_of_interaction(conn, interaction_id):
            raise RepeatedInteraction(interaction_id)
        me = next((p for p in await store.participants(conn, row.id) if p.user_id == user_id), None)
        if me is not None and me.result is not None:
            raise UserError(
                f"Your result in challenge #{row.no} is already decided, so your logs can't be undone any more. "
                "If a log was wrong, ask an admin who isn't part of the bets on you (they can void a bet)."
            )
        last = await store.last_log(conn, row.id, user_id)
        if last is None:
            raise UserError(f"You have no log to undo in challenge #{row.no}.")
        await store.strike_log(conn, last, user_id, "undo", None, now, interaction_id)
    return last, await view(svc, row, now=now)


async def status(svc: Services, guild_id: int, no: int | None, user_id: int) -> ChallengeView:
    if no is None:
        try:
            row = await resolve_for_member(svc, guild_id, None, user_id)
        except UserError:
            rows = await store.list_for_guild(svc.db, guild_id, ("active", "scheduled"))
            if len(rows) != 1:
                raise UserError(
                    "Which challenge? Pick one with the `challenge` option (see /challenge list)."
                ) from None
            row = rows[0]
    else:
        row = await resolve(svc, guild_id, no)
    shown = await view(svc, row)
    return replace(shown, proof_logs=tuple(await store.proof_logs(svc.db, row.id, STATUS_PROOFS)))


async def list_open(svc: Services, guild_id: int) -> list[tuple[ChallengeRow, str, int]]:
    """Active and upcoming challenges with their titles and participant counts."""
    settings = await svc.guild_settings(guild_id)
    rows = await store.list_for_guild(svc.db, guild_id, ("active", "scheduled"))
    counts = {
        r["challenge_id"]: r["n"]
        for r in await svc.db.fetchall(
            "SELECT p.challenge_id, COUNT(*) AS n FROM participants p JOIN challenges c ON c.id = p.challenge_id"
            " WHERE c.guild_id = ? AND p.left_at IS NULL GROUP BY p.challenge_id",
            (guild_id,),
        )
    }
    return [(r, rules_mod.title(rules_of(r), settings.zone), counts.get(r.id, 0)) for r in rows]


async def cancel(
    svc: Services, guild_id: int, no: int | None, actor_id: int, is_admin: bool, *, audit: InTransaction | None = None
) -> ChallengeView:
    """Cancel once, checked inside the transaction so a cancel racing the deadline has one outcome; its
    bets are voided. `audit` runs in the same transaction."""
    row = await resolve(svc, guild_id, no)
    if row.creator_id != actor_id and not is_admin:
        raise NotAllowed(f"Only the creator of challenge #{row.no} or an admin can cancel it.")
    now = svc.now()
    settings = await svc.guild_settings(guild_id)
    async with svc.db.transaction(guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        _check_open(fresh, "cancel")
        if now >= fresh.ends_at and not is_admin:  # before the deadline timer ran: the result stands (and its bets)
            raise UserError(f"Challenge #{row.no} is over; its result stands, so you can't cancel it any more.")
        for check in svc.before_challenge_cancelled:
            await check(conn, fresh, actor_id, is_admin, now)
        if not await store.set_status(conn, row.id, ("scheduled", "active"), "cancelled", now, actor_id):
            raise UserError(f"Challenge #{row.no} is already closed.")
        for kind in (TIMER_START, TIMER_REMINDER, TIMER_END):
            await svc.timers.cancel(conn, kind, row.id, now)
        for person in await store.participants(conn, row.id):
            for kind in (TIMER_CLOCK_END, TIMER_CLOCK_REMINDER):
                await svc.timers.cancel(conn, kind, person.id, now)
        await announcements.queue(conn, guild_id, ANN_CANCELLED, row.id, settings.announce_channel(row.channel_id), now)
        for hook in svc.on_challenge_closed:
            await hook(conn, fresh, None, now)
        if audit is not None:
            await audit(conn)
    fresh = await store.get(svc.db, row.id)
    assert fresh is not None
    return await view(svc, fresh, now=now)


async def autocomplete(svc: Services, guild_id: int, text: str, *, open_only: bool = True) -> list[tuple[int, str]]:
    settings = await svc.guild_settings(guild_id)
    statuses = ("active", "scheduled") if open_only else ("active", "scheduled", "finished", "cancelled")
    text = text.strip().lstrip("#")
    rows = await store.search(svc.db, guild_id, text, statuses)
    return [(r.no, rules_mod.title(rules_of(r), settings.zone)) for r in rows]


# --- deadlines -------------------------------------------------------------------------------


async def on_start_timer(svc: Services, timer: TimerRow) -> None:
    now = svc.now()
    async with svc.db.transaction(timer.guild_id) as conn:
        row = await store.get(conn, timer.ref_id)
        if row is None or not await store.set_status(conn, row.id, ("scheduled",), "active", now):
            return
        if lock_trigger(rules_of(row), row.created_at) is LockTrigger.START:
            for hook in svc.on_challenge_started:
                await hook(conn, row, now, None)
        settings = await svc.guild_settings(row.guild_id)
        await announcements.queue(
            conn, row.guild_id, ANN_STARTED, row.id, settings.announce_channel(row.channel_id), now
        )


async def on_reminder_timer(svc: Services, timer: TimerRow) -> None:
    now = svc.now()
    row = await store.get(svc.db, timer.ref_id)
    if row is None or row.status not in ("scheduled", "active") or now >= row.ends_at:
        return
    settings = await svc.guild_settings(row.guild_id)
    async with svc.db.transaction(timer.guild_id) as conn:
        await announcements.queue(
            conn, row.guild_id, ANN_REMINDER, row.id, settings.announce_channel(row.channel_id), now
        )


async def finish(svc: Services, challenge_id: int, guild_id: int | None = None) -> bool:
    """Finish a challenge exactly once: results, outcome hooks and the result post in one transaction.
    `guild_id`, when known (a timer's), lets other servers' writers go on meanwhile."""
    now = svc.now()
    faults.point("finish:before")
    async with svc.db.transaction(guild_id) as conn:
        row = await store.get(conn, challenge_id)
        if row is None or (guild_id is not None and row.guild_id != guild_id):
            return False
        if not await _finish(svc, conn, row, now):
            return False
    faults.point("finish:after_commit")
    return True


async def _finish(svc: Services, conn: Conn, row: ChallengeRow, now: datetime) -> bool:
    """Inside a transaction: judge everyone not judged yet, close the challenge, settle its bets, announce.

    Members judged earlier (each mode: at their target or their clock's end) keep their result; their
    total is brought up to date for the records.
    """
    if row.status not in ("scheduled", "active"):
        return False
    rules = rules_of(row)
    people = await store.participants(conn, row.id)
    logged = await store.log_points(conn, row.id)
    # Also right for an early finish: no log is later than `now`, and members judged earlier keep theirs.
    board = rules_mod.outcome(rules, [p.user_id for p in people], _point_entries(logged.points), logged.first)
    if not await store.set_status(conn, row.id, ("scheduled", "active"), "finished", now):
        return False
    results: dict[int, rules_mod.ParticipantResult] = {}
    for person in people:
        computed = board[person.user_id]
        if person.result is None:
            await store.record_result(
                conn, row.id, person.user_id, computed.succeeded, computed.reached_at, computed.total, now
            )
            results[person.user_id] = computed
        else:
            await store.set_final_total(conn, row.id, person.user_id, computed.total)
            results[person.user_id] = rules_mod.ParticipantResult(
                person.user_id,
                person.result == "succeeded",
                computed.total,
                person.reached_at,
                None if person.reached_at is None else computed.elapsed_to_target,
                computed.rank,
            )
    settings = await svc.guild_settings(row.guild_id)
    await announcements.queue(conn, row.guild_id, ANN_RESULT, row.id, settings.announce_channel(row.channel_id), now)
    for kind in (TIMER_REMINDER, TIMER_END):
        await svc.timers.cancel(conn, kind, row.id, now)
    for person in people:
        for kind in (TIMER_CLOCK_END, TIMER_CLOCK_REMINDER):
            await svc.timers.cancel(conn, kind, person.id, now)
    for hook in svc.on_challenge_closed:
        await hook(conn, row, results, now)
    return True


async def judge_member(svc: Services, conn: Conn, row: ChallengeRow, user_id: int, now: datetime) -> bool:
    """Inside a transaction: decide one participant's result if it can no longer change (each mode).

    Bets on them settle at once. When nobody is left to judge, the challenge finishes here (one result
    post for everyone); otherwise the member's result is announced on its own.
    """
    rules = rules_of(row)
    if rules.mode is not Mode.EACH or row.status not in ("scheduled", "active"):
        return False
    people = await store.participants(conn, row.id)
    me = next((p for p in people if p.user_id == user_id), None)
    if me is None or me.result is not None:
        return False
    mine = await store.log_points(conn, row.id, user_id)
    result = rules_mod.judge_participant(rules, user_id, _point_entries(mine.points), now, mine.first.get(user_id))
    if result is None:
        return False
    if not await store.record_result(conn, row.id, user_id, result.succeeded, result.reached_at, result.total, now):
        return False
    for kind in (TIMER_CLOCK_END, TIMER_CLOCK_REMINDER):
        await svc.timers.cancel(conn, kind, me.id, now)
    settings = await svc.guild_settings(row.guild_id)
    if not await _can_finish_early(conn, row, now):  # the member's result first, then what follows from it
        channel = settings.announce_channel(row.channel_id)
        await announcements.queue(conn, row.guild_id, ANN_MEMBER_RESULT, me.id, channel, now)
    for hook in svc.on_member_judged:
        await hook(conn, row, result, now)
    await _finish_if_all_judged(svc, conn, row, now)
    return True


async def _can_finish_early(conn: Conn, row: ChallengeRow, now: datetime) -> bool:
    """Each mode: a challenge is over before its end once every participant has a result and nobody can
    join any more (attempt clocks after the latest start). Until then members can still join and take
    their full clock."""
    rules = rules_of(row)
    if rules.mode is not Mode.EACH or rules.latest_start is None or now <= rules.latest_start:
        return False
    people = await store.participants(conn, row.id)
    return bool(people) and all(p.result is not None for p in people)


async def _finish_if_all_judged(svc: Services, conn: Conn, row: ChallengeRow, now: datetime) -> bool:
    if not await _can_finish_early(conn, row, now):
        return False
    fresh = await store.get(conn, row.id)
    return fresh is not None and await _finish(svc, conn, fresh, now)


async def on_clock_reminder_timer(svc: Services, timer: TimerRow) -> None:
    """A member's attempt clock ends soon: remind them, unless their result is already in."""
    now = svc.now()
    async with svc.db.transaction(timer.guild_id) as conn:
        person = await store.participant_by_id(conn, timer.ref_id)
        row = None if person is None else await store.get(conn, person.challenge_id)
        if person is None or row is None or person.left_at is not None or person.result is not None:
            return
        if row.status not in ("scheduled", "active"):
            return
        settings = await svc.guild_settings(row.guild_id)
        channel = settings.announce_channel(row.channel_id)
        await announcements.queue(conn, row.guild_id, ANN_CLOCK_REMINDER, person.id, channel, now)


async def on_clock_end_timer(svc: Services, timer: TimerRow) -> None:
    """A participant's attempt clock ran out: judge them (each mode), or finish once every clock is over."""
    now = svc.now()
    async with svc.db.transaction(timer.guild_id) as conn:
        person = await store.participant_by_id(conn, timer.ref_id)
        row = None if person is None else await store.get(conn, person.challenge_id)
        if person is None or row is None or row.status not in ("scheduled", "active"):
            return
        rules = rules_of(row)
        if rules.mode is Mode.EACH:
            await judge_member(svc, conn, row, person.user_id, now)
            return
        # total/most: the result depends on everyone; it's due once every participant's clock is over.
        people = await store.participants(conn, row.id)
        first = await store.first_logs(conn, row.id)
        if people and all(p.user_id in first and rules_mod.clock_end(rules, first[p.user_id]) <= now for p in people):
            await _finish(svc, conn, row, now)


async def on_end_timer(svc: Services, timer: TimerRow) -> None:
    # Due at the end, or earlier when every attempt clock has run out.
    await finish(svc, timer.ref_id, timer.guild_id)
