"""Bet use cases: propose, accept/decline, lock, settle (by the challenge, by agreement, by an admin), void."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain import bets as rules
from bot.domain import challenges as challenge_rules
from bot.domain import penalties as penalty_rules
from bot.domain.bets import Bet, BetStatus, ChallengeSubject, ManualSubject, Side, Stake
from bot.domain.challenges import ChallengeStatus, ParticipantResult
from bot.domain.text import optional_text
from bot.domain.timeparse import parse_duration, parse_local_datetime
from bot.domain.units import parse_unit
from bot.errors import NotAllowed, NotFound, UserError
from bot.scheduling import TimerRow
from bot.services import challenges as challenge_service
from bot.services.context import Services
from bot.store import announcements
from bot.store import bets as store
from bot.store import challenges as challenge_store
from bot.store import penalties as penalty_store
from bot.store.bets import BetRow, NewBet, OpponentRow, StakeRow
from bot.store.challenges import ChallengeRow
from bot.store.db import Conn, InTransaction
from bot.store.penalties import NewPenalty, PenaltyRow

TIMER_DECIDE = "bet_decide"  # manual bets: stop taking opponents, start asking for the result

ANN_LOCKED = "bet_locked"  # no post: refreshes the bet message (buttons off)
ANN_EXPIRED = "bet_expired"
ANN_DECIDE = "bet_decide"  # manual bet locked: asks both sides how it ended (vote buttons)
ANN_SETTLED = "bet_settled"
ANN_VOIDED = "bet_voided"

# Penalty deadlines (handled in bot.services.penalties, armed here at settlement).
TIMER_PENALTY_REMINDER = "penalty_reminder"
TIMER_PENALTY_DUE = "penalty_due"

VOID_REASON_MAX = 200


@dataclass(frozen=True)
class OpponentInfo:
    """What the cog knows about a member named as an opponent."""

    user_id: int
    is_bot: bool
    in_guild: bool


@dataclass(frozen=True)
class BetView:
    """Everything a renderer needs to show one bet."""

    row: BetRow
    bet: Bet
    opponents: tuple[OpponentRow, ...]
    subject_text: str  # "challenge #1: 2,020 pushups in under 7 hours" or the manual description
    challenge_no: int | None
    lock_at: datetime | None
    penalties: tuple[PenaltyRow, ...] = ()
    votes: dict[int, str] = field(default_factory=dict)
    lock_trigger: rules.LockTrigger | None = None  # bets on a challenge: what locks them

    @property
    def status(self) -> BetStatus:
        return BetStatus(self.row.status)

    @property
    def accepted(self) -> tuple[int, ...]:
        return tuple(o.user_id for o in self.opponents if o.response == "accepted")

    @property
    def declined(self) -> tuple[int, ...]:
        return tuple(o.user_id for o in self.opponents if o.response == "declined")

    @property
    def named(self) -> tuple[int, ...]:
        return tuple(o.user_id for o in self.opponents if o.named)

    @property
    def winners(self) -> tuple[int, ...]:
        if self.row.winning_side is None:
            return ()
        return tuple(sorted(self.bet.members(Side(self.row.winning_side))))

    @property
    def losers(self) -> tuple[int, ...]:
        if self.row.winning_side is None:
            return ()
        return tuple(sorted(self.bet.members(rules.other(Side(self.row.winning_side)))))


# --------------------------------------------------------------------------- conversions


def stake_of(row: StakeRow) -> Stake:
    return Stake(text=row.text, amount=row.amount, unit=parse_unit(row.unit), due=row.due)


def _stake_row(stake: Stake) -> StakeRow:
    return StakeRow(text=stake.text, amount=stake.amount, unit=stake.unit.symbol, due=stake.due)


def to_domain(row: BetRow, opponents: list[OpponentRow] | tuple[OpponentRow, ...]) -> Bet:
    subject: rules.BetSubject
    if row.challenge_id is not None and row.subject_id is not None:
        subject = ChallengeSubject(challenge_id=row.challenge_id, participant_id=row.subject_id)
    else:
        assert row.description is not None and row.decide_at is not None
        subject = ManualSubject(description=row.description, decide_at=row.decide_at)
    status = BetStatus(row.status)
    return Bet(
        proposer_id=row.proposer_id,
        proposer_side=Side(row.proposer_side),
        subject=subject,
        for_owes=stake_of(row.for_owes),
        against_owes=stake_of(row.against_owes),
        named_opponents=frozenset(o.user_id for o in opponents if o.named),
        open_bet=row.open_bet,
        accepted=frozenset(o.user_id for o in opponents if o.response == "accepted"),
        declined=frozenset(o.user_id for o in opponents if o.response == "declined"),
        status=status,
    )


async def subject_lock_at(db: store.Db, challenge: ChallengeRow, subject_id: int) -> datetime | None:
    """When bets on `subject_id` in a challenge lock (see `rules.lock_trigger`); None = not yet known."""
    trigger = rules.lock_trigger(challenge_service.rules_of(challenge), challenge.created_at)
    if trigger is rules.LockTrigger.START:
        return challenge.starts_at
    if trigger is rules.LockTrigger.SUBJECT_FIRST_LOG:
        return await challenge_store.first_log_at(db, challenge.id, subject_id)
    return await store.first_log_at(db, challenge.id)


async def lock_time(db: store.Db, row: BetRow) -> datetime | None:
    if row.challenge_id is None:
        return row.decide_at
    challenge = await challenge_store.get(db, row.challenge_id)
    if challenge is None or row.subject_id is None:
        return None
    return await subject_lock_at(db, challenge, row.subject_id)


# --------------------------------------------------------------------------- reading


async def resolve(svc: Services, guild_id: int, no: int | None) -> BetRow:
    if no is None:
        raise UserError("Pick a bet (start typing its number or what it's about).")
    row = await store.get_by_no(svc.db, guild_id, no)
    if row is None:
        raise NotFound(f"There's no bet #{no} in this server. See /bet list.")
    return row


async def resolve_id(svc: Services, guild_id: int | None, bet_id: int) -> BetRow:
    """A bet by its row id (from a button): it must exist and belong to the server asking."""
    row = await store.get(svc.db, bet_id)
    if row is None or guild_id is None or row.guild_id != guild_id:
        raise NotFound("That bet doesn't exist in this server (any more).")
    return row


async def _subject_text(svc: Services, row: BetRow) -> tuple[str, int | None]:
    if row.challenge_id is None:
        return row.description or "", None
    challenge = await challenge_store.get(svc.db, row.challenge_id)
    if challenge is None:
        return "a challenge that no longer exists", None
    settings = await svc.guild_settings(row.guild_id)
    title = challenge_rules.title(challenge_service.rules_of(challenge), settings.zone)
    return f"challenge #{challenge.no}: {title}", challenge.no


async def view(svc: Services, row: BetRow) -> BetView:
    fresh = await store.get(svc.db, row.id) or row
    opps = await store.opponents(svc.db, fresh.id)
    text, challenge_no = await _subject_text(svc, fresh)
    challenge = None if fresh.challenge_id is None else await challenge_store.get(svc.db, fresh.challenge_id)
    return BetView(
        row=fresh,
        bet=to_domain(fresh, opps),
        opponents=tuple(opps),
        subject_text=text,
        challenge_no=challenge_no,
        lock_at=await lock_time(svc.db, fresh),
        penalties=tuple(await penalty_store.for_bet(svc.db, fresh.id)),
        votes=await store.votes(svc.db, fresh.id),
        lock_trigger=None
        if challenge is None
        else rules.lock_trigger(challenge_service.rules_of(challenge), challenge.created_at),
    )


async def show(svc: Services, guild_id: int, no: int | None) -> BetView:
    return await view(svc, await resolve(svc, guild_id, no))


LIST_FILTERS = {
    "open": ("open",),
    "locked": ("locked",),
    "active": ("open", "locked"),
    "settled": ("settled",),
    "closed": ("settled", "expired", "voided"),
    "all": store.ALL_STATUSES,
}


async def list_bets(svc: Services, guild_id: int, which: str = "active") -> list[BetView]:
    statuses = LIST_FILTERS.get(which)
    if statuses is None:
        raise UserError("Show open, locked, active, settled, closed or all bets.")
    rows = await store.list_for_guild(svc.db, guild_id, statuses)
    return [await view(svc, r) for r in rows]


async def autocomplete(svc: Services, guild_id: int, text: str) -> list[tuple[int, str]]:
    text = text.strip().lstrip("#")
    rows = await store.search(svc.db, guild_id, text)
    out: list[tuple[int, str]] = []
    for r in rows:
        subject, _ = await _subject_text(svc, r)
        side = Side(r.proposer_side).label
        out.append((r.no, f"{subject} — {side} ({r.status})"))
    return out


async def bettable_challenges(svc: Services, guild_id: int, text: str) -> list[tuple[int, str]]:
    """Open challenges that still take bets, for the `/bet create` picker: (number, label)."""
    now = svc.now()
    settings = await svc.guild_settings(guild_id)
    out: list[tuple[int, str]] = []
    for challenge in await challenge_store.search(svc.db, guild_id, text.strip().lstrip("#"), ("active", "scheduled")):
        the_rules = challenge_service.rules_of(challenge)
        trigger = rules.lock_trigger(the_rules, challenge.created_at)
        first = await challenge_store.first_logs(svc.db, challenge.id)
        people = await challenge_store.participants(svc.db, challenge.id)
        unstarted = sum(1 for p in people if p.user_id not in first and p.result is None)
        if people and rules.still_takes_bets(
            trigger, now, challenge.starts_at, challenge.latest_start, bool(first), unstarted
        ):
            title = challenge_rules.title(the_rules, settings.zone)
            out.append((challenge.no, f"{title} — {LOCK_LABEL[trigger]}"))
    return out


LOCK_LABEL = {
    rules.LockTrigger.START: "bets lock at the start",
    rules.LockTrigger.FIRST_LOG: "bets lock at the first log",
    rules.LockTrigger.SUBJECT_FIRST_LOG: "bets lock when the member starts",
}


# --------------------------------------------------------------------------- proposing


def _clean_optional(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    return text


async def create_bet(
    svc: Services,
    *,
    guild_id: int,
    channel_id: int,
    proposer_id: int,
    side: str,
    stake: str | None,
    amount: str | None,
    unit: str | None,
    challenge_no: int | None = None,
    subject_id: int | None = None,
    opponents: list[OpponentInfo] | None = None,
    open_bet: bool = False,
    due: str | None = None,
    my_stake: str | None = None,
    my_amount: str | None = None,
    my_unit: str | None = None,
    description: str | None = None,
    decide_at: str | None = None,
) -> BetView:
    now = svc.now()
    settings = await svc.guild_settings(guild_id)
    try:
        proposer_side = Side(side)
    except ValueError:
        raise UserError("Pick a side: “makes it” or “doesn't make it”.") from None
    opponents = opponents or []
    description = _clean_optional(description)
    decide_at = _clean_optional(decide_at)

    # What the other side owes if the proposer wins, and what the proposer owes if they lose.
    if stake is None or amount is None or unit is None:
        raise UserError("Say what the losers owe: the penalty (e.g. “run backwards”), an amount and a unit.")
    due_window = parse_duration(due, minimum=rules.MIN_DUE, maximum=rules.MAX_DUE) if due else None
    theirs = rules.build_stake(stake, amount, parse_unit(unit), due_window, settings.penalty_due)
    mine_given = [x is not None for x in (my_stake, my_amount, my_unit)]
    if any(mine_given) and not all(mine_given):
        raise UserError("For your own stake give all three: my_stake, my_amount and my_unit.")
    mine = (
        rules.build_stake(my_stake, my_amount, parse_unit(my_unit), due_window, settings.penalty_due)
        if my_stake is not None and my_amount is not None and my_unit is not None
        else theirs
    )
    if proposer_side is Side.FOR:
        for_owes, against_owes = mine, theirs
    else:
        for_owes, against_owes = theirs, mine

    subject: rules.BetSubject
    challenge: ChallengeRow | None = None
    if challenge_no is not None:
        if description is not None or decide_at is not None:
            raise UserError(
                "A bet is either on a challenge or on something you describe — drop the description "
                "and decide_at, or the challenge."
            )
        challenge = await challenge_service.resolve(svc, guild_id, challenge_no)
        rules.check_challenge_bettable(ChallengeStatus(challenge.status), None, now)
        people = [p.user_id for p in await challenge_store.participants(svc.db, challenge.id)]
        if subject_id is None:
            if proposer_id in people:
                subject_id = proposer_id
            elif challenge.creator_id in people:
                subject_id = challenge.creator_id
            elif len(people) == 1:
                subject_id = people[0]
            else:
                raise UserError("Whose result decides this bet? Name them with the `subject` option.")
        if subject_id not in people:
            raise UserError(
                f"<@{subject_id}> isn't taking part in challenge #{challenge.no}, so their result can't decide "
                "a bet. Pick a participant as the subject."
            )
        subject = ChallengeSubject(challenge_id=challenge.id, participant_id=subject_id)
        await _check_subject_bettable(svc.db, challenge, subject_id, now)
    else:
        if subject_id is not None:
            raise UserError("A subject only applies to a bet on a challenge.")
        if description is None or decide_at is None:
            raise UserError(
                "Pick a challenge to bet on — or, for something the bot can't measure, give a description "
                "and a decide_at time."
            )
        when = parse_local_datetime(decide_at, settings.zone, now)
        subject = rules.build_manual_subject(description, when, now)

    rules.check_proposal(
        proposer_id,
        [o.user_id for o in opponents],
        {o.user_id: o.is_bot for o in opponents},
        {o.user_id: o.in_guild for o in opponents},
        open_bet,
        proposer_side=proposer_side,
        subject=subject,
    )

    async with svc.db.transaction(guild_id) as conn:
        if challenge is not None:
            # Re-check under the write lock: the challenge may have started or closed meanwhile.
            fresh = await challenge_store.get(conn, challenge.id)
            assert fresh is not None and isinstance(subject, ChallengeSubject)
            await _check_subject_bettable(conn, fresh, subject.participant_id, now)
        row = await store.insert(
            conn,
            NewBet(
                guild_id=guild_id,
                channel_id=channel_id,
                proposer_id=proposer_id,
                proposer_side=proposer_side.value,
                challenge_id=challenge.id if challenge is not None else None,
                subject_id=subject.participant_id if isinstance(subject, ChallengeSubject) else None,
                description=subject.description if isinstance(subject, ManualSubject) else None,
                decide_at=subject.decide_at if isinstance(subject, ManualSubject) else None,
                open_bet=open_bet,
                for_owes=_stake_row(for_owes),
                against_owes=_stake_row(against_owes),
                created_at=now,
            ),
        )
        for user_id in sorted({o.user_id for o in opponents}):
            await store.add_named_opponent(conn, row.id, user_id)
        if isinstance(subject, ManualSubject):
            await svc.timers.schedule_at(conn, guild_id, TIMER_DECIDE, row.id, subject.decide_at)
    return await view(svc, row)


async def _check_subject_bettable(db: store.Db, challenge: ChallengeRow, subject_id: int, now: datetime) -> None:
    rules.check_challenge_bettable(
        ChallengeStatus(challenge.status), await subject_lock_at(db, challenge, subject_id), now
    )
    me = next((p for p in await challenge_store.participants(db, challenge.id) if p.user_id == subject_id), None)
    if me is not None and me.result is not None:
        raise UserError(
            f"<@{subject_id}>'s result in challenge #{challenge.no} is already decided — nothing to bet on."
        )


async def attach_message(svc: Services, bet_id: int, channel_id: int, message_id: int) -> None:
    """Remember the bet's message so later changes can update its buttons."""
    async with svc.db.transaction() as conn:
        await store.set_message(conn, bet_id, channel_id, message_id)


