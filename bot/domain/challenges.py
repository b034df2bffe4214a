"""Challenge rules: windows, who may log when, standings, the outcome at the deadline.

Amounts are integers in the base unit of the challenge unit's kind (see `bot.domain.units`).
Times are aware UTC datetimes. A participant's window is half-open, `[start, end)`: a log at
the very end no longer counts.

Attempt challenges ("2,020 pushups in under 7 hours", counted from the first log): each
participant's clock starts at their first log, which must come no later than `latest_start`;
their window is `[first_log_at, first_log_at + attempt)`; `ends_at = latest_start + attempt`.

Results (`outcome`):
- EACH: a participant succeeds iff their own total reached the target inside their window.
- TOTAL: everyone succeeds iff the combined total reached the target; `reached_at` is when the
  combined total crossed it.
- MOST: the highest total wins; everyone tied at the top wins; a total of 0 never wins; when a
  target is set, the winner must also have reached it (otherwise nobody wins).

A total "reached" the target at the first moment from which the running total stays at or
above it, so a later negative correction undoes an earlier crossing. Logs at the same instant
are summed first, so nothing depends on the order logs are passed in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.pace import needed_per_hour, outlook
from bot.domain.text import check_direction, is_blank
from bot.domain.timeparse import human_duration, title_duration, ts
from bot.domain.units import REPS, Kind, Unit, check_target, format_amount
from bot.domain.words import spoken_duration
from bot.errors import UserError

MAX_ACTIVITY_CHARS = 50
MIN_WINDOW = timedelta(minutes=1)
MAX_WINDOW = timedelta(days=366)
DEFAULT_LATEST_START = timedelta(days=7)
START_GRACE = timedelta(minutes=1)  # a start a few seconds behind `now` is "now", not the past


class Mode(StrEnum):
    EACH = "each"
    TOTAL = "total"
    MOST = "most"


class ChallengeStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    FINISHED = "finished"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ChallengeRules:
    activity: str
    unit: Unit
    target: int | None  # base units; required for EACH and TOTAL, optional for MOST
    mode: Mode
    starts_at: datetime
    ends_at: datetime
    attempt: timedelta | None = None  # the clock starts at each participant's first log
    latest_start: datetime | None = None  # last moment a first log may start the clock

    @property
    def has_attempt_clock(self) -> bool:
        return self.attempt is not None


@dataclass(frozen=True)
class LogEntry:
    user_id: int
    amount: int  # base units, same kind as the challenge unit
    at: datetime


@dataclass(frozen=True)
class ParticipantStanding:
    user_id: int
    rank: int  # 1 = best; equal results share a rank
    total: int
    percent: float | None  # of the target; None without a target; may pass 100
    reached_at: datetime | None
    elapsed_to_target: timedelta | None  # from the participant's window start
    window_start: datetime
    window_end: datetime
    started: bool  # False only for attempt challenges before the first log
    start_by: datetime | None  # attempt challenges: latest moment to start, while not started
    rate_per_hour: Decimal | None  # base units per hour so far; None until `pace.evidence_time`
    needed_per_hour: Decimal | None  # base units per hour needed for the rest of the window
    projected_finish: datetime | None  # at the current rate; None without a rate, progress, or when done
    on_track: bool | None  # projected_finish inside the window; None when there's no projection
    projected_total: int | None = None  # at the current rate by the window's end, when not on track

    @property
    def reached(self) -> bool:
        return self.reached_at is not None


@dataclass(frozen=True)
class Standings:
    rows: tuple[ParticipantStanding, ...]  # best first
    total: int  # combined total of every participant's counted logs
    percent: float | None  # combined, of the target
    reached_at: datetime | None  # when the combined total crossed the target
    rate_per_hour: Decimal | None  # combined; None until `pace.evidence_time`
    needed_per_hour: Decimal | None  # combined, for the rest of the challenge window
    projected_finish: datetime | None  # combined, at the current combined rate
    projected_total: int | None = None  # combined, by the end at that rate, when it falls short
    on_track: bool | None = None  # combined projection inside the window; None without one

    def row(self, user_id: int) -> ParticipantStanding | None:
        return next((r for r in self.rows if r.user_id == user_id), None)


@dataclass(frozen=True)
class ParticipantResult:
    user_id: int
    succeeded: bool
    total: int
    reached_at: datetime | None  # own crossing (EACH, MOST) or the combined one (TOTAL)
    elapsed_to_target: timedelta | None
    rank: int


# ---------------------------------------------------------------------------------------------
# Building rules


def _utc(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return dt.astimezone(UTC)


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def clean_activity(text: str) -> str:
    """The activity name trimmed, with runs of spaces collapsed; UserError when unusable."""
    if _CONTROL.search((text or "").strip()):
        raise UserError("Keep the activity on one line, e.g. pushups or run.")
    check_direction(text or "", "activity")
    name = re.sub(r"\s+", " ", (text or "").strip())
    if is_blank(name):
        raise UserError("Name the activity, e.g. pushups or run.")
    if len(name) > MAX_ACTIVITY_CHARS:
        raise UserError(f"Keep the activity to {MAX_ACTIVITY_CHARS} characters or fewer.")
    return name


def build_rules(
    *,
    activity: str,
    unit: Unit,
    mode: Mode,
    now: datetime,
    target: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    duration: timedelta | None = None,
    attempt: timedelta | None = None,
    latest_start: datetime | None = None,
) -> ChallengeRules:
    """Validated rules for a new challenge.

    Fixed window: give `ends_at` or `duration` (from `starts_at`, default `now`).
    Attempt clock: give `attempt` (the clock length) and optionally `latest_start` or `ends_at`
    (= latest start + attempt); with neither, members have `DEFAULT_LATEST_START` to start.
    """
    now = _utc(now, "now")
    name = clean_activity(activity)
    try:
        mode = Mode(mode)
    except ValueError:
        raise UserError("The mode must be each, total or most.") from None
    if target is None:
        if mode is not Mode.MOST:
            raise UserError(f"In {mode.value} mode a challenge needs a target, e.g. 2020 reps or 5 km.")
    else:
        check_target(target, unit)

    start = now if starts_at is None else _utc(starts_at, "starts_at")
    if start < now - START_GRACE:
        raise UserError("The start time is in the past. Leave it empty to start now, or pick a later time.")
    end_given = None if ends_at is None else _utc(ends_at, "ends_at")

    latest: datetime | None = None
    if attempt is None:
        if latest_start is not None:
            raise UserError("A latest start only applies when the clock starts at the first log.")
        if (end_given is None) == (duration is None):
            raise UserError("Give either a duration (e.g. 7h) or an end time, not both or neither.")
        if duration is not None:
            if duration < MIN_WINDOW:
                raise UserError("The challenge must last at least 1 minute.")
            if duration > MAX_WINDOW:
                raise UserError("A challenge can last at most a year.")
            end = start + duration
        else:
            assert end_given is not None
            end = end_given
    else:
        if duration is not None:
            raise UserError("Give the attempt length once: as the duration of the clock.")
        if attempt < MIN_WINDOW:
            raise UserError("The clock must run for at least 1 minute.")
        if attempt > MAX_WINDOW:
            raise UserError("The clock can run for at most a year.")
        if latest_start is not None and end_given is not None:
            raise UserError("Give either a latest start or an end time, not both.")
        if latest_start is not None:
            latest = _utc(latest_start, "latest_start")
        elif end_given is not None:
            latest = end_given - attempt
        else:
            latest = start + DEFAULT_LATEST_START
        if latest < start:
            raise UserError("The latest start is before the challenge starts. Pick a later time.")
        if latest <= now:
            raise UserError("The latest start is in the past. Pick a later time.")
        end = latest + attempt

    if end <= now:
        raise UserError("That end time is in the past. Pick a time that's still ahead.")
    if end <= start:
        raise UserError("The end must be after the start.")
    if end - start < MIN_WINDOW:
        raise UserError("The challenge must last at least 1 minute.")
    if end - start > MAX_WINDOW:
        raise UserError("A challenge can last at most a year from its start.")
    return ChallengeRules(
        activity=name,
        unit=unit,
        target=target,
        mode=mode,
        starts_at=start,
        ends_at=end,
        attempt=attempt,
        latest_start=latest,
    )


def extend_rules(rules: ChallengeRules, new_end: datetime, now: datetime) -> ChallengeRules:
    """The same challenge with a later end (admin `extend`); attempt clocks get a later latest start."""
    new_end = _utc(new_end, "new_end")
    now = _utc(now, "now")
    if new_end <= rules.ends_at:
        raise UserError("The new end must be later than the current one.")
    if new_end <= now:
        raise UserError("That end time is in the past. Pick a time that's still ahead.")
    if new_end - rules.starts_at > MAX_WINDOW:
        raise UserError("A challenge can last at most a year from its start.")
    latest = None if rules.attempt is None else new_end - rules.attempt
    return ChallengeRules(
        activity=rules.activity,
        unit=rules.unit,
        target=rules.target,
        mode=rules.mode,
        starts_at=rules.starts_at,
        ends_at=new_end,
        attempt=rules.attempt,
        latest_start=latest,
    )


# ---------------------------------------------------------------------------------------------
# Titles


def target_phrase(rules: ChallengeRules) -> str:
    """`2,020 pushups`, `5 km run`: what reaching the target means."""
    assert rules.target is not None
    amount = format_amount(rules.target, rules.unit)
    if rules.unit == REPS:
        return f"{amount.rsplit(' ', 1)[0]} {rules.activity}"
    if rules.unit.kind is Kind.COUNT and rules.activity.lower() in (rules.unit.symbol, rules.unit.singular):
        return amount
    return f"{amount} {rules.activity}"


def _when(rules: ChallengeRules, tz: ZoneInfo | None, *, under: bool) -> str:
    prefix = "in under " if under else "in "
    if rules.attempt is not None:
        return prefix + title_duration(rules.attempt)
    window = rules.ends_at - rules.starts_at
    words, said = spoken_duration(window)
    if said == window:  # a window people can say in words exactly; any other end is named as a date
        return prefix + words
    local = rules.ends_at.astimezone(tz or UTC)
    year = f" {local.year}" if local.year != rules.starts_at.astimezone(tz or UTC).year else ""
    return f"by {local.day} {local:%b}{year} {local:%H:%M} {local.tzname()}"


def title(rules: ChallengeRules, tz: ZoneInfo | None = None) -> str:
    """`2,020 pushups in under 7 hours`, `5 km run by 1 Dec 18:00 CET`, `Most pushups in 2 days`.

    A window that is a whole number of minutes is worded as a duration, any other end as a
    date in `tz` (UTC by default).
    """
    if rules.mode is Mode.MOST:
        if rules.unit == REPS or rules.activity.lower() in (rules.unit.symbol, rules.unit.singular):
            what = rules.activity
        else:
            what = f"{rules.unit.symbol} {rules.activity}"
        text = f"Most {what} {_when(rules, tz, under=False)}"
        if rules.target is not None:
            text += f" (at least {format_amount(rules.target, rules.unit)})"
        return text
    together = " together" if rules.mode is Mode.TOTAL else ""
    return f"{target_phrase(rules)}{together} {_when(rules, tz, under=True)}"


# ---------------------------------------------------------------------------------------------
# Windows and logging


def counts_as_personal_best(mode: Mode) -> bool:
    """A personal best is what a member did alone: a `total` challenge's time to the target is the
    team's (a member who ran 3.5 km of a team's 100 km did not run 100 km)."""
    return mode is not Mode.TOTAL


def participant_window(rules: ChallengeRules, first_log_at: datetime | None) -> tuple[datetime, datetime]:
    """The `[start, end)` in which a participant's logs count.

    Attempt challenges: from the first log for `attempt`; before the first log, the widest
    possible window (`starts_at`, `ends_at`).
    """
    if rules.attempt is None or first_log_at is None:
        return rules.starts_at, rules.ends_at
    start = _utc(first_log_at, "first_log_at")
    return start, min(start + rules.attempt, rules.ends_at)


def check_can_log(
    rules: ChallengeRules,
    status: ChallengeStatus,
    is_participant: bool,
    first_log_at: datetime | None,
    now: datetime,
) -> None:
    """UserError when this member may not log on this challenge right now."""
    now = _utc(now, "now")
    if status is ChallengeStatus.CANCELLED:
        raise UserError("This challenge was cancelled, so there's nothing to log.")
    if status is ChallengeStatus.FINISHED:
        raise UserError("This challenge is over; logs are closed. See the result with /challenge status.")
    if not is_participant:
        raise UserError("You're not in this challenge. Join it first with /challenge join.")
    if now < rules.starts_at:
        raise UserError(f"This challenge hasn't started yet; it starts {ts(rules.starts_at)}.")
    if now >= rules.ends_at:
        raise UserError("This challenge has ended; logs are closed.")
    if rules.attempt is not None:
        if first_log_at is None:
            if rules.latest_start is not None and now > rules.latest_start:
                raise UserError("The latest start for this challenge has passed, so your clock can't start.")
        elif now >= participant_window(rules, first_log_at)[1]:
            raise UserError(f"Your {human_duration(rules.attempt)} clock has run out; logs after it don't count.")


def default_attempt_clock(mode: Mode, *, start_given: bool, duration_given: bool) -> bool:
    """Whether a new challenge counts each participant's clock from their own first log.

    "2,020 pushups in under 7 hours" is a personal attempt: in `each` mode, a challenge given as a
    duration with no start time starts each participant's clock at their first log, so friends
    can bet before anyone's clock runs (bets on a member lock at that first log). `total` and
    `most` are races over one shared window; an explicit start or end time means a fixed window too.
    """
    return mode is Mode.EACH and duration_given and not start_given


def judge_participant(
    rules: ChallengeRules,
    user_id: int,
    logs: Sequence[LogEntry],
    now: datetime,
    first_log_at: datetime | None = None,
) -> ParticipantResult | None:
    """One participant's own result, as soon as it can no longer change; None while it still can.

    Only `each` mode judges members one by one (in `total` and `most` a result depends on the
    others until the end): a member succeeds the moment they reach the target, and fails when
    their own window is over: their attempt clock ran out, or the challenge ended (which is also
    the verdict for a member who never started an attempt clock before the latest start).
    """
    if rules.mode is not Mode.EACH:
        return None
    now = _utc(now, "now")
    first = None if first_log_at is None else {user_id: first_log_at}
    board = standings(rules, [user_id], logs, now, first)
    row = board.rows[0]
    if row.reached_at is not None:
        return ParticipantResult(user_id, True, row.total, row.reached_at, row.elapsed_to_target, 1)
    if now >= rules.ends_at or (row.started and now >= row.window_end):
        return ParticipantResult(user_id, False, row.total, None, None, 1)
    return None


def clock_end(rules: ChallengeRules, first_log_at: datetime) -> datetime:
    """When a participant's attempt clock, started at `first_log_at`, runs out."""
    return participant_window(rules, first_log_at)[1]


