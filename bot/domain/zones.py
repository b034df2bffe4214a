"""Time zones as members type them: IANA names, UTC offsets and abbreviations, and how we describe one.

Two habits move every deadline when taken literally. `GMT+1` means UTC+01:00 to a member, but the
IANA zone `Etc/GMT+1` is UTC−01:00 (POSIX inverts the sign), so an offset is read as the member
means it and stored as the `Etc/GMT-N` zone that really has it. And an abbreviation like `EST` or
`CET` names a region's clock, which changes in summer, while the IANA zones `EST` and `CET` are
fixed offsets or some other city's rules: abbreviations lead to the region zone (America/New_York,
Europe/Berlin). Abbreviations that name several places (`IST`, `CST`, `GMT`) are refused with the
choices, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UserError

_ALIASES = {"utc": "UTC", "z": "UTC", "zulu": "UTC", "etc/utc": "UTC", "universal": "UTC"}

# Lower-cased abbreviation → the region zones it names; the first is the one we take or suggest.
# More than one zone: the abbreviation is ambiguous and is refused with the choices.
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("est", "edt", "et", "eastern"), ("America/New_York", "America/Toronto")),
    **dict.fromkeys(("cdt", "ct", "central"), ("America/Chicago", "America/Mexico_City")),
    **dict.fromkeys(("mst", "mdt", "mt", "mountain"), ("America/Denver", "America/Phoenix")),
    **dict.fromkeys(("pst", "pdt", "pt", "pacific"), ("America/Los_Angeles", "America/Vancouver")),
    **dict.fromkeys(("akst", "akdt"), ("America/Anchorage",)),
    **dict.fromkeys(("hst", "hast", "hadt"), ("Pacific/Honolulu",)),
    **dict.fromkeys(("nst", "ndt"), ("America/St_Johns",)),
    **dict.fromkeys(("adt",), ("America/Halifax",)),
    **dict.fromkeys(("bst",), ("Europe/London",)),
    **dict.fromkeys(("wet", "west"), ("Europe/Lisbon",)),
    **dict.fromkeys(("cet", "cest", "mez", "mesz", "met"), ("Europe/Berlin", "Europe/Paris", "Europe/Rome")),
    **dict.fromkeys(("eet", "eest", "oez", "oesz"), ("Europe/Athens", "Europe/Helsinki", "Europe/Bucharest")),
    **dict.fromkeys(("msk",), ("Europe/Moscow",)),
    **dict.fromkeys(("sast",), ("Africa/Johannesburg",)),
    **dict.fromkeys(("wat",), ("Africa/Lagos",)),
    **dict.fromkeys(("eat",), ("Africa/Nairobi",)),
    **dict.fromkeys(("pkt",), ("Asia/Karachi",)),
    **dict.fromkeys(("ict",), ("Asia/Bangkok",)),
    **dict.fromkeys(("wib",), ("Asia/Jakarta",)),
    **dict.fromkeys(("sgt",), ("Asia/Singapore",)),
    **dict.fromkeys(("hkt",), ("Asia/Hong_Kong",)),
    **dict.fromkeys(("pht",), ("Asia/Manila",)),
    **dict.fromkeys(("jst",), ("Asia/Tokyo",)),
    **dict.fromkeys(("kst",), ("Asia/Seoul",)),
    **dict.fromkeys(("awst",), ("Australia/Perth",)),
    **dict.fromkeys(("acst", "acdt"), ("Australia/Adelaide",)),
    **dict.fromkeys(("aest", "aedt"), ("Australia/Sydney", "Australia/Brisbane")),
    **dict.fromkeys(("nzst", "nzdt"), ("Pacific/Auckland",)),
    **dict.fromkeys(("brt",), ("America/Sao_Paulo",)),
    **dict.fromkeys(("art",), ("America/Argentina/Buenos_Aires",)),
}
# Abbreviations that name several places: refused, listing them.
_AMBIGUOUS: dict[str, tuple[str, str]] = {
    "gmt": ("UK time (GMT in winter, BST in summer) or UTC all year", "Europe/London or UTC"),
    "cst": ("US Central, China or Cuba time", "America/Chicago, Asia/Shanghai or America/Havana"),
    "ist": ("India, Ireland or Israel time", "Asia/Kolkata, Europe/Dublin or Asia/Jerusalem"),
    "ast": ("Atlantic or Arabia time", "America/Halifax or Asia/Riyadh"),
}
_AMBIGUOUS_ZONES: dict[str, tuple[str, ...]] = {
    "gmt": ("Europe/London", "UTC"),
    "cst": ("America/Chicago", "Asia/Shanghai", "America/Havana"),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "ast": ("America/Halifax", "Asia/Riyadh"),
}

# "UTC+1", "GMT+01:00", "utc -5", "+0530", "+1" (the sign is the member's: east of Greenwich is +).
_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?:[:.h]?(\d{2}))?", re.ASCII | re.IGNORECASE)
_OFFSET_PREFIX = re.compile(r"(?:utc|gmt)\s*([+\-−]?)\s*(\d{0,2})(?:[:.h]?(\d{0,2}))?", re.IGNORECASE)

COMMON_ZONES = (
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
_CHOICES_MAX = 25


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Lower-cased IANA name → canonical name, for the zones the `tzdata` package ships.

    Not `available_timezones()`: it adds the host's own files, such as `localtime` (whatever the
    host's /etc/localtime is, absent elsewhere). `Factory` is a placeholder, not a place.
    """
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    names = (set(listed) - {"Factory"}) | {"UTC"}
    return {n.lower(): n for n in sorted(names)}


