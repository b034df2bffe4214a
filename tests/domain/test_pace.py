import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.pace import (
    MIN_EVIDENCE,
    evidence_time,
    format_clock,
    format_pace,
    format_rate,
    needed_per_hour,
    outlook,
    pace_from_rate,
    pace_per,
    projected_finish,
    rate_per_hour,
)
from bot.domain.units import KM, MI, MIN, REPS, STEPS, UNITS, H, Kind, M, S, Unit
from bot.errors import UserError

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_the_penalty_run_pace_is_eleven_minutes_per_km() -> None:
    pace = pace_per(5_000_000, timedelta(minutes=55), KM)
    assert pace == timedelta(minutes=11)
    assert format_pace(pace, KM) == "11:00 min/km"


def test_mile_pace() -> None:
    pace = pace_per(5_000_000, timedelta(minutes=55), MI)
    assert format_pace(pace, MI) == "17:42 min/mi"
    assert pace_per(1_609_344, timedelta(minutes=8), MI) == timedelta(minutes=8)


def test_very_slow_pace_shows_hours() -> None:
    assert format_pace(pace_per(1_000_000, timedelta(hours=1, minutes=5), KM), KM) == "1:05:00 h/km"


@pytest.mark.parametrize(("distance", "elapsed"), [(0, timedelta(minutes=5)), (1000, timedelta(0))])
def test_pace_needs_a_distance_and_a_time(distance: int, elapsed: timedelta) -> None:
    with pytest.raises(UserError):
        pace_per(distance, elapsed, KM)


def test_pace_is_per_a_distance_unit() -> None:
    with pytest.raises(ValueError, match="distance"):
        pace_per(1000, timedelta(minutes=1), REPS)


def test_clock_format() -> None:
    assert format_clock(timedelta(minutes=4, seconds=5)) == "4:05"
    assert format_clock(timedelta(hours=1, minutes=2, seconds=3)) == "1:02:03"
    assert format_clock(timedelta(seconds=59.6)) == "1:00"


def test_rates_per_hour() -> None:
    assert rate_per_hour(2020, timedelta(hours=7)) == Decimal(2020) / 7
    assert rate_per_hour(300, timedelta(minutes=30)) == 600
    assert rate_per_hour(100, timedelta(0)) is None
    assert format_rate(Decimal(600), REPS) == "600 reps/h"
    assert format_rate(Decimal(5_454_545), KM) == "11:00 min/km"


def test_pace_needed() -> None:
    assert needed_per_hour(1000, timedelta(hours=2)) == 500
    assert needed_per_hour(0, timedelta(hours=2)) == 0
    assert needed_per_hour(-5, timedelta(0)) == 0
    assert needed_per_hour(10, timedelta(0)) is None


def test_rate_converts_to_pace() -> None:
    assert pace_from_rate(Decimal(10_000_000), KM) == timedelta(minutes=6)
    assert pace_from_rate(Decimal(0), KM) is None


def test_projection_at_the_current_rate() -> None:
    # 1,000 of 2,020 after 3 h → 1,020 more at 333.3/h ≈ 3 h 3 min 36 s later
    when = projected_finish(1000, 2020, T0, T0 + timedelta(hours=3))
    assert when == T0 + timedelta(hours=3) + timedelta(hours=3, minutes=3, seconds=36)


def test_no_projection_without_progress_or_when_done() -> None:
    assert projected_finish(0, 100, T0, T0 + timedelta(hours=1)) is None
    assert projected_finish(100, 100, T0, T0 + timedelta(hours=1)) is None
    assert projected_finish(50, 100, T0, T0) is None


@given(
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=1, max_value=10**7),
)
def test_projection_lies_in_the_future_and_scales_with_what_remains(total: int, extra: int, secs: int) -> None:
    now = T0 + timedelta(seconds=secs)
    when = projected_finish(total, total + extra, T0, now)
    later = projected_finish(total, total + extra + 1, T0, now)
    if when is None:  # beyond the year 9999: no projection rather than an overflow
        assert later is None
        return
    assert when >= now
    assert later is None or later >= when


def test_a_projection_past_the_calendar_is_none() -> None:
    assert projected_finish(1, 10**9, T0, T0 + timedelta(days=3650)) is None


# ---------------------------------------------------------------------------------------------
# How a rate is shown: in the unit that suits the activity