def check_log_correctable(status: ChallengeStatus, member_decided: bool, no: int) -> None:
    """Corrections never leave a result and its status disagreeing: once a result is decided (the
    challenge's, or the member's own in each mode), its logs are frozen; bets hang on that result."""
    if status is ChallengeStatus.CANCELLED:
        raise UserError(f"Challenge #{no} was cancelled; its logs no longer count for anything.")
    if status is ChallengeStatus.FINISHED or member_decided:
        raise UserError(
            f"This member's result in challenge #{no} is already decided, and bets and penalties follow from it, "
            "so its logs can't be corrected any more. If the result is wrong, an admin who isn't part of the bets "
            "on it can void them with `/admin void` (their penalties are cancelled, the record is kept)."
        )


def reminder_at(starts_at: datetime, ends_at: datetime, before: timedelta = timedelta(hours=1)) -> datetime | None:
    """When to remind that the end is near: `before` the end, or halfway through windows shorter
    than twice `before` (so a 1 h window gets its reminder at 30 min). None unless the moment
    lies strictly inside the window.
    """
    when = starts_at + (ends_at - starts_at) / 2 if ends_at - starts_at < 2 * before else ends_at - before
    return when if starts_at < when < ends_at else None


def milestones_crossed(
    before_percent: float | None, after_percent: float | None, marks: Sequence[int] = (50, 100)
) -> list[int]:
    """Marks passed by going from `before_percent` to `after_percent` (before < mark <= after)."""
    if before_percent is None or after_percent is None:
        return []
    return [m for m in sorted(marks) if before_percent < m <= after_percent]


