"""When a queued announcement still deserves a post, when it is late, and how often it is retried.

An announcement is queued in the transaction that causes it and posted soon after; a bot that was
stopped, or Discord being unavailable, can delay it by hours. A late one says when it happened
(the wording is the render layer's); one that no longer matters is dropped instead. Results, bet
settlements and penalties are the server's record: never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.challenges import ChallengeStatus

# Posted later than this after it was queued, an announcement says when it happened.
LATE_AFTER = timedelta(minutes=5)

# Waits between tries of an announcement that failed (Discord down, a renderer error); after the
# last one it is given up as undeliverable (logged once, shown in /admin audit). About 4 h in all.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


class Aging(StrEnum):
    """How an announcement ages while it waits to be posted."""

    RECORD = "record"  # results, bets, penalties, cancellations: always posted
    NEWS = "news"  # milestones, a new or started challenge: dropped once the challenge is over
    REMINDER = "reminder"  # dropped once what it reminds of is over or its moment has passed


@dataclass(frozen=True)
class Subject:
    """What an announcement is about, as it stands when it is about to be posted."""

    over: bool  # finished, cancelled, past its deadline, no longer owed
    moment: datetime | None = None  # a reminder's deadline

    @classmethod
    def challenge(cls, status: str, ends_at: datetime, now: datetime) -> Subject:
        """A challenge is over once finished or cancelled, or once its deadline has passed (the
        deadline's own timer may not have run yet, e.g. right after a restart)."""
        closed = ChallengeStatus(status) in (ChallengeStatus.FINISHED, ChallengeStatus.CANCELLED)
        return cls(over=closed or now >= ends_at, moment=ends_at)


def still_matters(aging: Aging, subject: Subject, now: datetime) -> bool:
    """False when posting it now would be stale news: it is dropped instead."""
    if aging is Aging.RECORD:
        return True
    if subject.over:
        return False
    return not (aging is Aging.REMINDER and subject.moment is not None and now >= subject.moment)


def is_late(queued_at: datetime, now: datetime) -> bool:
    """Posted now, would it look like news it is not? Then it says when it happened."""
    return now - queued_at > LATE_AFTER


def next_attempt(failed_attempts: int, now: datetime) -> datetime | None:
    """When to try again after `failed_attempts` failed tries (≥ 1); None: give up."""
    if failed_attempts < 1:
        raise ValueError("next_attempt is asked after a failed attempt")
    if failed_attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[failed_attempts - 1]
