"""Rules for bets: who may propose, accept, decline, settle and void, and what settling creates.

A bet has two sides. The proposer's side holds only the proposer; the other side holds the
opponents who accepted. At lock time a bet with no acceptance expires. When the outcome is known
the losing side owes the stake the winners named for it: one penalty per loser, owed to every
winner.

Decision on who may take the other side: a bet either names its opponents or is open to anyone
but the proposer, never both and never neither (an open bet with a guest list would be a named
bet; a named bet with no names could never lock).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.domain.challenges import ChallengeRules, ChallengeStatus, ParticipantResult
from bot.domain.text import check_direction, is_blank
from bot.domain.units import Kind, Unit, format_amount, parse_amount, to_base
from bot.errors import NotAllowed, UserError

MAX_OPPONENTS = 10
STAKE_TEXT_MAX = 100
MANUAL_DESCRIPTION_MAX = 200
MIN_DUE = timedelta(hours=1)
MAX_DUE = timedelta(days=90)
DEFAULT_DUE = timedelta(days=7)
MAX_MANUAL_HORIZON = timedelta(days=366)

# Largest stake, in base units (mm, ms, count): beyond these a stake is a typo or a joke.
# Count units are capped one by one (10,000 steps is a walk, 10,000 reps is a lot).
MAX_STAKE_BASE: Mapping[str, int] = {
    Kind.DISTANCE.value: 500 * 1_000_000,  # 500 km
    Kind.DURATION.value: 24 * 3_600_000,  # 24 h
    "reps": 10_000,
    "steps": 200_000,
    "laps": 1_000,
    "floors": 1_000,
    "kcal": 20_000,
}
_DEFAULT_COUNT_CAP = 10_000


def max_stake_base(unit: Unit) -> int:
    key = unit.symbol if unit.kind is Kind.COUNT else unit.kind.value
    return MAX_STAKE_BASE.get(key, _DEFAULT_COUNT_CAP)


class Side(StrEnum):
    FOR = "for"  # "he makes it"
    AGAINST = "against"  # "he doesn't make it"

    @property
    def label(self) -> str:
        return "makes it" if self is Side.FOR else "doesn't make it"


def other(side: Side) -> Side:
    return Side.AGAINST if side is Side.FOR else Side.FOR


class BetStatus(StrEnum):
    OPEN = "open"  # proposed, waiting for opponents to accept until lock time
    LOCKED = "locked"  # accepted by at least one opponent, waiting for the outcome
    SETTLED = "settled"
    EXPIRED = "expired"  # nobody accepted before lock time
    VOIDED = "voided"


# --------------------------------------------------------------------------- stakes


@dataclass(frozen=True)
class Stake:
    """What a losing member owes: `text` ("run backwards") plus an amount in base units."""

    text: str
    amount: int  # base units of `unit.kind` (mm, ms or reps)
    unit: Unit  # the unit the stake was given in, for display
    due: timedelta  # how long a loser has once the bet is settled


def _clean_text(text: str, what: str, limit: int, example: str) -> str:
    if "\n" in text or "\r" in text:
        raise UserError(f"Keep the {what} on one line, please.")
    check_direction(text, what)
    cleaned = " ".join(text.split())
    if is_blank(cleaned):
        raise UserError(f"The {what} is empty — say what it is, e.g. “{example}”.")
    if len(cleaned) > limit:
        raise UserError(f"The {what} is {len(cleaned)} characters long; keep it to {limit} or fewer.")
    return cleaned


def build_stake(
    text: str,
    amount: str | int | float | Decimal,
    unit: Unit,
    due: timedelta | None = None,
    default_due: timedelta = DEFAULT_DUE,
) -> Stake:
    """Validate a stake given as a member typed it: `amount` is in `unit` (5 for 5 km).

    Raises UserError for empty/long/multi-line text, a non-positive or absurd amount, or a due
    window outside 1 hour … 90 days.
    """
    cleaned = _clean_text(text, "penalty text", STAKE_TEXT_MAX, "run backwards")
    base = to_base(parse_amount(amount, unit), unit)
    check_stake_amount(base, unit)
    due = default_due if due is None else due
    if due < MIN_DUE:
        raise UserError("Give the loser at least 1 hour to do the penalty.")
    if due > MAX_DUE:
        raise UserError("A penalty can't be due more than 90 days after the bet is settled.")
    return Stake(text=cleaned, amount=base, unit=unit, due=due)


def check_stake_amount(base: int, unit: Unit) -> None:
    """Refuse a non-positive amount or one beyond the cap for its kind."""
    if base <= 0:
        raise UserError(f"The amount has to be more than 0 {unit.symbol}.")
    cap = max_stake_base(unit)
    if base > cap:
        raise UserError(
            f"{format_amount(base, unit)} is more than anyone should owe — "
            f"keep it to {format_amount(cap, unit)} at most."
        )


def _mentions_amount(text: str, amount: str) -> bool:
    """Whether `text` already gives the number of `amount` ("5" of "5 km"; "2020" or "2,020")."""
    number = amount.partition(" ")[0]
    numbers = "|".join({re.escape(number), re.escape(number.replace(",", ""))})
    return re.search(rf"(?<![\d.,])(?:{numbers})(?![\d]|[.,]\d)", text) is not None


def describe(stake: Stake) -> str:
    """'run backwards 5 km'; the text alone when it already gives the number ('run 5 km backwards')."""
    amount = format_amount(stake.amount, stake.unit)
    if _mentions_amount(stake.text, amount):
        return stake.text
    return f"{stake.text} {amount}"


def pick_stakes(for_owes: Stake | None, against_owes: Stake | None) -> tuple[Stake, Stake]:
    """(what FOR owes if AGAINST wins, what AGAINST owes if FOR wins); one given → both owe it."""
    if for_owes is None:
        if against_owes is None:
            raise UserError("Say what the losers owe, e.g. “run backwards 5 km”.")
        return against_owes, against_owes
    return for_owes, against_owes or for_owes


# --------------------------------------------------------------------------- the bet


@dataclass(frozen=True)
class ChallengeSubject:
    """A bet on a challenge: decided by whether `participant_id` succeeds in it."""

    challenge_id: int
    participant_id: int


@dataclass(frozen=True)
class ManualSubject:
    """A bet on something the bot can't measure: settled by agreement or an admin."""

    description: str
    decide_at: datetime


