"""Rules for penalties: who may submit, verify, reject and waive, and what a submission shows.

Lifecycle: OWED → SUBMITTED → VERIFIED, or SUBMITTED → OWED again when rejected; OWED or
SUBMITTED → WAIVED by a winner or an admin; OWED or SUBMITTED → CANCELLED when the bet is voided.
"Overdue" is not a status: it is derived from the due time, so it never needs a timer to be true.
Each `check_*` returns the status the penalty moves to, so callers can't pick a wrong one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.domain.bets import max_stake_base
from bot.domain.pace import format_pace, pace_per
from bot.domain.timeparse import human_duration
from bot.domain.units import KM, MI, Kind, Unit, format_amount, format_number
from bot.errors import NotAllowed, UserError

MAX_ELAPSED = timedelta(days=7)
REMINDER_BEFORE_DUE = timedelta(hours=24)
# Faster than this is not a run anyone in the server did: the 5 km world record is ~2:30 min/km.
FASTEST_MS_PER_KM = 2 * 60_000
# More than this per minute over a whole set is a typo (fast pushup records are ~150 a minute).
MAX_REPS_PER_MINUTE = 300


class PenaltyStatus(StrEnum):
    OWED = "owed"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    WAIVED = "waived"
    CANCELLED = "cancelled"  # its bet was voided


_OPEN = frozenset({PenaltyStatus.OWED, PenaltyStatus.SUBMITTED})

_CLOSED_MESSAGES = {
    PenaltyStatus.VERIFIED: "This penalty is already done and verified.",
    PenaltyStatus.WAIVED: "This penalty was waived — nobody owes it any more.",
    PenaltyStatus.CANCELLED: "This penalty was cancelled because its bet was voided.",
}


def is_open(status: PenaltyStatus) -> bool:
    """Still to be done or checked (OWED or SUBMITTED)."""
    return status in _OPEN


def is_overdue(status: PenaltyStatus, due_at: datetime, now: datetime) -> bool:
    return status in _OPEN and now >= due_at


def check_submit(status: PenaltyStatus, debtor_id: int, actor_id: int) -> PenaltyStatus:
    """Only the debtor submits, and only an OWED penalty (a rejected one is OWED again)."""
    if actor_id != debtor_id:
        raise NotAllowed("That penalty isn't yours — only the member who owes it can submit it.")
    if status is PenaltyStatus.SUBMITTED:
        raise UserError("You've already submitted this one — a winner or an admin will check it.")
    if status is not PenaltyStatus.OWED:
        raise UserError(_CLOSED_MESSAGES[status])
    return PenaltyStatus.SUBMITTED


def acts_as_admin(actor_id: int, creditors: Collection[int], is_admin: bool) -> bool:
    """An admin who is not one of the bet's winners acts by their admin right: that goes in the audit log."""
    return is_admin and actor_id not in creditors


def _check_judge(actor_id: int, debtor_id: int, creditors: Collection[int], is_admin: bool, verb: str) -> None:
    if actor_id == debtor_id:
        raise NotAllowed(f"You can't {verb} your own penalty — ask a winner of the bet or an admin.")
    if actor_id not in creditors and not is_admin:
        raise NotAllowed(f"Only the winners of the bet or an admin can {verb} this penalty.")


def _check_submitted(status: PenaltyStatus) -> None:
    if status is PenaltyStatus.OWED:
        raise UserError("This penalty hasn't been submitted yet, so there's nothing to check.")
    if status is not PenaltyStatus.SUBMITTED:
        raise UserError(_CLOSED_MESSAGES[status])


def check_verify(
    status: PenaltyStatus, actor_id: int, debtor_id: int, creditors: Collection[int], is_admin: bool
) -> PenaltyStatus:
    """A creditor or an admin — never the debtor, admin or not — verifies a SUBMITTED penalty."""
    _check_judge(actor_id, debtor_id, creditors, is_admin, "verify")
    _check_submitted(status)
    return PenaltyStatus.VERIFIED


def check_reject(
    status: PenaltyStatus, actor_id: int, debtor_id: int, creditors: Collection[int], is_admin: bool
) -> PenaltyStatus:
    """Same people as verifying; a rejected submission is OWED again."""
    _check_judge(actor_id, debtor_id, creditors, is_admin, "reject")
    _check_submitted(status)
    return PenaltyStatus.OWED


def check_waive(
    status: PenaltyStatus, actor_id: int, creditors: Collection[int], is_admin: bool, debtor_id: int
) -> PenaltyStatus:
    """A creditor or an admin (not the debtor) lets an OWED or SUBMITTED penalty go."""
    _check_judge(actor_id, debtor_id, creditors, is_admin, "waive")
    if status not in _OPEN:
        raise UserError(_CLOSED_MESSAGES[status])
    return PenaltyStatus.WAIVED


