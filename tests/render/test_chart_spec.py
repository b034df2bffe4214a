"""What the result chart shows, decided in plain Python (`chart_spec`): lines, axes, ticks, legend.

The drawing (tests/render/test_chart_draw.py) paints exactly this spec; these tests need no matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain import challenges as rules_mod
from bot.domain.challenges import ChallengeRules, LogEntry, Mode
from bot.domain.units import KM, REPS, STEPS, Unit
from bot.render import chart as chart_module
from bot.render.chart import MAX_X_TICKS, MAX_Y_TICKS, ChartSpec, Line, Member, ProgressChart, chart_spec

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
BERLIN = ZoneInfo("Europe/Berlin")
ALICE, BOB, CAROL = 1, 2, 3
NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol"}


def rules(
    target: int | None = 2020,
    *,
    unit: Unit = REPS,
    mode: Mode = Mode.EACH,
    window: timedelta = 7 * H,
    start: datetime = T0,
    attempt: timedelta | None = None,
) -> ChallengeRules:
    if attempt is None:
        return ChallengeRules("pushups", unit, target, mode, start, start + window)
    return ChallengeRules("pushups", unit, target, mode, start, start + window + attempt, attempt, start + window)


def spec_of(
    challenge: ChallengeRules, logs: Sequence[tuple[int, int, datetime]], people: Sequence[int] = (ALICE, BOB)
) -> ChartSpec:
    """The spec the bot draws for this challenge's result (series and windows from the domain)."""
    entries = [LogEntry(uid, amount, at) for uid, amount, at in logs]
    series = rules_mod.progress_series(challenge, people, entries, challenge.ends_at)
    board = rules_mod.standings(challenge, people, entries, challenge.ends_at)
    members = []
    for uid in people:
        row = board.row(uid)
        assert row is not None
        members.append(Member(NAMES[uid], series[uid], (row.window_start, row.window_end), row.started))
    return chart_spec(ProgressChart(rules_mod.title(challenge, BERLIN), challenge, members, BERLIN))


def value_at(line: Line, x: float) -> float:
    """What a staircase shows just after `x`."""
    value = line.ys[0]
    for px, py in zip(line.xs, line.ys, strict=True):
        if px > x:
            break
        value = py
    return value


def assert_readable_ticks(spec: ChartSpec) -> None:
    for axis in (spec.x, spec.y):
        assert len(set(axis.labels)) == len(axis.labels), axis.labels  # never the same label twice
        assert len(axis.labels) == len(axis.ticks) >= 2
        assert list(axis.ticks) == sorted(axis.ticks)
        assert all(axis.low <= t <= axis.high for t in axis.ticks)
        assert not any("e+" in label or "e6" in label.lower() for label in axis.labels)


SEED_LOGS = [
    (ALICE, 500, T0 + 30 * MIN),
    (BOB, 200, T0 + 30 * MIN),
    (ALICE, 600, T0 + 150 * MIN),
    (ALICE, 920, T0 + 401 * MIN),
]


# --- fixed windows --------------------------------------------------------------------------------


def test_fixed_window_members_are_staircases_of_their_running_totals_against_the_target() -> None:
    spec = spec_of(rules(), SEED_LOGS)
    assert spec.legend == ("target 2,020 reps", "alice — 2,020 reps", "bob — 200 reps")
    alice, bob, target = spec.line("alice"), spec.line("bob"), spec.line("target")
    assert (alice.xs[0], alice.ys[0]) == (0.0, 0.0)
    assert value_at(alice, 29 * 60) == 0 and value_at(alice, 30 * 60) == 500
    assert value_at(alice, 150 * 60) == 1100 and value_at(alice, 401 * 60) == 2020
    assert (alice.xs[-1], alice.ys[-1]) == (7 * 3600, 2020)  # held flat until the deadline
    assert (bob.xs[-1], bob.ys[-1]) == (7 * 3600, 200)
    assert target.ys == (2020, 2020) and target.xs == (0.0, 7 * 3600) and target.dashed
    assert (spec.x.low, spec.x.high) == (0.0, 7 * 3600)
    assert spec.y.low < 0 < 2020 * 1.05 <= spec.y.high
    assert spec.y.labels == ("0", "500", "1,000", "1,500", "2,000", "2,500")
    assert_readable_ticks(spec)


