from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import bets
from bot.domain.bets import (
    Bet,
    BetStatus,
    ChallengeSubject,
    ManualSubject,
    PenaltyPlan,
    Side,
    Stake,
    build_manual_subject,
    build_stake,
    check_can_accept,
    check_can_decline,
    check_can_settle,
    check_can_void,
    check_can_vote,
    check_challenge_bettable,
    check_proposal,
    describe,
    lock_outcome,
    other,
    pick_stakes,
    resolve_agreement,
    settle,
    winning_side,
    winning_side_from_outcome,
)
from bot.domain.challenges import ChallengeStatus, ParticipantResult
from bot.domain.units import parse_unit
from bot.errors import NotAllowed, UserError

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
LOCK = NOW + timedelta(hours=1)
KM = parse_unit("km")
REPS = parse_unit("reps")
MIN = parse_unit("min")

PROPOSER, ALICE, BOB, CAROL = 100, 200, 300, 400


def backwards_run() -> Stake:
    return build_stake("run backwards", 5, KM)


def seed_bet(**changes: object) -> Bet:
    """The story: the proposer bets he makes 2,020 pushups; Alice and Bob bet he doesn't."""
    stake = backwards_run()
    bet = Bet(
        proposer_id=PROPOSER,
        proposer_side=Side.FOR,
        subject=ChallengeSubject(challenge_id=1, participant_id=PROPOSER),
        for_owes=stake,
        against_owes=stake,
        named_opponents=frozenset({ALICE, BOB}),
        accepted=frozenset({ALICE, BOB}),
        status=BetStatus.LOCKED,
    )
    return replace(bet, **changes)  # type: ignore[arg-type]


def accept_args(**changes: object) -> dict[str, object]:
    args: dict[str, object] = {
        "bet_status": BetStatus.OPEN,
        "proposer_id": PROPOSER,
        "named_opponents": {ALICE, BOB},
        "open_bet": False,
        "accepted": set(),
        "declined": set(),
        "actor_id": ALICE,
        "now": NOW,
        "lock_at": LOCK,
    }
    args.update(changes)
    return args


# --------------------------------------------------------------------------- sides


def test_other_side_swaps_for_and_against() -> None:
    assert other(Side.FOR) is Side.AGAINST
    assert other(Side.AGAINST) is Side.FOR


def test_sides_read_as_makes_it_or_not() -> None:
    assert Side.FOR.label == "makes it"
    assert Side.AGAINST.label == "doesn't make it"


def test_winning_side_follows_the_subject() -> None:
    assert winning_side(True) is Side.FOR
    assert winning_side(False) is Side.AGAINST


def result(user_id: int, succeeded: bool) -> ParticipantResult:
    return ParticipantResult(
        user_id=user_id, succeeded=succeeded, total=0, reached_at=None, elapsed_to_target=None, rank=1
    )


def test_winning_side_from_outcome_reads_the_subject_participant() -> None:
    subject = ChallengeSubject(challenge_id=1, participant_id=PROPOSER)
    outcome = {PROPOSER: result(PROPOSER, True), ALICE: result(ALICE, False)}
    assert winning_side_from_outcome(subject, outcome) is Side.FOR
    assert winning_side_from_outcome(subject, {PROPOSER: result(PROPOSER, False)}) is Side.AGAINST


def test_winning_side_from_outcome_is_undecided_when_subject_has_no_result() -> None:
    subject = ChallengeSubject(challenge_id=1, participant_id=PROPOSER)
    assert winning_side_from_outcome(subject, {ALICE: result(ALICE, True)}) is None


# --------------------------------------------------------------------------- stakes


def test_stake_converts_amount_to_base_units_with_default_due_of_seven_days() -> None:
    stake = build_stake("  run   backwards ", 5, KM)
    assert stake == Stake(text="run backwards", amount=5_000_000, unit=KM, due=timedelta(days=7))


def test_stake_accepts_typed_amounts_and_custom_due() -> None:
    stake = build_stake("burpees", "100", REPS, due=timedelta(days=2))
    assert stake.amount == 100
    assert stake.due == timedelta(days=2)
    assert build_stake("plank", Decimal("1.5"), MIN).amount == 90_000


def test_stake_uses_the_servers_default_due_when_none_given() -> None:
    assert build_stake("burpees", 100, REPS, default_due=timedelta(days=3)).due == timedelta(days=3)


