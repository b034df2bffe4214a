"""Durations, clock times, time zones and date-times as members type them, and how we show them.

Everything returned is a `timedelta` or an aware UTC `datetime`; local time only exists while
parsing. Ambiguous local times (the repeated hour when clocks go back) resolve to the first
occurrence (`fold=0`); local times that don't exist (the skipped hour when clocks go forward)
are refused with a message saying so.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.words import spoken_duration
from bot.errors import UserError

_MAX_TEXT = 60

_DURATION_UNITS: dict[str, int] = {
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 7 * 86_400),
    **dict.fromkeys(("d", "day", "days"), 86_400),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3_600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
}
_DURATION_TOKEN = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]*)", re.ASCII)
_DURATION_HELP = "Use something like 7h, 90m, 1h30m, 2d or 45min."


def _fmt_limit(td: timedelta) -> str:
    return human_duration(td)


def _parse_duration_seconds(text: str) -> Decimal:
    """Total seconds in a duration like `1h 30m`; UserError when it isn't one."""
    raw = (text or "").strip()
    if not raw:
        raise UserError(f"Please give a duration. {_DURATION_HELP}")
    if len(raw) > _MAX_TEXT:
        raise UserError(f"That duration is too long to read. {_DURATION_HELP}")
    s = raw.lower().replace(" and ", " ")
    pos = 0
    total = Decimal(0)
    seen: set[int] = set()
    previous: int | None = None
    for match in _DURATION_TOKEN.finditer(s):
        if s[pos : match.start()].strip(" ,"):
            break
        number, word = match.group(1), match.group(2)
        if word:
            seconds = _DURATION_UNITS.get(word)
            if seconds is None:
                raise UserError(f"I don't know the time unit “{word[:15]}”. {_DURATION_HELP}")
        elif previous in (3_600, 60) and match.end() == len(s.rstrip()):
            seconds = previous // 60  # "1h30" means 1h30m, "5m30" means 5m30s
        else:
            raise UserError(f"Add a unit to “{raw[:20]}”. {_DURATION_HELP}")
        if seconds in seen:
            raise UserError(f"“{raw[:20]}” names the same unit twice. {_DURATION_HELP}")
        seen.add(seconds)
        previous = seconds
        try:
            total += Decimal(number.replace(",", ".")) * seconds
        except InvalidOperation:  # pragma: no cover - the token pattern only lets digits through
            raise UserError(f"I can't read “{raw[:20]}” as a duration. {_DURATION_HELP}") from None
        pos = match.end()
    if pos == 0 or s[pos:].strip(" ,"):
        raise UserError(f"I can't read “{raw[:20]}” as a duration. {_DURATION_HELP}")
    return total


def parse_duration(
    text: str,
    *,
    minimum: timedelta = timedelta(minutes=1),
    maximum: timedelta = timedelta(days=366),
) -> timedelta:
    """`7h`, `90m`, `1h30m`, `1h 30m`, `2d`, `45min`, `7 hours`, `1.5h`, `1h30` → timedelta."""
    seconds = _parse_duration_seconds(text)
    if seconds > Decimal(maximum.total_seconds()):
        raise UserError(f"That's too long; the longest I accept is {_fmt_limit(maximum)}.")
    result = timedelta(seconds=round(seconds))
    if result < minimum or seconds <= 0:
        raise UserError(f"That's too short; the shortest I accept is {_fmt_limit(minimum)}.")
    return result


_CLOCK = re.compile(r"(?:(\d{1,3}):)?(\d{1,4}):(\d{2})(?:[.,](\d{1,3}))?", re.ASCII)
_MAX_CLOCK = timedelta(days=7)


def parse_clock_duration(text: str) -> timedelta:
    """How long something took: `55:00` (mm:ss), `1:02:03` (h:mm:ss), or `55m`, `1h 2m`."""
    raw = (text or "").strip()
    match = _CLOCK.fullmatch(raw)
    if match is None:
        if raw and not any(c.isalpha() for c in raw):
            raise UserError("Enter the time like 55:00 (min:sec), 1:02:03 (h:min:sec) or 55m.")
        result = parse_duration(raw, minimum=timedelta(seconds=1), maximum=_MAX_CLOCK)
    else:
        hours_s, minutes_s, seconds_s, fraction = match.groups()
        minutes, seconds = int(minutes_s), int(seconds_s)
        if seconds >= 60 or (hours_s is not None and minutes >= 60):
            raise UserError("Minutes and seconds go up to 59, e.g. 1:02:03 or 55:00.")
        millis = int((fraction or "0").ljust(3, "0"))
        result = timedelta(hours=int(hours_s or 0), minutes=minutes, seconds=seconds, milliseconds=millis)
    if result <= timedelta(0):
        raise UserError("The time must be more than zero, e.g. 55:00.")
    if result >= _MAX_CLOCK:
        raise UserError("That's a week or more; enter how long it actually took, e.g. 55:00.")
    return result