@lru_cache(maxsize=1)
def _offered() -> dict[str, str]:
    """The zones autocomplete offers: places (`Area/City`), the fixed `Etc/GMT±N` and UTC.

    Left out: the old top-level names (`EST`, `CET`, `GB`, `Japan` …); still accepted when typed, but
    `EST` and `CET` look like the abbreviations and are fixed offsets or another city's rules.
    """
    return {k: n for k, n in _zones().items() if "/" in n or n == "UTC"}


def usable_zone(name: str) -> ZoneInfo | None:
    """The zone for an exact IANA name (a stored or configured one) if `tzdata` has it and it loads."""
    if _zones().get(name.lower()) != name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _fixed_zone_name(minutes: int) -> str | None:
    """The IANA zone that is always UTC+`minutes` (east positive), if there is one."""
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    if rest or not (-12 <= minutes // 60 <= 14):
        return None
    # POSIX sign: Etc/GMT-1 is one hour *ahead* of UTC.
    return f"Etc/GMT{'-' if minutes > 0 else '+'}{hours}"


def _offset_minutes(text: str) -> int | None:
    """Minutes east of UTC in `UTC+1`, `GMT-05:00`, `+0530`; None when `text` isn't an offset."""
    match = _OFFSET.fullmatch(text.strip())
    if match is None:
        return None
    sign = -1 if match[1] in "-−" else 1
    return sign * (int(match[2]) * 60 + int(match[3] or 0))


def mentions_zone(text: str) -> bool:
    """True when `text` has a word naming a zone or an offset (`est`, `utc`, `gmt+1`, `+01:00`)."""
    words = re.split(r"[\s,()]+", text.lower())
    return any(
        w in _ABBREVIATIONS or w in _AMBIGUOUS or w in _ALIASES or w == "utc" or _OFFSET.fullmatch(w) for w in words
    )


def format_offset(offset: timedelta) -> str:
    """`UTC+01:00`, `UTC-05:00`, `UTC+05:30`, `UTC+00:00`."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def zones_at_offset(minutes: int, when: datetime) -> list[str]:
    """Places whose clocks show UTC+`minutes` at `when`: common ones first, then by name."""
    return _zones_at(minutes, when.astimezone(UTC).replace(minute=0, second=0, microsecond=0))


@lru_cache(maxsize=64)
def _zones_at(minutes: int, hour: datetime) -> list[str]:
    wanted = timedelta(minutes=minutes)
    found = []
    for name in _offered().values():
        if "/" not in name or name.startswith("Etc/"):
            continue
        zone = usable_zone(name)
        if zone is not None and hour.astimezone(zone).utcoffset() == wanted:
            found.append(name)
    common = [n for n in COMMON_ZONES if n in found]
    return common + [n for n in found if n not in common]


def is_fixed(zone: ZoneInfo, when: datetime) -> bool:
    """True for a zone whose offset never changes in the year around `when` (UTC, Etc/GMT-1, Asia/Tokyo)."""
    offsets = {(when + timedelta(days=d)).astimezone(zone).utcoffset() for d in range(0, 366, 30)}
    return len(offsets) == 1


def describe_zone(name: str, when: datetime) -> str:
    """What a zone means at `when`: `UTC+01:00 now (20:48 there), clocks change …` or `UTC+01:00 all year …`."""
    zone = usable_zone(name)
    if zone is None:
        return "a zone this bot can't load"
    offset = when.astimezone(zone).utcoffset() or timedelta(0)
    local = when.astimezone(zone)
    if not is_fixed(zone, when):
        return f"{format_offset(offset)} now ({local:%H:%M} there), clocks change for daylight saving"
    text = f"{format_offset(offset)} all year ({local:%H:%M} there), no daylight saving"
    if zone.key == "UTC" or zone.key.startswith("Etc/"):
        regions = [n for n in zones_at_offset(int(offset.total_seconds() // 60), when) if not _never_changes(n, when)]
        regions = [n for n in regions if n in COMMON_ZONES] or regions
        if regions:
            text += f"; if your clocks change in summer, pick your region instead, e.g. {', '.join(regions[:2])}"
    return text


def _never_changes(name: str, when: datetime) -> bool:
    zone = usable_zone(name)
    return zone is None or is_fixed(zone, when)


def parse_timezone(name: str, now: datetime | None = None) -> ZoneInfo:
    """The zone a member means by `name`: an IANA name in any case, `UTC+1`, or an abbreviation like `CET`.

    `now` (when given) lets a refusal suggest the places at an offset that has no fixed zone.
    """
    raw = (name or "").strip()
    key = re.sub(r"\s+", "_", raw).lower()
    canonical = _ALIASES.get(key)
    if canonical is None and key in _AMBIGUOUS:
        meaning, choices = _AMBIGUOUS[key]
        raise UserError(f"“{raw}” can mean {meaning}. Pick the zone you mean: {choices}.")
    if canonical is None and key in _ABBREVIATIONS:
        canonical = _ABBREVIATIONS[key][0]
    if canonical is None and (minutes := _offset_minutes(raw)) is not None:
        canonical = _fixed_zone_name(minutes)
        if canonical is None:
            offset = format_offset(timedelta(minutes=minutes))
            places = zones_at_offset(minutes, now)[:3] if now is not None and abs(minutes) <= 14 * 60 else []
            if not places:
                raise UserError(
                    f"I don't know the time zone “{raw[:40]}”: no place is {offset}. "
                    "Use an IANA name like Europe/Berlin or an offset like UTC+1."
                )
            raise UserError(f"There's no fixed zone for {offset}; pick your region: {', '.join(places)}.")
    if canonical is None:
        canonical = _zones().get(key)
    if canonical is None:
        hints = timezone_choices(raw, now)[:3]
        hint = f" Did you mean {', '.join(hints)}?" if hints else ""
        raise UserError(
            f"I don't know the time zone “{raw[:40]}”.{hint} "
            "Use an IANA name like Europe/Berlin or America/New_York, or an offset like UTC+1."
        )
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed zones load
        raise UserError(f"I can't load the time zone “{canonical}”. Try another name.") from None


def _offset_choices(text: str, now: datetime | None) -> list[str] | None:
    """For a typed offset (`utc+1`, `gmt-5`, `+05:30`): the fixed zone, then places at that offset."""
    minutes = _offset_minutes(text)
    if minutes is None:
        prefix = _OFFSET_PREFIX.fullmatch(text.strip())
        if prefix is None:
            return None
        if not prefix[2]:  # just "utc" or "gmt+": nothing to match yet
            return None
        minutes = (-1 if prefix[1] in "-−" else 1) * int(prefix[2]) * 60
    if abs(minutes) > 14 * 60:
        return []
    fixed = _fixed_zone_name(minutes)
    places = zones_at_offset(minutes, now) if now is not None else []
    return ([fixed] if fixed else []) + places


def timezone_choices(prefix: str = "", now: datetime | None = None) -> list[str]:
    """Up to 25 zone names for autocomplete.

    An offset (`UTC+1`) offers the fixed zone that really has it and the places at it now; an
    abbreviation (`EST`, `CET`, `IST`) the region zones it names; anything else the IANA names it
    starts (name or city), then those containing it. Only zones `tzdata` ships, never `localtime`.
    """
    text = (prefix or "").strip()
    p = re.sub(r"\s+", "_", text).lower()
    if not p:
        return list(COMMON_ZONES)
    named = list(_AMBIGUOUS_ZONES.get(p, ()) or _ABBREVIATIONS.get(p, ()))
    if p in _ALIASES:
        named.insert(0, _ALIASES[p])
    by_offset = _offset_choices(text, now)
    if by_offset is not None:
        named += [n for n in by_offset if n not in named]
        return named[:_CHOICES_MAX]
    zones = _offered()
    starts = [n for k, n in zones.items() if k.startswith(p) or k.rsplit("/", 1)[-1].startswith(p)]
    inside = [] if named else [n for k, n in zones.items() if p in k and n not in starts]
    common = [n for n in COMMON_ZONES if n in starts]
    ordered = named + [n for n in common + starts + inside if n not in named]
    return list(dict.fromkeys(ordered))[:_CHOICES_MAX]


@dataclass(frozen=True)
class ZoneChoice:
    name: str  # what the member reads, at most 100 characters
    value: str  # the IANA name


def zone_label(name: str, now: datetime) -> str:
    """`Europe/Berlin (UTC+01:00 now)` or `Etc/GMT-1 (UTC+01:00 all year)`: the offset shows what a name means."""
    zone = usable_zone(name)
    if zone is None:
        return name
    offset = format_offset(now.astimezone(zone).utcoffset() or timedelta(0))
    return f"{name} ({offset} all year)" if is_fixed(zone, now) else f"{name} ({offset} now)"


def timezone_autocomplete(prefix: str, now: datetime) -> list[ZoneChoice]:
    """Autocomplete choices: each IANA name labelled with its offset, so `Etc/GMT+1` reads UTC-01:00."""
    return [ZoneChoice(zone_label(n, now), n) for n in timezone_choices(prefix, now)]