def test_fixed_window_ticks_are_local_clock_times_of_the_server_zone() -> None:
    spec = spec_of(rules(), SEED_LOGS)
    assert spec.x.labels == ("10:00", "12:00", "14:00", "16:00")  # the window is 09:00–16:00 in Berlin
    assert spec.x.ticks == (3600.0, 3 * 3600.0, 5 * 3600.0, 7 * 3600.0)
    assert spec.x.title == "Mon 2 Mar 2026 (Europe/Berlin)"


def test_windows_over_several_days_show_the_date_under_each_time() -> None:
    spec = spec_of(rules(None, mode=Mode.MOST, window=48 * H), [(ALICE, 10, T0 + H)])
    assert spec.x.labels[0] == "12:00\n2 Mar" and "00:00\n3 Mar" in spec.x.labels
    assert_readable_ticks(spec)


# --- attempt clocks -------------------------------------------------------------------------------


def test_an_attempt_clock_plots_each_member_over_their_own_attempt() -> None:
    # 7 h clocks, a week to start: alice starts on day 2 and makes it in 3.5 h, bob on day 5 uses all 7 h.
    challenge = rules(attempt=7 * H, window=7 * 24 * H)
    alice_start, bob_start = T0 + 24 * H, T0 + 100 * H
    logs = [
        (ALICE, 800, alice_start),
        (ALICE, 700, alice_start + 2 * H),
        (ALICE, 520, alice_start + 210 * MIN),
        (BOB, 300, bob_start),
        (BOB, 900, bob_start + 6 * H + 50 * MIN),
    ]
    spec = spec_of(challenge, logs, (ALICE, BOB, CAROL))
    assert (spec.x.low, spec.x.high) == (0.0, 7 * 3600)  # the attempt, not the week-long window
    assert spec.x.labels == ("0", "1", "2", "3", "4", "5", "6", "7")
    assert spec.x.title == "hours since each member's first log"
    alice, bob, carol = spec.line("alice"), spec.line("bob"), spec.line("carol")
    assert alice.xs[0] == 0 and bob.xs[0] == 0  # both from their own start
    assert value_at(alice, 0) == 800 and value_at(alice, 3.5 * 3600) == 2020
    assert value_at(bob, 0) == 300 and value_at(bob, 6 * 3600 + 50 * 60) == 1200
    assert alice.xs[-1] == bob.xs[-1] == 7 * 3600
    assert carol.label == "carol — didn't start" and set(carol.ys) == {0}
    assert_readable_ticks(spec)


def test_a_member_whose_clock_was_shorter_ends_where_their_own_window_ended() -> None:
    challenge = rules(attempt=7 * H, window=24 * H)
    start = T0 + 2 * H
    short = Member("sam", [(start, 0), (start + H, 2020)], (start, start + 3.5 * H))
    full = Member("kim", [(T0, 0), (T0 + 6 * H, 900)], (T0, T0 + 7 * H))
    spec = chart_spec(ProgressChart("t", challenge, [short, full], BERLIN))
    assert spec.line("sam").xs[-1] == 3.5 * 3600 and spec.line("sam").xs[0] == 0
    assert spec.line("kim").xs[-1] == 7 * 3600
    assert spec.x.high == 7 * 3600


def test_short_attempts_are_labelled_in_hours_and_minutes() -> None:
    challenge = rules(1000, attempt=210 * MIN, window=48 * H)
    spec = spec_of(challenge, [(ALICE, 400, T0 + 5 * H), (BOB, 300, T0 + 3 * H)])
    assert spec.x.high == 210 * 60
    assert spec.x.labels == ("0", "1", "2", "3") and spec.x.title.startswith("hours since")
    minutes = chart_module._elapsed_axis(10 * 60)
    assert minutes.labels == ("0", "2", "4", "6", "8", "10") and minutes.title.startswith("minutes since")
    mixed = chart_module._elapsed_axis(90 * 60)
    assert mixed.labels == ("0:00", "0:15", "0:30", "0:45", "1:00", "1:15", "1:30") and mixed.title.endswith("(h:mm)")
    days = chart_module._elapsed_axis(30 * 24 * 3600)
    assert days.labels == ("0", "5", "10", "15", "20", "25", "30") and days.title.startswith("days since")


# --- total mode -----------------------------------------------------------------------------------

TOTAL_LOGS = [
    (ALICE, 10_000_000, T0 + 20 * H),
    (BOB, 5_500_000, T0 + 30 * H),
    (CAROL, 12_000_000, T0 + 50 * H),
    (ALICE, 8_000_000, T0 + 80 * H),
    (BOB, 9_000_000, T0 + 120 * H),
    (CAROL, 7_250_000, T0 + 150 * H),
]