BetSubject = ChallengeSubject | ManualSubject


def build_manual_subject(description: str, decide_at: datetime, now: datetime) -> ManualSubject:
    cleaned = _clean_text(description, "bet description", MANUAL_DESCRIPTION_MAX, "Sam runs 5 km in under 25 minutes")
    if decide_at <= now:
        raise UserError("The decision time is in the past — pick a time that's still to come.")
    if decide_at - now > MAX_MANUAL_HORIZON:
        raise UserError("Pick a decision time within a year from now.")
    return ManualSubject(description=cleaned, decide_at=decide_at)


@dataclass(frozen=True)
class Bet:
    proposer_id: int
    proposer_side: Side
    subject: BetSubject
    for_owes: Stake  # owed by each FOR member if AGAINST wins
    against_owes: Stake  # owed by each AGAINST member if FOR wins
    named_opponents: frozenset[int] = field(default_factory=frozenset)
    open_bet: bool = False
    accepted: frozenset[int] = field(default_factory=frozenset)
    declined: frozenset[int] = field(default_factory=frozenset)
    status: BetStatus = BetStatus.OPEN

    def members(self, side: Side) -> frozenset[int]:
        if side is self.proposer_side:
            return frozenset({self.proposer_id})
        return self.accepted

    @property
    def participants(self) -> frozenset[int]:
        return self.accepted | {self.proposer_id}

    def side_of(self, user_id: int) -> Side | None:
        if user_id == self.proposer_id:
            return self.proposer_side
        if user_id in self.accepted:
            return other(self.proposer_side)
        return None

    def stake_owed_by(self, side: Side) -> Stake:
        return self.for_owes if side is Side.FOR else self.against_owes


