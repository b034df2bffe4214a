from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.challenges import (
    ChallengeRules,
    ChallengeStatus,
    LogEntry,
    Mode,
    build_rules,
    check_can_log,
    clean_activity,
    extend_rules,
    milestones_crossed,
    outcome,
    participant_window,
    progress_after_log,
    progress_series,
    reminder_at,
    standings,
    title,
)
from bot.domain.units import KM, MI, MIN, REPS, STEPS
from bot.errors import UserError

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ALICE, BOB, CARA = 101, 202, 303


def seed_rules(**overrides: object) -> ChallengeRules:
    args: dict[str, object] = {
        "activity": "pushups",
        "unit": REPS,
        "mode": Mode.EACH,
        "now": NOW,
        "target": 2020,
        "duration": 7 * HOUR,
    }
    args.update(overrides)
    return build_rules(**args)  # type: ignore[arg-type]


def attempt_rules(**overrides: object) -> ChallengeRules:
    args: dict[str, object] = {"duration": None, "attempt": 7 * HOUR, "latest_start": NOW + 24 * HOUR}
    args.update(overrides)
    return seed_rules(**args)


def seed_logs(start: datetime = NOW, user: int = ALICE) -> list[LogEntry]:
    """2,020 pushups in chunks: 300 every hour for six hours, the last 220 at 6 h 41 min."""
    logs = [LogEntry(user, 300, start + i * HOUR + timedelta(minutes=30)) for i in range(6)]
    logs.append(LogEntry(user, 220, start + timedelta(hours=6, minutes=41)))
    return logs


# --- building rules ---------------------------------------------------------------------------


def test_the_seed_challenge_is_titled_as_the_story_tells_it() -> None:
    rules = seed_rules()
    assert title(rules) == "2,020 pushups in under 7 hours"
    assert rules.starts_at == NOW
    assert rules.ends_at == NOW + 7 * HOUR


def test_the_seed_as_an_attempt_clock_has_the_same_title() -> None:
    rules = attempt_rules()
    assert title(rules) == "2,020 pushups in under 7 hours"
    assert rules.latest_start == NOW + 24 * HOUR
    assert rules.ends_at == NOW + 31 * HOUR


def test_titles_for_other_shapes() -> None:
    run = seed_rules(
        activity="run", unit=KM, target=5_000_000, duration=None, ends_at=NOW + timedelta(days=2, seconds=7)
    )
    assert title(run, ZoneInfo("Europe/Berlin")) == "5 km run by 1 Dec 13:00 CET"
    assert title(seed_rules(mode=Mode.TOTAL)) == "2,020 pushups together in under 7 hours"
    assert title(seed_rules(mode=Mode.MOST, target=None, duration=2 * timedelta(days=1))) == "Most pushups in 2 days"
    assert title(seed_rules(mode=Mode.MOST, target=100)) == "Most pushups in 7 hours (at least 100 reps)"
    assert title(seed_rules(activity="steps", unit=STEPS, target=10_000)) == "10,000 steps in under 7 hours"
    assert title(seed_rules(activity="run", unit=KM, mode=Mode.MOST, target=None)) == "Most km run in 7 hours"
    assert title(seed_rules(activity="plank", unit=MIN, target=30 * 60_000)) == "30 min plank in under 7 hours"


def test_an_end_that_words_would_round_is_named_as_a_date_not_an_odd_duration() -> None:
    # Typed as an end ("friday 18:00") 4 days 8 hours 16 minutes ahead: nobody says that duration.
    rules = seed_rules(duration=None, ends_at=NOW + timedelta(days=4, hours=8, minutes=16))
    assert title(rules) == "2,020 pushups by 3 Dec 20:16 UTC"
    round_window = seed_rules(duration=None, ends_at=NOW + timedelta(days=2, hours=12))
    assert title(round_window) == "2,020 pushups in under 2 days 12 hours"


def test_a_date_in_another_year_shows_the_year() -> None:
    rules = seed_rules(duration=None, ends_at=datetime(2027, 1, 3, 17, 30, 5, tzinfo=UTC))
    assert title(rules) == "2,020 pushups by 3 Jan 2027 17:30 UTC"


