from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.penalties import (
    PenaltyStatus,
    Submission,
    build_submission,
    check_reject,
    check_submit,
    check_verify,
    check_waive,
    is_open,
    is_overdue,
    reminder_at,
    status_after_void,
)
from bot.domain.units import KM, MI, MIN, REPS, STEPS, Unit
from bot.errors import NotAllowed, UserError

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
DEBTOR, WINNER, OTHER_WINNER, ADMIN, STRANGER = 1, 2, 3, 4, 5
CREDITORS = (WINNER, OTHER_WINNER)
FIVE_KM = 5_000_000

OWED, SUBMITTED, VERIFIED, WAIVED, CANCELLED = (
    PenaltyStatus.OWED,
    PenaltyStatus.SUBMITTED,
    PenaltyStatus.VERIFIED,
    PenaltyStatus.WAIVED,
    PenaltyStatus.CANCELLED,
)


# --------------------------------------------------------------------------- overdue and reminders


@pytest.mark.parametrize("status", [OWED, SUBMITTED])
def test_open_penalties_are_overdue_from_their_due_time(status: PenaltyStatus) -> None:
    assert not is_overdue(status, NOW, NOW - timedelta(seconds=1))
    assert is_overdue(status, NOW, NOW)
    assert is_overdue(status, NOW, NOW + timedelta(days=1))


@pytest.mark.parametrize("status", [VERIFIED, WAIVED, CANCELLED])
def test_closed_penalties_are_never_overdue(status: PenaltyStatus) -> None:
    assert not is_overdue(status, NOW, NOW + timedelta(days=30))


def test_only_owed_and_submitted_are_open() -> None:
    assert {s for s in PenaltyStatus if is_open(s)} == {OWED, SUBMITTED}


def test_reminder_is_a_day_before_due() -> None:
    assert reminder_at(NOW + timedelta(days=7), NOW) == NOW + timedelta(days=6)


def test_no_reminder_when_the_penalty_is_due_within_a_day_of_assignment() -> None:
    assert reminder_at(NOW + timedelta(hours=24), NOW) is None
    assert reminder_at(NOW + timedelta(hours=3), NOW) is None


# --------------------------------------------------------------------------- submit


def test_the_debtor_submits_an_owed_penalty() -> None:
    assert check_submit(OWED, DEBTOR, DEBTOR) is SUBMITTED


def test_submitting_someone_elses_penalty_is_not_allowed() -> None:
    with pytest.raises(NotAllowed, match="isn't yours"):
        check_submit(OWED, DEBTOR, WINNER)


def test_submitting_twice_is_refused() -> None:
    with pytest.raises(UserError, match="already submitted"):
        check_submit(SUBMITTED, DEBTOR, DEBTOR)


@pytest.mark.parametrize(("status", "words"), [(VERIFIED, "verified"), (WAIVED, "waived"), (CANCELLED, "voided")])
def test_submitting_a_closed_penalty_is_refused(status: PenaltyStatus, words: str) -> None:
    with pytest.raises(UserError, match=words):
        check_submit(status, DEBTOR, DEBTOR)


def test_a_rejected_penalty_can_be_submitted_again() -> None:
    status = check_submit(OWED, DEBTOR, DEBTOR)
    status = check_reject(status, WINNER, DEBTOR, CREDITORS, False)
    assert status is OWED
    assert check_submit(status, DEBTOR, DEBTOR) is SUBMITTED


# --------------------------------------------------------------------------- verify / reject


@pytest.mark.parametrize(("actor", "is_admin"), [(WINNER, False), (OTHER_WINNER, False), (ADMIN, True)])
def test_a_winner_or_an_admin_verifies_a_submission(actor: int, is_admin: bool) -> None:
    assert check_verify(SUBMITTED, actor, DEBTOR, CREDITORS, is_admin) is VERIFIED


