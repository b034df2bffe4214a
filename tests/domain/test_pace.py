from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.pace import (
    format_clock,
    format_pace,
    format_rate,
    needed_per_hour,
    pace_from_rate,
    pace_per,
    projected_finish,
    rate_per_hour,
)
from bot.domain.units import KM, MI, REPS
from bot.errors import UserError

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


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
    assert format_rate(Decimal(5_454_545), KM) == "5.45 km/h"


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
