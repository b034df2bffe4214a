import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import datewords
from bot.domain.timeparse import (
    DayEdge,
    discord_timestamp,
    human_duration,
    localize,
    parse_clock_duration,
    parse_duration,
    parse_local_datetime,
    parse_timezone,
    timezone_choices,
    title_duration,
    ts,
    usable_zone,
)
from bot.errors import UserError

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 29, 19, 48, tzinfo=UTC)  # 20:48 in Berlin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7h", timedelta(hours=7)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("1h30", timedelta(minutes=90)),
        ("1 hour and 30 minutes", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("45min", timedelta(minutes=45)),
        ("7 hours", timedelta(hours=7)),
        ("7 Hours", timedelta(hours=7)),
        ("1.5h", timedelta(minutes=90)),
        ("1,5h", timedelta(minutes=90)),
        ("1w", timedelta(days=7)),
        ("2d 3h", timedelta(days=2, hours=3)),
        ("90 secs", timedelta(seconds=90)),
        ("5m30", timedelta(minutes=5, seconds=30)),
    ],
)
def test_durations_in_common_forms_are_understood(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "7", "abc", "7 fortnights", "h", "1h 2h", "7h!", "-7h", "7h abc", "x" * 500, "1h30x"]
)
def test_unreadable_durations_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_duration(text)


def test_a_duration_under_the_minimum_is_refused() -> None:
    with pytest.raises(UserError, match="too short"):
        parse_duration("30s")
    with pytest.raises(UserError, match="too short"):
        parse_duration("0h")
    assert parse_duration("30s", minimum=timedelta(seconds=1)) == timedelta(seconds=30)


def test_a_duration_over_the_maximum_is_refused() -> None:
    with pytest.raises(UserError, match="too long"):
        parse_duration("367d")
    with pytest.raises(UserError, match="too long"):
        parse_duration("99999999999999999999d")
    with pytest.raises(UserError, match="too long"):
        parse_duration("3h", maximum=timedelta(hours=2))
    assert parse_duration("366d") == timedelta(days=366)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("55:00", timedelta(minutes=55)),
        ("5:07", timedelta(minutes=5, seconds=7)),
        ("75:00", timedelta(minutes=75)),
        ("1:02:03", timedelta(hours=1, minutes=2, seconds=3)),
        ("0:55:00", timedelta(minutes=55)),
        ("55m", timedelta(minutes=55)),
        ("1h 2m", timedelta(hours=1, minutes=2)),
        ("45s", timedelta(seconds=45)),
        ("12:34.5", timedelta(minutes=12, seconds=34, milliseconds=500)),
    ],
)
def test_penalty_times_are_read_as_clock_or_duration(text: str, expected: timedelta) -> None:
    assert parse_clock_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "0:00", "00:00:00", "55:60", "1:60:00", "55", "abc", "7d", "200:00:00", "1:2:3", "-5:00"]
)
def test_bad_penalty_times_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_clock_duration(text)


def test_time_zones_are_found_whatever_the_case() -> None:
    assert parse_timezone("Europe/Berlin").key == "Europe/Berlin"
    assert parse_timezone("europe/berlin").key == "Europe/Berlin"
    assert parse_timezone(" America/New York ").key == "America/New_York"
    assert parse_timezone("utc").key == "UTC"
    assert parse_timezone("UTC").key == "UTC"


@pytest.mark.parametrize(
    "name", ["", "Mars/Olympus", "Berlin/Europe", "../../etc/passwd", "x" * 300, "localtime", "posixrules", "Factory"]
)
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(UserError, match="time zone"):
        parse_timezone(name)


def test_only_exact_tzdata_names_are_usable_as_stored_zones() -> None:
    zone = usable_zone("Europe/Berlin")
    assert zone is not None and zone.key == "Europe/Berlin"
    assert usable_zone("UTC") is not None
    for name in ("europe/berlin", "localtime", "Factory", "posix/Europe/Berlin", "Mars/Olympus_Mons", ""):
        assert usable_zone(name) is None, name


