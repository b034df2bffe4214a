from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.announcements import (
    LATE_AFTER,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    Aging,
    Subject,
    is_late,
    next_attempt,
    still_matters,
)
from bot.domain.challenges import ChallengeStatus

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
END = NOW + timedelta(hours=2)

# hypothesis takes naive bounds and attaches the zone itself
times = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
subjects = st.builds(Subject, over=st.booleans(), moment=st.none() | times)


@given(subject=subjects, now=times)
def test_a_record_always_matters_whatever_became_of_its_subject(subject: Subject, now: datetime) -> None:
    assert still_matters(Aging.RECORD, subject, now)


@given(subject=subjects, now=times, aging=st.sampled_from(Aging))
def test_nothing_about_a_subject_that_is_over_matters_except_a_record(
    subject: Subject, now: datetime, aging: Aging
) -> None:
    if subject.over:
        assert still_matters(aging, subject, now) is (aging is Aging.RECORD)


@given(subject=subjects, now=times)
def test_news_matters_exactly_while_its_subject_is_not_over(subject: Subject, now: datetime) -> None:
    assert still_matters(Aging.NEWS, subject, now) is not subject.over


def test_a_reminder_matters_until_its_moment_and_not_from_then_on() -> None:
    subject = Subject(over=False, moment=END)
    assert still_matters(Aging.REMINDER, subject, END - timedelta(seconds=1))
    assert not still_matters(Aging.REMINDER, subject, END)
    assert not still_matters(Aging.REMINDER, subject, END + timedelta(hours=7))
    assert still_matters(Aging.NEWS, subject, END + timedelta(hours=7))  # a moment only binds reminders


@pytest.mark.parametrize(
    ("status", "now", "over"),
    [
        (ChallengeStatus.ACTIVE, NOW, False),
        (ChallengeStatus.SCHEDULED, NOW, False),
        (ChallengeStatus.FINISHED, NOW, True),
        (ChallengeStatus.CANCELLED, NOW, True),
        (ChallengeStatus.ACTIVE, END, True),  # past its deadline, its timer not yet run
        (ChallengeStatus.ACTIVE, END - timedelta(seconds=1), False),
    ],
)
def test_a_challenge_is_over_once_finished_cancelled_or_past_its_deadline(
    status: ChallengeStatus, now: datetime, over: bool
) -> None:
    subject = Subject.challenge(status.value, END, now)
    assert subject.over is over and subject.moment == END


def test_late_means_more_than_a_few_minutes_after_it_was_queued() -> None:
    assert not is_late(NOW, NOW)
    assert not is_late(NOW, NOW + LATE_AFTER)
    assert is_late(NOW, NOW + LATE_AFTER + timedelta(seconds=1))
    assert is_late(NOW, NOW + timedelta(hours=7))
    assert timedelta(minutes=10) >= LATE_AFTER  # a few minutes, not hours


def test_retries_wait_longer_each_time_and_stop_after_the_last_attempt() -> None:
    waits = [next_attempt(n, NOW) for n in range(1, MAX_ATTEMPTS)]
    assert all(w is not None for w in waits)
    delays = [w - NOW for w in waits if w is not None]
    assert delays == list(RETRY_DELAYS)
    assert all(a < b for a, b in itertools.pairwise(delays))
    assert next_attempt(MAX_ATTEMPTS, NOW) is None
    assert next_attempt(MAX_ATTEMPTS + 3, NOW) is None
    assert timedelta(hours=1) < sum(delays, timedelta()) < timedelta(hours=12)  # an outage, not forever


@given(attempts=st.integers(min_value=1, max_value=50), now=times)
def test_a_retry_is_always_later_than_the_failure_or_never(attempts: int, now: datetime) -> None:
    retry = next_attempt(attempts, now)
    assert (retry is None) is (attempts >= MAX_ATTEMPTS)
    assert retry is None or retry > now


def test_next_attempt_is_only_asked_after_a_failure() -> None:
    with pytest.raises(ValueError, match="after a failed attempt"):
        next_attempt(0, NOW)