# --------------------------------------------------------------------------- proposing


def check_proposal(
    proposer_id: int,
    opponents: Collection[int],
    opponent_is_bot: Mapping[int, bool],
    opponent_in_guild: Mapping[int, bool],
    open_bet: bool,
    max_opponents: int = MAX_OPPONENTS,
    *,
    proposer_side: Side | None = None,
    subject: BetSubject | None = None,
) -> None:
    """Refuse a proposal the rules don't allow. Unknown ids in the mappings count as non-members.

    Given `proposer_side` and `subject`, also refuse anyone betting on their own challenge failing.
    """
    if open_bet and opponents:
        raise UserError(
            "Either name your opponents or leave the bet open to anyone — not both. Drop the names or the open option."
        )
    if not open_bet and not opponents:
        raise UserError("Name at least one opponent, or leave the bet open for anyone to take.")
    if proposer_id in opponents:
        raise UserError("You can't bet against yourself — name someone else as your opponent.")
    unique = set(opponents)
    if len(unique) > max_opponents:
        raise UserError(f"That's {len(unique)} opponents; a bet can name at most {max_opponents}.")
    for user_id in sorted(unique):
        if opponent_is_bot.get(user_id, False):
            raise UserError(f"<@{user_id}> is a bot and can't take a bet — pick a member instead.")
        if not opponent_in_guild.get(user_id, False):
            raise UserError(f"<@{user_id}> isn't a member of this server — pick someone who is.")
    if proposer_side is not None and subject is not None:
        check_side_for_subject(proposer_id, proposer_side, subject, you=True)
        for user_id in sorted(unique):
            check_side_for_subject(user_id, other(proposer_side), subject, you=False)


def check_side_for_subject(user_id: int, side: Side, subject: BetSubject, *, you: bool = True) -> None:
    """The member whose result decides a challenge bet can't take the side that they fail: they
    could win it by not trying."""
    if isinstance(subject, ChallengeSubject) and subject.participant_id == user_id and side is Side.AGAINST:
        if you:
            raise UserError(
                "You can't bet on failing your own challenge — you could win just by not trying. "
                "Bet that you make it instead."
            )
        raise UserError(
            f"<@{user_id}> is the one doing the challenge, so they can't take the side that they fail. "
            "Leave them out of the opponents."
        )


class LockTrigger(StrEnum):
    """The moment bets on a challenge stop taking opponents, shown on every bet card."""

    START = "start"  # a start time given in advance
    SUBJECT_FIRST_LOG = "subject_first_log"  # attempt clocks: the subject's own clock starts
    FIRST_LOG = "first_log"  # a shared window that began at creation: the first progress logged


def lock_trigger(rules: ChallengeRules, created_at: datetime) -> LockTrigger:
    """When bets on a challenge lock, so nobody bets with knowledge of the progress.

    - Attempt clocks (the default for a duration in `each` mode): at the subject's first log,
      which starts their clock; bets on a member who hasn't started stay open.
    - A start time given in advance: at the start.
    - A shared window that started when the challenge was created: at the first log anyone makes,
      so a challenge can be bet on right after it is created and before anyone shows progress.
    """
    if rules.attempt is not None:
        return LockTrigger.SUBJECT_FIRST_LOG
    if rules.starts_at > created_at:
        return LockTrigger.START
    return LockTrigger.FIRST_LOG


def lock_time(
    trigger: LockTrigger,
    starts_at: datetime,
    subject_first_log: datetime | None,
    challenge_first_log: datetime | None,
) -> datetime | None:
    """The lock moment for a bet under `trigger`; None while it depends on a log not yet made."""
    if trigger is LockTrigger.START:
        return starts_at
    if trigger is LockTrigger.SUBJECT_FIRST_LOG:
        return subject_first_log
    return challenge_first_log