def test_unknown_time_zone_suggests_close_names() -> None:
    with pytest.raises(UserError, match="Europe/Berlin"):
        parse_timezone("berlin")


def test_time_zone_choices_fit_autocomplete() -> None:
    assert 0 < len(timezone_choices("")) <= 25
    assert timezone_choices("berl") == ["Europe/Berlin"]
    assert timezone_choices("new")[0] == "America/New_York"
    assert len(timezone_choices("a")) == 25
    assert timezone_choices("zzzz") == []
    assert all(not n.startswith(("posix/", "right/")) for n in timezone_choices("e"))


def test_full_date_times_are_read_in_the_server_zone() -> None:
    expected = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("2026-12-01 18:00", BERLIN, NOW) == expected
    assert parse_local_datetime("2026-12-01T18:00", BERLIN, NOW) == expected
    assert parse_local_datetime("2026-12-01 6pm", BERLIN, NOW) == expected
    assert parse_local_datetime("2026-12-01 18:00:30", BERLIN, NOW) == expected + timedelta(seconds=30)


def test_summer_dates_use_summer_time() -> None:
    assert parse_local_datetime("2027-07-01 18:00", BERLIN, NOW) == datetime(2027, 7, 1, 16, 0, tzinfo=UTC)


def test_a_bare_time_is_today_when_still_ahead() -> None:
    assert parse_local_datetime("22:00", BERLIN, NOW) == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)


def test_a_bare_time_already_past_rolls_to_tomorrow() -> None:
    assert parse_local_datetime("18:00", BERLIN, NOW) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("20:48", BERLIN, NOW) == datetime(2026, 11, 30, 19, 48, tzinfo=UTC)


def test_today_and_tomorrow_are_understood() -> None:
    assert parse_local_datetime("tomorrow 07:30", BERLIN, NOW) == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    assert parse_local_datetime("Tomorrow at 7:30am", BERLIN, NOW) == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    assert parse_local_datetime("today 23:00", BERLIN, NOW) == datetime(2026, 11, 29, 22, 0, tzinfo=UTC)


def test_today_means_the_day_in_the_server_zone_not_in_utc() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # already 30 Nov 08:00 in Tokyo
    assert parse_local_datetime("today 20:00", tokyo, now) == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def test_month_day_without_year_is_the_next_such_date() -> None:
    assert parse_local_datetime("12-01 18:00", BERLIN, NOW) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("01-15 09:00", BERLIN, NOW) == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


def test_relative_times_are_understood() -> None:
    assert parse_local_datetime("in 2h", BERLIN, NOW) == NOW + timedelta(hours=2)
    assert parse_local_datetime("now", BERLIN, NOW) == NOW


def test_european_and_slashed_dates_are_understood() -> None:
    expected = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("01.12.2026 18:00", BERLIN, NOW) == expected
    assert parse_local_datetime("1.12. 18:00", BERLIN, NOW) == expected
    assert parse_local_datetime("2026/12/01 18:00", BERLIN, NOW) == expected
    assert parse_local_datetime("1.1. 10:00", BERLIN, NOW) == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


def test_the_29th_of_february_without_a_year_is_the_next_leap_day() -> None:
    assert parse_local_datetime("02-29 12:00", BERLIN, NOW) == datetime(2028, 2, 29, 11, 0, tzinfo=UTC)


def test_weekdays_mean_the_next_such_day() -> None:
    # NOW is Sunday 29 Nov 2026, 20:48 in Berlin
    assert parse_local_datetime("friday 18:00", BERLIN, NOW) == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("Mon at 7am", BERLIN, NOW) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert parse_local_datetime("sunday 22:00", BERLIN, NOW) == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
    assert parse_local_datetime("sunday 18:00", BERLIN, NOW) == datetime(2026, 12, 6, 17, 0, tzinfo=UTC)