# ---------------------------------------------------------------------------------------------
# Time zones

_TZ_ALIASES = {"utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC", "etc/utc": "UTC"}
_COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Helsinki",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Africa/Johannesburg",
)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Lower-cased IANA name → canonical name, for the zones the `tzdata` package ships.

    Not `available_timezones()`: it adds the host's own files, such as `localtime` (whatever the
    host's /etc/localtime is, absent elsewhere). `Factory` is a placeholder, not a place.
    """
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    names = (set(listed) - {"Factory"}) | {"UTC"}
    return {n.lower(): n for n in sorted(names)}


def usable_zone(name: str) -> ZoneInfo | None:
    """The zone for an exact IANA name (a stored or configured one) if `tzdata` has it and it loads."""
    if _zones().get(name.lower()) != name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA zone from a case-insensitive name (`europe/berlin`, `America/New York`, `utc`)."""
    raw = (name or "").strip()
    key = re.sub(r"\s+", "_", raw).lower()
    canonical = _TZ_ALIASES.get(key) or _zones().get(key)
    if canonical is None:
        hints = timezone_choices(raw)[:3]
        hint = f" Did you mean {', '.join(hints)}?" if hints else ""
        raise UserError(
            f"I don't know the time zone “{raw[:40]}”.{hint} Use an IANA name like Europe/Berlin or America/New_York."
        )
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed zones load
        raise UserError(f"I can't load the time zone “{canonical}”. Try another name.") from None


def timezone_choices(prefix: str = "") -> list[str]:
    """Up to 25 zone names for autocomplete: name or city prefix matches first, then substrings."""
    p = re.sub(r"\s+", "_", (prefix or "").strip()).lower()
    if not p:
        return list(_COMMON_ZONES)
    zones = _zones()
    starts = [n for k, n in zones.items() if k.startswith(p) or k.rsplit("/", 1)[-1].startswith(p)]
    inside = [n for k, n in zones.items() if p in k and n not in starts]
    common = [n for n in _COMMON_ZONES if n in starts]
    ordered = common + [n for n in starts if n not in common] + inside
    return ordered[:25]


# ---------------------------------------------------------------------------------------------
# Local date-times

_MAX_YEARS_AHEAD = 10
_TIME = r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"
_RE_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[t\s]+|\s*,\s*)" + _TIME, re.ASCII)
_RE_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})?,?\s*" + _TIME, re.ASCII)
_RE_MD = re.compile(r"(\d{1,2})-(\d{1,2})\s+" + _TIME, re.ASCII)
_RE_DAY = re.compile(r"(today|tomorrow|tmrw|tonight)\s+(?:at\s+)?" + _TIME, re.ASCII)
_WEEKDAYS = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}
_RE_WEEKDAY = re.compile(r"(?:next\s+)?([a-z]+)\s+(?:at\s+)?" + _TIME, re.ASCII)
_RE_TIME = re.compile(r"(?:at\s+)?" + _TIME, re.ASCII)
_RE_DATE_ONLY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DATETIME_HELP = "Use e.g. 2026-12-01 18:00, 18:00, tomorrow 07:30 or in 2h."


def _clock(hour_s: str, minute_s: str | None, second_s: str | None, ampm: str | None) -> time:
    hour, minute, second = int(hour_s), int(minute_s or 0), int(second_s or 0)
    if ampm:
        if not 1 <= hour <= 12:
            raise UserError("With am/pm the hour goes from 1 to 12, e.g. 6:30pm.")
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    elif minute_s is None:
        raise UserError(f"Add minutes to the time, e.g. {hour:02d}:00. {_DATETIME_HELP}")
    if hour > 23 or minute > 59 or second > 59:
        raise UserError(f"That isn't a time of day. {_DATETIME_HELP}")
    return time(hour, minute, second)