def still_takes_bets(
    trigger: LockTrigger,
    now: datetime,
    starts_at: datetime,
    latest_start: datetime | None,
    any_log: bool,
    unstarted_members: int,
) -> bool:
    """Whether a new bet on an open challenge could still be made (for pickers): before the start, before
    the first log, or (attempt clocks) while some participant hasn't started and still may."""
    if trigger is LockTrigger.START:
        return now < starts_at
    if trigger is LockTrigger.FIRST_LOG:
        return not any_log
    return unstarted_members > 0 and (latest_start is None or now <= latest_start)


def check_challenge_bettable(status: ChallengeStatus, lock_at: datetime | None, now: datetime) -> None:
    """A bet on a challenge needs it scheduled or active and its bets (on that subject) not yet locked.

    `lock_at` None means the lock moment hasn't come yet (it waits for a first log).
    """
    if status == ChallengeStatus.FINISHED:
        raise UserError("That challenge is already over — bet on one that hasn't finished.")
    if status == ChallengeStatus.CANCELLED:
        raise UserError("That challenge was cancelled — pick another one to bet on.")
    if lock_at is not None and now >= lock_at:
        raise UserError(
            "Bets on that challenge are closed: they locked when the clock started. "
            "Bet on another participant who hasn't started yet, or on a new challenge."
        )


# --------------------------------------------------------------------------- no escape hatches


def check_subject_may_leave(locked_bet_nos: Collection[int]) -> None:
    """A member can't walk out of a challenge while locked bets ride on their result."""
    if locked_bet_nos:
        listed = ", ".join(f"#{no}" for no in sorted(locked_bet_nos))
        raise UserError(
            f"Bets on you are locked ({listed}), so you can't leave this challenge: your result decides them. "
            "Keep going — or, if something came up, ask an admin who isn't part of those bets to void them."
        )


def check_may_cancel_with_bets(
    actor_id: int, is_admin: bool, locked_bets: Mapping[int, Collection[int]], decided_members: Collection[int]
) -> None:
    """Cancelling a challenge voids its open and locked bets, so nobody does it alone for a bet they're in.

    `locked_bets`: bet number → that bet's members, for the locked bets on the challenge.
    `decided_members`: participants who already have a result (their bets are settled).
    A creator who isn't an admin can't cancel once bets are locked or results are in; an admin can,
    unless they are part of one of the locked bets.
    """
    mine = sorted(no for no, members in locked_bets.items() if actor_id in members)
    if mine:
        listed = ", ".join(f"#{n}" for n in mine)
        raise NotAllowed(
            f"You're part of bet {listed} on this challenge; cancelling it would call that bet off, and nobody "
            "voids alone a bet they are part of. Ask an admin who isn't in it."
        )
    if is_admin:
        return
    if locked_bets:
        listed = ", ".join(f"#{n}" for n in sorted(locked_bets))
        raise NotAllowed(
            f"Bets on this challenge are locked ({listed}), so it can't be cancelled by its creator any more. "
            "An admin who isn't part of those bets can cancel it."
        )
    if decided_members:
        raise NotAllowed("Some participants already have their result, so only an admin can cancel this challenge now.")


# --------------------------------------------------------------------------- accepting


def _check_still_open(bet_status: BetStatus, now: datetime, lock_at: datetime | None) -> None:
    if bet_status is BetStatus.OPEN and (lock_at is None or now < lock_at):
        return
    messages = {
        BetStatus.LOCKED: "This bet is locked — it's too late to join or back out.",
        BetStatus.SETTLED: "This bet has already been settled.",
        BetStatus.EXPIRED: "This bet expired because nobody took it in time.",
        BetStatus.VOIDED: "This bet was called off by an admin.",
    }
    raise UserError(messages.get(bet_status, "This bet is locked — it's too late to join or back out."))