@pytest.mark.parametrize("text", ["", "   ", "run\nbackwards", "run\rbackwards", "x" * 101])
def test_stake_text_must_be_one_short_line(text: str) -> None:
    with pytest.raises(UserError):
        build_stake(text, 5, KM)


def test_stake_text_of_exactly_100_chars_is_fine() -> None:
    assert len(build_stake("x" * 100, 5, KM).text) == 100


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        (0, KM),
        (-5, KM),
        ("abc", KM),
        ("nan", KM),
        (float("inf"), KM),
        (501, KM),
        (10_001, REPS),
        (24 * 60 + 1, MIN),
    ],
)
def test_absurd_or_non_positive_stakes_are_refused(amount: object, unit: object) -> None:
    with pytest.raises(UserError):
        build_stake("run backwards", amount, unit)  # type: ignore[arg-type]


def test_stakes_at_the_caps_are_allowed() -> None:
    assert build_stake("run", 500, KM).amount == 500_000_000
    assert build_stake("pushups", 10_000, REPS).amount == 10_000
    assert build_stake("plank", 24 * 60, MIN).amount == 24 * 3_600_000


def test_absurd_stake_message_names_the_cap() -> None:
    with pytest.raises(UserError, match="500 km"):
        build_stake("run", 1000, KM)


@pytest.mark.parametrize("due", [timedelta(minutes=59), timedelta(days=91), timedelta(0), timedelta(hours=-1)])
def test_stake_due_window_outside_one_hour_to_ninety_days_is_refused(due: timedelta) -> None:
    with pytest.raises(UserError):
        build_stake("run backwards", 5, KM, due=due)


@pytest.mark.parametrize("due", [timedelta(hours=1), timedelta(days=90)])
def test_stake_due_window_bounds_are_allowed(due: timedelta) -> None:
    assert build_stake("run backwards", 5, KM, due=due).due == due


def test_describe_puts_the_amount_after_the_text() -> None:
    assert describe(backwards_run()) == "run backwards 5 km"
    assert describe(build_stake("burpees", 100, REPS)) == "burpees 100 reps"


@pytest.mark.parametrize("text", ["run 5 km backwards", "run 5km backwards", "2020 pushups", "2,020 pushups"])
def test_describe_does_not_repeat_an_amount_already_in_the_text(text: str) -> None:
    amount, unit = (5, KM) if "run" in text else (2020, REPS)
    assert describe(build_stake(text, amount, unit)) == text


def test_describe_adds_the_amount_when_the_text_has_a_different_number() -> None:
    assert describe(build_stake("run 15 km", 5, KM)) == "run 15 km 5 km"
    assert describe(build_stake("run 5.5 km", 5, KM)) == "run 5.5 km 5 km"


def test_one_stake_given_means_both_sides_owe_it() -> None:
    run = backwards_run()
    assert pick_stakes(run, None) == (run, run)
    assert pick_stakes(None, run) == (run, run)


def test_different_stakes_per_side_are_kept_apart() -> None:
    run = backwards_run()
    burpees = build_stake("burpees", 100, REPS)
    assert pick_stakes(run, burpees) == (run, burpees)


def test_a_bet_needs_at_least_one_stake() -> None:
    with pytest.raises(UserError):
        pick_stakes(None, None)


# --------------------------------------------------------------------------- proposing


def propose(
    opponents: set[int],
    *,
    open_bet: bool = False,
    bots: frozenset[int] = frozenset(),
    outsiders: frozenset[int] = frozenset(),
) -> None:
    check_proposal(
        PROPOSER,
        opponents,
        opponent_is_bot={u: u in bots for u in opponents},
        opponent_in_guild={u: u not in outsiders for u in opponents},
        open_bet=open_bet,
    )


def test_proposal_with_named_members_is_fine() -> None:
    propose({ALICE, BOB})


def test_open_proposal_without_names_is_fine() -> None:
    propose(set(), open_bet=True)


def test_betting_against_yourself_is_refused() -> None:
    with pytest.raises(UserError, match="against yourself"):
        propose({PROPOSER, ALICE})


def test_bots_cannot_be_opponents() -> None:
    with pytest.raises(UserError, match="bot"):
        propose({ALICE, BOB}, bots=frozenset({BOB}))