def test_distance_rates_show_as_a_pace_per_km() -> None:
    assert format_rate(Decimal(10_000_000), KM) == "6:00 min/km"
    assert format_rate(Decimal(60_000_000) / Decimal("6.5"), KM) == "6:30 min/km"
    assert format_rate(Decimal(10_000_000), M) == "6:00 min/km"  # metres are run per km too
    assert format_rate(Decimal(923_077), KM) == "1:05:00 h/km"


def test_mile_challenges_show_a_pace_per_mile() -> None:
    assert format_rate(Decimal("7.5") * MI.base_per_unit, MI) == "8:00 min/mi"


def test_distance_paces_at_the_extremes_stay_readable() -> None:
    assert format_rate(Decimal(0), KM) == "— min/km"
    assert format_rate(Decimal(40_000), KM) == "over 24 h/km"  # 40 m an hour
    assert format_rate(Decimal(1), MI) == "over 24 h/mi"
    assert format_rate(Decimal(10) ** 12, KM) == "<0:01 min/km"


def test_counts_show_whole_numbers_per_hour_with_separators() -> None:
    assert format_rate(Decimal(62_500) / 3, STEPS) == "20,833 steps/h"
    assert format_rate(Decimal("288.5"), REPS) == "289 reps/h"  # rounded half up, as people say it
    assert format_rate(Decimal(1), REPS) == "1 rep/h"
    assert format_rate(Decimal("0.3"), REPS) == "<1 rep/h"
    assert format_rate(Decimal(0), REPS) == "0 reps/h"


def test_durations_show_minutes_per_hour() -> None:
    assert format_rate(Decimal(720_000), MIN) == "12 min/h"  # a plank challenge counted in minutes
    assert format_rate(Decimal(720_000), S) == "12 min/h"  # the same in seconds
    assert format_rate(Decimal(9_000_000), H) == "150 min/h"
    assert format_rate(Decimal(45_000), S) == "45 s/h"
    assert format_rate(Decimal(200), S) == "<1 s/h"
    assert format_rate(Decimal(0), MIN) == "0 min/h"


@given(
    st.decimals(min_value=0, max_value=10**13, allow_nan=False, allow_infinity=False, places=6),
    st.sampled_from(sorted(UNITS)),
)
def test_every_shown_rate_is_short_plain_and_whole_where_counted(rate: Decimal, symbol: str) -> None:
    unit: Unit = UNITS[symbol]
    text = format_rate(rate, unit)
    assert len(text) <= 32
    assert not re.search(r"\d[eE][+-]?\d", text)  # no exponent notation
    if unit.kind is Kind.COUNT:
        assert "." not in text
    if unit.kind is Kind.DISTANCE:
        assert text.endswith(f"/{MI.symbol if unit == MI else KM.symbol}")


# ---------------------------------------------------------------------------------------------
# The outlook: too early to tell, needed, projection

WINDOW = timedelta(hours=7)


def test_the_rate_waits_ten_minutes_or_a_tenth_of_a_short_window() -> None:
    assert evidence_time(WINDOW) == MIN_EVIDENCE == timedelta(minutes=10)
    assert evidence_time(timedelta(days=7)) == timedelta(minutes=10)
    assert evidence_time(timedelta(minutes=30)) == timedelta(minutes=3)
    assert evidence_time(timedelta(minutes=1)) == timedelta(seconds=6)


def test_a_first_log_seconds_after_the_start_shows_no_pace_and_no_verdict() -> None:
    seen = outlook(500, 2020, T0, T0 + WINDOW, T0 + timedelta(seconds=5))
    assert seen.rate_per_hour is None
    assert seen.projected_finish is None and seen.projected_total is None
    assert seen.on_track is None
    assert seen.needed_per_hour == Decimal(1520) * 3600 / (7 * 3600 - 5)  # what's needed shows at once


def test_the_pace_shows_once_the_clock_has_run_long_enough() -> None:
    just_before = outlook(500, 2020, T0, T0 + WINDOW, T0 + MIN_EVIDENCE - timedelta(microseconds=1))
    assert just_before.rate_per_hour is None and just_before.on_track is None
    at_ten = outlook(500, 2020, T0, T0 + WINDOW, T0 + MIN_EVIDENCE)
    assert at_ten.rate_per_hour == 3000
    assert at_ten.on_track is True


def test_a_short_window_shows_its_pace_after_a_tenth_of_it() -> None:
    end = T0 + timedelta(minutes=30)
    assert outlook(50, 100, T0, end, T0 + timedelta(minutes=2, seconds=59)).rate_per_hour is None
    assert outlook(50, 100, T0, end, T0 + timedelta(minutes=3)).rate_per_hour == 1000