def test_total_mode_draws_the_combined_total_against_the_target() -> None:
    spec = spec_of(rules(50_000_000, unit=KM, mode=Mode.TOTAL, window=7 * 24 * H), TOTAL_LOGS, (ALICE, BOB, CAROL))
    assert spec.legend == (
        "target 50 km",
        "together — 51.75 km",
        "alice — 18 km",
        "bob — 14.5 km",
        "carol — 19.25 km",
    )
    together, target = spec.line("together"), spec.line("target")
    bands = [spec.line(name) for name in ("alice", "bob", "carol")]
    for x in sorted(set(together.xs)):
        assert value_at(together, x) == pytest.approx(sum(own_amount(band, x) for band in bands))
    assert value_at(together, 119 * 3600) == pytest.approx(10 + 5.5 + 12 + 8)
    assert together.ys[-1] == pytest.approx(51.75) and target.ys == (50, 50)
    # Stacked: each member's band sits on the previous one; the top band's edge is the combined line.
    assert set(bands[0].fill_from or ()) == {0.0}
    assert bands[1].fill_from == bands[0].ys and bands[2].fill_from == bands[1].ys
    assert bands[2].ys == together.ys
    assert together.width > max(band.width for band in bands)
    assert spec.y.high >= 51.75
    assert_readable_ticks(spec)


def own_amount(band: Line, x: float) -> float:
    """One member's own amount at `x`: the height of their band."""
    return value_at(band, x) - value_at(Line("", band.xs, band.fill_from or (), ""), x)


def test_total_mode_with_attempt_clocks_spans_the_attempts_in_local_time() -> None:
    challenge = rules(3000, mode=Mode.TOTAL, attempt=7 * H, window=24 * H)
    logs = [(ALICE, 800, T0 + 2 * H), (BOB, 500, T0 + 6 * H), (BOB, 1200, T0 + 11 * H)]
    spec = spec_of(challenge, logs)
    # From alice's start (+2 h) to the end of bob's clock (+13 h).
    assert (spec.x.low, spec.x.high) == (0.0, 11 * 3600)
    together = spec.line("together")
    assert value_at(together, 0) == 800 and value_at(together, 9 * 3600) == 2500
    assert "Europe/Berlin" in spec.x.title


# --- numbers, zero, short windows -----------------------------------------------------------------


def test_large_targets_read_in_plain_numbers_and_a_member_at_zero_stays_visible() -> None:
    challenge = rules(1_000_000, unit=STEPS, window=30 * 24 * H)
    logs = [(ALICE, 90_000, T0 + d * 24 * H) for d in range(12)] + [(BOB, 40_000, T0 + d * 24 * H) for d in range(3)]
    spec = spec_of(challenge, logs, (ALICE, BOB, CAROL))
    assert spec.line("target").label == "target 1,000,000 steps"
    assert spec.y.labels == ("0", "200k", "400k", "600k", "800k", "1M", "1.2M")
    assert all("e" not in label for label in spec.y.labels)
    carol = spec.line("carol")
    assert carol.label == "carol — 0 steps"
    assert set(carol.ys) == {0} and carol.end_marker  # a dot at the end, on a line drawn above the frame
    assert spec.y.low < 0
    assert_readable_ticks(spec)


def test_distances_keep_their_decimals_on_the_axis() -> None:
    axis = chart_module._value_axis(0, 5.25, "km", fractional=True)
    assert axis.labels == ("0", "1", "2", "3", "4", "5", "6")
    small = chart_module._value_axis(0, 0.8, "km", fractional=True)
    assert small.labels == ("0", "0.2", "0.4", "0.6", "0.8", "1")


def test_counts_never_get_fractional_ticks() -> None:
    axis = chart_module._value_axis(0, 3, "reps", fractional=False)
    assert axis.labels == ("0", "1", "2", "3", "4")


def test_a_ten_minute_window_has_distinct_minute_labels() -> None:
    spec = spec_of(rules(50, window=10 * MIN), [(ALICE, 20, T0 + 2 * MIN), (BOB, 51, T0 + 8 * MIN)])
    assert spec.x.labels == ("09:00", "09:02", "09:04", "09:06", "09:08", "09:10")
    assert_readable_ticks(spec)


def test_a_one_minute_window_shows_seconds() -> None:
    start = T0 + timedelta(seconds=7)
    spec = spec_of(rules(15, window=MIN, start=start), [(ALICE, 5, start + timedelta(seconds=13))])
    assert spec.x.labels == ("09:00:15", "09:00:30", "09:00:45", "09:01:00")
    assert_readable_ticks(spec)