@pytest.mark.parametrize("is_admin", [False, True])
def test_verifying_your_own_penalty_is_not_allowed_even_for_an_admin(is_admin: bool) -> None:
    with pytest.raises(NotAllowed, match="your own penalty"):
        check_verify(SUBMITTED, DEBTOR, DEBTOR, CREDITORS, is_admin)


def test_verifying_a_penalty_from_a_bet_you_did_not_win_is_not_allowed() -> None:
    with pytest.raises(NotAllowed, match="winners"):
        check_verify(SUBMITTED, STRANGER, DEBTOR, CREDITORS, False)


def test_verifying_before_submission_is_refused() -> None:
    with pytest.raises(UserError, match="hasn't been submitted"):
        check_verify(OWED, WINNER, DEBTOR, CREDITORS, False)


@pytest.mark.parametrize("status", [VERIFIED, WAIVED, CANCELLED])
def test_verifying_a_closed_penalty_is_refused(status: PenaltyStatus) -> None:
    with pytest.raises(UserError):
        check_verify(status, WINNER, DEBTOR, CREDITORS, False)


def test_rejecting_sends_a_submission_back_to_owed() -> None:
    assert check_reject(SUBMITTED, WINNER, DEBTOR, CREDITORS, False) is OWED
    assert check_reject(SUBMITTED, ADMIN, DEBTOR, CREDITORS, True) is OWED


def test_rejecting_follows_the_same_permissions_as_verifying() -> None:
    with pytest.raises(NotAllowed):
        check_reject(SUBMITTED, DEBTOR, DEBTOR, CREDITORS, True)
    with pytest.raises(NotAllowed):
        check_reject(SUBMITTED, STRANGER, DEBTOR, CREDITORS, False)
    with pytest.raises(UserError):
        check_reject(OWED, WINNER, DEBTOR, CREDITORS, False)


# --------------------------------------------------------------------------- waive


@pytest.mark.parametrize("status", [OWED, SUBMITTED])
@pytest.mark.parametrize(("actor", "is_admin"), [(WINNER, False), (ADMIN, True)])
def test_a_winner_or_an_admin_waives_an_open_penalty(status: PenaltyStatus, actor: int, is_admin: bool) -> None:
    assert check_waive(status, actor, CREDITORS, is_admin, DEBTOR) is WAIVED


@pytest.mark.parametrize("is_admin", [False, True])
def test_the_debtor_cannot_waive_their_own_penalty(is_admin: bool) -> None:
    with pytest.raises(NotAllowed, match="your own penalty"):
        check_waive(OWED, DEBTOR, CREDITORS, is_admin, DEBTOR)


def test_a_member_outside_the_bet_cannot_waive() -> None:
    with pytest.raises(NotAllowed):
        check_waive(OWED, STRANGER, CREDITORS, False, DEBTOR)


@pytest.mark.parametrize("status", [VERIFIED, WAIVED, CANCELLED])
def test_waiving_a_closed_penalty_is_refused(status: PenaltyStatus) -> None:
    with pytest.raises(UserError):
        check_waive(status, WINNER, CREDITORS, False, DEBTOR)


# --------------------------------------------------------------------------- void


def test_voiding_the_bet_cancels_open_penalties_and_keeps_closed_ones() -> None:
    assert status_after_void(OWED) is CANCELLED
    assert status_after_void(SUBMITTED) is CANCELLED
    assert status_after_void(VERIFIED) is VERIFIED
    assert status_after_void(WAIVED) is WAIVED
    assert status_after_void(CANCELLED) is CANCELLED


# --------------------------------------------------------------------------- submissions


def test_seed_story_five_km_backwards_in_55_minutes_is_an_11_minute_pace() -> None:
    sub = build_submission(KM, FIVE_KM, timedelta(minutes=55), required_base=FIVE_KM)
    assert sub.pace == timedelta(minutes=11)
    assert sub.pace_unit == KM
    assert sub.pace_text == "11:00 min/km"
    assert sub.meets_stake
    assert sub.amount_text == "5 km"
    assert sub.summary == "5 km in 55 min · 11:00 min/km"
    assert sub.reps_per_minute is None