def test_past_date_times_are_returned_for_the_caller_to_judge() -> None:
    assert parse_local_datetime("2026-01-01 10:00", BERLIN, NOW) < NOW


def test_a_time_skipped_by_daylight_saving_is_refused() -> None:
    with pytest.raises(UserError, match="doesn't exist"):
        parse_local_datetime("2026-03-29 02:30", BERLIN, NOW)


def test_a_time_repeated_by_daylight_saving_is_its_first_occurrence() -> None:
    # 2026-10-25 02:30 happens twice in Berlin: first in summer time (UTC+2), then in winter time.
    assert parse_local_datetime("2026-10-25 02:30", BERLIN, NOW) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_new_york_gap_is_refused_too() -> None:
    with pytest.raises(UserError, match="America/New_York"):
        localize(date(2026, 3, 8), time(2, 30), ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "9999-12-31 23:59",
        "2040-01-01 10:00",
        "2026-13-01 10:00",
        "2026-02-30 10:00",
        "25:00",
        "18:61",
        "18",
        "13pm",
        "0am",
        "x" * 1000,
        "in forever",
        "in 400d",
        "someday 18:00",
        "02-30 10:00",
        "31.11. 10:00",
    ],
)
def test_unreadable_or_absurd_date_times_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_local_datetime(text, BERLIN, NOW)


def test_a_day_without_a_time_is_its_last_minute_or_for_a_start_its_first() -> None:
    assert parse_local_datetime("2026-12-01", BERLIN, NOW) == datetime(2026, 12, 1, 22, 59, tzinfo=UTC)
    start = parse_local_datetime("2026-12-01", BERLIN, NOW, bare_day=DayEdge.START)
    assert start == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    # Sunday 20:48 in Berlin: "sunday" alone is still today, until 23:59.
    assert parse_local_datetime("sunday", BERLIN, NOW) == datetime(2026, 11, 29, 22, 59, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)))  # noqa: DTZ001
def test_any_typed_wall_time_comes_back_as_the_same_wall_time(naive: datetime) -> None:
    naive = naive.replace(second=0, microsecond=0)
    text = f"{naive:%Y-%m-%d %H:%M}"
    now = datetime(naive.year, 1, 1, tzinfo=UTC)
    try:
        result = parse_local_datetime(text, BERLIN, now)
    except UserError as err:
        assert "doesn't exist" in err.message
        return
    assert result.tzinfo is UTC
    assert result.astimezone(BERLIN).replace(tzinfo=None) == naive


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(hours=6, minutes=41), "6 h 41 min"),
        (timedelta(minutes=55), "55 min"),
        (timedelta(days=2, hours=3), "2 d 3 h"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=5, seconds=30), "5 min 30 s"),
        (timedelta(hours=7), "7 h"),
        (timedelta(hours=6, minutes=41, seconds=59), "6 h 41 min"),
        (timedelta(0), "0 s"),
        (timedelta(minutes=-5), "-5 min"),
    ],
)
def test_durations_are_shown_compactly(td: timedelta, text: str) -> None:
    assert human_duration(td) == text


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(hours=7), "7 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(minutes=150), "2 hours 30 minutes"),
        (timedelta(days=2), "2 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=36), "36 hours"),
        (timedelta(days=2, hours=12), "2 days 12 hours"),
        (timedelta(seconds=45), "45 seconds"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(days=3, hours=2, minutes=5), "3 days 2 hours"),
        (timedelta(days=4, hours=8, minutes=16), "4 days 8 hours"),
        (timedelta(days=4, hours=8, minutes=31), "4 days 9 hours"),
        (timedelta(hours=2, minutes=59, seconds=45), "3 hours"),
        (timedelta(hours=2, seconds=1), "2 hours"),
        (timedelta(minutes=90, seconds=0.5), "90 minutes"),
    ],
)
def test_durations_in_titles_read_naturally(td: timedelta, text: str) -> None:
    assert title_duration(td) == text