def _check_may_respond(
    proposer_id: int, named_opponents: Collection[int], open_bet: bool, actor_id: int, verb: str
) -> None:
    if actor_id == proposer_id:
        raise NotAllowed(f"You can't {verb} your own bet — it's waiting for your opponents.")
    if not open_bet and actor_id not in named_opponents:
        raise NotAllowed("This bet is between other members; you're not named in it.")


def check_can_accept(
    bet_status: BetStatus,
    proposer_id: int,
    named_opponents: Collection[int],
    open_bet: bool,
    accepted: Collection[int],
    declined: Collection[int],
    actor_id: int,
    now: datetime,
    lock_at: datetime | None,
    *,
    opponent_side: Side | None = None,
    subject: BetSubject | None = None,
) -> None:
    """A named opponent (or anyone but the proposer, for an open bet) may accept once before lock.

    Someone who declined may change their mind and accept while the bet is still open. Given
    `opponent_side` and `subject`, the challenge's subject can't accept the side that they fail.
    """
    _check_may_respond(proposer_id, named_opponents, open_bet, actor_id, "accept")
    _check_still_open(bet_status, now, lock_at)
    if actor_id in accepted:
        raise UserError("You've already accepted this bet — you're in.")
    if opponent_side is not None and subject is not None:
        check_side_for_subject(actor_id, opponent_side, subject, you=True)


def check_can_decline(
    bet_status: BetStatus,
    proposer_id: int,
    named_opponents: Collection[int],
    open_bet: bool,
    accepted: Collection[int],
    declined: Collection[int],
    actor_id: int,
    now: datetime,
    lock_at: datetime | None,
) -> None:
    """Same people as accepting; a deal is a deal, so someone who accepted can't decline after."""
    _check_may_respond(proposer_id, named_opponents, open_bet, actor_id, "decline")
    _check_still_open(bet_status, now, lock_at)
    if actor_id in accepted:
        raise UserError("You've already accepted this bet — a deal is a deal.")
    if actor_id in declined:
        raise UserError("You've already declined this bet.")


def accept(bet: Bet, actor_id: int, now: datetime, lock_at: datetime | None) -> Bet:
    check_can_accept(
        bet.status,
        bet.proposer_id,
        bet.named_opponents,
        bet.open_bet,
        bet.accepted,
        bet.declined,
        actor_id,
        now,
        lock_at,
        opponent_side=other(bet.proposer_side),
        subject=bet.subject,
    )
    return replace(bet, accepted=bet.accepted | {actor_id}, declined=bet.declined - {actor_id})


def decline(bet: Bet, actor_id: int, now: datetime, lock_at: datetime | None) -> Bet:
    check_can_decline(
        bet.status,
        bet.proposer_id,
        bet.named_opponents,
        bet.open_bet,
        bet.accepted,
        bet.declined,
        actor_id,
        now,
        lock_at,
    )
    return replace(bet, declined=bet.declined | {actor_id})


def lock_outcome(accepted: Collection[int]) -> BetStatus:
    """The status an OPEN bet takes at lock time."""
    return BetStatus.LOCKED if accepted else BetStatus.EXPIRED


def lock(bet: Bet) -> Bet:
    if bet.status is not BetStatus.OPEN:
        raise UserError("This bet isn't open any more, so it can't be locked.")
    return replace(bet, status=lock_outcome(bet.accepted))


# --------------------------------------------------------------------------- settling


def winning_side(subject_succeeded: bool) -> Side:
    return Side.FOR if subject_succeeded else Side.AGAINST


def winning_side_from_outcome(subject: ChallengeSubject, results: Mapping[int, ParticipantResult]) -> Side | None:
    """The side that won given a challenge's outcome; None if the subject has no result (left)."""
    result = results.get(subject.participant_id)
    if result is None:
        return None
    return winning_side(bool(result.succeeded))