def localize(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `tz`; UserError if clocks skip it (DST gap)."""
    try:
        naive = datetime.combine(day, clock)
        local = naive.replace(tzinfo=tz, fold=0)
        instant = local.astimezone(UTC)
        back = instant.astimezone(tz).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise UserError(f"That date is out of range. {_DATETIME_HELP}") from None
    if back != naive:
        raise UserError(
            f"{naive:%Y-%m-%d %H:%M} doesn't exist in {tz.key}: the clocks skip that hour "
            "(daylight saving). Pick a time outside the skipped hour."
        )
    return instant


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError(f"{year:04d}-{month:02d}-{day:02d} isn't a date. {_DATETIME_HELP}") from None


def _next_date(month: int, dom: int, clock: time, tz: ZoneInfo, now: datetime) -> datetime:
    """The next time this month and day come round (this year if still ahead, else next year)."""
    year = now.astimezone(tz).year
    _date(2000, month, dom)  # a leap year: refuses only dates that never exist
    for candidate in (year, year + 1, year + 2, year + 3, year + 4):
        try:
            result = localize(date(candidate, month, dom), clock, tz)
        except ValueError:  # 29 February outside a leap year
            continue
        if result > now:
            return result
    raise UserError(f"I can't find that date ahead. {_DATETIME_HELP}")  # pragma: no cover


def parse_local_datetime(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """A moment typed in the server's time zone, as an aware UTC datetime.

    `2026-12-01 18:00`, `2026-12-01T18:00`, `2026/12/01 18:00`, `01.12.2026 18:00`,
    `12-01 18:00` or `1.12. 18:00` (the next such date), `18:00` (today, or tomorrow if that
    time has passed), `today 18:00`, `tomorrow 07:30`, `friday 18:00` (the next Friday at that
    time, today included while it's ahead), `6:30pm`, `in 2h`, `now`.
    Times in the past are returned as they are; callers decide whether the past is allowed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = (text or "").strip()
    s = re.sub(r"\s+", " ", raw.lower())
    if not s:
        raise UserError(f"Please give a date and time. {_DATETIME_HELP}")
    if len(s) > _MAX_TEXT:
        raise UserError(f"That's too long to read as a date and time. {_DATETIME_HELP}")
    local_now = now.astimezone(tz)
    if s == "now":
        result = now.astimezone(UTC)
    elif s.startswith("in "):
        result = now.astimezone(UTC) + parse_duration(s[3:], minimum=timedelta(0))
    elif m := _RE_ISO.fullmatch(s):
        day = _date(int(m[1]), int(m[2]), int(m[3]))
        result = localize(day, _clock(m[4], m[5], m[6], m[7]), tz)
    elif m := _RE_MD.fullmatch(s):
        result = _next_date(int(m[1]), int(m[2]), _clock(m[3], m[4], m[5], m[6]), tz, now)
    elif m := _RE_DOTTED.fullmatch(s):
        clock = _clock(m[4], m[5], m[6], m[7])
        if m[3]:
            result = localize(_date(int(m[3]), int(m[2]), int(m[1])), clock, tz)
        else:
            result = _next_date(int(m[2]), int(m[1]), clock, tz, now)
    elif m := _RE_DAY.fullmatch(s):
        clock = _clock(m[2], m[3], m[4], m[5])
        day = local_now.date() + timedelta(days=1 if m[1] in ("tomorrow", "tmrw") else 0)
        result = localize(day, clock, tz)
    elif (m := _RE_WEEKDAY.fullmatch(s)) and m[1] in _WEEKDAYS:
        clock = _clock(m[2], m[3], m[4], m[5])
        ahead = (_WEEKDAYS[m[1]] - local_now.weekday()) % 7
        result = localize(local_now.date() + timedelta(days=ahead), clock, tz)
        if result <= now:
            result = localize(local_now.date() + timedelta(days=ahead + 7), clock, tz)
    elif m := _RE_TIME.fullmatch(s):
        clock = _clock(m[1], m[2], m[3], m[4])
        result = localize(local_now.date(), clock, tz)
        if result <= now:
            result = localize(local_now.date() + timedelta(days=1), clock, tz)
    elif _RE_DATE_ONLY.fullmatch(s):
        raise UserError(f"Add a time to the date, e.g. {raw[:10]} 18:00.")
    else:
        raise UserError(f"I can't read “{raw[:30]}” as a date and time. {_DATETIME_HELP}")
    if result.year > local_now.year + _MAX_YEARS_AHEAD:
        raise UserError(f"That's too far in the future. {_DATETIME_HELP}")
    return result


# ---------------------------------------------------------------------------------------------
# Showing durations and moments

_SHORT = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))


def human_duration(td: timedelta) -> str:
    """Compact: `6 h 41 min`, `55 min`, `2 d 3 h`, `45 s`, `5 min 30 s` (two largest parts)."""
    total = int(td.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total == 0:
        return "0 s"
    parts: list[str] = []
    for i, (name, size) in enumerate(_SHORT):
        if total >= size:
            parts.append(f"{total // size} {name}")
            if i + 1 < len(_SHORT):
                next_name, next_size = _SHORT[i + 1]
                rest = (total % size) // next_size
                if rest:
                    parts.append(f"{rest} {next_name}")
            break
    return sign + " ".join(parts)


def title_duration(td: timedelta) -> str:
    """Wording for titles, as people say it: `7 hours`, `90 minutes`, `2 days`, `2 hours 30 minutes`,
    `4 days 8 hours` (at most two units, the smaller to the nearest; bot.domain.words)."""
    return spoken_duration(td)[0]


_TS_STYLES = frozenset("tTdDfFR")


def ts(dt: datetime, style: str = "R") -> str:
    """Discord timestamp markup, `<t:1767225600:R>`; every member sees it in their own time."""
    if dt.tzinfo is None:
        raise ValueError("ts() needs an aware datetime")
    if style not in _TS_STYLES:
        raise ValueError(f"unknown timestamp style {style!r}")
    return f"<t:{int(dt.timestamp())}:{style}>"


discord_timestamp = ts