def test_discord_timestamps() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert ts(when) == "<t:1767225600:R>"
    assert discord_timestamp(when, "F") == "<t:1767225600:F>"
    with pytest.raises(ValueError, match="aware"):
        ts(datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="style"):
        ts(when, "x")


# ---------------------------------------------------------------------------------------------
# What members type (issue 13): natural dates in English and German, read in the server's zone

FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Friday 11:00 in Berlin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # refused before issue 13
        ("noon", datetime(2026, 11, 30, 11, 0, tzinfo=UTC)),  # today's noon has passed
        ("Dec 24 18:00", datetime(2026, 12, 24, 17, 0, tzinfo=UTC)),
        ("monday", datetime(2026, 11, 30, 22, 59, tzinfo=UTC)),  # a day alone: its last minute
        ("Samstag 18:00", datetime(2026, 12, 5, 17, 0, tzinfo=UTC)),
        # accepted before, still the same
        ("next friday 18:00", datetime(2026, 12, 4, 17, 0, tzinfo=UTC)),
        ("tomorrow 7am", datetime(2026, 11, 30, 6, 0, tzinfo=UTC)),
        # English in other orders and words
        ("friday at noon", datetime(2026, 12, 4, 11, 0, tzinfo=UTC)),
        ("noon tomorrow", datetime(2026, 11, 30, 11, 0, tzinfo=UTC)),
        ("7am friday", datetime(2026, 12, 4, 6, 0, tzinfo=UTC)),
        ("on friday at 6pm", datetime(2026, 12, 4, 17, 0, tzinfo=UTC)),
        ("Friday, 18:00", datetime(2026, 12, 4, 17, 0, tzinfo=UTC)),
        ("at 18:00", datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),
        ("midnight", datetime(2026, 11, 29, 23, 0, tzinfo=UTC)),  # the coming one
        ("24th of December 6pm", datetime(2026, 12, 24, 17, 0, tzinfo=UTC)),
        ("December 24th, 2027 18:00", datetime(2027, 12, 24, 17, 0, tzinfo=UTC)),
        ("day after tomorrow 18:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("Jan 15 09:00", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),  # already past this year: next year
        ("Dec 24", datetime(2026, 12, 24, 22, 59, tzinfo=UTC)),
        # German
        ("24. Dezember 18 Uhr", datetime(2026, 12, 24, 17, 0, tzinfo=UTC)),
        ("24. Dez. 18:30", datetime(2026, 12, 24, 17, 30, tzinfo=UTC)),
        ("morgen 7 Uhr", datetime(2026, 11, 30, 6, 0, tzinfo=UTC)),
        ("übermorgen 18:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("heute 23:00", datetime(2026, 11, 29, 22, 0, tzinfo=UTC)),
        ("nächsten Freitag 18:00", datetime(2026, 12, 4, 17, 0, tzinfo=UTC)),
        ("am Freitag um 18 Uhr", datetime(2026, 12, 4, 17, 0, tzinfo=UTC)),
        ("18 Uhr am Samstag", datetime(2026, 12, 5, 17, 0, tzinfo=UTC)),
        ("18:00 am Samstag", datetime(2026, 12, 5, 17, 0, tzinfo=UTC)),  # "am" is German here, not a.m.
        ("18.30 Uhr", datetime(2026, 11, 30, 17, 30, tzinfo=UTC)),
        ("Mittag", datetime(2026, 11, 30, 11, 0, tzinfo=UTC)),
        ("3. März 10:00", datetime(2027, 3, 3, 9, 0, tzinfo=UTC)),
        # numbers with slashes when only one reading is a date
        ("24/12 18:00", datetime(2026, 12, 24, 17, 0, tzinfo=UTC)),
        ("12/24 18:00", datetime(2026, 12, 24, 17, 0, tzinfo=UTC)),
        ("05/05/2027 10:00", datetime(2027, 5, 5, 8, 0, tzinfo=UTC)),  # both readings are 5 May
        # relative
        ("in a week", NOW + timedelta(days=7)),
        ("in half an hour", NOW + timedelta(minutes=30)),
        ("in 3 Tagen", NOW + timedelta(days=3)),
        ("jetzt", NOW),
    ],
)
def test_dates_as_members_write_them_are_read_in_the_server_zone(text: str, expected: datetime) -> None:
    assert parse_local_datetime(text, BERLIN, NOW) == expected