# --------------------------------------------------------------------------- accepting


async def respond(svc: Services, row: BetRow, actor_id: int, *, accept: bool) -> BetView:
    """Accept or decline a bet (row already checked to be in the actor's server)."""
    now = svc.now()
    async with svc.db.transaction(row.guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        opps = await store.opponents(conn, fresh.id)
        bet = to_domain(fresh, opps)
        lock_at = await lock_time(conn, fresh)
        if accept:
            rules.accept(bet, actor_id, now, lock_at)
        else:
            rules.decline(bet, actor_id, now, lock_at)
        named = actor_id in bet.named_opponents
        if not await store.respond(conn, fresh.id, actor_id, "accepted" if accept else "declined", now, named=named):
            raise UserError("Nothing changed — you've already answered this bet that way.")
    return await view(svc, row)


async def accept(svc: Services, guild_id: int, no: int | None, actor_id: int) -> BetView:
    return await respond(svc, await resolve(svc, guild_id, no), actor_id, accept=True)


async def decline(svc: Services, guild_id: int, no: int | None, actor_id: int) -> BetView:
    return await respond(svc, await resolve(svc, guild_id, no), actor_id, accept=False)


# --------------------------------------------------------------------------- locking


async def _announce_channel(svc: Services, row: BetRow) -> int:
    settings = await svc.guild_settings(row.guild_id)
    return settings.announce_channel(row.channel_id)


async def _lock(svc: Services, conn: Conn, row: BetRow, now: datetime) -> str | None:
    """OPEN → LOCKED (someone accepted) or EXPIRED, once, with its announcement. Returns the new status."""
    opps = await store.opponents(conn, row.id)
    new = rules.lock_outcome([o.user_id for o in opps if o.response == "accepted"])
    if not await store.lock(conn, row.id, new.value, now):
        return None
    channel = await _announce_channel(svc, row)
    if new is BetStatus.EXPIRED:
        await announcements.queue(conn, row.guild_id, ANN_EXPIRED, row.id, channel, now)
    elif row.is_manual:
        await announcements.queue(conn, row.guild_id, ANN_DECIDE, row.id, channel, now)
    else:
        await announcements.queue(conn, row.guild_id, ANN_LOCKED, row.id, channel, now)
    return new.value


async def on_challenge_started(
    svc: Services, conn: Conn, challenge: ChallengeRow, now: datetime, subject_id: int | None
) -> None:
    """Hook: the challenge (or, with `subject_id`, one member's clock) started, so open bets lock (or expire)."""
    for row in await store.for_challenge(conn, challenge.id, ("open",)):
        if subject_id is None or row.subject_id == subject_id:
            await _lock(svc, conn, row, now)


async def on_member_judged(
    svc: Services, conn: Conn, challenge: ChallengeRow, result: ParticipantResult, now: datetime
) -> None:
    """Hook: one member's result is decided before the challenge ends, so the bets on them settle now."""
    for row in await store.for_challenge(conn, challenge.id, ("open",)):
        if row.subject_id == result.user_id:
            await _lock(svc, conn, row, now)
    side = rules.winning_side(result.succeeded)
    for row in await store.for_challenge(conn, challenge.id, ("locked",)):
        if row.subject_id == result.user_id:
            await _settle(svc, conn, row, side, now, by=None, how="challenge")


async def before_member_leaves(svc: Services, conn: Conn, challenge: ChallengeRow, user_id: int, now: datetime) -> None:
    """Hook: refuse a leave while locked bets ride on the member; call off the open ones on them."""
    on_them = [r for r in await store.for_challenge(conn, challenge.id, store.OPEN_STATUSES) if r.subject_id == user_id]
    rules.check_subject_may_leave([r.no for r in on_them if r.status == BetStatus.LOCKED])
    for row in on_them:
        await _void(svc, conn, row, now, None, f"<@{user_id}> left challenge #{challenge.no} before the bet locked")


async def before_challenge_cancelled(
    svc: Services, conn: Conn, challenge: ChallengeRow, actor_id: int, is_admin: bool, now: datetime
) -> None:
    """Hook: cancelling voids the challenge's bets, so it follows the rules of voiding."""
    locked = {
        row.no: to_domain(row, await store.opponents(conn, row.id)).participants
        for row in await store.for_challenge(conn, challenge.id, ("locked",))
    }
    decided = [p.user_id for p in await challenge_store.participants(conn, challenge.id) if p.result is not None]
    rules.check_may_cancel_with_bets(actor_id, is_admin, locked, decided)


async def on_decide_timer(svc: Services, timer: TimerRow) -> None:
    now = svc.now()
    async with svc.db.transaction(timer.guild_id) as conn:
        row = await store.get(conn, timer.ref_id)
        if row is None or row.status != "open":
            return
        await _lock(svc, conn, row, now)


# --------------------------------------------------------------------------- settling


async def _settle(
    svc: Services,
    conn: Conn,
    row: BetRow,
    side: Side,
    now: datetime,
    *,
    by: int | None,
    how: str,
) -> list[PenaltyRow]:
    """Settle a LOCKED bet once: its status, one penalty per loser, their deadlines, the announcement."""
    opps = await store.opponents(conn, row.id)
    settlement = rules.settle(to_domain(row, opps), side, now)
    if not await store.settle(conn, row.id, side.value, now, by, how):
        return []
    created: list[PenaltyRow] = []
    for plan in settlement.penalties:
        penalty = await penalty_store.insert(
            conn,
            NewPenalty(
                guild_id=row.guild_id,
                bet_id=row.id,
                debtor_id=plan.debtor_id,
                creditors=plan.creditors,
                text=rules.describe(plan.stake),
                amount=plan.stake.amount,
                unit=plan.stake.unit.symbol,
                due_at=plan.due_at,
                assigned_at=now,
            ),
        )
        if penalty is None:
            continue
        await penalty_store.add_event(conn, penalty.id, None, "assign", now, detail=f"bet #{row.no}")
        remind = penalty_rules.reminder_at(penalty.due_at, now)
        if remind is not None:
            await svc.timers.schedule_at(conn, row.guild_id, TIMER_PENALTY_REMINDER, penalty.id, remind)
        await svc.timers.schedule_at(conn, row.guild_id, TIMER_PENALTY_DUE, penalty.id, penalty.due_at)
        created.append(penalty)
    await announcements.queue(conn, row.guild_id, ANN_SETTLED, row.id, await _announce_channel(svc, row), now)
    return created


async def _void(svc: Services, conn: Conn, row: BetRow, now: datetime, by: int | None, reason: str | None) -> bool:
    """Void once: the bet keeps its history; open penalties are cancelled; announced."""
    if not await store.void(conn, row.id, now, by, reason):
        return False
    await svc.timers.cancel(conn, TIMER_DECIDE, row.id, now)
    for penalty in await penalty_store.for_bet(conn, row.id):
        new = penalty_rules.status_after_void(penalty_rules.PenaltyStatus(penalty.status))
        if new.value != penalty.status and await penalty_store.close(conn, penalty.id, new.value, now):
            await penalty_store.add_event(conn, penalty.id, by, "cancel", now, detail=reason)
            for kind in (TIMER_PENALTY_REMINDER, TIMER_PENALTY_DUE):
                await svc.timers.cancel(conn, kind, penalty.id, now)
    await announcements.queue(conn, row.guild_id, ANN_VOIDED, row.id, await _announce_channel(svc, row), now)
    return True


async def on_challenge_closed(
    svc: Services,
    conn: Conn,
    challenge: ChallengeRow,
    results: dict[int, ParticipantResult] | None,
    now: datetime,
) -> None:
    """Hook, inside the transaction that finishes or cancels the challenge."""
    if results is None:
        # Voided by whoever cancelled: an admin who isn't part of a locked bet, or (before anything
        # locked) the creator — see `rules.check_may_cancel_with_bets`.
        cancelled = await challenge_store.get(conn, challenge.id)
        by = None if cancelled is None else cancelled.cancelled_by
        for row in await store.for_challenge(conn, challenge.id, store.OPEN_STATUSES):
            await _void(svc, conn, row, now, by, f"challenge #{challenge.no} was cancelled")
        return
    # An attempt-clock challenge nobody started never locked its bets: lock them now.
    for row in await store.for_challenge(conn, challenge.id, ("open",)):
        await _lock(svc, conn, row, now)
    for row in await store.for_challenge(conn, challenge.id, ("locked",)):
        assert row.subject_id is not None
        side = rules.winning_side_from_outcome(ChallengeSubject(challenge.id, row.subject_id), results)
        if side is None:
            await _void(svc, conn, row, now, None, f"<@{row.subject_id}> has no result in challenge #{challenge.no}")
        else:
            await _settle(svc, conn, row, side, now, by=None, how="challenge")


# --------------------------------------------------------------------------- manual bets


@dataclass(frozen=True)
class VoteResult:
    view: BetView
    settled: bool
    disputed: bool


async def vote(svc: Services, row: BetRow, actor_id: int, side: str) -> VoteResult:
    """A member of a manual bet says how it ended; once both sides agree, it settles."""
    try:
        said = Side(side)
    except ValueError:
        raise UserError("Say “makes it” or “doesn't make it”.") from None
    now = svc.now()
    settled = disputed = False
    async with svc.db.transaction(row.guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        if not fresh.is_manual:
            raise UserError("This bet is settled by its challenge's result; there's nothing to vote on.")
        opps = await store.opponents(conn, fresh.id)
        bet = to_domain(fresh, opps)
        rules.check_can_vote(actor_id, bet.participants, bet.status)
        await store.vote(conn, fresh.id, actor_id, said.value, now)
        votes = {uid: Side(s) for uid, s in (await store.votes(conn, fresh.id)).items()}
        mine = bet.members(bet.proposer_side)
        theirs = bet.members(rules.other(bet.proposer_side))
        agreed = rules.resolve_agreement(votes, mine, theirs)
        if agreed is not None:
            await _settle(svc, conn, fresh, agreed, now, by=None, how="agreement")
            settled = True
        else:
            disputed = len({votes[u] for u in bet.participants if u in votes}) > 1
    return VoteResult(view=await view(svc, row), settled=settled, disputed=disputed)


async def settle_manual(
    svc: Services,
    guild_id: int,
    no: int | None,
    actor_id: int,
    is_admin: bool,
    side: str,
    *,
    audit: InTransaction | None = None,
) -> BetView:
    """An admin who isn't part of the bet settles it; `audit` runs in the same transaction."""
    row = await resolve(svc, guild_id, no)
    try:
        said = Side(side)
    except ValueError:
        raise UserError("Say which side won: “makes it” or “doesn't make it”.") from None
    now = svc.now()
    async with svc.db.transaction(guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        opps = await store.opponents(conn, fresh.id)
        bet = to_domain(fresh, opps)
        rules.check_can_settle(actor_id, is_admin, bet.participants)
        if not fresh.is_manual and fresh.status in store.OPEN_STATUSES:
            raise UserError(
                f"Bet #{fresh.no} is settled by its challenge's result when it ends; an admin can void it instead."
            )
        await _settle(svc, conn, fresh, said, now, by=actor_id, how="admin")
        if audit is not None:
            await audit(conn)
    return await view(svc, row)


# --------------------------------------------------------------------------- voiding


async def void_bet(
    svc: Services,
    guild_id: int,
    no: int | None,
    actor_id: int,
    is_admin: bool,
    reason: str | None = None,
    *,
    audit: InTransaction | None = None,
) -> BetView:
    """An admin who isn't part of the bet calls it off, before or after settlement; its open penalties are
    cancelled. `audit` runs in the same transaction."""
    if not is_admin:
        raise NotAllowed("Only an admin can void a bet.")
    row = await resolve(svc, guild_id, no)
    clean = optional_text(reason, "reason", VOID_REASON_MAX)
    now = svc.now()
    async with svc.db.transaction(guild_id) as conn:
        fresh = await store.get(conn, row.id)
        assert fresh is not None
        bet = to_domain(fresh, await store.opponents(conn, fresh.id))
        rules.check_can_void(bet.status, actor_id, is_admin, bet.participants)
        if not await _void(svc, conn, fresh, now, actor_id, clean):
            raise UserError("This bet has already been voided.")
        if audit is not None:
            await audit(conn)
    return await view(svc, row)


def register(svc: Services) -> None:
    """Hook bets into the challenge lifecycle (idempotent)."""
    if any(getattr(h, "__fitbet_bets__", False) for h in svc.on_challenge_started):
        return

    async def started(conn: Conn, challenge: Any, now: datetime, subject_id: int | None) -> None:
        await on_challenge_started(svc, conn, challenge, now, subject_id)

    async def judged(conn: Conn, challenge: Any, result: Any, now: datetime) -> None:
        await on_member_judged(svc, conn, challenge, result, now)

    async def closed(conn: Conn, challenge: Any, results: dict[int, Any] | None, now: datetime) -> None:
        await on_challenge_closed(svc, conn, challenge, results, now)

    async def leaving(conn: Conn, challenge: Any, user_id: int, now: datetime) -> None:
        await before_member_leaves(svc, conn, challenge, user_id, now)

    async def cancelling(conn: Conn, challenge: Any, actor_id: int, is_admin: bool, now: datetime) -> None:
        await before_challenge_cancelled(svc, conn, challenge, actor_id, is_admin, now)

    started.__fitbet_bets__ = True  # type: ignore[attr-defined]
    svc.on_challenge_started.append(started)
    svc.on_member_judged.append(judged)
    svc.on_challenge_closed.append(closed)
    svc.before_member_leaves.append(leaving)
    svc.before_challenge_cancelled.append(cancelling)