def test_activity_is_trimmed_and_collapsed() -> None:
    assert seed_rules(activity="  push   ups ").activity == "push ups"
    assert clean_activity("run") == "run"


@pytest.mark.parametrize("activity", ["", "   ", "a" * 51, "push\nups", "tab\there", "nul\x00"])
def test_bad_activity_names_are_refused(activity: str) -> None:
    with pytest.raises(UserError):
        seed_rules(activity=activity)


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(UserError, match="each, total or most"):
        seed_rules(mode="fastest")


def test_each_and_total_need_a_target_but_most_does_not() -> None:
    with pytest.raises(UserError, match="target"):
        seed_rules(target=None)
    with pytest.raises(UserError, match="target"):
        seed_rules(target=None, mode=Mode.TOTAL)
    assert seed_rules(target=None, mode=Mode.MOST).target is None


@pytest.mark.parametrize("target", [0, -5, 1_000_001, 2**53])
def test_absurd_targets_are_refused(target: int) -> None:
    with pytest.raises(UserError):
        seed_rules(target=target)


def test_a_deadline_in_the_past_is_refused() -> None:
    with pytest.raises(UserError, match="past"):
        seed_rules(duration=None, ends_at=NOW - HOUR)
    with pytest.raises(UserError, match="past"):
        seed_rules(duration=None, ends_at=NOW)


def test_a_start_in_the_past_is_refused() -> None:
    with pytest.raises(UserError, match="past"):
        seed_rules(starts_at=NOW - HOUR)
    assert seed_rules(starts_at=NOW - timedelta(seconds=5)).starts_at == NOW - timedelta(seconds=5)


def test_the_end_must_come_after_the_start() -> None:
    with pytest.raises(UserError, match="after the start"):
        seed_rules(starts_at=NOW + 2 * HOUR, duration=None, ends_at=NOW + HOUR)


@pytest.mark.parametrize("duration", [timedelta(seconds=30), timedelta(days=367)])
def test_windows_shorter_than_a_minute_or_longer_than_a_year_are_refused(duration: timedelta) -> None:
    with pytest.raises(UserError):
        seed_rules(duration=duration)
    with pytest.raises(UserError):
        seed_rules(duration=None, ends_at=NOW + duration)


def test_duration_and_end_time_are_either_or() -> None:
    with pytest.raises(UserError, match="either"):
        seed_rules(ends_at=NOW + HOUR)
    with pytest.raises(UserError, match="either"):
        seed_rules(duration=None)


def test_a_scheduled_start_counts_the_duration_from_the_start() -> None:
    rules = seed_rules(starts_at=NOW + 24 * HOUR)
    assert rules.ends_at == NOW + 31 * HOUR


def test_attempt_clock_rules() -> None:
    assert attempt_rules(latest_start=None, ends_at=NOW + 10 * HOUR).latest_start == NOW + 3 * HOUR
    assert attempt_rules(latest_start=None).latest_start == NOW + timedelta(days=7)
    with pytest.raises(UserError, match="latest start"):
        attempt_rules(latest_start=NOW - HOUR)
    with pytest.raises(UserError, match="latest start"):
        attempt_rules(starts_at=NOW + 5 * HOUR, latest_start=NOW + HOUR)
    with pytest.raises(UserError):
        attempt_rules(ends_at=NOW + 40 * HOUR)
    with pytest.raises(UserError):
        attempt_rules(attempt=timedelta(seconds=10))
    with pytest.raises(UserError):
        attempt_rules(duration=7 * HOUR)
    with pytest.raises(UserError, match="latest start"):
        seed_rules(latest_start=NOW + HOUR)


def test_naive_datetimes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        seed_rules(now=datetime(2026, 1, 1))  # noqa: DTZ001


def test_extending_moves_the_end_and_the_latest_start() -> None:
    rules = extend_rules(seed_rules(), NOW + 9 * HOUR, NOW + HOUR)
    assert rules.ends_at == NOW + 9 * HOUR
    clock = extend_rules(attempt_rules(), NOW + 40 * HOUR, NOW + HOUR)
    assert clock.latest_start == NOW + 33 * HOUR
    with pytest.raises(UserError, match="later"):
        extend_rules(seed_rules(), NOW + 6 * HOUR, NOW + HOUR)


