"""How numbers, counts, percentages and durations read in messages: one locale for all of them.

`LOCALE` is the one setting (English for now); `babel` holds the locale's data — separators,
plural rules, unit names — so no message spells out "(s)" or formats a number by hand.
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

LOCALE = Locale.parse("en")  # the reader's language; one place to change it

_DECIMALS_PATTERN = "#,##0.##"  # thousands separators, at most two decimals, no trailing zeros


def number(value: int | Decimal) -> str:
    """`2,020`, `5.25`, `5.5`, `1,234,567` in the reader's locale (at most two decimals)."""
    return format_decimal(value, format=_DECIMALS_PATTERN, locale=LOCALE)


def count(n: int, singular: str, plural: str) -> str:
    """`1 bet`, `2 bets`, `0 bets`, `2,020 reps`: the number and the word in the form it takes."""
    return f"{number(n)} {noun(n, singular, plural)}"


def noun(n: int, singular: str, plural: str) -> str:
    """The form of a word that goes with `n` (the locale's plural rule)."""
    return singular if LOCALE.plural_form(n) == "one" else plural


def percent(value: float) -> str:
    """`54%` for 54.9 (the locale's sign and spacing). Progress is rounded down, so 100% only
    shows once the target is really reached."""
    whole = math.floor(value + 1e-9) if math.isfinite(value) else 0
    return format_percent(Decimal(whole) / 100, format="#,##0%", locale=LOCALE)


# Units of a duration spoken in words, largest first (CLDR unit names).
_SPOKEN = (
    ("duration-day", 86_400),
    ("duration-hour", 3_600),
    ("duration-minute", 60),
    ("duration-second", 1),
)


def spoken_duration(td: timedelta) -> tuple[str, timedelta]:
    """A duration as people say it, and the exact length those words mean.

    The largest unit that fits at least twice (or exactly once with nothing left) is used, and at
    most one smaller unit after it, to the nearest: `7 hours`, `90 minutes`, `36 hours`,
    `2 hours 30 minutes`, `4 days 8 hours` (for 4 days 8 hours 16 minutes). The second value says
    what was said, so a caller can tell whether it rounded."""
    total = abs(round(td.total_seconds()))
    if total == 0:
        return format_unit(0, "duration-second", length="long", locale=LOCALE), timedelta(0)
    for i, (unit, size) in enumerate(_SPOKEN):
        if total >= 2 * size or total == size or size == 1:
            if i + 1 == len(_SPOKEN):
                return format_unit(total, unit, length="long", locale=LOCALE), timedelta(seconds=total)
            smaller_unit, smaller = _SPOKEN[i + 1]
            whole, rest = divmod(total, size)
            part = (rest + smaller // 2) // smaller  # to the nearest, half up
            if part * smaller == size:  # 2 hours 59 minutes 45 seconds → 3 hours
                whole, part = whole + 1, 0
            words = format_unit(whole, unit, length="long", locale=LOCALE)
            if part:
                words += " " + format_unit(part, smaller_unit, length="long", locale=LOCALE)
            return words, timedelta(seconds=whole * size + part * smaller)
    raise AssertionError("unreachable")  # pragma: no cover