@dataclass(frozen=True)
class PenaltyPlan:
    """A penalty settling creates: `debtor_id` owes `stake` to `creditors` by `due_at`."""

    debtor_id: int
    creditors: tuple[int, ...]
    stake: Stake
    due_at: datetime


@dataclass(frozen=True)
class Settlement:
    winning_side: Side
    winners: tuple[int, ...]  # sorted user ids
    losers: tuple[int, ...]  # sorted user ids
    penalties: tuple[PenaltyPlan, ...]  # one per loser, in `losers` order
    settled_at: datetime


def settle(bet: Bet, winning_side: Side, now: datetime) -> Settlement:
    """Winners, losers and one penalty per loser. Only a LOCKED bet settles."""
    if now.tzinfo is None:
        raise ValueError("settle needs an aware datetime")
    if bet.status is not BetStatus.LOCKED:
        messages = {
            BetStatus.OPEN: "This bet hasn't locked yet — it can be settled once it's under way.",
            BetStatus.SETTLED: "This bet has already been settled.",
            BetStatus.EXPIRED: "This bet expired without an opponent, so there's nothing to settle.",
            BetStatus.VOIDED: "This bet was voided, so there's nothing to settle.",
        }
        raise UserError(messages[bet.status])
    if not bet.accepted:
        raise UserError("Nobody took the other side of this bet, so there's nothing to settle.")
    winners = tuple(sorted(bet.members(winning_side)))
    losing = other(winning_side)
    losers = tuple(sorted(bet.members(losing)))
    stake = bet.stake_owed_by(losing)
    due_at = now + stake.due
    penalties = tuple(PenaltyPlan(debtor_id=loser, creditors=winners, stake=stake, due_at=due_at) for loser in losers)
    return Settlement(winning_side=winning_side, winners=winners, losers=losers, penalties=penalties, settled_at=now)


# --------------------------------------------------------------------------- manual bets


def resolve_agreement(
    votes: Mapping[int, Side],
    proposer_side_members: Collection[int],
    other_side_members: Collection[int],
) -> Side | None:
    """The agreed winner once at least one member of each side voted and every vote agrees.

    Votes from members of neither side are ignored. None means: not decided (yet, or in dispute).
    """
    mine = {votes[user] for user in proposer_side_members if user in votes}
    theirs = {votes[user] for user in other_side_members if user in votes}
    if not mine or not theirs:
        return None
    together = mine | theirs
    if len(together) != 1:
        return None
    return next(iter(together))


def check_can_vote(actor_id: int, bet_participants: Collection[int], status: BetStatus) -> None:
    if actor_id not in bet_participants:
        raise NotAllowed("Only the members in this bet can say how it ended.")
    if status is not BetStatus.LOCKED:
        raise UserError("This bet isn't waiting for a result, so there's nothing to vote on.")


def check_can_settle(actor_id: int, is_admin: bool, bet_participants: Collection[int]) -> None:
    """Settling alone: only an admin, and never one who is part of the bet."""
    if actor_id in bet_participants:
        raise NotAllowed(
            "You're part of this bet, so you can't settle it alone — both sides can agree on the "
            "result, or ask an admin who isn't in it."
        )
    if not is_admin:
        raise NotAllowed("Only an admin can settle a bet. The members in it can also agree on the result.")


def check_can_void(status: BetStatus, actor_id: int, is_admin: bool, bet_participants: Collection[int]) -> None:
    """Voiding: only an admin, never one who is part of the bet (exactly like settling alone)."""
    if actor_id in bet_participants:
        raise NotAllowed("You're part of this bet, so you can't void it alone — ask an admin who isn't in it.")
    if not is_admin:
        raise NotAllowed("Only an admin can void a bet.")
    if status is BetStatus.VOIDED:
        raise UserError("This bet has already been voided.")
