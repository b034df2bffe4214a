"""The wager's rules in plain Python: when bets lock, when a member is judged, and the escape hatches
that are closed (issue #11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.bets import (
    LockTrigger,
    check_may_cancel_with_bets,
    check_subject_may_leave,
    lock_time,
    lock_trigger,
    still_takes_bets,
)
from bot.domain.challenges import (
    ChallengeStatus,
    LogEntry,
    Mode,
    build_rules,
    check_log_correctable,
    default_attempt_clock,
    judge_participant,
)
from bot.domain.units import REPS
from bot.errors import NotAllowed, UserError

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
SAM, ANA, BEN, ADMIN = 1, 2, 3, 9


def rules(mode: Mode = Mode.EACH, *, attempt: bool = True, start: timedelta | None = None, target: int = 100):
    return build_rules(
        activity="pushups",
        unit=REPS,
        mode=mode,
        now=NOW,
        target=target,
        starts_at=None if start is None else NOW + start,
        duration=None if attempt else timedelta(hours=1),
        attempt=timedelta(hours=1) if attempt else None,
    )


# --------------------------------------------------------------------------- defaults


@pytest.mark.parametrize(
    ("mode", "start_given", "duration_given", "expected"),
    [
        (Mode.EACH, False, True, True),  # "2,020 pushups in under 7 hours": a personal attempt
        (Mode.EACH, True, True, False),  # a start time given: one shared window
        (Mode.EACH, False, False, False),  # an end time: one shared window
        (Mode.TOTAL, False, True, False),  # a team race over one window
        (Mode.MOST, False, True, False),
    ],
)
def test_a_duration_in_each_mode_counts_from_each_members_first_log(
    mode: Mode, start_given: bool, duration_given: bool, expected: bool
) -> None:
    assert default_attempt_clock(mode, start_given=start_given, duration_given=duration_given) is expected


# --------------------------------------------------------------------------- when bets lock


def test_bets_lock_at_the_subjects_first_log_on_an_attempt_clock() -> None:
    assert lock_trigger(rules(), NOW) is LockTrigger.SUBJECT_FIRST_LOG
    assert lock_time(LockTrigger.SUBJECT_FIRST_LOG, NOW, None, NOW) is None  # someone else started
    assert lock_time(LockTrigger.SUBJECT_FIRST_LOG, NOW, NOW + timedelta(hours=1), NOW) == NOW + timedelta(hours=1)


def test_bets_lock_at_a_start_given_in_advance() -> None:
    later = rules(attempt=False, start=timedelta(hours=2))
    assert lock_trigger(later, NOW) is LockTrigger.START
    assert lock_time(LockTrigger.START, later.starts_at, None, None) == NOW + timedelta(hours=2)


def test_bets_on_a_window_that_started_at_creation_lock_at_its_first_log() -> None:
    assert lock_trigger(rules(Mode.TOTAL, attempt=False), NOW) is LockTrigger.FIRST_LOG
    assert lock_time(LockTrigger.FIRST_LOG, NOW, None, None) is None
    assert lock_time(LockTrigger.FIRST_LOG, NOW, None, NOW + timedelta(minutes=5)) == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("trigger", "any_log", "unstarted", "later", "expected"),
    [
        (LockTrigger.START, False, 1, False, True),
        (LockTrigger.START, False, 1, True, False),  # started
        (LockTrigger.FIRST_LOG, False, 1, False, True),
        (LockTrigger.FIRST_LOG, True, 1, False, False),  # someone logged
        (LockTrigger.SUBJECT_FIRST_LOG, True, 1, False, True),  # someone hasn't started yet
        (LockTrigger.SUBJECT_FIRST_LOG, True, 0, False, False),  # everyone started
        (LockTrigger.SUBJECT_FIRST_LOG, False, 1, True, False),  # past the latest start
    ],
)
def test_a_challenge_takes_new_bets_only_before_they_would_lock(
    trigger: LockTrigger, any_log: bool, unstarted: int, later: bool, expected: bool
) -> None:
    now = NOW + timedelta(hours=3 if later else 0)
    starts_at, latest = NOW + timedelta(hours=2), NOW + timedelta(hours=2)
    assert still_takes_bets(trigger, now, starts_at, latest, any_log, unstarted) is expected


# --------------------------------------------------------------------------- per-member results


def test_an_each_member_is_judged_when_they_reach_the_target() -> None:
    logs = [LogEntry(SAM, 60, NOW), LogEntry(SAM, 40, NOW + timedelta(minutes=40))]
    result = judge_participant(rules(), SAM, logs, NOW + timedelta(minutes=40))
    assert result is not None and result.succeeded and result.elapsed_to_target == timedelta(minutes=40)


def test_an_each_member_is_judged_when_their_own_clock_runs_out_not_before() -> None:
    logs = [LogEntry(ANA, 20, NOW + timedelta(minutes=30))]
    assert judge_participant(rules(), ANA, logs, NOW + timedelta(minutes=89)) is None
    result = judge_participant(rules(), ANA, logs, NOW + timedelta(minutes=90))
    assert result is not None and not result.succeeded and result.total == 20


def test_a_member_who_never_started_is_judged_only_at_the_latest_start_plus_the_clock() -> None:
    r = rules()
    assert judge_participant(r, BEN, [], r.ends_at - timedelta(seconds=1)) is None
    result = judge_participant(r, BEN, [], r.ends_at)
    assert result is not None and not result.succeeded


@pytest.mark.parametrize("mode", [Mode.TOTAL, Mode.MOST])
def test_total_and_most_wait_for_the_end_to_judge_anyone(mode: Mode) -> None:
    logs = [LogEntry(SAM, 500, NOW)]
    assert judge_participant(rules(mode), SAM, logs, NOW + timedelta(days=30)) is None


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=60), max_size=6),
    gaps=st.lists(st.integers(min_value=0, max_value=40), min_size=6, max_size=6),
    at=st.integers(min_value=0, max_value=200),
)
def test_a_judgement_never_changes_once_made(amounts: list[int], gaps: list[int], at: int) -> None:
    """Whatever a member logs inside their window, a verdict reached at some moment is the verdict later."""
    r = rules()
    logs, when = [], NOW
    for amount, gap in zip(amounts, gaps, strict=False):
        when += timedelta(minutes=gap)
        logs.append(LogEntry(SAM, amount, when))
    first = logs[0].at if logs else None
    moment = NOW + timedelta(minutes=at)
    # Only logs the bot would have accepted by then: inside the member's own clock.
    visible = [log for log in logs if first is not None and log.at < first + timedelta(hours=1) and log.at <= moment]
    early = judge_participant(r, SAM, visible, moment, first)
    final = judge_participant(r, SAM, [log for log in logs if log.at < (first or NOW) + timedelta(hours=1)], r.ends_at)
    if early is not None:
        assert final is not None and final.succeeded == early.succeeded


# --------------------------------------------------------------------------- escape hatches


def test_a_subject_cannot_leave_while_bets_on_them_are_locked() -> None:
    check_subject_may_leave([])
    with pytest.raises(UserError, match="#2, #5"):
        check_subject_may_leave([5, 2])


def test_a_creator_cannot_cancel_once_bets_are_locked_or_results_are_in() -> None:
    check_may_cancel_with_bets(SAM, False, {}, [])
    with pytest.raises(NotAllowed, match="locked"):
        check_may_cancel_with_bets(BEN, False, {1: {SAM, ANA}}, [])
    with pytest.raises(NotAllowed, match="already have their result"):
        check_may_cancel_with_bets(BEN, False, {}, [SAM])


def test_an_admin_cancels_unless_part_of_a_locked_bet() -> None:
    check_may_cancel_with_bets(ADMIN, True, {1: {SAM, ANA}}, [SAM])
    with pytest.raises(NotAllowed, match="part of bet #1"):
        check_may_cancel_with_bets(ANA, True, {1: {SAM, ANA}}, [])


# --------------------------------------------------------------------------- corrections


@pytest.mark.parametrize(
    ("status", "decided", "message"),
    [
        (ChallengeStatus.FINISHED, False, "already decided"),
        (ChallengeStatus.ACTIVE, True, "already decided"),
        (ChallengeStatus.CANCELLED, False, "cancelled"),
    ],
)
def test_logs_behind_a_result_cannot_be_corrected(status: ChallengeStatus, decided: bool, message: str) -> None:
    with pytest.raises(UserError, match=message):
        check_log_correctable(status, decided, 1)


def test_logs_of_an_undecided_member_can_be_corrected() -> None:
    check_log_correctable(ChallengeStatus.ACTIVE, False, 1)
