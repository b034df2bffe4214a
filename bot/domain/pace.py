"""Pace and rates: time per km or mile, amounts per hour, what's needed and where it's heading.

How a running clock's outlook is worked out (`outlook`), so status is believable from the first
log on:

- **Too early to tell.** A rate is an average over the time the clock has run (from the window's
  start, or the participant's first log on an attempt clock, up to now or the window's end). It
  is not shown until that time reaches `evidence_time(window)`: 10 minutes, or a tenth of a
  window shorter than 100 minutes. Before that the rate is None ("—"): 500 reps logged a few
  seconds after the start are not a pace of 400,000 reps/h. The first log on an attempt clock
  counts in full although its work came before the clock started, so this wait also keeps that
  log from making the first minutes look superhuman.
- **Needed** is what is left over the time left (from now, or from the start when it's still
  ahead); it needs no evidence, so it shows from the start. None when nothing is left to do
  or no time is left.
- **Projection** only when the rate shows, something was logged, the target isn't reached yet
  and the window is still open: the finish at the average rate so far (`projected_finish`,
  never before now). `on_track` is True when that finish lies inside the half-open window,
  otherwise False and `projected_total` says what the same rate gives by the end. Never "on
  track" on no evidence: without a projection `on_track` is None.

How a rate is shown (`format_rate`), in the unit that suits the activity: distances as a pace
per km (per mile when the challenge counts miles), `6:30 min/km`; counts as whole numbers per
hour with thousands separators, `20,833 steps/h`; durations as whole minutes per hour, `12 min/h`
(seconds below a minute an hour, `45 s/h`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

from bot.domain.units import KM, MI, Kind, Unit
from bot.domain.words import number
from bot.errors import UserError

_US_PER_HOUR = 3_600_000_000
MIN_EVIDENCE = timedelta(minutes=10)  # a clock must run this long before its rate is shown ...
EVIDENCE_SHARE = 10  # ... or a tenth of a shorter window
SLOWEST_PACE = timedelta(hours=24)  # per km or mi; slower is shown as "over 24 h/km"


def _micros(td: timedelta) -> int:
    return (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds


def pace_per(distance_base_mm: int, elapsed: timedelta, per: Unit) -> timedelta:
    """Time per `per` (km or mi): 5 km in 55:00 → 11:00 per km. Rounded to the microsecond."""
    if per.kind is not Kind.DISTANCE:
        raise ValueError(f"pace is per a distance unit, not {per.symbol}")
    if distance_base_mm <= 0:
        raise UserError("The distance must be more than zero to work out a pace.")
    if elapsed <= timedelta(0):
        raise UserError("The time must be more than zero to work out a pace.")
    with localcontext() as ctx:
        ctx.prec = 40
        us = Decimal(_micros(elapsed)) * per.base_per_unit / distance_base_mm
        return timedelta(microseconds=int(us.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))


def format_clock(td: timedelta) -> str:
    """`11:00`, `4:05`, `1:02:03` — rounded to the second."""
    total = round(td.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3_600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"


def format_pace(td: timedelta, per: Unit) -> str:
    """`11:00 min/km`, `17:42 min/mi`; `1:05:00 h/km` when it's an hour or more per unit."""
    unit = "h" if round(td.total_seconds()) >= 3_600 else "min"
    return f"{format_clock(td)} {unit}/{per.symbol}"


def rate_per_hour(amount_base: int, elapsed: timedelta) -> Decimal | None:
    """Base units per hour over `elapsed`; None when no time has passed."""
    if elapsed <= timedelta(0):
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(amount_base) * _US_PER_HOUR / Decimal(_micros(elapsed))


def needed_per_hour(remaining_base: int, time_left: timedelta) -> Decimal | None:
    """Base units per hour needed to cover `remaining_base` in `time_left`.

    0 when nothing remains; None when something remains but no time is left.
    """
    if remaining_base <= 0:
        return Decimal(0)
    return rate_per_hour(remaining_base, time_left)


def projected_finish(total_base: int, target_base: int, started_at: datetime, now: datetime) -> datetime | None:
    """When the target is reached if the average rate since `started_at` holds.

    None when there is no progress yet, no time has passed, or the target is already reached.
    """
    if total_base <= 0 or total_base >= target_base or now <= started_at:
        return None
    elapsed = _micros(now - started_at)
    remaining_us = elapsed * (target_base - total_base) // total_base
    try:
        return now + timedelta(microseconds=remaining_us)
    except OverflowError:
        return None