def test_opponents_must_be_members_of_the_server() -> None:
    with pytest.raises(UserError, match="member of this server"):
        propose({ALICE, BOB}, outsiders=frozenset({BOB}))


def test_opponents_missing_from_the_member_lookup_count_as_outsiders() -> None:
    with pytest.raises(UserError):
        check_proposal(PROPOSER, {ALICE}, opponent_is_bot={}, opponent_in_guild={}, open_bet=False)


def test_at_most_ten_opponents() -> None:
    propose(set(range(1, 11)))
    with pytest.raises(UserError, match="at most 10"):
        propose(set(range(1, 12)))


def test_a_bet_is_either_named_or_open_not_both() -> None:
    with pytest.raises(UserError, match="not both"):
        propose({ALICE}, open_bet=True)


def test_a_bet_is_either_named_or_open_not_neither() -> None:
    with pytest.raises(UserError, match="at least one opponent"):
        propose(set())


def test_challenge_that_is_scheduled_or_active_before_lock_is_bettable() -> None:
    check_challenge_bettable(ChallengeStatus.SCHEDULED, LOCK, NOW)
    check_challenge_bettable(ChallengeStatus.ACTIVE, None, NOW)


@pytest.mark.parametrize(
    ("status", "words"), [(ChallengeStatus.FINISHED, "already over"), (ChallengeStatus.CANCELLED, "cancelled")]
)
def test_finished_or_cancelled_challenges_are_not_bettable(status: ChallengeStatus, words: str) -> None:
    with pytest.raises(UserError, match=words):
        check_challenge_bettable(status, LOCK, NOW)


def test_challenge_is_not_bettable_once_locked() -> None:
    with pytest.raises(UserError, match="closed"):
        check_challenge_bettable(ChallengeStatus.ACTIVE, NOW, NOW)
    with pytest.raises(UserError):
        check_challenge_bettable(ChallengeStatus.SCHEDULED, NOW - timedelta(seconds=1), NOW)


def test_attempt_clock_challenge_without_a_first_log_stays_bettable() -> None:
    check_challenge_bettable(ChallengeStatus.ACTIVE, None, NOW + timedelta(days=3))


def test_betting_on_failing_your_own_challenge_is_refused() -> None:
    subject = ChallengeSubject(challenge_id=1, participant_id=PROPOSER)
    with pytest.raises(UserError, match="failing your own challenge"):
        check_proposal(
            PROPOSER, {ALICE}, {ALICE: False}, {ALICE: True}, False, proposer_side=Side.AGAINST, subject=subject
        )
    check_proposal(PROPOSER, {ALICE}, {ALICE: False}, {ALICE: True}, False, proposer_side=Side.FOR, subject=subject)


def test_the_subject_cannot_be_named_to_take_the_side_that_they_fail() -> None:
    subject = ChallengeSubject(challenge_id=1, participant_id=ALICE)
    with pytest.raises(UserError, match="doing the challenge"):
        check_proposal(PROPOSER, {ALICE}, {ALICE: False}, {ALICE: True}, False, proposer_side=Side.FOR, subject=subject)
    # Betting against the subject's failure puts them on the side that they make it: fine.
    check_proposal(PROPOSER, {ALICE}, {ALICE: False}, {ALICE: True}, False, proposer_side=Side.AGAINST, subject=subject)


def test_manual_subjects_have_no_side_restriction() -> None:
    subject = ManualSubject(description="Tom quits sugar", decide_at=LOCK)
    check_proposal(PROPOSER, {ALICE}, {ALICE: False}, {ALICE: True}, False, proposer_side=Side.AGAINST, subject=subject)


def test_the_subject_cannot_accept_an_open_bet_on_their_own_failure() -> None:
    bet = seed_bet(
        status=BetStatus.OPEN,
        accepted=frozenset(),
        named_opponents=frozenset(),
        open_bet=True,
        subject=ChallengeSubject(challenge_id=1, participant_id=CAROL),
    )
    with pytest.raises(UserError, match="failing your own challenge"):
        bets.accept(bet, CAROL, NOW, LOCK)
    assert bets.accept(bet, ALICE, NOW, LOCK).accepted == {ALICE}