# --- who may log when -------------------------------------------------------------------------


def test_participants_may_log_while_the_window_is_open() -> None:
    check_can_log(seed_rules(), ChallengeStatus.ACTIVE, True, None, NOW + HOUR)


def test_logging_after_deadline_is_refused() -> None:
    with pytest.raises(UserError, match="ended"):
        check_can_log(seed_rules(), ChallengeStatus.ACTIVE, True, None, NOW + 7 * HOUR)


def test_logging_before_the_start_is_refused() -> None:
    rules = seed_rules(starts_at=NOW + HOUR)
    with pytest.raises(UserError, match="hasn't started"):
        check_can_log(rules, ChallengeStatus.SCHEDULED, True, None, NOW)


def test_non_participants_may_not_log() -> None:
    with pytest.raises(UserError, match="join"):
        check_can_log(seed_rules(), ChallengeStatus.ACTIVE, False, None, NOW + HOUR)


@pytest.mark.parametrize("status", [ChallengeStatus.CANCELLED, ChallengeStatus.FINISHED])
def test_closed_challenges_refuse_logs(status: ChallengeStatus) -> None:
    with pytest.raises(UserError):
        check_can_log(seed_rules(), status, True, None, NOW + HOUR)


def test_logging_after_the_attempt_clock_ran_out_is_refused() -> None:
    rules = attempt_rules()
    first = NOW + 2 * HOUR
    check_can_log(rules, ChallengeStatus.ACTIVE, True, first, first + 6 * HOUR)
    with pytest.raises(UserError, match="clock has run out"):
        check_can_log(rules, ChallengeStatus.ACTIVE, True, first, first + 7 * HOUR)


def test_a_first_log_after_the_latest_start_is_refused() -> None:
    rules = attempt_rules()
    check_can_log(rules, ChallengeStatus.ACTIVE, True, None, NOW + 24 * HOUR)
    with pytest.raises(UserError, match="latest start"):
        check_can_log(rules, ChallengeStatus.ACTIVE, True, None, NOW + 25 * HOUR)


def test_participant_windows() -> None:
    assert participant_window(seed_rules(), None) == (NOW, NOW + 7 * HOUR)
    assert participant_window(seed_rules(), NOW + HOUR) == (NOW, NOW + 7 * HOUR)
    rules = attempt_rules()
    assert participant_window(rules, NOW + 3 * HOUR) == (NOW + 3 * HOUR, NOW + 10 * HOUR)
    assert participant_window(rules, None) == (NOW, rules.ends_at)


# --- standings and outcome --------------------------------------------------------------------


def test_the_seed_is_reached_at_six_hours_forty_one_minutes() -> None:
    rules = seed_rules()
    board = standings(rules, [ALICE], seed_logs(), NOW + 7 * HOUR)
    row = board.rows[0]
    assert row.total == 2020
    assert row.percent == 100
    assert row.reached_at == NOW + timedelta(hours=6, minutes=41)
    assert row.elapsed_to_target == timedelta(hours=6, minutes=41)
    result = outcome(rules, [ALICE], seed_logs())[ALICE]
    assert result.succeeded
    assert result.elapsed_to_target == timedelta(hours=6, minutes=41)


def test_the_seed_as_an_attempt_counts_from_the_first_log() -> None:
    rules = attempt_rules()
    start = NOW + 5 * HOUR
    logs = [LogEntry(ALICE, 50, start), *seed_logs(start)]
    logs[-1] = LogEntry(ALICE, 170, start + timedelta(hours=6, minutes=41))
    result = outcome(rules, [ALICE], logs)[ALICE]
    assert result.succeeded
    assert result.reached_at == start + timedelta(hours=6, minutes=41)
    assert result.elapsed_to_target == timedelta(hours=6, minutes=41)


