"""Dates written in words, in English or German (`Dec 24`, `24. Dezember`, `übermorgen`), read by dateparser.

Only what `timeparse`'s own patterns can't read comes here: dateparser takes ~0.1 s to import and
load its language data the first time (`warm_up` does that at start-up, off the event loop), then
about a millisecond a call. It never reads the host's clock or zone for us: relative words count
from the `base` we pass (the server's wall time now), its zone setting is UTC so nothing is
converted, and we only take the calendar day from it — times of day are read by `timeparse`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

LANGUAGES = ["en", "de"]


@dataclass(frozen=True)
class WordDate:
    day: date
    period: str  # dateparser's reading: "day", or "time", "week", "month", "year", "part_of_day"
    zoned: bool  # the text named a time zone or offset


def read(text: str, base: datetime, *, require_day_and_month: bool = False) -> WordDate | None:
    """The date `text` names, counting relative words from `base` (naive, the server's wall time).

    With `require_day_and_month`, dateparser must find both in the text (it would otherwise fill
    a lone number's month from `base`). None when dateparser can't read it.
    """
    if base.tzinfo is not None:
        raise ValueError("base is the server's naive wall time")
    from dateparser.date import DateDataParser  # imported on first use, never at start-up

    settings: dict[str, Any] = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future",
        "RETURN_TIME_AS_PERIOD": True,
        "TIMEZONE": "UTC",
        "PREFER_DAY_OF_MONTH": "first",
    }
    if require_day_and_month:
        settings["REQUIRE_PARTS"] = ["day", "month"]
    # A new parser per call: a shared one remembers the languages of earlier texts.
    parser = DateDataParser(languages=LANGUAGES, settings=settings)
    try:
        found = parser.get_date_data(text)
    except (ValueError, OverflowError):
        return None
    when = found.date_obj
    if when is None:
        return None
    return WordDate(day=when.date(), period=str(found.period), zoned=when.tzinfo is not None)


def warm_up() -> None:
    """Import dateparser and load both languages now, so the first member who needs them doesn't wait."""
    base = datetime(2000, 1, 1)  # noqa: DTZ001 - a naive wall time is what `read` takes
    read("24 dec", base, require_day_and_month=True)
    read("24. Dezember", base, require_day_and_month=True)