def test_the_night_the_clocks_go_back_shows_no_hour_twice() -> None:
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 00:00 CEST; at 03:00 CEST it is 02:00 CET again
    spec = spec_of(rules(100, window=5 * H, start=start), [(ALICE, 50, start + H)])
    assert_readable_ticks(spec)


def test_the_night_the_clocks_go_forward_skips_the_missing_hour() -> None:
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 CET; 02:00 CET does not happen, it is 03:00 CEST
    axis = chart_module._clock_axis(start, start + 10 * H, BERLIN)
    assert axis.labels == ("00:00", "04:00", "06:00", "08:00", "10:00")  # every 2 h, no odd "03:00"
    assert axis.ticks[1] == 3 * 3600  # 04:00 CEST is 3 real hours after midnight CET


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham"]


@settings(max_examples=150, deadline=None)
@example(start_offset=0, length=24 * 3600, zone="UTC")  # midnight to midnight: 00:00 twice, on two days
@given(
    start_offset=st.integers(0, 400 * 24 * 3600),
    length=st.integers(60, 366 * 24 * 3600),
    zone=st.sampled_from(ZONES),
)
def test_clock_ticks_never_repeat_and_fit_under_the_plot(start_offset: int, length: int, zone: str) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=start_offset)
    axis = chart_module._clock_axis(start, start + timedelta(seconds=length), ZoneInfo(zone))
    assert 2 <= len(axis.ticks) <= MAX_X_TICKS
    assert len(set(axis.labels)) == len(axis.labels)
    assert all(0 <= t <= length for t in axis.ticks)
    assert chart_module._fits(axis.labels)


@settings(max_examples=100, deadline=None)
@given(length=st.integers(60, 366 * 24 * 3600))
def test_elapsed_ticks_never_repeat(length: int) -> None:
    axis = chart_module._elapsed_axis(float(length))
    assert 2 <= len(axis.ticks) <= MAX_X_TICKS and len(set(axis.labels)) == len(axis.labels)
    assert axis.high == length and chart_module._fits(axis.labels)


@settings(max_examples=200, deadline=None)
@given(
    high=st.integers(0, 10**9),
    low=st.integers(-(10**6), 0),
    per_unit=st.sampled_from([1, 1000, 1_000_000, 1_609_344]),
)
def test_value_ticks_are_plain_distinct_numbers_above_every_value(high: int, low: int, per_unit: int) -> None:
    top, bottom = high / per_unit, max(low, -high) / per_unit
    axis = chart_module._value_axis(bottom, top, "x", fractional=per_unit > 1)
    assert len(set(axis.labels)) == len(axis.labels) and len(axis.labels) <= MAX_Y_TICKS
    assert "0" in axis.labels
    assert axis.high >= top and axis.low < min(bottom, 0) + 1e-12
    assert not any("e" in label.lower() for label in axis.labels)


# --- legend and theme -----------------------------------------------------------------------------


def test_long_names_are_shortened_to_fit_the_legend_columns() -> None:
    names = {uid: f"member number {uid} with a very long display name" for uid in range(1, 9)}
    challenge = rules(500)
    entries = [LogEntry(uid, 10 * uid, T0 + uid * H) for uid in names]
    series = rules_mod.progress_series(challenge, list(names), entries, challenge.ends_at)
    members = [Member(names[uid], series[uid], (challenge.starts_at, challenge.ends_at)) for uid in names]
    spec = chart_spec(ProgressChart("t", challenge, members, BERLIN))
    assert spec.layout.legend_columns == 2
    assert all(len(label) <= 21 for label in spec.legend)
    assert spec.legend[1] == "member num… — 10 reps"


def test_colours_are_for_the_dark_theme_and_the_target_stands_apart() -> None:
    spec = spec_of(rules(), SEED_LOGS)
    assert spec.theme.background == "#2B2D31"  # Discord's dark embed background, no white box
    target, members = spec.line("target"), [spec.line("alice"), spec.line("bob")]
    assert target.dashed and not any(m.dashed for m in members)
    assert target.color not in spec.theme.palette and len({m.color for m in members}) == 2
    assert all(_luminance(m.color) > 0.35 for m in members)  # bright on a dark background
    assert _luminance(spec.theme.background) < 0.2 and _luminance(spec.theme.grid) < 0.3
    assert _luminance(spec.theme.text) > 0.8


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
