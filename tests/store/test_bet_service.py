"""Bets at the service level, on a real SQLite file: the seed story, locking, settlement, voiding, bad input."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.errors import NotAllowed, NotFound, UserError
from bot.services import bets as service
from bot.services import challenges as challenge_service
from bot.services import penalties as penalty_service
from bot.services.bets import OpponentInfo
from bot.services.context import Services
from bot.store import announcements, timers
from tests.store.conftest import CHANNEL, GUILD, OTHER_GUILD, seed_pushups
from tests.store.conftest import manual_clock as clock

SAM, ANA, BEN, CAL, ADMIN = 1001, 1002, 1003, 1004, 1099


async def seed_challenge(svc: Services, guild_id: int = GUILD) -> challenge_service.ChallengeView:
    return await seed_pushups(svc, guild_id, clock_starts_at_first_log=True)


def member(user_id: int) -> OpponentInfo:
    return OpponentInfo(user_id=user_id, is_bot=False, in_guild=True)


async def seed_bet(svc: Services, challenge_no: int, **overrides: object) -> service.BetView:
    options: dict[str, object] = {
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "proposer_id": SAM,
        "side": "for",
        "stake": "run 5 km backwards",
        "amount": "5",
        "unit": "km",
        "challenge_no": challenge_no,
        "opponents": [member(ANA), member(BEN)],
    }
    options.update(overrides)
    return await service.create_bet(svc, **options)  # type: ignore[arg-type]


async def count(svc: Services, table: str) -> int:
    row = await svc.db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def kinds(svc: Services) -> list[str]:
    return [a.kind for a in await announcements.unposted(svc.db)]


async def test_seed_story_from_bet_to_verified_penalties(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    assert challenge.title == "2,020 pushups in under 7 hours"
    bet = await seed_bet(svc, challenge.row.no)
    assert bet.row.no == 1 and bet.status.value == "open"
    assert bet.row.subject_id == SAM  # the proposer is a participant
    assert set(bet.named) == {ANA, BEN}
    assert bet.lock_at is None  # attempt clock: locks at the first log

    await service.accept(svc, GUILD, bet.row.no, ANA)
    accepted = await service.accept(svc, GUILD, bet.row.no, BEN)
    assert set(accepted.accepted) == {ANA, BEN}

    for chunk in ("500", "600", "520"):
        clock(svc).advance(timedelta(hours=1))
        await challenge_service.log(svc, GUILD, challenge.row.no, SAM, chunk)
        locked = await service.show(svc, GUILD, bet.row.no)
        assert locked.status.value == "locked"  # locked at the first log

    clock(svc).advance(timedelta(hours=1))
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "400")  # 2,020: his result is decided now
    settled = await service.show(svc, GUILD, bet.row.no)
    assert settled.status.value == "settled" and settled.row.winning_side == "for"
    assert settled.winners == (SAM,) and settled.losers == (ANA, BEN)
    assert [(p.debtor_id, p.text, p.status) for p in settled.penalties] == [
        (ANA, "run 5 km backwards", "owed"),
        (BEN, "run 5 km backwards", "owed"),
    ]
    for p in settled.penalties:
        assert p.creditors == (SAM,)
        assert p.due_at == clock(svc).now() + timedelta(days=7)
        assert (await timers.get(svc.db, service.TIMER_PENALTY_DUE, p.id)) is not None
        assert (await timers.get(svc.db, service.TIMER_PENALTY_REMINDER, p.id)) is not None
    assert (await kinds(svc)).count(service.ANN_SETTLED) == 1

    for p in settled.penalties:
        clock(svc).advance(timedelta(hours=20))
        result = await penalty_service.submit(svc, GUILD, p.no, p.debtor_id, "5", "55:00")
        assert result.submission.pace_text == "11:00 min/km"
        assert result.view.status.value == "submitted"
        done = await penalty_service.verify_no(svc, GUILD, p.no, SAM, is_admin=False)
        assert done.status.value == "verified" and done.row.verified_by == SAM
        events = [e.action for e in await penalty_service.history(svc, p)]
        assert events == ["assign", "submit", "verify"]
    assert (await kinds(svc)).count(penalty_service.ANN_DONE) == 2


async def test_settlement_happens_exactly_once(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no)
    await service.accept(svc, GUILD, bet.row.no, ANA)
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "2020")
    clock(svc).advance(timedelta(hours=8))
    assert await challenge_service.finish(svc, challenge.row.id) is True
    assert await challenge_service.finish(svc, challenge.row.id) is False
    await svc.timers.run_due()
    assert await count(svc, "penalties") == 1
    assert (await kinds(svc)).count(service.ANN_SETTLED) == 1


async def test_failed_challenge_makes_the_proposer_owe_their_own_stake(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no, my_stake="burpees", my_amount="100", my_unit="reps")
    await service.accept(svc, GUILD, bet.row.no, ANA)
    await service.accept(svc, GUILD, bet.row.no, BEN)
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "1000")
    clock(svc).advance(timedelta(hours=8))
    await svc.timers.run_due()
    settled = await service.show(svc, GUILD, bet.row.no)
    assert settled.row.winning_side == "against"
    assert settled.winners == (ANA, BEN) and settled.losers == (SAM,)
    [penalty] = settled.penalties
    assert (penalty.debtor_id, penalty.text, penalty.creditors) == (SAM, "burpees 100 reps", (ANA, BEN))


async def test_unaccepted_bet_expires_at_the_first_log_and_is_announced(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no)
    await service.decline(svc, GUILD, bet.row.no, ANA)
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "10")
    expired = await service.show(svc, GUILD, bet.row.no)
    assert expired.status.value == "expired"
    assert (await kinds(svc)).count(service.ANN_EXPIRED) == 1
    with pytest.raises(UserError, match="expired"):
        await service.accept(svc, GUILD, bet.row.no, BEN)
    with pytest.raises(UserError, match="started"):
        await seed_bet(svc, challenge.row.no)  # after the lock


async def test_fixed_window_bets_lock_when_the_challenge_starts(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await challenge_service.create(
        svc,
        guild_id=GUILD,
        channel_id=CHANNEL,
        creator_id=SAM,
        activity="run",
        target="10",
        unit="km",
        duration="1d",
        start="2026-03-03 08:00",
    )
    bet = await seed_bet(svc, challenge.row.no, opponents=[], open_bet=True)
    assert bet.lock_at == challenge.rules.starts_at
    await service.accept(svc, GUILD, bet.row.no, CAL)  # anyone but the proposer takes an open bet
    clock(svc).set(challenge.rules.starts_at)
    await svc.timers.run_due()
    locked = await service.show(svc, GUILD, bet.row.no)
    assert locked.status.value == "locked" and locked.accepted == (CAL,)
    assert service.ANN_LOCKED in await kinds(svc)


async def test_cancelled_challenge_voids_its_bets(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no)
    await service.accept(svc, GUILD, bet.row.no, ANA)
    await challenge_service.cancel(svc, GUILD, challenge.row.no, SAM, is_admin=False)
    voided = await service.show(svc, GUILD, bet.row.no)
    assert voided.status.value == "voided" and voided.row.status_before_void == "open"
    assert voided.row.void_reason is not None and "cancelled" in voided.row.void_reason
    assert (await kinds(svc)).count(service.ANN_VOIDED) == 1
    assert await count(svc, "penalties") == 0


async def test_subject_who_left_voids_the_bet(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    await challenge_service.join(svc, GUILD, challenge.row.no, CAL)
    bet = await seed_bet(svc, challenge.row.no, proposer_id=ANA, subject_id=CAL, opponents=[member(BEN)])
    await service.accept(svc, GUILD, bet.row.no, BEN)
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "10")
    await challenge_service.leave(svc, GUILD, challenge.row.no, CAL)
    clock(svc).set(challenge.rules.ends_at)
    await svc.timers.run_due()
    voided = await service.show(svc, GUILD, bet.row.no)
    assert voided.status.value == "voided"


async def test_void_after_settlement_cancels_open_penalties_and_keeps_the_record(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no)
    await service.accept(svc, GUILD, bet.row.no, ANA)
    await service.accept(svc, GUILD, bet.row.no, BEN)
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "2020")
    clock(svc).advance(timedelta(hours=8))
    await svc.timers.run_due()
    settled = await service.show(svc, GUILD, bet.row.no)
    first, second = settled.penalties
    await penalty_service.submit(svc, GUILD, first.no, ANA, "5", "55:00")
    await penalty_service.verify_no(svc, GUILD, first.no, SAM, is_admin=False)

    with pytest.raises(NotAllowed):
        await service.void_bet(svc, GUILD, bet.row.no, SAM, is_admin=False)
    voided = await service.void_bet(svc, GUILD, bet.row.no, ADMIN, is_admin=True, reason="wrong challenge")
    assert voided.status.value == "voided" and voided.row.status_before_void == "settled"
    assert voided.row.winning_side == "for"  # the record keeps what happened
    statuses = {p.debtor_id: p.status for p in voided.penalties}
    assert statuses == {ANA: "verified", BEN: "cancelled"}
    due = await timers.get(svc.db, service.TIMER_PENALTY_DUE, second.id)
    assert due is not None
    pending = [t for t in await timers.pending(svc.db) if t.ref_id == second.id]
    assert pending == []
    assert [e.action for e in await penalty_service.history(svc, second)] == ["assign", "cancel"]
    with pytest.raises(UserError, match="already been voided"):
        await service.void_bet(svc, GUILD, bet.row.no, ADMIN, is_admin=True)
    with pytest.raises(UserError):
        await penalty_service.submit(svc, GUILD, second.no, BEN, "5", "55:00")


# --------------------------------------------------------------------------- manual bets


async def manual_bet(svc: Services) -> service.BetView:
    return await service.create_bet(
        svc,
        guild_id=GUILD,
        channel_id=CHANNEL,
        proposer_id=SAM,
        side="for",
        stake="burpees",
        amount="50",
        unit="reps",
        opponents=[member(ANA)],
        description="Sam runs the Sunday park run under 25 minutes",
        decide_at="2026-03-08 12:00",
    )


async def test_manual_bet_settles_when_both_sides_agree(bet_svc: Services) -> None:
    svc = bet_svc
    bet = await manual_bet(svc)
    assert bet.challenge_no is None and bet.lock_at is not None
    await service.accept(svc, GUILD, bet.row.no, ANA)
    with pytest.raises(UserError):
        await service.vote(svc, bet.row, SAM, "for")  # not locked yet
    clock(svc).set(bet.lock_at)
    await svc.timers.run_due()
    assert (await service.show(svc, GUILD, bet.row.no)).status.value == "locked"
    assert service.ANN_DECIDE in await kinds(svc)
    with pytest.raises(NotAllowed):
        await service.vote(svc, bet.row, CAL, "for")  # not part of it
    first = await service.vote(svc, bet.row, SAM, "for")
    assert not first.settled
    disputed = await service.vote(svc, bet.row, ANA, "against")
    assert disputed.disputed and not disputed.settled
    agreed = await service.vote(svc, bet.row, ANA, "for")
    assert agreed.settled
    assert agreed.view.losers == (ANA,)
    assert [p.text for p in agreed.view.penalties] == ["burpees 50 reps"]


async def test_manual_bet_settled_by_an_admin_outside_it_only(bet_svc: Services) -> None:
    svc = bet_svc
    bet = await manual_bet(svc)
    await service.accept(svc, GUILD, bet.row.no, ANA)
    assert bet.lock_at is not None
    clock(svc).set(bet.lock_at)
    await svc.timers.run_due()
    with pytest.raises(NotAllowed, match="part of this bet"):
        await service.settle_manual(svc, GUILD, bet.row.no, SAM, True, "for")
    with pytest.raises(NotAllowed, match="Only an admin"):
        await service.settle_manual(svc, GUILD, bet.row.no, CAL, False, "for")
    done = await service.settle_manual(svc, GUILD, bet.row.no, ADMIN, True, "against")
    assert done.row.settled_by == ADMIN and done.losers == (SAM,)
    with pytest.raises(UserError, match="already been settled"):
        await service.settle_manual(svc, GUILD, bet.row.no, ADMIN, True, "against")


async def test_manual_bet_nobody_took_expires_at_the_decision_time(bet_svc: Services) -> None:
    svc = bet_svc
    bet = await manual_bet(svc)
    assert bet.lock_at is not None
    clock(svc).set(bet.lock_at)
    await svc.timers.run_due()
    assert (await service.show(svc, GUILD, bet.row.no)).status.value == "expired"


# --------------------------------------------------------------------------- bad input


async def test_bad_proposals_are_refused_and_change_nothing(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    no = challenge.row.no
    cases: list[tuple[dict[str, object], str]] = [
        ({"opponents": [member(SAM)]}, "against yourself"),
        ({"opponents": [OpponentInfo(ANA, is_bot=True, in_guild=True)]}, "is a bot"),
        ({"opponents": [OpponentInfo(ANA, is_bot=False, in_guild=False)]}, "isn't a member"),
        ({"opponents": []}, "Name at least one opponent"),
        ({"open_bet": True}, "not both"),
        ({"amount": "0"}, "more than"),
        ({"amount": "-5"}, "more than zero"),
        ({"amount": "100000"}, "more than anyone should owe"),
        ({"amount": "lots"}, "number"),
        ({"unit": "parsecs"}, "unit"),
        ({"stake": "   "}, "empty"),
        ({"side": "against"}, "failing your own challenge"),
        ({"due": "10m"}, "too short"),
        ({"due": "400d"}, "too long"),
        ({"skip": True}, "no challenge #99"),
        ({"subject_id": CAL}, "isn't taking part"),
        ({"my_stake": "burpees"}, "all three"),
        ({"description": "something"}, "either on a challenge"),
    ]
    for overrides, message in cases:
        which = 99 if overrides.pop("skip", False) else no
        with pytest.raises(UserError, match=message):
            await seed_bet(svc, which, **overrides)
    assert await count(svc, "bets") == 0
    assert await count(svc, "bet_opponents") == 0


async def test_betting_on_a_finished_or_cancelled_challenge_is_refused(bet_svc: Services) -> None:
    svc = bet_svc
    finished = await seed_challenge(svc)
    await challenge_service.finish(svc, finished.row.id)
    with pytest.raises(UserError, match="already over"):
        await seed_bet(svc, finished.row.no)
    cancelled = await seed_challenge(svc)
    await challenge_service.cancel(svc, GUILD, cancelled.row.no, SAM, is_admin=False)
    with pytest.raises(UserError, match="cancelled"):
        await seed_bet(svc, cancelled.row.no)
    assert await count(svc, "bets") == 0


async def test_bad_answers_to_a_bet_are_refused(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no)
    with pytest.raises(NotAllowed, match="your own bet"):
        await service.accept(svc, GUILD, bet.row.no, SAM)
    with pytest.raises(NotAllowed, match="not named"):
        await service.accept(svc, GUILD, bet.row.no, CAL)
    await service.accept(svc, GUILD, bet.row.no, ANA)
    with pytest.raises(UserError, match="already accepted"):
        await service.accept(svc, GUILD, bet.row.no, ANA)
    with pytest.raises(UserError, match="a deal is a deal"):
        await service.decline(svc, GUILD, bet.row.no, ANA)
    await service.decline(svc, GUILD, bet.row.no, BEN)
    with pytest.raises(UserError, match="already declined"):
        await service.decline(svc, GUILD, bet.row.no, BEN)
    changed = await service.accept(svc, GUILD, bet.row.no, BEN)  # changing one's mind is fine before the lock
    assert set(changed.accepted) == {ANA, BEN} and changed.declined == ()


async def test_ids_from_another_server_are_unknown(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no)
    with pytest.raises(NotFound):
        await service.accept(svc, OTHER_GUILD, bet.row.no, ANA)
    with pytest.raises(NotFound):
        await service.resolve_id(svc, OTHER_GUILD, bet.row.id)
    with pytest.raises(NotFound):
        await service.show(svc, OTHER_GUILD, bet.row.no)
    with pytest.raises(NotFound):
        await service.void_bet(svc, OTHER_GUILD, bet.row.no, ADMIN, is_admin=True)
    with pytest.raises(NotFound):  # a challenge of this server named from another one
        await seed_bet(svc, challenge.row.no, guild_id=OTHER_GUILD)
    assert await service.list_bets(svc, OTHER_GUILD, "all") == []
    assert await service.autocomplete(svc, OTHER_GUILD, "") == []
    mine = await service.autocomplete(svc, GUILD, "push")
    assert mine and mine[0][0] == bet.row.no


async def test_bet_numbers_are_per_server(bet_svc: Services) -> None:
    svc = bet_svc
    here = await seed_challenge(svc)
    there = await seed_challenge(svc, OTHER_GUILD)
    a = await seed_bet(svc, here.row.no)
    b = await seed_bet(svc, here.row.no)
    c = await seed_bet(svc, there.row.no, guild_id=OTHER_GUILD)
    assert (a.row.no, b.row.no, c.row.no) == (1, 2, 1)


async def test_concurrent_answers_and_finishes_take_turns(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no)
    results = await asyncio.gather(
        service.accept(svc, GUILD, bet.row.no, ANA),
        service.accept(svc, GUILD, bet.row.no, ANA),
        service.accept(svc, GUILD, bet.row.no, BEN),
        return_exceptions=True,
    )
    assert sum(isinstance(r, UserError) for r in results) == 1  # the double click is refused once
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "2020")
    clock(svc).advance(timedelta(hours=8))
    done = await asyncio.gather(
        *(challenge_service.finish(svc, challenge.row.id) for _ in range(3)), svc.timers.run_due()
    )
    assert done[:3].count(True) == 1
    assert await count(svc, "penalties") == 2
    assert (await kinds(svc)).count(service.ANN_SETTLED) == 1
