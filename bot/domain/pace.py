"""Pace and rates: time per km or mile, amounts per hour, what's needed and where it's heading."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from bot.domain.units import Kind, Unit, format_number
from bot.errors import UserError

_US_PER_HOUR = 3_600_000_000


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
    """`288 reps/h`, `5.45 km/h`, `30 min/h`."""
    with localcontext() as ctx:
        ctx.prec = 28
        value = rate_base_per_hour / unit.base_per_unit
    return f"{format_number(value)} {unit.symbol}/h"


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
