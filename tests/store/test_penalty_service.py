"""Penalties at the service level: submit, verify, reject, waive, reminders and overdue, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.proof import ProofRef
from bot.errors import NotAllowed, NotFound, UserError
from bot.services import bets as bet_service
from bot.services import challenges as challenge_service
from bot.services import penalties as service
from bot.services.context import Services
from bot.store import announcements
from bot.store import penalties as penalty_store
from bot.store.penalties import NewPenalty, PenaltyRow
from tests.store.conftest import GUILD, OTHER_GUILD
from tests.store.test_bet_service import ADMIN, ANA, BEN, CAL, SAM, clock, member, seed_bet, seed_challenge


async def settled(svc: Services) -> tuple[PenaltyRow, PenaltyRow]:
    """The seed story up to the settlement: Ana and Ben each owe Sam a 5 km backwards run."""
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no, opponents=[member(ANA), member(BEN)])
    await bet_service.accept(svc, GUILD, bet.row.no, ANA)
    await bet_service.accept(svc, GUILD, bet.row.no, BEN)
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "2020")
    clock(svc).advance(timedelta(hours=7))
    await svc.timers.run_due()
    view = await bet_service.show(svc, GUILD, bet.row.no)
    first, second = view.penalties
    return first, second


async def queued(svc: Services, kind: str) -> list[int]:
    return [a.ref_id for a in await announcements.unposted(svc.db) if a.kind == kind]


async def test_submit_shows_the_pace_and_asks_the_winners(bet_svc: Services) -> None:
    svc = bet_svc
    ana, _ = await settled(svc)
    kept = ProofRef(channel_id=7, message_id=8, filename="proof.png")
    result = await service.submit(svc, GUILD, ana.no, ANA, "5", "55:00", proof=kept)
    assert result.submission.summary == "5 km in 55 min · 11:00 min/km"
    assert result.view.row.sub_proof == kept and result.view.row.sub_proof_url is None
    [event] = [e for e in await service.history(svc, ana) if e.action == "submit"]
    assert event.proof == kept
    assert await queued(svc, service.ANN_SUBMITTED) == [result.event_id]
    in_miles = await service.list_penalties(svc, GUILD, ANA, "submitted")
    assert [v.row.no for v in in_miles] == [ana.no]


async def test_reject_makes_it_owed_again_and_a_resubmission_posts_again(bet_svc: Services) -> None:
    svc = bet_svc
    ana, _ = await settled(svc)
    first = await service.submit(svc, GUILD, ana.no, ANA, "5", "55:00")
    rejected = await service.reject_no(svc, GUILD, ana.no, SAM, is_admin=False, reason="no proof")
    assert rejected.status.value == "owed" and rejected.row.sub_amount is None
    second = await service.submit(svc, GUILD, ana.no, ANA, "5.2", "58:30")
    assert await queued(svc, service.ANN_SUBMITTED) == [first.event_id, second.event_id]
    actions = [(e.action, e.detail) for e in await service.history(svc, ana)]
    assert actions == [("assign", "bet #1"), ("submit", None), ("reject", "no proof"), ("submit", None)]


async def test_only_the_debtor_submits_and_only_winners_or_admins_judge(bet_svc: Services) -> None:
    svc = bet_svc
    ana, ben = await settled(svc)
    with pytest.raises(NotAllowed, match="isn't yours"):
        await service.submit(svc, GUILD, ana.no, BEN, "5", "55:00")
    with pytest.raises(UserError, match="hasn't been submitted"):
        await service.verify_no(svc, GUILD, ana.no, SAM, is_admin=False)
    await service.submit(svc, GUILD, ana.no, ANA, "5", "55:00")
    with pytest.raises(UserError, match="already submitted"):
        await service.submit(svc, GUILD, ana.no, ANA, "5", "55:00")
    with pytest.raises(NotAllowed, match="your own penalty"):
        await service.verify_no(svc, GUILD, ana.no, ANA, is_admin=True)  # not even as an admin
    with pytest.raises(NotAllowed, match="Only the winners"):
        await service.verify_no(svc, GUILD, ana.no, BEN, is_admin=False)  # a loser of the same bet
    with pytest.raises(NotAllowed, match="Only the winners"):
        await service.reject_no(svc, GUILD, ana.no, CAL, is_admin=False)
    done = await service.verify_no(svc, GUILD, ana.no, ADMIN, is_admin=True)
    assert done.status.value == "verified"
    with pytest.raises(UserError, match="already done"):
        await service.verify_no(svc, GUILD, ana.no, SAM, is_admin=False)
    with pytest.raises(NotAllowed, match="your own penalty"):
        await service.waive_no(svc, GUILD, ben.no, BEN, is_admin=False)
    waived = await service.waive_no(svc, GUILD, ben.no, SAM, is_admin=False, reason="good sport")
    assert waived.status.value == "waived"
    assert await queued(svc, service.ANN_WAIVED) == [ben.id]


async def test_absurd_submissions_are_refused_and_change_nothing(bet_svc: Services) -> None:
    svc = bet_svc
    ana, _ = await settled(svc)
    for amount, duration, message in (
        ("0", "55:00", "more than zero"),
        ("5", "0:00", "more than zero"),
        ("5", "5:00", "world record"),
        ("5000", "55:00", "Check the amount"),
        ("3", "30:00", "finish the whole thing"),
        ("five", "55:00", "number"),
        ("5", "soon", "duration"),
        ("5", "8d", "too long"),
    ):
        with pytest.raises(UserError, match=message):
            await service.submit(svc, GUILD, ana.no, ANA, amount, duration)
    row = await svc.db.fetchone("SELECT status FROM penalties WHERE id = ?", (ana.id,))
    assert row is not None and row[0] == "owed"
    assert [e.action for e in await service.history(svc, ana)] == ["assign"]


async def test_submitting_in_miles_converts_to_the_stake_unit(bet_svc: Services) -> None:
    svc = bet_svc
    ana, _ = await settled(svc)
    result = await service.submit(svc, GUILD, ana.no, ANA, "3.2", "55:00", unit="mi")
    assert result.submission.amount_text == "5.15 km"


async def test_reminder_then_overdue_once_and_it_stays_owed(bet_svc: Services) -> None:
    svc = bet_svc
    ana, ben = await settled(svc)
    await service.submit(svc, GUILD, ben.no, BEN, "5", "55:00")
    clock(svc).set(ana.due_at - timedelta(hours=23))
    await svc.timers.run_due()
    assert sorted(await queued(svc, service.ANN_REMINDER)) == [ana.id, ben.id]
    clock(svc).set(ana.due_at + timedelta(minutes=1))
    await svc.timers.run_due()
    await svc.timers.run_due()
    assert await queued(svc, service.ANN_OVERDUE) == [ana.id]  # Ben's is waiting for the winners
    overdue = await service.list_penalties(svc, GUILD, None, "overdue")
    assert {v.row.id for v in overdue} == {ana.id, ben.id}
    assert (await service.list_penalties(svc, GUILD, ANA, "owed"))[0].overdue
    # Late is still better than never.
    await service.submit(svc, GUILD, ana.no, ANA, "5", "55:00")
    await service.verify_no(svc, GUILD, ana.no, SAM, is_admin=False)
    done = await service.list_penalties(svc, GUILD, None, "done")
    assert [v.row.id for v in done] == [ana.id]


async def test_penalty_ids_from_another_server_are_unknown(bet_svc: Services) -> None:
    svc = bet_svc
    ana, _ = await settled(svc)
    with pytest.raises(NotFound):
        await service.submit(svc, OTHER_GUILD, ana.no, ANA, "5", "55:00")
    with pytest.raises(NotFound):
        await service.verify_no(svc, OTHER_GUILD, ana.no, SAM, is_admin=True)
    with pytest.raises(NotFound):
        await service.resolve_id(svc, OTHER_GUILD, ana.id)
    assert await service.list_penalties(svc, OTHER_GUILD, None, "all") == []
    assert await service.autocomplete(svc, OTHER_GUILD, "") == []
    assert [no for no, _ in await service.autocomplete(svc, GUILD, "backwards")] == [2, 1]


async def test_bad_list_filter(bet_svc: Services) -> None:
    with pytest.raises(UserError):
        await service.list_penalties(bet_svc, GUILD, None, "lost")


async def test_list_filters_find_old_penalties_behind_more_than_the_list_limit_of_newer_ones(
    bet_svc: Services,
) -> None:
    svc = bet_svc
    ana, ben = await settled(svc)  # #1 and #2, due in 7 days
    newer = penalty_store.LIST_LIMIT + 100
    async with svc.db.transaction() as conn:
        for debtor in range(5000, 5000 + newer):  # newer ones, due much later: owed, not overdue
            new = NewPenalty(
                guild_id=GUILD,
                bet_id=ana.bet_id,
                debtor_id=debtor,
                creditors=(SAM,),
                text="pushups 10 reps",
                amount=10,
                unit="reps",
                due_at=clock(svc).now() + timedelta(days=30),
                assigned_at=clock(svc).now(),
            )
            assert await penalty_store.insert(conn, new) is not None
    clock(svc).advance(timedelta(days=8))
    await service.waive_no(svc, GUILD, ana.no, SAM, is_admin=False, reason="injured")

    async def listed(which: str, member_id: int | None = None) -> list[int]:
        return [v.row.no for v in await service.list_penalties(svc, GUILD, member_id, which)]

    assert await listed("overdue") == [ben.no]
    assert await listed("overdue", SAM) == [ben.no]  # owed to him
    assert await listed("overdue", BEN) == [ben.no]  # owed by him
    assert await listed("overdue", ANA) == []
    assert await listed("done") == [ana.no]
    assert await listed("done", ANA) == [ana.no]
    open_ = await listed("open")
    assert len(open_) == penalty_store.LIST_LIMIT and open_[0] == newer + 2  # the newest, up to the limit
    assert await listed("open", BEN) == [ben.no]
    assert await listed("owed", BEN) == [ben.no]
    assert await listed("submitted") == []
    await service.submit(svc, GUILD, ben.no, BEN, "5", "55:00")
    assert await listed("submitted") == [ben.no]
    assert await listed("overdue") == [ben.no]  # submitted is still open, and past due
    assert len(await listed("all")) == penalty_store.LIST_LIMIT


async def test_whole_unit_stakes_read_thousands_either_way_and_refuse_fractions(bet_svc: Services) -> None:
    svc = bet_svc
    challenge = await seed_challenge(svc)
    bet = await seed_bet(svc, challenge.row.no, stake="burpees", amount="1,500", unit="reps", opponents=[member(ANA)])
    await bet_service.accept(svc, GUILD, bet.row.no, ANA)
    await challenge_service.log(svc, GUILD, challenge.row.no, SAM, "2,020")
    clock(svc).advance(timedelta(hours=7))
    await svc.timers.run_due()
    [penalty] = (await bet_service.show(svc, GUILD, bet.row.no)).penalties
    assert penalty.amount == 1500
    with pytest.raises(UserError, match="counted whole"):
        await service.submit(svc, GUILD, penalty.no, ANA, "1499,5", "55:00")
    result = await service.submit(svc, GUILD, penalty.no, ANA, "1.500", "55:00")  # German grouping
    assert result.submission.amount_text == "1,500 reps"