def test_mid_challenge_status_shows_pace_and_projection() -> None:
    rules = seed_rules()
    now = NOW + 3 * HOUR
    logs = [LogEntry(ALICE, 300, NOW + HOUR), LogEntry(ALICE, 300, NOW + 2 * HOUR), LogEntry(ALICE, 300, now)]
    row = standings(rules, [ALICE], logs, now).rows[0]
    assert row.total == 900
    assert row.percent == pytest.approx(900 * 100 / 2020)
    assert row.rate_per_hour == 300
    assert row.needed_per_hour == 280  # 1,120 left in 4 h
    assert row.projected_finish == NOW + timedelta(hours=6, minutes=44)
    assert row.on_track is True
    assert row.reached_at is None


def test_falling_behind_is_not_on_track() -> None:
    rules = seed_rules()
    row = standings(rules, [ALICE], [LogEntry(ALICE, 100, NOW + HOUR)], NOW + 2 * HOUR).rows[0]
    assert row.on_track is False
    assert row.projected_finish is not None and row.projected_finish > rules.ends_at


def test_falling_short_fails() -> None:
    logs = seed_logs()[:-1]
    result = outcome(seed_rules(), [ALICE], logs)[ALICE]
    assert not result.succeeded
    assert result.total == 1800
    assert result.reached_at is None


def test_logs_outside_the_window_are_ignored() -> None:
    rules = seed_rules(starts_at=NOW + HOUR)
    logs = [
        LogEntry(ALICE, 1000, NOW),  # before the start
        LogEntry(ALICE, 500, NOW + 2 * HOUR),
        LogEntry(ALICE, 1000, NOW + 8 * HOUR),  # exactly at the end: closed
        LogEntry(ALICE, 1000, NOW + 9 * HOUR),  # after the end
    ]
    assert outcome(rules, [ALICE], logs)[ALICE].total == 500


def test_logs_after_the_attempt_clock_are_ignored() -> None:
    rules = attempt_rules()
    start = NOW + HOUR
    logs = [LogEntry(ALICE, 2000, start), LogEntry(ALICE, 20, start + 7 * HOUR)]
    result = outcome(rules, [ALICE], logs)[ALICE]
    assert result.total == 2000
    assert not result.succeeded


def test_a_kept_first_log_time_overrides_the_earliest_log() -> None:
    rules = attempt_rules()
    logs = [LogEntry(ALICE, 2020, NOW + 9 * HOUR)]
    assert outcome(rules, [ALICE], logs)[ALICE].succeeded
    kept = {ALICE: NOW + HOUR}  # the log that started the clock was undone
    assert not outcome(rules, [ALICE], logs, first_logs=kept)[ALICE].succeeded


def test_a_participant_who_never_starts_the_clock() -> None:
    rules = attempt_rules()
    row = standings(rules, [ALICE], [], NOW + HOUR).rows[0]
    assert not row.started
    assert row.start_by == rules.latest_start
    assert row.needed_per_hour == Decimal(2020) / 7
    assert row.rate_per_hour is None
    assert not outcome(rules, [ALICE], [])[ALICE].succeeded


def test_non_participants_logs_are_ignored() -> None:
    logs = [LogEntry(BOB, 5000, NOW + HOUR), LogEntry(ALICE, 10, NOW + HOUR)]
    board = standings(seed_rules(), [ALICE], logs, NOW + 2 * HOUR)
    assert [r.user_id for r in board.rows] == [ALICE]
    assert board.total == 10


def test_future_logs_do_not_count_yet() -> None:
    board = standings(seed_rules(), [ALICE], seed_logs(), NOW + 2 * HOUR)
    assert board.rows[0].total == 600


def test_each_mode_judges_everyone_separately() -> None:
    logs = [*seed_logs(user=ALICE), LogEntry(BOB, 2019, NOW + HOUR), LogEntry(CARA, 2020, NOW + 2 * HOUR)]
    results = outcome(seed_rules(), [ALICE, BOB, CARA], logs)
    assert {uid: r.succeeded for uid, r in results.items()} == {ALICE: True, BOB: False, CARA: True}
    assert results[CARA].rank == 1  # faster than Alice
    assert results[ALICE].rank == 2
    assert results[BOB].rank == 3