def status_after_void(status: PenaltyStatus) -> PenaltyStatus:
    """Voiding a bet cancels what's still open; done or waived penalties keep their history."""
    return PenaltyStatus.CANCELLED if status in _OPEN else status


def reminder_at(due_at: datetime, assigned_at: datetime) -> datetime | None:
    """24 hours before the due time, unless that is not after the penalty was assigned."""
    at = due_at - REMINDER_BEFORE_DUE
    return at if at > assigned_at else None


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    amount: int  # base units of `unit.kind`
    unit: Unit  # the stake's unit, for display
    elapsed: timedelta
    meets_stake: bool  # amount >= what was owed
    pace: timedelta | None = None  # distance: time per `pace_unit`
    pace_unit: Unit | None = None
    reps_per_minute: Decimal | None = None  # counts, one decimal

    @property
    def pace_text(self) -> str | None:
        """'11:00 min/km', '12.5 reps/min', or None for a duration."""
        if self.pace is not None and self.pace_unit is not None:
            return format_pace(self.pace, self.pace_unit)
        if self.reps_per_minute is not None:
            return f"{format_number(self.reps_per_minute)} {self.unit.symbol}/min"
        return None

    @property
    def amount_text(self) -> str:
        return format_amount(self.amount, self.unit)

    @property
    def summary(self) -> str:
        """'5 km in 55 min · 11:00 min/km'."""
        text = f"{self.amount_text} in {human_duration(self.elapsed)}"
        pace = self.pace_text
        return f"{text} · {pace}" if pace else text


def _pace_unit_for(stake_unit: Unit) -> Unit:
    return MI if stake_unit.symbol == MI.symbol else KM


def build_submission(
    stake_unit: Unit,
    amount_base: int,
    elapsed: timedelta,
    required_base: int,
    pace_unit: Unit | None = None,
) -> Submission:
    """Check a penalty submission and compute its pace.

    `amount_base` and `required_base` are in base units of the stake's kind. Distance gets a pace
    per `pace_unit` (default: per mi for miles, else per km); counts get reps per minute.
    """
    elapsed_ms = elapsed // timedelta(milliseconds=1)
    if elapsed_ms <= 0:
        raise UserError("The time it took has to be more than zero, e.g. 55:00.")
    if elapsed > MAX_ELAPSED:
        raise UserError("That took more than 7 days? Give the time of the effort itself, e.g. 55:00.")
    if amount_base <= 0:
        raise UserError(f"Enter how much you did — more than 0 {stake_unit.symbol}.")
    if amount_base > max_stake_base(stake_unit):
        raise UserError(
            f"{format_amount(amount_base, stake_unit)} in one go? Check the amount — "
            f"a submission can be at most {format_amount(max_stake_base(stake_unit), stake_unit)}."
        )
    meets = amount_base >= required_base
    if stake_unit.kind is Kind.DISTANCE:
        # elapsed / km < 2 min  ⇔  elapsed_ms · 1e6 mm/km < 2 min · amount_mm
        if elapsed_ms * 1_000_000 < FASTEST_MS_PER_KM * amount_base:
            raise UserError(
                f"{format_amount(amount_base, stake_unit)} in that time would beat the world record — "
                "check the distance and the time (e.g. 55:00 for 55 minutes)."
            )
        per = pace_unit or _pace_unit_for(stake_unit)
        return Submission(
            amount=amount_base,
            unit=stake_unit,
            elapsed=elapsed,
            meets_stake=meets,
            pace=pace_per(amount_base, elapsed, per),
            pace_unit=per,
        )
    if stake_unit.kind is Kind.COUNT:
        if amount_base * 60_000 > MAX_REPS_PER_MINUTE * elapsed_ms:
            raise UserError(
                f"{format_amount(amount_base, stake_unit)} in that time is faster than anyone can go — "
                "check the number and the time."
            )
        rate = (Decimal(amount_base) * 60_000 / Decimal(elapsed_ms)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return Submission(amount=amount_base, unit=stake_unit, elapsed=elapsed, meets_stake=meets, reps_per_minute=rate)
    if amount_base > elapsed_ms:
        raise UserError(
            f"You can't fit {format_amount(amount_base, stake_unit)} into a shorter time — "
            "check the amount and the time it took."
        )
    return Submission(amount=amount_base, unit=stake_unit, elapsed=elapsed, meets_stake=meets)