def test_mile_stakes_get_a_pace_per_mile() -> None:
    one_mile = MI.base_per_unit
    sub = build_submission(MI, one_mile, timedelta(minutes=10), required_base=one_mile)
    assert sub.pace_text == "10:00 min/mi"


def test_the_pace_unit_can_be_chosen() -> None:
    sub = build_submission(KM, FIVE_KM, timedelta(minutes=55), required_base=FIVE_KM, pace_unit=MI)
    assert sub.pace_unit == MI
    assert sub.pace_text is not None and sub.pace_text.endswith("min/mi")


def test_less_than_the_stake_does_not_meet_it() -> None:
    sub = build_submission(KM, 4_000_000, timedelta(minutes=40), required_base=FIVE_KM)
    assert not sub.meets_stake


def test_more_than_the_stake_meets_it() -> None:
    assert build_submission(KM, 6_000_000, timedelta(minutes=60), required_base=FIVE_KM).meets_stake


def test_counts_get_reps_per_minute() -> None:
    sub = build_submission(REPS, 100, timedelta(minutes=8), required_base=100)
    assert sub.reps_per_minute == Decimal("12.5")
    assert sub.pace is None
    assert sub.pace_text == "12.5 reps/min"
    assert sub.summary == "100 reps in 8 min · 12.5 reps/min"
    assert sub.meets_stake
    assert build_submission(REPS, 120, timedelta(minutes=10), required_base=100).pace_text == "12 reps/min"


def test_durations_get_no_pace() -> None:
    sub = build_submission(MIN, 300_000, timedelta(minutes=5), required_base=300_000)
    assert sub.pace is None and sub.reps_per_minute is None and sub.pace_text is None
    assert sub.summary == "5 min in 5 min"
    assert sub.meets_stake


def test_a_duration_longer_than_the_time_taken_is_refused() -> None:
    with pytest.raises(UserError, match="shorter time"):
        build_submission(MIN, 600_000, timedelta(minutes=5), required_base=300_000)


@pytest.mark.parametrize("elapsed", [timedelta(0), timedelta(seconds=-1), timedelta(microseconds=10)])
def test_a_time_of_zero_or_less_is_refused(elapsed: timedelta) -> None:
    with pytest.raises(UserError, match="more than zero"):
        build_submission(KM, FIVE_KM, elapsed, required_base=FIVE_KM)


def test_a_time_over_seven_days_is_refused() -> None:
    with pytest.raises(UserError, match="7 days"):
        build_submission(KM, FIVE_KM, timedelta(days=7, seconds=1), required_base=FIVE_KM)
    build_submission(KM, FIVE_KM, timedelta(days=7), required_base=FIVE_KM)


@pytest.mark.parametrize(("unit", "amount"), [(KM, 0), (KM, -1), (KM, 501_000_000), (REPS, 10_001)])
def test_non_positive_or_absurd_amounts_are_refused(unit: Unit, amount: int) -> None:
    with pytest.raises(UserError, match=r"more than 0|Check the amount"):
        build_submission(unit, amount, timedelta(hours=20), required_base=1)


def test_five_km_in_thirty_seconds_is_refused_as_impossible() -> None:
    with pytest.raises(UserError, match="world record"):
        build_submission(KM, FIVE_KM, timedelta(seconds=30), required_base=FIVE_KM)


def test_pace_just_under_two_minutes_per_km_is_refused_and_two_minutes_is_allowed() -> None:
    with pytest.raises(UserError):
        build_submission(KM, FIVE_KM, timedelta(minutes=10) - timedelta(milliseconds=1), required_base=FIVE_KM)
    assert build_submission(KM, FIVE_KM, timedelta(minutes=10), required_base=FIVE_KM).pace_text == "2:00 min/km"


