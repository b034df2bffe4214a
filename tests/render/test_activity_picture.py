"""The pace panel of a run's picture: an even run reads as even, not as seconds of GPS jitter blown up."""

from __future__ import annotations

from bot.render.activity_chart import MIN_PACE_SPAN, ActivityPicture


def picture(pace: tuple[float, ...]) -> ActivityPicture:
    return ActivityPicture("run.gpx", (), (), tuple(float(i) for i in range(len(pace))), pace, "km")


def test_an_even_pace_gets_an_axis_of_at_least_two_minutes_slowest_at_the_bottom() -> None:
    slowest, fastest = picture((10.97, 11.03, 10.98, 11.02)).pace_range
    assert slowest - fastest == MIN_PACE_SPAN and fastest < 10.97 and slowest > 11.03


def test_an_uneven_pace_keeps_its_own_range() -> None:
    assert picture((6.0, 9.5, 7.0)).pace_range == (9.5, 6.0)
