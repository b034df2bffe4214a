"""Durations, clock times, time zones and date-times as members type them, and how we show them.

Everything returned is a `timedelta` or an aware UTC `datetime`; local time only exists while
parsing. Ambiguous local times (the repeated hour when clocks go back) resolve to the first
occurrence (`fold=0`); local times that don't exist (the skipped hour when clocks go forward)
are refused with a message saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain import datewords, zones
from bot.domain.words import spoken_duration
from bot.errors import UserError

_MAX_TEXT = 60

_DURATION_UNITS: dict[str, int] = {
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "woche", "wochen"), 7 * 86_400),
    **dict.fromkeys(("d", "day", "days", "tag", "tage", "tagen"), 86_400),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden"), 3_600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuten"), 60),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "sek", "sekunde", "sekunden"), 1),
}
_DURATION_TOKEN = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]*)", re.ASCII)
_DURATION_HELP = "Use something like 7h, 90m, 1h30m, 2d, 45min or half an hour."
# Words for numbers, in the order they are replaced: "an hour and a half", "one and a half hours",
# "half an hour", "eine halbe Stunde", "anderthalb Stunden", "a week", "eine Woche".
_DURATION_WORDS = (
    (re.compile(r"\b(?:an?|one|1)\s*([a-z]+)\s+and\s+a\s+half\b"), r"1.5 \1"),
    (re.compile(r"\b(\d+)\s*([a-z]+)\s+and\s+a\s+half\b"), r"\1.5 \2"),
    (re.compile(r"\b(?:an?|one|1)\s+and\s+a\s+half\s+"), "1.5 "),
    (re.compile(r"\bhalf\s+(?:an?\s+)?(?=[a-z])"), "0.5 "),
    (re.compile(r"\b(?:eine?n?\s+)?halbe[nr]?\s+"), "0.5 "),
    (re.compile(r"\b(?:anderthalb|eineinhalb)\s+"), "1.5 "),
    (re.compile(r"\b(?:an?|one|eine?[nmr]?)\s+(?=[a-z])"), "1 "),
    (re.compile(r"(?<=[a-z])\.(?=\s|$)"), ""),  # "1 Std. 30 Min."
    (re.compile(r"\s+(?:and|und)\s+"), " "),
)
# "1,500 min" or "1.500h": 1.5 or 1500 — refused rather than guessed.
_AMBIGUOUS_NUMBER = re.compile(r"([1-9]\d{0,2})[.,](\d{3})", re.ASCII)


def _duration_words(s: str) -> str:
    for pattern, replacement in _DURATION_WORDS:
        s = pattern.sub(replacement, s)
    return s


def _fmt_limit(td: timedelta) -> str:
    return human_duration(td)


def _parse_duration_seconds(text: str) -> Decimal:
    """Total seconds in a duration like `1h 30m`; UserError when it isn't one."""
    raw = (text or "").strip()
    if not raw:
        raise UserError(f"Please give a duration. {_DURATION_HELP}")
    if len(raw) > _MAX_TEXT:
        raise UserError(f"That duration is too long to read. {_DURATION_HELP}")
    s = _duration_words(raw.lower())
    pos = 0
    total = Decimal(0)
    seen: set[int] = set()
    previous: int | None = None
    for match in _DURATION_TOKEN.finditer(s):
        if s[pos : match.start()].strip(" ,"):
            break
        number, word = match.group(1), match.group(2)
        if twice := _AMBIGUOUS_NUMBER.fullmatch(number):
            whole, part = twice.groups()
            small, large = f"{whole}.{part.rstrip('0')}".rstrip("."), f"{whole}{part}"
            unit = f" {word}" if word else ""
            raise UserError(
                f"“{number}{unit}” could be {small}{unit} or {large}{unit}. "
                f"Type {small}{unit} or {large}{unit}, without the separator you don't mean."
            )
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
# Time zones (bot.domain.zones; names kept here for the modules that import them from timeparse)

parse_timezone = zones.parse_timezone
timezone_choices = zones.timezone_choices
usable_zone = zones.usable_zone