def test_impossibly_fast_reps_are_refused() -> None:
    with pytest.raises(UserError, match="faster than anyone"):
        build_submission(REPS, 1000, timedelta(minutes=1), required_base=100)


def test_step_penalties_allow_big_counts() -> None:
    sub = build_submission(STEPS, 20_000, timedelta(hours=3), required_base=20_000)
    assert sub.meets_stake


def test_submission_is_a_frozen_value() -> None:
    sub = build_submission(KM, FIVE_KM, timedelta(minutes=55), required_base=FIVE_KM)
    assert isinstance(sub, Submission)
    with pytest.raises(AttributeError):
        sub.amount = 1  # type: ignore[misc]


# --------------------------------------------------------------------------- invariants

ACTIONS = ("submit", "verify", "reject", "waive")
actors = st.sampled_from([DEBTOR, WINNER, OTHER_WINNER, ADMIN, STRANGER])


def apply(status: PenaltyStatus, action: str, actor: int) -> PenaltyStatus:
    is_admin = actor == ADMIN
    if action == "submit":
        return check_submit(status, DEBTOR, actor)
    if action == "verify":
        return check_verify(status, actor, DEBTOR, CREDITORS, is_admin)
    if action == "reject":
        return check_reject(status, actor, DEBTOR, CREDITORS, is_admin)
    return check_waive(status, actor, CREDITORS, is_admin, DEBTOR)


@given(st.lists(st.tuples(st.sampled_from(ACTIONS), actors), max_size=30))
def test_transitions_never_reach_verified_without_a_submission_first(steps: list[tuple[str, int]]) -> None:
    status = OWED
    history = [status]
    for action, actor in steps:
        try:
            new = apply(status, action, actor)
        except UserError:
            continue
        if new is VERIFIED:
            assert status is SUBMITTED
            assert actor != DEBTOR
        if new is SUBMITTED:
            assert actor == DEBTOR
        if status in {VERIFIED, WAIVED, CANCELLED}:
            raise AssertionError(f"{action} moved a closed penalty ({status})")
        status = new
        history.append(status)
    assert history[0] is OWED


@given(st.sampled_from(PenaltyStatus), st.sampled_from(ACTIONS))
def test_the_debtor_never_judges_their_own_penalty(status: PenaltyStatus, action: str) -> None:
    if action == "submit":
        return
    for is_admin in (False, True):
        with pytest.raises(NotAllowed):
            if action == "verify":
                check_verify(status, DEBTOR, DEBTOR, CREDITORS, is_admin)
            elif action == "reject":
                check_reject(status, DEBTOR, DEBTOR, CREDITORS, is_admin)
            else:
                check_waive(status, DEBTOR, CREDITORS, is_admin, DEBTOR)


@given(
    amount=st.integers(1, 500_000_000),
    seconds=st.integers(1, 7 * 86_400),
    required=st.integers(1, 500_000_000),
)
def test_accepted_distance_submissions_are_never_faster_than_two_minutes_per_km(
    amount: int, seconds: int, required: int
) -> None:
    try:
        sub = build_submission(KM, amount, timedelta(seconds=seconds), required_base=required)
    except UserError:
        return
    assert sub.pace is not None
    assert sub.pace >= timedelta(minutes=2) - timedelta(microseconds=1)
    assert sub.meets_stake == (amount >= required)


@given(
    due=st.integers(0, 200 * 3600).map(lambda s: NOW + timedelta(seconds=s)),
    assigned_back=st.integers(0, 100 * 3600),
)
def test_reminder_is_always_between_assignment_and_due(due: datetime, assigned_back: int) -> None:
    assigned = NOW - timedelta(seconds=assigned_back)
    at = reminder_at(due, assigned)
    if at is not None:
        assert assigned < at < due
        assert due - at == timedelta(hours=24)