def test_on_track_when_the_projection_lands_inside_the_window() -> None:
    seen = outlook(900, 2020, T0, T0 + WINDOW, T0 + 3 * HOUR)
    assert seen.rate_per_hour == 300
    assert seen.needed_per_hour == 280
    assert seen.projected_finish == T0 + timedelta(hours=6, minutes=44)
    assert seen.on_track is True and seen.projected_total is None


def test_falling_short_says_what_the_pace_gives_by_the_end() -> None:
    seen = outlook(100, 2020, T0, T0 + WINDOW, T0 + HOUR)
    assert seen.on_track is False
    assert seen.projected_total == 700  # 100 an hour for 7 hours
    assert seen.projected_finish is not None and seen.projected_finish > T0 + WINDOW


def test_finishing_exactly_at_the_end_is_not_on_track() -> None:
    seen = outlook(1000, 2000, T0, T0 + 2 * HOUR, T0 + HOUR)  # the window is half-open
    assert seen.projected_finish == T0 + 2 * HOUR
    assert seen.on_track is False and seen.projected_total == 2000


def test_nothing_logged_gives_a_zero_rate_but_no_projection() -> None:
    seen = outlook(0, 2020, T0, T0 + WINDOW, T0 + HOUR)
    assert seen.rate_per_hour == 0
    assert seen.on_track is None and seen.projected_finish is None and seen.projected_total is None
    assert seen.needed_per_hour == Decimal(2020) / 6


def test_before_the_start_only_the_need_shows_over_the_whole_window() -> None:
    seen = outlook(0, 2100, T0, T0 + WINDOW, T0 - HOUR)
    assert seen.rate_per_hour is None and seen.on_track is None
    assert seen.needed_per_hour == 300


def test_a_reached_target_or_a_closed_window_has_no_need_and_no_projection() -> None:
    done = outlook(2020, 2020, T0, T0 + WINDOW, T0 + HOUR)
    assert done.rate_per_hour == 2020 and done.needed_per_hour is None and done.on_track is None
    over = outlook(1000, 2020, T0, T0 + WINDOW, T0 + 9 * HOUR)
    assert over.rate_per_hour == Decimal(1000) / 7  # averaged over the window, not up to now
    assert over.needed_per_hour is None and over.projected_finish is None and over.on_track is None


def test_without_a_target_only_the_rate_shows() -> None:
    seen = outlook(600, None, T0, T0 + WINDOW, T0 + 2 * HOUR)
    assert seen.rate_per_hour == 300
    assert (seen.needed_per_hour, seen.projected_finish, seen.projected_total, seen.on_track) == (None,) * 4


@given(
    total=st.integers(min_value=0, max_value=10**10),
    target=st.none() | st.integers(min_value=1, max_value=10**10),
    window_s=st.integers(min_value=60, max_value=366 * 86_400),
    offset_us=st.integers(min_value=-86_400 * 10**6, max_value=400 * 86_400 * 10**6),
)
def test_the_outlook_is_finite_bounded_and_never_judges_without_evidence(
    total: int, target: int | None, window_s: int, offset_us: int
) -> None:
    window = timedelta(seconds=window_s)
    end = T0 + window
    now = T0 + timedelta(microseconds=offset_us)
    seen = outlook(total, target, T0, end, now)
    ran = min(now, end) - T0
    if ran < evidence_time(window):
        assert seen.rate_per_hour is None  # never shown before the minimum elapsed time
        assert seen.on_track is None and seen.projected_finish is None and seen.projected_total is None
    else:
        rate = seen.rate_per_hour
        assert rate is not None and rate.is_finite()
        # bounded: never more than the total spread over the minimum elapsed time
        assert 0 <= rate <= Decimal(total) * 3600 / Decimal(evidence_time(window).total_seconds())
        for unit in (REPS, KM, MI, MIN):
            assert len(format_rate(rate, unit)) <= 32
    if seen.projected_finish is not None:
        assert seen.projected_finish >= now  # never a projection in the past
    if seen.on_track is not None:
        assert seen.rate_per_hour is not None and total > 0 and target is not None and total < target
    if seen.on_track:
        assert seen.projected_finish is not None and seen.projected_finish < end
    if seen.projected_total is not None:
        assert seen.on_track is False and target is not None
        assert total <= seen.projected_total <= target