@dataclass(frozen=True)
class LogProgress:
    """What one accepted log changed, from running totals instead of every log of the challenge."""

    total: int  # the member's counted total after the log
    percent: float | None  # the member's, of the target
    group_total: int | None  # every participant's counted total after the log, when given
    group_percent: float | None
    reached_now: bool  # this log made the member (the group, in total mode) reach the target
    elapsed_to_target: timedelta | None  # set when reached_now: from the window start to this log
    milestone: int | None  # the highest mark this log crossed: the member's, or the group's (total)


def progress_after_log(
    rules: ChallengeRules,
    *,
    total_before: int,
    group_before: int | None,
    amount: int,
    at: datetime,
    first_log_at: datetime | None,
) -> LogProgress:
    """The member's and the group's progress after a log of `amount` at `at`.

    Equals what `standings` says just before and just after the log (tests/domain check this on
    random histories) because every counted log is positive and inside its window, which
    `check_can_log` guarantees: a running total only grows, so the target has been reached exactly
    when the total is at or above it. `first_log_at` is the member's first log before this one
    (None if this is the first); it starts an attempt clock. `group_before` (every participant's
    total) is needed in total mode only.
    """
    at = _utc(at, "at")
    target = rules.target
    total = total_before + amount
    group = None if group_before is None else group_before + amount
    if rules.mode is Mode.TOTAL:
        if group_before is None or group is None:
            raise ValueError("total mode needs the group's total")
        was, now = group_before, group
        start = rules.starts_at
    else:
        was, now = total_before, total
        start = participant_window(rules, first_log_at if first_log_at is not None else at)[0]
    reached_now = target is not None and was < target <= now
    marks = milestones_crossed(_percent(was, target), _percent(now, target))
    return LogProgress(
        total=total,
        percent=_percent(total, target),
        group_total=group,
        group_percent=None if group is None else _percent(group, target),
        reached_now=reached_now,
        elapsed_to_target=at - start if reached_now else None,
        milestone=marks[-1] if marks else None,
    )