def test_manual_subject_needs_a_future_decision_time_and_a_description() -> None:
    subject = build_manual_subject(" Tom  quits sugar ", NOW + timedelta(days=30), NOW)
    assert subject == ManualSubject(description="Tom quits sugar", decide_at=NOW + timedelta(days=30))
    with pytest.raises(UserError, match="past"):
        build_manual_subject("Tom quits sugar", NOW, NOW)
    with pytest.raises(UserError):
        build_manual_subject("Tom quits sugar", NOW + timedelta(days=400), NOW)
    with pytest.raises(UserError):
        build_manual_subject("", NOW + timedelta(days=1), NOW)
    with pytest.raises(UserError):
        build_manual_subject("x" * 201, NOW + timedelta(days=1), NOW)


# --------------------------------------------------------------------------- accepting / declining


def test_named_opponent_may_accept_before_lock() -> None:
    check_can_accept(**accept_args())  # type: ignore[arg-type]


def test_anyone_but_the_proposer_may_accept_an_open_bet() -> None:
    check_can_accept(**accept_args(open_bet=True, named_opponents=set(), actor_id=CAROL))  # type: ignore[arg-type]


def test_accepting_your_own_bet_is_not_allowed() -> None:
    with pytest.raises(NotAllowed, match="your own bet"):
        check_can_accept(**accept_args(actor_id=PROPOSER))  # type: ignore[arg-type]
    with pytest.raises(NotAllowed, match="your own bet"):
        check_can_accept(**accept_args(actor_id=PROPOSER, open_bet=True, named_opponents=set()))  # type: ignore[arg-type]


def test_members_not_named_cannot_accept() -> None:
    with pytest.raises(NotAllowed, match="not named"):
        check_can_accept(**accept_args(actor_id=CAROL))  # type: ignore[arg-type]


def test_accepting_twice_is_refused() -> None:
    with pytest.raises(UserError, match="already accepted"):
        check_can_accept(**accept_args(accepted={ALICE}))  # type: ignore[arg-type]


def test_someone_who_declined_may_change_their_mind_before_lock() -> None:
    check_can_accept(**accept_args(declined={ALICE}))  # type: ignore[arg-type]


@pytest.mark.parametrize("now", [LOCK, LOCK + timedelta(minutes=5)])
def test_accepting_at_or_after_lock_time_is_refused(now: datetime) -> None:
    with pytest.raises(UserError):
        check_can_accept(**accept_args(now=now))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (BetStatus.LOCKED, "locked"),
        (BetStatus.EXPIRED, "expired"),
        (BetStatus.SETTLED, "settled"),
        (BetStatus.VOIDED, "called off"),
    ],
)
def test_accepting_a_bet_that_is_no_longer_open_is_refused(status: BetStatus, words: str) -> None:
    with pytest.raises(UserError, match=words):
        check_can_accept(**accept_args(bet_status=status))  # type: ignore[arg-type]


def test_bet_without_known_lock_time_stays_open_for_acceptance() -> None:
    check_can_accept(**accept_args(lock_at=None, now=NOW + timedelta(days=30)))  # type: ignore[arg-type]


def test_named_opponent_may_decline_before_lock() -> None:
    check_can_decline(**accept_args())  # type: ignore[arg-type]


def test_declining_twice_is_refused() -> None:
    with pytest.raises(UserError, match="already declined"):
        check_can_decline(**accept_args(declined={ALICE}))  # type: ignore[arg-type]


def test_declining_after_accepting_is_refused() -> None:
    with pytest.raises(UserError, match="deal"):
        check_can_decline(**accept_args(accepted={ALICE}))  # type: ignore[arg-type]


def test_declining_your_own_bet_or_one_you_are_not_named_in_is_not_allowed() -> None:
    with pytest.raises(NotAllowed):
        check_can_decline(**accept_args(actor_id=PROPOSER))  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        check_can_decline(**accept_args(actor_id=CAROL))  # type: ignore[arg-type]


def test_declining_after_lock_is_refused() -> None:
    with pytest.raises(UserError):
        check_can_decline(**accept_args(now=LOCK))  # type: ignore[arg-type]


def test_accept_and_decline_update_the_bet() -> None:
    bet = seed_bet(status=BetStatus.OPEN, accepted=frozenset())
    bet = bets.decline(bet, ALICE, NOW, LOCK)
    assert bet.declined == {ALICE}
    bet = bets.accept(bet, ALICE, NOW, LOCK)
    assert bet.accepted == {ALICE}
    assert bet.declined == frozenset()
    with pytest.raises(UserError):
        bets.accept(bet, ALICE, NOW, LOCK)