def test_total_mode_succeeds_together() -> None:
    rules = seed_rules(mode=Mode.TOTAL)
    logs = [LogEntry(ALICE, 1500, NOW + HOUR), LogEntry(BOB, 520, NOW + 3 * HOUR)]
    results = outcome(rules, [ALICE, BOB, CARA], logs)
    assert all(r.succeeded for r in results.values())
    assert {r.reached_at for r in results.values()} == {NOW + 3 * HOUR}
    board = standings(rules, [ALICE, BOB, CARA], logs, NOW + 4 * HOUR)
    assert board.total == 2020
    assert board.percent == 100
    assert board.reached_at == NOW + 3 * HOUR


def test_total_mode_fails_together() -> None:
    logs = [LogEntry(ALICE, 1500, NOW + HOUR), LogEntry(BOB, 519, NOW + 3 * HOUR)]
    results = outcome(seed_rules(mode=Mode.TOTAL), [ALICE, BOB], logs)
    assert not any(r.succeeded for r in results.values())


def test_total_mode_status_shows_what_the_group_still_needs() -> None:
    rules = seed_rules(mode=Mode.TOTAL)
    board = standings(rules, [ALICE, BOB], [LogEntry(ALICE, 1020, NOW + HOUR)], NOW + 2 * HOUR)
    assert board.needed_per_hour == 200
    # 1,020 in the first 2 h is 510/h; the last 1,000 take another 1 h 57 min 38.8 s
    assert board.projected_finish == NOW + 2 * HOUR + timedelta(microseconds=7_058_823_529)
    assert board.rows[0].needed_per_hour is None


def test_most_mode_highest_total_wins() -> None:
    rules = seed_rules(mode=Mode.MOST, target=None)
    logs = [LogEntry(ALICE, 50, NOW + HOUR), LogEntry(BOB, 80, NOW + HOUR), LogEntry(CARA, 10, NOW + HOUR)]
    results = outcome(rules, [ALICE, BOB, CARA], logs)
    assert [uid for uid, r in results.items() if r.succeeded] == [BOB]
    assert results[BOB].rank == 1 and results[ALICE].rank == 2 and results[CARA].rank == 3


def test_most_mode_ties_at_the_top_all_win() -> None:
    rules = seed_rules(mode=Mode.MOST, target=None)
    logs = [LogEntry(ALICE, 80, NOW + HOUR), LogEntry(BOB, 80, NOW + 2 * HOUR), LogEntry(CARA, 10, NOW + HOUR)]
    results = outcome(rules, [ALICE, BOB, CARA], logs)
    assert {uid for uid, r in results.items() if r.succeeded} == {ALICE, BOB}
    assert results[ALICE].rank == results[BOB].rank == 1
    assert results[CARA].rank == 3


def test_most_mode_nobody_wins_with_nothing() -> None:
    results = outcome(seed_rules(mode=Mode.MOST, target=None), [ALICE, BOB], [])
    assert not any(r.succeeded for r in results.values())


def test_most_mode_with_a_target_needs_the_target_too() -> None:
    rules = seed_rules(mode=Mode.MOST, target=100)
    short = outcome(rules, [ALICE, BOB], [LogEntry(ALICE, 90, NOW + HOUR), LogEntry(BOB, 10, NOW + HOUR)])
    assert not any(r.succeeded for r in short.values())
    made = outcome(rules, [ALICE, BOB], [LogEntry(ALICE, 150, NOW + HOUR), LogEntry(BOB, 120, NOW + HOUR)])
    assert [uid for uid, r in made.items() if r.succeeded] == [ALICE]


def test_a_negative_correction_undoes_reaching_the_target() -> None:
    logs = [LogEntry(ALICE, 2020, NOW + HOUR), LogEntry(ALICE, -100, NOW + 2 * HOUR)]
    assert not outcome(seed_rules(), [ALICE], logs)[ALICE].succeeded
    logs.append(LogEntry(ALICE, 100, NOW + 3 * HOUR))
    assert outcome(seed_rules(), [ALICE], logs)[ALICE].reached_at == NOW + 3 * HOUR