def test_a_weekday_is_today_while_ahead_but_next_weekday_never_is() -> None:
    assert parse_local_datetime("friday 18:00", BERLIN, FRIDAY) == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("next friday 18:00", BERLIN, FRIDAY) == datetime(2026, 12, 11, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("nächsten Freitag", BERLIN, FRIDAY) == datetime(2026, 12, 11, 22, 59, tzinfo=UTC)


def test_a_day_alone_for_a_start_is_its_first_minute() -> None:
    start = parse_local_datetime("Dec 24", BERLIN, NOW, bare_day=DayEdge.START)
    assert start == datetime(2026, 12, 23, 23, 0, tzinfo=UTC)
    assert parse_local_datetime("monday", BERLIN, NOW, bare_day=DayEdge.START) == datetime(
        2026, 11, 29, 23, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("03/04 10:00", ["3 Apr", "4 Mar", "month as a word"]),
        ("03/04/2027 10:00", ["3 Apr", "4 Mar"]),
        ("6", ["Add minutes", "06:00", "6pm"]),
        ("18", ["Add minutes", "18:00"]),
        ("friday 6", ["Add minutes", "friday 06:00", "friday 6pm"]),
        ("tomorrow at 7", ["Add minutes", "tomorrow 07:00"]),
        ("Samstag 18", ["Add minutes", "samstag 18:00"]),
        ("friday midnight", ["start or the end", "friday 00:00", "friday 23:59"]),
        ("Mitternacht morgen", ["start or the end"]),
        ("18:00 EST", ["Leave the time zone out", "Europe/Berlin"]),
        ("Dec 24 18:00 UTC", ["Leave the time zone out"]),
        ("dec 24 gmt+1", ["Leave the time zone out"]),
        ("Dec 24 CAT", ["Leave the time zone out"]),  # a zone only dateparser knows
        ("tomorrow morning", ["Name a day and a time"]),
        ("december 2026", ["can't read"]),
        ("03 04 10:00", ["can't read"]),
        ("dec 24 6", ["can't read"]),
        ("1767225600", ["can't read"]),
        ("christmas 18:00", ["can't read"]),
        ("30 feb 10:00", ["can't read"]),
        ("31/11 10:00", ["isn't a date"]),
        ("13/13 10:00", ["isn't a date"]),
    ],
)
def test_ambiguous_or_unreadable_dates_are_refused_with_an_example(text: str, fragments: list[str]) -> None:
    with pytest.raises(UserError) as refused:
        parse_local_datetime(text, BERLIN, NOW)
    for fragment in fragments:
        assert fragment in refused.value.message