def test_lock_outcome_is_locked_with_an_acceptance_and_expired_without() -> None:
    assert lock_outcome({ALICE}) is BetStatus.LOCKED
    assert lock_outcome(set()) is BetStatus.EXPIRED


def test_lock_moves_an_open_bet_once() -> None:
    open_bet = seed_bet(status=BetStatus.OPEN, accepted=frozenset({ALICE}))
    assert bets.lock(open_bet).status is BetStatus.LOCKED
    assert bets.lock(replace(open_bet, accepted=frozenset())).status is BetStatus.EXPIRED
    with pytest.raises(UserError):
        bets.lock(bets.lock(open_bet))


# --------------------------------------------------------------------------- the bet's sides


def test_proposers_side_is_the_proposer_and_the_other_side_is_who_accepted() -> None:
    bet = seed_bet(accepted=frozenset({ALICE}))
    assert bet.members(Side.FOR) == {PROPOSER}
    assert bet.members(Side.AGAINST) == {ALICE}
    assert bet.participants == {PROPOSER, ALICE}
    assert bet.side_of(PROPOSER) is Side.FOR
    assert bet.side_of(ALICE) is Side.AGAINST
    assert bet.side_of(BOB) is None  # named but never accepted


def test_a_proposer_betting_against_has_opponents_on_the_for_side() -> None:
    bet = seed_bet(proposer_side=Side.AGAINST)
    assert bet.members(Side.AGAINST) == {PROPOSER}
    assert bet.members(Side.FOR) == {ALICE, BOB}


# --------------------------------------------------------------------------- settling


def test_seed_story_he_makes_it_and_both_opponents_owe_a_backwards_run_due_in_seven_days() -> None:
    settlement = settle(seed_bet(), winning_side(True), NOW)
    assert settlement.winning_side is Side.FOR
    assert settlement.winners == (PROPOSER,)
    assert settlement.losers == (ALICE, BOB)
    due = NOW + timedelta(days=7)
    assert settlement.penalties == (
        PenaltyPlan(debtor_id=ALICE, creditors=(PROPOSER,), stake=backwards_run(), due_at=due),
        PenaltyPlan(debtor_id=BOB, creditors=(PROPOSER,), stake=backwards_run(), due_at=due),
    )
    assert describe(settlement.penalties[0].stake) == "run backwards 5 km"
    assert settlement.settled_at == NOW


def test_when_he_fails_the_proposer_owes_each_winner_the_stake_for_his_side() -> None:
    burpees = build_stake("burpees", 100, REPS, due=timedelta(days=3))
    bet = seed_bet(for_owes=burpees)
    settlement = settle(bet, Side.AGAINST, NOW)
    assert settlement.winners == (ALICE, BOB)
    assert settlement.losers == (PROPOSER,)
    assert settlement.penalties == (
        PenaltyPlan(debtor_id=PROPOSER, creditors=(ALICE, BOB), stake=burpees, due_at=NOW + timedelta(days=3)),
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (BetStatus.OPEN, "hasn't locked"),
        (BetStatus.SETTLED, "already been settled"),
        (BetStatus.EXPIRED, "expired"),
        (BetStatus.VOIDED, "voided"),
    ],
)
def test_only_a_locked_bet_settles(status: BetStatus, words: str) -> None:
    with pytest.raises(UserError, match=words):
        settle(seed_bet(status=status), Side.FOR, NOW)


def test_a_locked_bet_with_nobody_on_the_other_side_does_not_settle() -> None:
    with pytest.raises(UserError):
        settle(seed_bet(accepted=frozenset()), Side.FOR, NOW)


# --------------------------------------------------------------------------- manual settlement


def test_agreement_needs_a_vote_from_each_side() -> None:
    assert resolve_agreement({PROPOSER: Side.FOR}, {PROPOSER}, {ALICE, BOB}) is None
    assert resolve_agreement({ALICE: Side.FOR}, {PROPOSER}, {ALICE, BOB}) is None
    assert resolve_agreement({PROPOSER: Side.FOR, ALICE: Side.FOR}, {PROPOSER}, {ALICE, BOB}) is Side.FOR