# ---------------------------------------------------------------------------------------------
# Local date-times
#
# A typed moment is a day and a time of day. The time of day is read here, strictly (`18:00`,
# `6pm`, `18 Uhr`, `noon`; a bare `6` is refused, never taken for 06:00 or 18:00). The day is read
# here when it is a number pattern or a day word (`2026-12-01`, `1.12.`, `12-01`, `today`,
# `friday`, `Samstag`), else by dateparser (`Dec 24`, `24. Dezember`, `übermorgen`) behind guards
# that refuse what it would guess: a date with two loose numbers (`03 04`), a time left in the date
# part, a week or a month instead of a day, a time zone in the text.

_MAX_YEARS_AHEAD = 10


class DayEdge(StrEnum):
    """What a day typed without a time of day means: its first minute or its last."""

    START = "start"
    END = "end"


_EDGE_TIME = {DayEdge.START: time(0, 0), DayEdge.END: time(23, 59)}

_AMPM = r"(?:am|pm|a\.m\.|p\.m\.)"
_CLOCK_TEXT = (
    r"(?:(?:at|um|@)\s*)?(?:"
    r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?(?::(?P<s1>\d{2}))?\s*(?P<ap>" + _AMPM + r")"
    r"|(?P<h2>\d{1,2}):(?P<m2>\d{2})(?::(?P<s2>\d{2}))?(?:\s*uhr)?"
    r"|(?P<h3>\d{1,2})(?:\.(?P<m3>\d{2}))?\s*uhr"
    r"|(?P<word>noon|midday|mittag|mittags|midnight|mitternacht)"
    r")"
)
_CLOCK_LAST = re.compile(r"(?:(?P<date>.*?)[\s,]+)??" + _CLOCK_TEXT)
# A time first ("7am friday", "18 Uhr am Samstag"): am/pm hours stop at 12, so "18:00 am Samstag" is German.
_CLOCK_FIRST = re.compile(_CLOCK_TEXT.replace(r"(?P<h1>\d{1,2})", r"(?P<h1>1[0-2]|0?[1-9])") + r"[\s,]+(?P<date>.+)")
_NOON = ("noon", "midday", "mittag", "mittags")

