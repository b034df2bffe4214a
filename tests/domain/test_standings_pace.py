"""Pace and projection in `standings`: believable from the first log on (rules in bot.domain.pace)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.challenges import ChallengeRules, LogEntry, Mode, build_rules, standings
from bot.domain.pace import evidence_time
from bot.domain.units import KM, REPS

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ALICE, BOB = 101, 202


def rules_for(mode: Mode = Mode.EACH, *, attempt: bool = False, **overrides: object) -> ChallengeRules:
    args: dict[str, object] = {
        "activity": "pushups",
        "unit": REPS,
        "mode": mode,
        "now": NOW,
        "target": 2020,
        "duration": None if attempt else 7 * HOUR,
    }
    if attempt:
        args |= {"attempt": 7 * HOUR, "latest_start": NOW + 24 * HOUR}
    args.update(overrides)
    return build_rules(**args)  # type: ignore[arg-type]


def test_a_first_log_of_500_on_an_attempt_clock_shows_no_pace_and_no_verdict() -> None:
    rules = rules_for(attempt=True)
    first = NOW + HOUR
    row = standings(rules, [ALICE], [LogEntry(ALICE, 500, first)], first + timedelta(seconds=4)).rows[0]
    assert row.started and row.total == 500
    assert row.rate_per_hour is None
    assert row.on_track is None and row.projected_finish is None and row.projected_total is None
    assert row.needed_per_hour is not None and row.needed_per_hour < 220  # 1,520 in just under 7 h


def test_an_hour_into_the_attempt_the_pace_is_the_average_since_the_first_log() -> None:
    rules = rules_for(attempt=True)
    first = NOW + HOUR
    logs = [LogEntry(ALICE, 500, first), LogEntry(ALICE, 300, first + HOUR)]
    row = standings(rules, [ALICE], logs, first + HOUR).rows[0]
    assert row.rate_per_hour == 800
    assert row.needed_per_hour == Decimal(1220) / 6
    assert row.on_track is True
    assert row.projected_finish == first + HOUR + timedelta(hours=1, minutes=31, seconds=30)


def test_a_member_falling_behind_sees_what_their_pace_gives_by_the_end() -> None:
    row = standings(rules_for(), [ALICE], [LogEntry(ALICE, 100, NOW + HOUR)], NOW + 2 * HOUR).rows[0]
    assert row.rate_per_hour == 50
    assert row.on_track is False
    assert row.projected_total == 350  # 50 an hour over 7 hours


def test_the_team_total_is_judged_only_with_evidence_too() -> None:
    rules = rules_for(Mode.TOTAL)
    early = standings(rules, [ALICE, BOB], [LogEntry(ALICE, 500, NOW)], NOW + timedelta(minutes=1))
    assert early.rate_per_hour is None and early.on_track is None and early.projected_finish is None
    assert early.needed_per_hour is not None
    behind = standings(rules, [ALICE, BOB], [LogEntry(ALICE, 100, NOW + HOUR)], NOW + 2 * HOUR)
    assert behind.on_track is False and behind.projected_total == 350
    ahead = standings(rules, [ALICE, BOB], [LogEntry(BOB, 1020, NOW + HOUR)], NOW + 2 * HOUR)
    assert ahead.on_track is True and ahead.projected_total is None


def test_a_distance_challenge_keeps_its_rate_in_millimetres_per_hour() -> None:
    rules = rules_for(activity="run", unit=KM, target=10_000_000, duration=2 * HOUR)
    row = standings(
        rules, [ALICE], [LogEntry(ALICE, 5_000_000, NOW + timedelta(minutes=30))], NOW + timedelta(minutes=30)
    ).rows[0]
    assert row.rate_per_hour == 10_000_000  # 6:00 min/km
    assert row.needed_per_hour == Decimal(5_000_000) / Decimal("1.5")


times = st.integers(min_value=0, max_value=8 * 3600).map(lambda s: NOW + timedelta(seconds=s))
logs = st.lists(st.builds(LogEntry, st.sampled_from([ALICE, BOB]), st.integers(1, 3000), times), max_size=8)


@given(logs, times, st.sampled_from(list(Mode)), st.booleans())
def test_no_rate_or_verdict_before_the_clock_has_run_long_enough(
    entries: list[LogEntry], now: datetime, mode: Mode, attempt: bool
) -> None:
    rules = rules_for(mode, attempt=attempt, target=None if mode is Mode.MOST else 2020)
    board = standings(rules, [ALICE, BOB], entries, now)
    for row in board.rows:
        ran = min(now, row.window_end) - row.window_start
        if not row.started or ran < evidence_time(row.window_end - row.window_start):
            assert row.rate_per_hour is None
            assert row.on_track is None and row.projected_finish is None and row.projected_total is None
        if row.projected_finish is not None:
            assert row.projected_finish >= now
        if row.on_track:
            assert row.projected_finish is not None and row.projected_finish < row.window_end
    if min(now, rules.ends_at) - rules.starts_at < evidence_time(rules.ends_at - rules.starts_at):
        assert board.rate_per_hour is None and board.on_track is None