def test_agreement_fails_while_any_vote_disagrees() -> None:
    votes = {PROPOSER: Side.FOR, ALICE: Side.FOR, BOB: Side.AGAINST}
    assert resolve_agreement(votes, {PROPOSER}, {ALICE, BOB}) is None


def test_votes_from_outside_the_bet_are_ignored() -> None:
    votes = {PROPOSER: Side.AGAINST, ALICE: Side.AGAINST, CAROL: Side.FOR}
    assert resolve_agreement(votes, {PROPOSER}, {ALICE, BOB}) is Side.AGAINST
    assert resolve_agreement({CAROL: Side.FOR}, {PROPOSER}, {ALICE}) is None


def test_only_participants_vote_and_only_on_a_locked_bet() -> None:
    check_can_vote(ALICE, {PROPOSER, ALICE}, BetStatus.LOCKED)
    with pytest.raises(NotAllowed):
        check_can_vote(CAROL, {PROPOSER, ALICE}, BetStatus.LOCKED)
    with pytest.raises(UserError):
        check_can_vote(ALICE, {PROPOSER, ALICE}, BetStatus.SETTLED)


def test_an_admin_outside_the_bet_may_settle_it_alone() -> None:
    check_can_settle(CAROL, True, {PROPOSER, ALICE})


def test_nobody_settles_alone_a_bet_they_are_part_of_not_even_an_admin() -> None:
    with pytest.raises(NotAllowed, match="part of this bet"):
        check_can_settle(ALICE, False, {PROPOSER, ALICE})
    with pytest.raises(NotAllowed, match="part of this bet"):
        check_can_settle(PROPOSER, True, {PROPOSER, ALICE})


def test_a_member_outside_the_bet_who_is_not_an_admin_cannot_settle() -> None:
    with pytest.raises(NotAllowed, match="admin"):
        check_can_settle(CAROL, False, {PROPOSER, ALICE})


@pytest.mark.parametrize("status", [BetStatus.OPEN, BetStatus.LOCKED, BetStatus.SETTLED, BetStatus.EXPIRED])
def test_bets_can_be_voided_before_or_after_settlement(status: BetStatus) -> None:
    check_can_void(status, CAROL, True, {PROPOSER, ALICE})


def test_voiding_twice_is_refused() -> None:
    with pytest.raises(UserError, match="already been voided"):
        check_can_void(BetStatus.VOIDED, CAROL, True, {PROPOSER, ALICE})


@pytest.mark.parametrize("actor", [PROPOSER, ALICE])
def test_an_admin_who_is_part_of_the_bet_cannot_void_it_alone(actor: int) -> None:
    with pytest.raises(NotAllowed, match="part of this bet"):
        check_can_void(BetStatus.SETTLED, actor, True, {PROPOSER, ALICE})


def test_a_member_who_is_not_an_admin_cannot_void() -> None:
    with pytest.raises(NotAllowed, match="Only an admin"):
        check_can_void(BetStatus.LOCKED, CAROL, False, {PROPOSER, ALICE})


# --------------------------------------------------------------------------- invariants

user_ids = st.integers(min_value=1, max_value=10**18)


@st.composite
def locked_bets(draw: st.DrawFn) -> Bet:
    proposer = draw(user_ids)
    accepted = draw(st.frozensets(user_ids.filter(lambda u: u != proposer), min_size=1, max_size=10))
    stakes = st.sampled_from(
        [backwards_run(), build_stake("burpees", 100, REPS), build_stake("plank", 5, MIN, due=timedelta(hours=1))]
    )
    return Bet(
        proposer_id=proposer,
        proposer_side=draw(st.sampled_from(Side)),
        subject=ChallengeSubject(challenge_id=draw(st.integers(1, 1000)), participant_id=proposer),
        for_owes=draw(stakes),
        against_owes=draw(stakes),
        open_bet=True,
        accepted=accepted,
        status=BetStatus.LOCKED,
    )


aware_times = st.integers(0, 20 * 365 * 86_400).map(lambda s: datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=s))


@given(bet=locked_bets(), side=st.sampled_from(Side), now=aware_times)
def test_settlement_splits_the_participants_into_disjoint_winners_and_losers(
    bet: Bet, side: Side, now: datetime
) -> None:
    s = settle(bet, side, now)
    assert set(s.winners).isdisjoint(s.losers)
    assert set(s.winners) | set(s.losers) == bet.participants
    assert s.winners and s.losers
    assert list(s.winners) == sorted(s.winners)
    assert list(s.losers) == sorted(s.losers)