def test_dates_in_words_keep_the_daylight_saving_refusals() -> None:
    with pytest.raises(UserError, match="doesn't exist"):
        parse_local_datetime("29. März 2026 02:30", BERLIN, NOW)
    with pytest.raises(UserError, match="doesn't exist"):
        parse_local_datetime("March 28 02:30", BERLIN, NOW)  # the next 28 March is 2027's, a switch night
    # The repeated hour is its first occurrence, in summer time.
    assert parse_local_datetime("31 Oct 2027 02:30", BERLIN, NOW) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_a_month_and_day_without_a_year_is_the_next_time_it_comes_round() -> None:
    christmas_eve = datetime(2026, 12, 24, 19, 0, tzinfo=UTC)  # 20:00 in Berlin: 18:00 has passed today
    assert parse_local_datetime("Dec 24 18:00", BERLIN, christmas_eve) == datetime(2027, 12, 24, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("Dec 24 22:00", BERLIN, christmas_eve) == datetime(2026, 12, 24, 21, 0, tzinfo=UTC)
    assert parse_local_datetime("Dec 24 2026 18:00", BERLIN, christmas_eve) < christmas_eve  # a year: as typed


def test_the_fast_patterns_never_wake_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser was asked")

    monkeypatch.setattr(datewords, "read", slow)
    for text in (
        "friday 18:00",
        "next friday 18:00",
        "Samstag 18:00",
        "tomorrow 7am",
        "noon",
        "monday",
        "2026-12-01 18:00",
        "1.12. 18:00",
        "24/12 18:00",
        "in 2h",
    ):
        parse_local_datetime(text, BERLIN, NOW)
    with pytest.raises(AssertionError, match="dateparser"):
        parse_local_datetime("Dec 24 18:00", BERLIN, NOW)


def test_importing_the_parsers_does_not_import_dateparser() -> None:
    code = "import sys, bot.domain.timeparse, bot.services.challenges; assert 'dateparser' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_warm_up_loads_dateparser() -> None:
    code = "import sys; from bot.domain import datewords; datewords.warm_up(); assert 'dateparser' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_dates_in_words_count_from_the_injected_now_not_the_host_clock() -> None:
    far = datetime(2061, 6, 15, 12, 0, tzinfo=UTC)  # a Wednesday, decades from any host clock
    assert parse_local_datetime("Dec 24 18:00", BERLIN, far) == datetime(2061, 12, 24, 17, 0, tzinfo=UTC)
    assert parse_local_datetime("übermorgen 18:00", BERLIN, far) == datetime(2061, 6, 17, 16, 0, tzinfo=UTC)
    assert parse_local_datetime("Jan 2 10:00", BERLIN, far) == datetime(2062, 1, 2, 9, 0, tzinfo=UTC)
    assert parse_local_datetime("May 1 2062 10:00", BERLIN, far) == datetime(2062, 5, 1, 8, 0, tzinfo=UTC)


ZONES = [BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Asia/Kolkata"), ZoneInfo("UTC")]
WEEKDAY_NAMES = [
    ("monday", 0), ("Montag", 0), ("tue", 1), ("Dienstag", 1), ("wednesday", 2), ("Mittwoch", 2), ("thu", 3),
    ("Donnerstag", 3), ("friday", 4), ("Freitag", 4), ("sat", 5), ("Samstag", 5), ("sunday", 6), ("Sonntag", 6),
]  # fmt: skip
MONTH_NAMES = [
    "Jan", "February", "März", "April", "Mai", "June", "Juli", "Aug", "September", "Oktober", "Nov", "Dezember",
]  # fmt: skip


@settings(deadline=None)  # dateparser's first call in a process loads its language data
@given(
    now=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2080, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    tz=st.sampled_from(ZONES),
    day=st.sampled_from(WEEKDAY_NAMES),
    prefix=st.sampled_from(["", "next ", "on ", "nächsten ", "am "]),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_any_accepted_weekday_is_ahead_in_the_server_zone_at_the_typed_time(
    now: datetime, tz: ZoneInfo, day: tuple[str, int], prefix: str, hour: int, minute: int
) -> None:
    name, weekday = day
    try:
        result = parse_local_datetime(f"{prefix}{name} {hour:02d}:{minute:02d}", tz, now)
    except UserError as err:
        assert "doesn't exist" in err.message  # only a daylight-saving gap is refused
        return
    local = result.astimezone(tz)
    assert result > now
    assert (local.weekday(), local.hour, local.minute) == (weekday, hour, minute)
    assert result - now <= timedelta(days=14 if prefix in ("next ", "nächsten ") else 7, hours=2)


@settings(deadline=None)  # dateparser's first call in a process loads its language data
@given(
    now=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2080, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    tz=st.sampled_from(ZONES),
    month=st.integers(1, 12),
    dom=st.integers(1, 28),
    german=st.booleans(),
    hour=st.integers(0, 23),
)
def test_any_accepted_month_name_date_is_the_next_such_day_in_the_server_zone(
    now: datetime, tz: ZoneInfo, month: int, dom: int, german: bool, hour: int
) -> None:
    name = MONTH_NAMES[month - 1]
    text = f"{dom}. {name} {hour} Uhr" if german else f"{name} {dom} {hour:02d}:30"
    try:
        result = parse_local_datetime(text, tz, now)
    except UserError as err:
        assert "doesn't exist" in err.message
        return
    local = result.astimezone(tz)
    assert result > now
    assert result - now <= timedelta(days=366)
    assert (local.month, local.day, local.hour, local.minute) == (month, dom, hour, 0 if german else 30)


@settings(deadline=None)  # dateparser's first call in a process loads its language data
@given(first=st.integers(1, 12), second=st.integers(1, 12), year=st.sampled_from(["", "/2027"]))
def test_a_day_and_month_that_could_be_swapped_is_never_guessed(first: int, second: int, year: str) -> None:
    text = f"{first:02d}/{second:02d}{year} 10:00"
    if first == second:
        assert parse_local_datetime(text, BERLIN, NOW).astimezone(BERLIN).month == first
        return
    with pytest.raises(UserError, match="could be"):
        parse_local_datetime(text, BERLIN, NOW)


@settings(deadline=None)  # dateparser's first call in a process loads its language data
@given(
    hour=st.integers(0, 24),
    day=st.sampled_from(["", "friday ", "tomorrow ", "tomorrow at ", "Samstag ", "next monday ", "heute um "]),
)
def test_an_hour_without_minutes_or_am_pm_is_never_guessed(hour: int, day: str) -> None:
    with pytest.raises(UserError, match="Add minutes"):
        parse_local_datetime(f"{day}{hour}", BERLIN, NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a week", timedelta(days=7)),
        ("half an hour", timedelta(minutes=30)),
        ("an hour and a half", timedelta(minutes=90)),
        ("one and a half hours", timedelta(minutes=90)),
        ("2 hours and a half", timedelta(minutes=150)),
        ("half a day", timedelta(hours=12)),
        ("an hour", timedelta(hours=1)),
        ("90 min", timedelta(minutes=90)),
        ("1 week and 2 days", timedelta(days=9)),
        ("eine Woche", timedelta(days=7)),
        ("eine halbe Stunde", timedelta(minutes=30)),
        ("anderthalb Stunden", timedelta(minutes=90)),
        ("3 Tage", timedelta(days=3)),
        ("2 Stunden und 30 Minuten", timedelta(minutes=150)),
        ("1 Std. 30 Min.", timedelta(minutes=90)),
    ],
)
def test_durations_in_words_are_understood(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "readings"), [("1,500 min", ("1.5 min", "1500 min")), ("1.000h", ("1 h", "1000 h"))])
def test_a_duration_whose_separator_could_be_either_is_refused_with_both_readings(
    text: str, readings: tuple[str, str]
) -> None:
    with pytest.raises(UserError) as refused:
        parse_duration(text)
    assert all(r in refused.value.message for r in readings)


@pytest.mark.parametrize("text", ["a", "half", "a fortnight", "an", "half an"])
def test_duration_words_without_a_unit_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_duration(text)


WORD_SOUP = st.sampled_from(
    ["dec", "24", "18:00", "next", "friday", "am", "um", "Uhr", "noon", "morgen", "in", "a", "week", "03/04", "2026",
     "-", "pm", "6", "UTC", "+1", "of", "the", "Dezember", "März", "ago", "vor", "31", "24:00", "at", ",", "1st"]
)  # fmt: skip


@settings(deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(WORD_SOUP, max_size=6).map(" ".join)))
def test_any_text_is_read_or_refused_with_a_message_never_a_crash(text: str) -> None:
    try:
        result = parse_local_datetime(text, BERLIN, NOW)
    except UserError as err:
        assert 0 < len(err.message) < 400
        return
    assert result.tzinfo is UTC