_DAY_WORDS = {
    **dict.fromkeys(("today", "tonight", "heute", "heute abend"), 0),
    **dict.fromkeys(("tomorrow", "tmrw", "tmr", "morgen"), 1),
    **dict.fromkeys(("yesterday", "gestern"), -1),
}
_WEEKDAYS = {
    **dict.fromkeys(("mon", "monday", "mo", "montag"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday", "di", "dienstag"), 1),
    **dict.fromkeys(("wed", "wednesday", "mi", "mittwoch"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday", "do", "donnerstag"), 3),
    **dict.fromkeys(("fri", "friday", "fr", "freitag"), 4),
    **dict.fromkeys(("sat", "saturday", "sa", "samstag", "sonnabend"), 5),
    **dict.fromkeys(("sun", "sunday", "so", "sonntag"), 6),
}
_ON = re.compile(r"(?:on|am|the|this|coming|diesen|dieser|diese|kommenden|kommender|kommende)\s+")
_NEXT = re.compile(r"(?:next|nächsten|nächster|nächste|naechsten|naechster|naechste)\s+")
_RE_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", re.ASCII)
_RE_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})?", re.ASCII)
_RE_MD = re.compile(r"(\d{1,2})-(\d{1,2})", re.ASCII)
_RE_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?", re.ASCII)
_RE_LONE_HOUR = re.compile(r"(?:(?P<day>.*?)\s+)?(?:at\s+|um\s+)?(?P<hour>\d{1,2})", re.ASCII)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # English, as in help
_DATETIME_HELP = "Use e.g. friday 18:00, Dec 24 18:00, tomorrow 7am, 2026-12-01 18:00 or in 2h."


def _clock(hour_s: str, minute_s: str | None, second_s: str | None, ampm: str | None) -> time:
    hour, minute, second = int(hour_s), int(minute_s or 0), int(second_s or 0)
    if ampm:
        if not 1 <= hour <= 12:
            raise UserError("With am/pm the hour goes from 1 to 12, e.g. 6:30pm.")
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
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


@dataclass(frozen=True)
class _Clock:
    at: time
    midnight: bool = False


def _split_clock(s: str) -> tuple[str, _Clock | None]:
    """(the day part, the time of day) of a normalized text; the time is None when there is none."""
    match = _CLOCK_LAST.fullmatch(s) or _CLOCK_FIRST.fullmatch(s)
    if match is None:
        return s, None
    word = match["word"]
    if word:
        return (match["date"] or "").strip(), _Clock(time(12) if word in _NOON else time(0), midnight=word not in _NOON)
    if match["h1"]:
        at = _clock(match["h1"], match["m1"], match["s1"], match["ap"])
    elif match["h2"]:
        at = _clock(match["h2"], match["m2"], match["s2"], None)
    else:
        at = _clock(match["h3"], match["m3"], None, None)
    return (match["date"] or "").strip(), _Clock(at)


@dataclass(frozen=True)
class _Day:
    """A day as typed: a fixed date, the next time a month and day come round, or the next such weekday."""

    fixed: date | None = None
    month_day: tuple[int, int] | None = None
    weekday: int | None = None
    skip_today: bool = False  # "next friday" is never today

    def at(self, clock: time, tz: ZoneInfo, now: datetime) -> datetime:
        today = now.astimezone(tz).date()
        if self.fixed is not None:
            return localize(self.fixed, clock, tz)
        if self.month_day is not None:
            return _next_date(*self.month_day, clock, tz, now)
        assert self.weekday is not None
        ahead = (self.weekday - today.weekday()) % 7 or (7 if self.skip_today else 0)
        result = localize(today + timedelta(days=ahead), clock, tz)
        if result <= now:
            result = localize(today + timedelta(days=ahead + 7), clock, tz)
        return result


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


def _ambiguous_slashes(first: int, second: int, year: str | None, raw: str) -> _Day:
    """`24/12` and `12/24` can only be 24 December; `03/04` could be 3 April or 4 March: refused."""
    readings = []
    for dom, month in ((first, second), (second, first)):
        if 1 <= month <= 12 and 1 <= dom <= 31 and (dom, month) not in readings:
            readings.append((dom, month))
    if not readings:
        raise UserError(f"“{raw[:20]}” isn't a date. {_DATETIME_HELP}")
    if len(readings) > 1:
        one, other = (f"{d} {_MONTHS[m - 1]}" for d, m in readings)
        raise UserError(
            f"“{raw[:20]}” could be {one} or {other}. Write the month as a word, e.g. {one} 18:00 or {other} 18:00."
        )
    dom, month = readings[0]
    if year:
        return _Day(fixed=_date(int(year), month, dom))
    _date(2000, month, dom)
    return _Day(month_day=(month, dom))


def _read_day(text: str, tz: ZoneInfo, now: datetime) -> _Day:
    """The day named by the day part of a typed moment; UserError when it can't be read safely."""
    today = now.astimezone(tz).date()
    s = text.strip(" ,")
    next_word = _NEXT.match(s)
    s = s[next_word.end() :] if next_word else _ON.sub("", s, count=1) if _ON.match(s) else s
    if s in _WEEKDAYS:
        return _Day(weekday=_WEEKDAYS[s], skip_today=next_word is not None)
    if next_word is None and s in _DAY_WORDS:
        return _Day(fixed=today + timedelta(days=_DAY_WORDS[s]))
    if m := _RE_ISO.fullmatch(s):
        return _Day(fixed=_date(int(m[1]), int(m[2]), int(m[3])))
    if m := _RE_DOTTED.fullmatch(s):
        if m[3]:
            return _Day(fixed=_date(int(m[3]), int(m[2]), int(m[1])))
        _date(2000, int(m[2]), int(m[1]))
        return _Day(month_day=(int(m[2]), int(m[1])))
    if m := _RE_MD.fullmatch(s):
        _date(2000, int(m[1]), int(m[2]))
        return _Day(month_day=(int(m[1]), int(m[2])))
    if m := _RE_SLASHED.fullmatch(s):
        return _ambiguous_slashes(int(m[1]), int(m[2]), m[3], text)
    return _read_day_words(s, text, tz, now)


def _read_day_words(s: str, raw: str, tz: ZoneInfo, now: datetime) -> _Day:
    """Dates in words, by dateparser, with its guesses refused."""
    numbers = re.findall(r"\d+", s)
    short = [n for n in numbers if len(n) <= 2]
    years = [n for n in numbers if len(n) == 4]
    cant_read = UserError(f"I can't read “{raw[:30]}” as a date and time. {_DATETIME_HELP}")
    if len(short) + len(years) != len(numbers) or len(short) > 1 or len(years) > 1 or (years and not short):
        raise cant_read  # two loose numbers ("03 04"), a timestamp, a year without a day …
    base = now.astimezone(tz).replace(tzinfo=None)
    found = datewords.read(s, base, require_day_and_month=bool(numbers))
    if found is None:
        raise cant_read
    if found.zoned:
        raise _zone_in_text(raw, tz)
    if found.period != "day":
        raise UserError(f"Name a day and a time, e.g. Dec 24 18:00 or friday 18:00 — “{raw[:30]}” isn't one day.")
    if numbers and not years:
        return _Day(month_day=(found.day.month, found.day.day))
    return _Day(fixed=found.day)


def _zone_in_text(raw: str, tz: ZoneInfo) -> UserError:
    return UserError(
        f"Leave the time zone out of “{raw[:30]}”: times are read in the server's time zone ({tz.key}). "
        "An admin can change it with /admin timezone."
    )


def _refuse_lone_hour(day_text: str) -> None:
    """`6`, `friday 6`, `tomorrow at 7`: an hour without minutes or am/pm could be morning or evening."""
    m = _RE_LONE_HOUR.fullmatch(day_text)
    if m is None or int(m["hour"]) > 24:
        return
    day = (m["day"] or "").strip()
    plain = _ON.sub("", _NEXT.sub("", day, count=1), count=1)
    if day and plain not in _WEEKDAYS and plain not in _DAY_WORDS:
        return
    hour = int(m["hour"]) % 24
    before = f"{day} " if day else ""
    if 1 <= hour <= 12:
        example = f"{before}{hour:02d}:00, {before}{hour}am or {before}{hour}pm"
    else:
        example = f"{before}{hour:02d}:00"
    raise UserError(f"Add minutes to the time, e.g. {example}. {_DATETIME_HELP}")


def parse_local_datetime(text: str, tz: ZoneInfo, now: datetime, *, bare_day: DayEdge = DayEdge.END) -> datetime:
    """A moment typed in the server's time zone, as an aware UTC datetime.

    A day and a time of day, in either order: `2026-12-01 18:00`, `01.12.2026 18:00`, `1.12. 18:00`,
    `12-01 18:00`, `Dec 24 18:00`, `24. Dezember 18 Uhr`, `tomorrow 7am`, `friday 18:00` (the next
    Friday at that time, today included while it's ahead), `next friday 18:00` (never today),
    `Samstag 18:00`, `noon`, `18:00` (today, or tomorrow if that time has passed); a day alone
    (`monday`, `Dec 24`) is its last minute, 23:59, or with `bare_day=START` its first, 00:00;
    `in 2h`, `in a week`, `now`.
    Refused with an example: ambiguous days (`03/04`), an hour without minutes (`6`), `friday
    midnight`, a time skipped by daylight saving, a week or month instead of a day, and anything
    unreadable. Times in the past are returned as they are; callers decide whether the past is allowed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = (text or "").strip()
    s = re.sub(r"\s+", " ", raw.lower())
    s = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)", r"\1 ", s)  # ISO 8601's "T"
    if not s:
        raise UserError(f"Please give a date and time. {_DATETIME_HELP}")
    if len(s) > _MAX_TEXT:
        raise UserError(f"That's too long to read as a date and time. {_DATETIME_HELP}")
    local_now = now.astimezone(tz)
    if s in ("now", "jetzt"):
        result = now.astimezone(UTC)
    elif s.startswith("in "):
        result = now.astimezone(UTC) + parse_duration(s[3:], minimum=timedelta(0))
    elif zones.mentions_zone(s):
        raise _zone_in_text(raw, tz)
    else:
        day_text, clock = _split_clock(s)
        if clock is None:
            _refuse_lone_hour(day_text)
        if not day_text:
            assert clock is not None
            result = localize(local_now.date(), clock.at, tz)
            if result <= now:
                result = localize(local_now.date() + timedelta(days=1), clock.at, tz)
        else:
            if clock is not None and clock.midnight:
                raise UserError(
                    f"“{raw[:30]}” could be the start or the end of that day. "
                    f"Write {day_text} 00:00 for the start or {day_text} 23:59 for the end."
                )
            day = _read_day(day_text, tz, now)
            result = day.at(clock.at if clock is not None else _EDGE_TIME[bare_day], tz, now)
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