# ---------------------------------------------------------------------------------------------
# Standings and outcome


def _percent(total: int, target: int | None) -> float | None:
    return None if not target else total * 100 / target


def _crossing(points: Iterable[tuple[datetime, int]], target: int | None) -> datetime | None:
    """The first moment from which the running total stays at or above `target`."""
    if target is None:
        return None
    per_instant: dict[datetime, int] = defaultdict(int)
    for at, amount in points:
        per_instant[at] += amount
    running = 0
    reached: datetime | None = None
    for at in sorted(per_instant):
        running += per_instant[at]
        reached = (reached or at) if running >= target else None
    return reached


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def first_log_times(rules: ChallengeRules, logs: Iterable[LogEntry]) -> dict[int, datetime]:
    """Each member's first log that can start an attempt clock (between start and latest start)."""
    latest = rules.latest_start or rules.ends_at
    first: dict[int, datetime] = {}
    for log in logs:
        if rules.starts_at <= log.at <= latest and (log.user_id not in first or log.at < first[log.user_id]):
            first[log.user_id] = log.at
    return first


@dataclass(frozen=True)
class _Counted:
    windows: dict[int, tuple[datetime, datetime]]
    started: dict[int, bool]
    points: dict[int, list[tuple[datetime, int]]]


def _count(
    rules: ChallengeRules,
    participants: Sequence[int],
    logs: Sequence[LogEntry],
    now: datetime,
    first_logs: Mapping[int, datetime] | None,
) -> _Counted:
    people = _unique(participants)
    members = set(people)
    visible = [log for log in logs if log.user_id in members and log.at <= now]
    first = first_log_times(rules, visible)
    if first_logs is not None:
        first.update({k: _utc(v, "first_logs") for k, v in first_logs.items() if k in members})
    windows: dict[int, tuple[datetime, datetime]] = {}
    started: dict[int, bool] = {}
    for uid in people:
        first_at = first.get(uid) if rules.attempt is not None else None
        windows[uid] = participant_window(rules, first_at)
        started[uid] = rules.attempt is None or (first_at is not None and first_at <= now)
    points: dict[int, list[tuple[datetime, int]]] = {uid: [] for uid in people}
    for log in visible:
        start, end = windows[log.user_id]
        if started[log.user_id] and start <= log.at < end:
            points[log.user_id].append((log.at, log.amount))
    return _Counted(windows, started, points)


