"""Runs proven by a GPX or FIT file: what the bot reads from the file, and how typed values must agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.activity import (
    ActivityKind,
    ActivitySummary,
    activity_kind,
    check_activity_file,
    check_activity_time,
    check_distance_activity,
    clean_filename,
    distance_tolerance,
    figures_text,
    reconcile_distance,
    reconcile_time,
    thin,
    time_tolerance,
)
from bot.domain.activity_files import read_activity
from bot.domain.units import KM, MI, REPS
from bot.errors import UserError
from tests.activity_files import Point, billion_laughs, fit, gpx, straight_run

START = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
RUN = straight_run(START)


def summary(
    distance_mm: int = 5_020_000,
    elapsed: timedelta = timedelta(minutes=55, seconds=10),
    moving: timedelta | None = None,
) -> ActivitySummary:
    return ActivitySummary("run.gpx", ActivityKind.GPX, distance_mm, elapsed, moving or elapsed, START, START + elapsed)


# --------------------------------------------------------------------------- reading GPX


def test_a_gpx_run_gives_its_distance_time_and_pace_like_the_issue_says() -> None:
    run = read_activity(gpx(RUN), "run.gpx", ActivityKind.GPX)
    assert figures_text(run, KM) == "5.02 km in 55:10, 10:59 min/km, from run.gpx"
    assert (run.started_at, run.ended_at) == (START, START + timedelta(minutes=55, seconds=10))
    assert len(run.route) == len(RUN) and run.route[0] == pytest.approx((RUN[0].lat, RUN[0].lon))


def test_a_pause_counts_in_the_elapsed_time_but_not_in_the_moving_time() -> None:
    run = read_activity(gpx(straight_run(START, pause=timedelta(minutes=5))), "run.gpx", ActivityKind.GPX)
    assert run.elapsed == timedelta(minutes=55, seconds=10)
    assert run.moving == timedelta(minutes=50, seconds=10)
    assert "(moving 50:10)" in figures_text(run, KM)


def test_a_long_track_is_thinned_for_the_picture_keeping_both_ends() -> None:
    run = read_activity(gpx(straight_run(START, points=2000)), "run.gpx", ActivityKind.GPX)
    assert len(run.route) == 400 and len(run.profile) == 400
    assert run.profile[0][1] == 0 and run.profile[-1][1] == pytest.approx(55 * 60 + 10)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"this is not xml", "isn't a GPX file"),
        (b"\x89PNG\r\n\x1a\n not a track", "isn't a GPX file"),
        (billion_laughs(), "isn't a GPX file"),  # refused before anything is expanded
        (gpx([]), "no track"),
        (gpx([Point(None, p.lat, p.lon, p.metres) for p in RUN]), "no timestamps"),
        (gpx([Point(START, p.lat, p.lon, p.metres) for p in RUN]), "no time span"),
        (gpx([Point(p.at, RUN[0].lat, RUN[0].lon, 0) for p in RUN]), "no distance"),
    ],
    ids=["text", "png", "xml-bomb", "empty-track", "no-timestamps", "one-instant", "standing-still"],
)
def test_a_bad_gpx_file_is_refused_with_what_to_do(data: bytes, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        read_activity(data, "run.gpx", ActivityKind.GPX)


def test_an_external_entity_is_never_fetched() -> None:
    doctype = '<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    with pytest.raises(UserError, match="isn't a GPX file"):
        read_activity(gpx(RUN, name="&x;", doctype=doctype), "run.gpx", ActivityKind.GPX)


# --------------------------------------------------------------------------- reading FIT


def test_a_fit_file_gives_the_watchs_own_totals() -> None:
    data = fit(RUN, total_distance=5021.0, timer=timedelta(minutes=54))
    run = read_activity(data, "run.FIT", ActivityKind.FIT)
    assert (run.distance_mm, run.elapsed, run.moving) == (
        5_021_000,
        timedelta(minutes=55, seconds=10),
        timedelta(minutes=54),
    )
    assert run.filename == "run.fit" and len(run.route) == len(RUN)
    assert run.route[-1] == pytest.approx((RUN[-1].lat, RUN[-1].lon), abs=1e-6)  # semicircles → degrees


def test_a_fit_file_without_a_session_is_read_from_its_records() -> None:
    run = read_activity(fit(RUN, session=False), "run.fit", ActivityKind.FIT)
    assert figures_text(run, KM) == "5.02 km in 55:10, 10:59 min/km, from run.fit"


def test_a_treadmill_fit_file_without_positions_still_has_distance_and_time() -> None:
    run = read_activity(fit(RUN, positions=False, session=False), "run.fit", ActivityKind.FIT)
    assert run.route == () and run.distance_mm == 5_020_000 and run.elapsed == timedelta(minutes=55, seconds=10)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (fit(RUN)[:-1], "isn't a FIT file"),  # cut short: the file's CRC is missing
        (fit(RUN)[:-2] + b"\x00\x00", "isn't a FIT file"),  # a wrong CRC
        (b"GPX? no, just text", "isn't a FIT file"),
        (fit([]), "no recorded activity"),
        (fit([Point(START, p.lat, p.lon, p.metres) for p in RUN], session=False), "no time span"),
    ],
    ids=["truncated", "bad-crc", "text", "no-records", "one-instant"],
)
def test_a_bad_fit_file_is_refused_with_what_to_do(data: bytes, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        read_activity(data, "run.fit", ActivityKind.FIT)


# --------------------------------------------------------------------------- the file itself


@pytest.mark.parametrize(
    ("name", "content_type", "kind"),
    [
        ("run.gpx", None, ActivityKind.GPX),
        ("Run.GPX", "application/octet-stream", ActivityKind.GPX),
        ("export", "application/gpx+xml", ActivityKind.GPX),
        ("2026-11-29.fit", None, ActivityKind.FIT),
        ("run.png", "image/png", None),
        ("run.gpx.png", "image/png", None),
    ],
)
def test_an_activity_file_is_known_by_its_name(name: str, content_type: str | None, kind: ActivityKind | None) -> None:
    assert activity_kind(name, content_type) is kind


def test_an_activity_file_over_the_limit_or_empty_is_refused_before_download() -> None:
    check_activity_file(ActivityKind.GPX, 8 * 1024 * 1024, 25 * 1024 * 1024)
    with pytest.raises(UserError, match="at most 8 MB"):
        check_activity_file(ActivityKind.GPX, 8 * 1024 * 1024 + 1, 25 * 1024 * 1024)
    with pytest.raises(UserError, match="at most 1 MB"):  # the server's upload limit: the file is kept as proof
        check_activity_file(ActivityKind.FIT, 1024 * 1024 + 1, 1024 * 1024)
    with pytest.raises(UserError, match="empty"):
        check_activity_file(ActivityKind.FIT, 0, 1024 * 1024)


@pytest.mark.parametrize(
    ("name", "kind", "clean"),
    [
        ("Morning Run (1).GPX", ActivityKind.GPX, "Morning_Run_1.gpx"),
        ("<@123> **bold**.fit", ActivityKind.FIT, "123_bold.fit"),
        ("../../etc/passwd.gpx", ActivityKind.GPX, "passwd.gpx"),
        ("....gpx", ActivityKind.GPX, "activity.gpx"),
        ("x" * 300 + ".gpx", ActivityKind.GPX, "x" * 56 + ".gpx"),
    ],
)
def test_the_file_name_is_made_safe_to_show_and_upload(name: str, kind: ActivityKind, clean: str) -> None:
    assert clean_filename(name, kind) == clean


def test_a_file_proves_a_distance_not_reps() -> None:
    check_distance_activity(MI, "penalty")
    with pytest.raises(UserError, match="counts reps"):
        check_distance_activity(REPS, "challenge")


# --------------------------------------------------------------------------- typed values against the file


@given(st.integers(min_value=100_000, max_value=100_000_000), st.integers(min_value=-200_000, max_value=200_000))
def test_a_typed_distance_is_taken_only_within_the_tolerance(file_mm: int, off: int) -> None:
    run = summary(distance_mm=file_mm)
    if abs(off) <= distance_tolerance(file_mm):
        assert reconcile_distance(file_mm + off, run, KM) == file_mm  # the file's distance is what counts
    else:
        with pytest.raises(UserError) as refused:
            reconcile_distance(file_mm + off, run, KM)
        assert "You typed" in refused.value.message and "run.gpx says" in refused.value.message


def test_a_disagreeing_distance_shows_both_numbers() -> None:
    with pytest.raises(UserError, match=r"You typed 5 km, but run.gpx says 4.6 km"):
        reconcile_distance(5_000_000, summary(distance_mm=4_600_000), KM)
    assert reconcile_distance(None, summary(), KM) == 5_020_000
    assert reconcile_distance(5_000_000, summary(), KM) == 5_020_000  # 20 m off: within 50 m


@given(st.integers(min_value=60, max_value=20_000), st.integers(min_value=-600, max_value=600))
def test_a_typed_time_is_taken_only_within_the_tolerance(file_s: int, off: int) -> None:
    took = timedelta(seconds=file_s)
    run = summary(elapsed=took)
    typed = took + timedelta(seconds=off)
    if typed > timedelta(0) and abs(typed - took) <= time_tolerance(took):
        assert reconcile_time(typed, run) == took
    elif typed > timedelta(0):
        with pytest.raises(UserError, match="You typed"):
            reconcile_time(typed, run)


def test_a_typed_moving_time_is_taken_as_the_moving_time() -> None:
    run = summary(elapsed=timedelta(minutes=60), moving=timedelta(minutes=50))
    assert reconcile_time(None, run) == timedelta(minutes=60)
    assert reconcile_time(timedelta(minutes=50, seconds=10), run) == timedelta(minutes=50)
    assert reconcile_time(timedelta(minutes=59, seconds=40), run) == timedelta(minutes=60)
    with pytest.raises(UserError, match=r"You typed 55:00, but run.gpx says 1:00:00 \(moving 50:00\)"):
        reconcile_time(timedelta(minutes=55), run)


def test_a_run_recorded_before_what_it_proves_or_in_the_future_is_refused() -> None:
    run = summary()
    check_activity_time(run, START + timedelta(minutes=4), START + timedelta(hours=2), "the penalty was set")
    with pytest.raises(UserError, match="recorded before the penalty was set"):
        check_activity_time(run, START + timedelta(minutes=6), START + timedelta(hours=2), "the penalty was set")
    check_activity_time(run, START, run.ended_at - timedelta(minutes=4), "x")  # a watch a little ahead
    with pytest.raises(UserError, match="ends in the future"):
        check_activity_time(run, START, run.ended_at - timedelta(minutes=6), "x")


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=900), st.integers(2, 50))
def test_thinning_keeps_at_most_n_points_and_both_ends(points: list[tuple[float, float]], most: int) -> None:
    kept = thin(points, most)
    assert len(kept) == min(len(points), most)
    assert kept[0] == points[0] and kept[-1] == points[-1]