def test_duplicate_participants_are_counted_once() -> None:
    board = standings(seed_rules(), [ALICE, ALICE], [LogEntry(ALICE, 5, NOW)], NOW + HOUR)
    assert len(board.rows) == 1 and board.total == 5


def test_progress_series_for_the_chart() -> None:
    series = progress_series(seed_rules(), [ALICE, BOB], seed_logs(), NOW + 7 * HOUR)
    assert series[BOB] == [(NOW, 0)]
    assert series[ALICE][0] == (NOW, 0)
    assert series[ALICE][-1] == (NOW + timedelta(hours=6, minutes=41), 2020)
    assert [v for _, v in series[ALICE]] == sorted(v for _, v in series[ALICE])


# --- reminders and milestones -----------------------------------------------------------------


def test_reminder_an_hour_before_the_end() -> None:
    assert reminder_at(NOW, NOW + 7 * HOUR) == NOW + 6 * HOUR
    assert reminder_at(NOW, NOW + 2 * HOUR) == NOW + HOUR


def test_short_windows_are_reminded_halfway() -> None:
    assert reminder_at(NOW, NOW + 90 * timedelta(minutes=1)) == NOW + 45 * timedelta(minutes=1)
    assert reminder_at(NOW, NOW + 30 * timedelta(minutes=1), before=timedelta(minutes=10)) == NOW + timedelta(
        minutes=20
    )


def test_no_reminder_outside_the_window() -> None:
    assert reminder_at(NOW, NOW) is None
    assert reminder_at(NOW, NOW + timedelta(microseconds=1)) is None


def test_milestones_crossed() -> None:
    assert milestones_crossed(10, 55) == [50]
    assert milestones_crossed(10, 120) == [50, 100]
    assert milestones_crossed(50, 99) == []
    assert milestones_crossed(49.9, 50) == [50]
    assert milestones_crossed(100, 150) == []
    assert milestones_crossed(None, None) == []
    assert milestones_crossed(0, 30, marks=(25, 75)) == [25]


# --- invariants ---------------------------------------------------------------------------------

users = st.sampled_from([ALICE, BOB, CARA])
offsets = st.integers(min_value=-3600, max_value=9 * 3600)
log_entries = st.lists(
    st.builds(
        lambda u, a, s: LogEntry(u, a, NOW + timedelta(seconds=s)),
        users,
        st.integers(min_value=1, max_value=800),
        offsets,
    ),
    max_size=30,
)
modes = st.sampled_from(list(Mode))


def rules_for(mode: Mode, attempt: bool) -> ChallengeRules:
    target = None if mode is Mode.MOST else 2020
    if attempt:
        return attempt_rules(mode=mode, target=target, attempt=3 * HOUR, latest_start=NOW + 4 * HOUR)
    return seed_rules(mode=mode, target=target)


