"""Time zones as members type them (issue 13): offsets mean what the member means, abbreviations
lead to a region that keeps daylight saving, and autocomplete offers only tzdata's zones, each
labelled with its offset."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.zones import (
    describe_zone,
    format_offset,
    is_fixed,
    parse_timezone,
    timezone_autocomplete,
    timezone_choices,
    zones_at_offset,
)
from bot.errors import UserError

WINTER = datetime(2026, 11, 29, 19, 48, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def offset_of(zone: ZoneInfo, when: datetime) -> timedelta:
    offset = when.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


@pytest.mark.parametrize("text", ["GMT+1", "UTC+1", "utc+01:00", "gmt +1", "UTC+0100", "+01:00", "+1"])
def test_gmt_plus_one_is_one_hour_ahead_of_utc(text: str) -> None:
    zone = parse_timezone(text, WINTER)
    assert zone.key == "Etc/GMT-1"  # POSIX sign: Etc/GMT-1 is UTC+01:00
    assert offset_of(zone, WINTER) == offset_of(zone, SUMMER) == timedelta(hours=1)


@settings(deadline=None)  # the first offset lookup loads every zone once
@given(hours=st.integers(-12, 14), prefix=st.sampled_from(["UTC", "GMT", "utc ", ""]), padded=st.booleans())
def test_any_whole_hour_offset_means_that_offset_all_year(hours: int, prefix: str, padded: bool) -> None:
    if not prefix and hours == 0:
        return  # "+0" alone is fine too, but "-0"/"+0" without a prefix is covered by UTC below
    sign = "-" if hours < 0 else "+"
    number = f"{abs(hours):02d}:00" if padded else str(abs(hours))
    zone = parse_timezone(f"{prefix}{sign}{number}", WINTER)
    assert offset_of(zone, WINTER) == offset_of(zone, SUMMER) == timedelta(hours=hours)


def test_a_half_hour_offset_suggests_the_places_that_have_it() -> None:
    with pytest.raises(UserError, match="Asia/Kolkata"):
        parse_timezone("UTC+5:30", WINTER)


@pytest.mark.parametrize("text", ["+99:00", "UTC+15", "GMT-13"])
def test_an_offset_no_place_has_is_refused(text: str) -> None:
    with pytest.raises(UserError, match="don't know the time zone"):
        parse_timezone(text, WINTER)


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("MST", "America/Denver"),
        ("CET", "Europe/Berlin"),
        ("CEST", "Europe/Berlin"),
        ("MEZ", "Europe/Berlin"),
        ("BST", "Europe/London"),
        ("EET", "Europe/Athens"),
        ("AEST", "Australia/Sydney"),
    ],
)
def test_abbreviations_lead_to_a_region_that_keeps_daylight_saving(text: str, region: str) -> None:
    zone = parse_timezone(text, WINTER)
    assert zone.key == region
    assert not is_fixed(zone, WINTER)
    assert offset_of(zone, WINTER) != offset_of(zone, SUMMER)


@pytest.mark.parametrize(("text", "choices"), [("IST", "Asia/Kolkata"), ("CST", "Asia/Shanghai"), ("GMT", "UTC")])
def test_abbreviations_naming_several_places_are_refused_with_the_choices(text: str, choices: str) -> None:
    with pytest.raises(UserError, match=f"can mean .*{choices}"):
        parse_timezone(text, WINTER)


def test_exact_iana_names_still_work_and_say_what_they_mean() -> None:
    assert parse_timezone("Etc/GMT+1").key == "Etc/GMT+1"
    assert describe_zone("Etc/GMT+1", WINTER).startswith("UTC-01:00 all year")
    assert describe_zone("Europe/Berlin", WINTER).startswith("UTC+01:00 now (20:48 there), clocks change")
    fixed = describe_zone("Etc/GMT-1", WINTER)
    assert fixed.startswith("UTC+01:00 all year") and "Europe/Berlin" in fixed
    assert describe_zone("Asia/Tokyo", WINTER) == "UTC+09:00 all year (04:48 there), no daylight saving"


def test_offsets_are_formatted_with_sign_and_minutes() -> None:
    assert format_offset(timedelta(hours=1)) == "UTC+01:00"
    assert format_offset(timedelta(hours=-5)) == "UTC-05:00"
    assert format_offset(timedelta(hours=5, minutes=30)) == "UTC+05:30"
    assert format_offset(timedelta(0)) == "UTC+00:00"


def test_autocomplete_for_an_offset_offers_the_zone_that_really_has_it_first() -> None:
    choices = timezone_autocomplete("GMT+1", WINTER)
    assert choices[0].value == "Etc/GMT-1" and "UTC+01:00 all year" in choices[0].name
    assert "Europe/Berlin" in [c.value for c in choices]
    assert "Etc/GMT+1" not in [c.value for c in choices]
    assert all(offset_of(ZoneInfo(c.value), WINTER) == timedelta(hours=1) for c in choices)


@pytest.mark.parametrize(
    ("text", "first"), [("EST", "America/New_York"), ("cet", "Europe/Berlin"), ("pst", "America/Los_Angeles")]
)
def test_autocomplete_for_an_abbreviation_offers_the_region_first(text: str, first: str) -> None:
    assert timezone_choices(text, WINTER)[0] == first


def test_autocomplete_labels_show_each_offset_and_fit_discord() -> None:
    for prefix in ("", "a", "eur", "GMT+1", "utc-5", "etc/gmt", "ist", "berl"):
        choices = timezone_autocomplete(prefix, WINTER)
        assert 0 < len(choices) <= 25, prefix
        assert all(len(c.name) <= 100 and "UTC" in c.name for c in choices), prefix
    labels = {c.value: c.name for c in timezone_autocomplete("etc/gmt+1", WINTER)}
    assert labels["Etc/GMT+1"] == "Etc/GMT+1 (UTC-01:00 all year)"


def test_autocomplete_leaves_out_the_old_names_that_look_like_abbreviations() -> None:
    assert "EST" not in timezone_choices("es", WINTER)
    assert "CET" not in timezone_choices("ce", WINTER)
    assert "Japan" not in timezone_choices("jap", WINTER)
    assert parse_timezone("Japan").key == "Japan"  # still accepted when typed in full


@settings(deadline=None)  # the first offset lookup loads every zone once
@given(st.text(max_size=12))
def test_autocomplete_only_offers_zones_tzdata_ships_and_never_the_old_fixed_names(prefix: str) -> None:
    for name in timezone_choices(prefix, WINTER):
        assert ZoneInfo(name).key == name
        assert name not in ("localtime", "posixrules", "Factory", "EST", "MST", "HST", "CET", "EET", "WET", "MET")


def test_zones_at_an_offset_put_common_places_first() -> None:
    assert zones_at_offset(60, WINTER)[:2] == ["Europe/Berlin", "Europe/Paris"]
    assert "Europe/London" in zones_at_offset(60, SUMMER)