def format_rate(rate_base_per_hour: Decimal, unit: Unit) -> str:
    """A rate as members say it, in the unit that suits the activity (see the module docstring).

    `6:30 min/km`, `17:42 min/mi`, `290 reps/h`, `20,833 steps/h`, `12 min/h`, `45 s/h`.
    """
    if unit.kind is Kind.DISTANCE:
        return _format_distance_rate(rate_base_per_hour, MI if unit == MI else KM)
    if unit.kind is Kind.DURATION:
        return _format_duration_rate(rate_base_per_hour)
    whole = _whole(rate_base_per_hour / unit.base_per_unit)
    if whole == 0 and rate_base_per_hour > 0:
        return f"<1 {unit.display_symbol(one=True)}/h"
    return f"{number(whole)} {unit.display_symbol(one=whole == 1)}/h"


def _whole(value: Decimal) -> int:
    with localcontext() as ctx:
        ctx.prec = 60
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _format_distance_rate(rate_base_per_hour: Decimal, per: Unit) -> str:
    if rate_base_per_hour <= 0:
        return f"— min/{per.symbol}"
    pace = pace_from_rate(rate_base_per_hour, per)
    if pace is None or pace > SLOWEST_PACE:
        return f"over {SLOWEST_PACE // timedelta(hours=1)} h/{per.symbol}"
    if round(pace.total_seconds()) < 1:
        return f"<0:01 min/{per.symbol}"
    return format_pace(pace, per)


def _format_duration_rate(ms_per_hour: Decimal) -> str:
    if ms_per_hour >= 60_000:
        return f"{number(_whole(ms_per_hour / 60_000))} min/h"
    seconds = _whole(ms_per_hour / 1_000)
    if seconds >= 1:
        return f"{seconds} s/h"
    return "<1 s/h" if ms_per_hour > 0 else "0 min/h"


def pace_from_rate(rate_base_per_hour: Decimal, per: Unit) -> timedelta | None:
    """A distance rate (mm per hour) as a pace per km or mi; None when the rate is zero."""
    if rate_base_per_hour <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        us = Decimal(_US_PER_HOUR) * per.base_per_unit / rate_base_per_hour
        try:
            return timedelta(microseconds=int(us.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))
        except OverflowError:
            return None


def evidence_time(window: timedelta) -> timedelta:
    """How long a clock must have run before its average rate is shown: 10 minutes, or a tenth
    of a window shorter than 100 minutes."""
    return min(MIN_EVIDENCE, window / EVIDENCE_SHARE)


@dataclass(frozen=True)
class Outlook:
    """Where a clock running over `[start, end)` stands and where it's heading (module docstring)."""

    rate_per_hour: Decimal | None  # average so far; None while it's too early to tell
    needed_per_hour: Decimal | None  # for the rest of the window; None when done or out of time
    projected_finish: datetime | None  # at the average rate; never before now
    projected_total: int | None  # what the average rate gives by the end, when it falls short
    on_track: bool | None  # None without a projection


def outlook(total_base: int, target_base: int | None, start: datetime, end: datetime, now: datetime) -> Outlook:
    """The rate, what's needed and the projection at `now` for `total_base` done over `[start, end)`.

    `target_base` None (no target, or none to chase any more) gives the rate only.
    """
    elapsed = min(now, end) - start
    enough = elapsed > timedelta(0) and elapsed >= evidence_time(end - start)
    rate = rate_per_hour(total_base, elapsed) if enough else None
    if target_base is None or total_base >= target_base or now >= end:
        return Outlook(rate, None, None, None, None)
    needed = needed_per_hour(target_base - total_base, end - max(now, start))
    if rate is None or total_base <= 0:
        return Outlook(rate, needed, None, None, None)
    finish = projected_finish(total_base, target_base, start, now)
    if finish is not None and finish < end:
        return Outlook(rate, needed, finish, None, True)
    by_end = total_base + total_base * _micros(end - now) // _micros(elapsed)
    return Outlook(rate, needed, finish, by_end, False)