@given(log_entries, modes, st.booleans(), st.randoms(use_true_random=False))
def test_totals_and_outcome_do_not_depend_on_log_order(
    logs: list[LogEntry], mode: Mode, attempt: bool, rnd: object
) -> None:
    rules = rules_for(mode, attempt)
    shuffled = list(logs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    people = [ALICE, BOB, CARA]
    assert outcome(rules, people, logs) == outcome(rules, people, shuffled)
    now = NOW + 4 * HOUR
    assert standings(rules, people, logs, now) == standings(rules, people, shuffled, now)


@given(log_entries, st.builds(LogEntry, users, st.integers(min_value=1, max_value=800), st.just(NOW + HOUR)))
def test_adding_a_log_never_lowers_percent(logs: list[LogEntry], extra: LogEntry) -> None:
    rules = seed_rules(mode=Mode.TOTAL)
    now = NOW + 8 * HOUR
    before = standings(rules, [ALICE, BOB, CARA], logs, now)
    after = standings(rules, [ALICE, BOB, CARA], [*logs, extra], now)
    assert after.percent is not None and before.percent is not None
    assert after.percent >= before.percent
    row_before, row_after = before.row(extra.user_id), after.row(extra.user_id)
    assert row_before is not None and row_after is not None
    assert row_after.percent is not None and row_before.percent is not None
    assert row_after.percent > row_before.percent


@given(log_entries, modes, st.booleans())
def test_counted_totals_stay_inside_the_windows(logs: list[LogEntry], mode: Mode, attempt: bool) -> None:
    rules = rules_for(mode, attempt)
    results = outcome(rules, [ALICE, BOB, CARA], logs)
    for uid, result in results.items():
        own = [log for log in logs if log.user_id == uid and rules.starts_at <= log.at < rules.ends_at]
        assert 0 <= result.total <= sum(log.amount for log in own)
        if result.reached_at is not None:
            assert rules.starts_at <= result.reached_at < rules.ends_at


@given(log_entries)
def test_projection_is_after_now_and_reached_rows_have_none(logs: list[LogEntry]) -> None:
    rules = seed_rules()
    now = NOW + 3 * HOUR
    for row in standings(rules, [ALICE, BOB, CARA], logs, now).rows:
        if row.projected_finish is not None:
            assert row.projected_finish >= now
            assert row.total > 0 and not row.reached
        if row.reached:
            assert row.projected_finish is None and row.needed_per_hour is None


def test_each_mode_units_other_than_reps_work_the_same() -> None:
    rules = seed_rules(activity="run", unit=KM, target=5_000_000)
    logs = [LogEntry(ALICE, 1_609_344, NOW + HOUR), LogEntry(ALICE, 3_390_656, NOW + 2 * HOUR)]
    assert outcome(rules, [ALICE], logs)[ALICE].succeeded
    assert MI.kind is KM.kind


accepted_logs = st.lists(
    st.tuples(
        users,
        st.integers(min_value=1, max_value=800) | st.sampled_from([100, 250, 500]),  # round ones hit marks exactly
        st.integers(min_value=0, max_value=3600),
    ),
    max_size=25,
)


@given(accepted_logs, modes, st.booleans(), st.sampled_from([None, 500, 2020]))
def test_progress_after_a_log_matches_the_standings_before_and_after_it(
    items: list[tuple[int, int, int]], mode: Mode, attempt: bool, target: int | None
) -> None:
    """The running-total shortcut `/challenge log` uses says what recomputing every log would say."""
    rules = replace(rules_for(mode, attempt), target=target if target or mode is Mode.MOST else 500)
    people = [ALICE, BOB, CARA]
    logs: list[LogEntry] = []
    first: dict[int, datetime] = {}
    at = rules.starts_at
    for user, amount, gap in items:
        at += timedelta(seconds=gap)
        try:
            check_can_log(rules, ChallengeStatus.ACTIVE, True, first.get(user), at)
        except UserError:
            continue  # refused logs are never stored
        before = standings(rules, people, logs, at, first)
        mine = before.row(user)
        assert mine is not None
        progress = progress_after_log(
            rules,
            total_before=mine.total,
            group_before=before.total,
            amount=amount,
            at=at,
            first_log_at=first.get(user),
        )
        logs.append(LogEntry(user, amount, at))
        first.setdefault(user, at)
        after = standings(rules, people, logs, at, first)
        mine_after = after.row(user)
        assert mine_after is not None
        assert (progress.total, progress.percent) == (mine_after.total, mine_after.percent)
        assert (progress.group_total, progress.group_percent) == (after.total, after.percent)
        if mode is Mode.TOTAL:
            crossed = milestones_crossed(before.percent, after.percent)
            reached_now = before.reached_at is None and after.reached_at is not None
            elapsed = after.reached_at - rules.starts_at if after.reached_at is not None else None
        else:
            crossed = milestones_crossed(mine.percent, mine_after.percent)
            reached_now = mine.reached_at is None and mine_after.reached_at is not None
            elapsed = mine_after.elapsed_to_target
        assert progress.reached_now == reached_now
        assert progress.milestone == (crossed[-1] if crossed else None)
        if reached_now:
            assert progress.elapsed_to_target == elapsed
        else:
            assert progress.elapsed_to_target is None