def _rank(keys: list[tuple[object, ...]]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) for keys already sorted best first."""
    ranks: list[int] = []
    for i, key in enumerate(keys):
        ranks.append(ranks[-1] if i and key == keys[i - 1] else i + 1)
    return ranks


def _sort_key(rules: ChallengeRules, row: ParticipantStanding) -> tuple[object, ...]:
    if rules.mode is Mode.EACH:
        elapsed = row.elapsed_to_target if row.elapsed_to_target is not None else timedelta.max
        return (not row.reached, elapsed, -row.total)
    return (-row.total,)


def standings(
    rules: ChallengeRules,
    participants: Sequence[int],
    logs: Sequence[LogEntry],
    now: datetime,
    first_logs: Mapping[int, datetime] | None = None,
) -> Standings:
    """Where everyone stands at `now`, best first.

    Only participants' logs inside their own window and not after `now` count. `first_logs`
    overrides when each attempt clock started (e.g. kept even if that first log was undone);
    by default it is each participant's earliest log.
    """
    now = _utc(now, "now")
    counted = _count(rules, participants, logs, now, first_logs)
    target = rules.target
    per_user_needed = rules.mode is not Mode.TOTAL
    rows: list[ParticipantStanding] = []
    for uid, pts in counted.points.items():
        start, end = counted.windows[uid]
        started = counted.started[uid]
        total = sum(a for _, a in pts)
        reached_at = _crossing(pts, target)
        chasing = target if per_user_needed else None  # a reached target is outlook's business
        ahead = outlook(total, chasing, start, end, now) if started else None
        needed = ahead.needed_per_hour if ahead else None
        if chasing is not None and not started:
            assert rules.attempt is not None
            if rules.latest_start is None or now <= rules.latest_start:
                needed = needed_per_hour(chasing, rules.attempt)
        rows.append(
            ParticipantStanding(
                user_id=uid,
                rank=0,
                total=total,
                percent=_percent(total, target),
                reached_at=reached_at,
                elapsed_to_target=None if reached_at is None else reached_at - start,
                window_start=start,
                window_end=end,
                started=started,
                start_by=None if started else rules.latest_start,
                rate_per_hour=ahead.rate_per_hour if ahead else None,
                needed_per_hour=needed,
                projected_finish=ahead.projected_finish if ahead else None,
                on_track=ahead.on_track if ahead else None,
                projected_total=ahead.projected_total if ahead else None,
            )
        )
    rows.sort(key=lambda r: (*_sort_key(rules, r), r.user_id))
    ranks = _rank([_sort_key(rules, r) for r in rows])
    ranked = tuple(replace(r, rank=rank) for r, rank in zip(rows, ranks, strict=True))

    all_points = [p for pts in counted.points.values() for p in pts]
    combined = sum(a for _, a in all_points)
    combined_reached = _crossing(all_points, target)
    together = outlook(combined, target, rules.starts_at, rules.ends_at, now)
    return Standings(
        rows=ranked,
        total=combined,
        percent=_percent(combined, target),
        reached_at=combined_reached,
        rate_per_hour=together.rate_per_hour,
        needed_per_hour=together.needed_per_hour,
        projected_finish=together.projected_finish,
        projected_total=together.projected_total,
        on_track=together.on_track,
    )


def outcome(
    rules: ChallengeRules,
    participants: Sequence[int],
    logs: Sequence[LogEntry],
    first_logs: Mapping[int, datetime] | None = None,
) -> dict[int, ParticipantResult]:
    """Who succeeded, judged at the deadline (see the module docstring for each mode)."""
    board = standings(rules, participants, logs, rules.ends_at, first_logs)
    results: dict[int, ParticipantResult] = {}
    if rules.mode is Mode.TOTAL:
        reached = board.reached_at
        elapsed = None if reached is None else reached - rules.starts_at
        for r in board.rows:
            results[r.user_id] = ParticipantResult(r.user_id, reached is not None, r.total, reached, elapsed, r.rank)
        return results
    top = max((r.total for r in board.rows), default=0)
    for r in board.rows:
        if rules.mode is Mode.EACH:
            won = r.reached
        else:
            won = top > 0 and r.total == top and (rules.target is None or r.reached)
        results[r.user_id] = ParticipantResult(r.user_id, won, r.total, r.reached_at, r.elapsed_to_target, r.rank)
    return results


def progress_series(
    rules: ChallengeRules,
    participants: Sequence[int],
    logs: Sequence[LogEntry],
    now: datetime,
    first_logs: Mapping[int, datetime] | None = None,
) -> dict[int, list[tuple[datetime, int]]]:
    """Cumulative counted total per participant, for charts: [(window start, 0), (t, total), …]."""
    now = _utc(now, "now")
    counted = _count(rules, participants, logs, now, first_logs)
    series: dict[int, list[tuple[datetime, int]]] = {}
    for uid, pts in counted.points.items():
        per_instant: dict[datetime, int] = defaultdict(int)
        for at, amount in pts:
            per_instant[at] += amount
        running = 0
        line = [(counted.windows[uid][0], 0)]
        for at in sorted(per_instant):
            running += per_instant[at]
            line.append((at, running))
        series[uid] = line
    return series