@given(bet=locked_bets(), side=st.sampled_from(Side), now=aware_times)
def test_settlement_makes_exactly_one_penalty_per_loser_owed_to_every_winner(
    bet: Bet, side: Side, now: datetime
) -> None:
    s = settle(bet, side, now)
    assert [p.debtor_id for p in s.penalties] == list(s.losers)
    for plan in s.penalties:
        assert plan.creditors == s.winners
        assert plan.stake == bet.stake_owed_by(other(side))
        assert plan.due_at == now + plan.stake.due
        assert plan.due_at > now


@given(bet=locked_bets(), side=st.sampled_from(Side), now=aware_times)
def test_settle_is_deterministic(bet: Bet, side: Side, now: datetime) -> None:
    assert settle(bet, side, now) == settle(replace(bet, accepted=frozenset(sorted(bet.accepted))), side, now)


@given(
    votes=st.dictionaries(st.integers(1, 6), st.sampled_from(Side)),
    mine=st.frozensets(st.integers(1, 3), min_size=1),
    theirs=st.frozensets(st.integers(4, 6), min_size=1),
)
def test_agreement_is_only_reached_when_both_sides_voted_the_same(
    votes: dict[int, Side], mine: frozenset[int], theirs: frozenset[int]
) -> None:
    result = resolve_agreement(votes, mine, theirs)
    counted = {u: s for u, s in votes.items() if u in mine | theirs}
    if result is None:
        both_voted = any(u in counted for u in mine) and any(u in counted for u in theirs)
        assert not both_voted or len(set(counted.values())) > 1
    else:
        assert set(counted.values()) == {result}
        assert any(u in counted for u in mine)
        assert any(u in counted for u in theirs)


@given(
    actor=st.integers(1, 20),
    proposer=st.integers(1, 20),
    named=st.frozensets(st.integers(1, 20), max_size=10),
    open_bet=st.booleans(),
    accepted=st.frozensets(st.integers(1, 20), max_size=10),
    status=st.sampled_from(BetStatus),
    minutes=st.integers(-120, 120),
)
def test_a_successful_accept_is_never_by_the_proposer_twice_or_after_lock(
    actor: int,
    proposer: int,
    named: frozenset[int],
    open_bet: bool,
    accepted: frozenset[int],
    status: BetStatus,
    minutes: int,
) -> None:
    now = LOCK + timedelta(minutes=minutes)
    try:
        check_can_accept(status, proposer, named, open_bet, accepted, frozenset(), actor, now, LOCK)
    except UserError:
        return
    assert actor != proposer
    assert actor not in accepted
    assert open_bet or actor in named
    assert status is BetStatus.OPEN
    assert now < LOCK


def test_settling_with_a_naive_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        settle(seed_bet(), Side.FOR, NOW.replace(tzinfo=None))


@given(
    named=st.frozensets(st.integers(1, 12), max_size=10),
    open_bet=st.booleans(),
    steps=st.lists(st.tuples(st.booleans(), st.integers(0, 12), st.integers(-30, 90)), max_size=40),
)
def test_responses_keep_the_proposer_out_and_accept_and_decline_apart(
    named: frozenset[int], open_bet: bool, steps: list[tuple[bool, int, int]]
) -> None:
    proposer = 0
    bet = seed_bet(
        proposer_id=proposer,
        subject=ManualSubject(description="Tom quits sugar", decide_at=LOCK),
        named_opponents=frozenset() if open_bet else named,
        open_bet=open_bet,
        accepted=frozenset(),
        status=BetStatus.OPEN,
    )
    for accepting, actor, minutes in steps:
        now = LOCK - timedelta(minutes=minutes)
        try:
            bet = (bets.accept if accepting else bets.decline)(bet, actor, now, LOCK)
        except UserError:
            continue
        assert now < LOCK
    assert proposer not in bet.accepted | bet.declined
    assert bet.accepted.isdisjoint(bet.declined)
    assert open_bet or bet.accepted | bet.declined <= named
    locked = bets.lock(bet)
    assert locked.status is (BetStatus.LOCKED if bet.accepted else BetStatus.EXPIRED)
    if locked.status is BetStatus.LOCKED:
        assert settle(locked, Side.FOR, LOCK).winners == (proposer,)
