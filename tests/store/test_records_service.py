from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserError
from bot.services import challenges as challenge_service
from bot.services import records
from bot.services.context import Services
from tests.store.conftest import CHANNEL, GUILD, OTHER_GUILD, seed_pushups
from tests.store.conftest import manual_clock as clock
from tests.store.test_bet_service import BEN, CAL
from tests.store.test_penalty_service import settled

SAM, ANA = 1001, 1002


async def pushups(svc: Services, guild: int = GUILD) -> challenge_service.ChallengeView:
    view = await seed_pushups(svc, guild)
    await challenge_service.join(svc, guild, view.row.no, ANA)
    return view


async def test_stats_count_completed_and_failed_challenges_with_personal_best(svc: Services) -> None:
    view = await pushups(svc)
    clock(svc).advance(timedelta(hours=6, minutes=41))
    await challenge_service.log(svc, GUILD, view.row.no, SAM, "2,020")
    await challenge_service.log(svc, GUILD, view.row.no, ANA, "1000")
    clock(svc).advance(timedelta(hours=1))
    await challenge_service.finish(svc, view.row.id)
    sam = await records.stats(svc, GUILD, SAM)
    ana = await records.stats(svc, GUILD, ANA)
    assert (sam.challenges_completed, sam.challenges_failed) == (1, 0)
    assert (ana.challenges_completed, ana.challenges_failed) == (0, 1)
    assert [(b.what, b.elapsed) for b in sam.bests] == [("2,020 pushups", timedelta(hours=6, minutes=41))]
    assert [(t.activity, t.amount) for t in sam.totals] == [("pushups", 2020)]


async def test_records_never_mix_servers(svc: Services) -> None:
    here = await pushups(svc)
    there = await pushups(svc, OTHER_GUILD)
    await challenge_service.log(svc, GUILD, here.row.no, SAM, "10")
    await challenge_service.log(svc, OTHER_GUILD, there.row.no, SAM, "999")
    board = await records.leaderboard(svc, GUILD, "pushups", "all")
    assert [(r.user_id, r.totals[0].amount) for r in board.rows] == [(SAM, 10)]


async def test_leaderboard_by_activity_ranks_by_total_and_respects_the_period(svc: Services) -> None:
    view = await pushups(svc)
    await challenge_service.log(svc, GUILD, view.row.no, SAM, "100")
    clock(svc).advance(timedelta(days=8))
    run = await challenge_service.create(
        svc,
        guild_id=GUILD,
        channel_id=CHANNEL,
        creator_id=ANA,
        activity="pushups",
        target="50",
        unit="reps",
        duration="1h",
    )
    await challenge_service.log(svc, GUILD, run.row.no, ANA, "40")
    all_time = await records.leaderboard(svc, GUILD, "pushups", "all")
    assert [r.user_id for r in all_time.rows] == [SAM, ANA]
    week = await records.leaderboard(svc, GUILD, "pushups", "week")
    assert [r.user_id for r in week.rows] == [ANA]
    with pytest.raises(UserError):
        await records.leaderboard(svc, GUILD, None, "decade")


async def test_the_overall_board_is_ranked_in_sql_as_each_members_stats_say(bet_svc: Services) -> None:
    svc = bet_svc
    await settled(svc)  # Sam won a bet and completed a challenge; Ana and Ben lost and owe a penalty each
    # A second challenge: Cal and Ben complete it, Sam fails it.
    other = await seed_pushups(svc, creator_id=CAL, target="10", duration="1h")
    for who in (BEN, SAM):
        await challenge_service.join(svc, GUILD, other.row.no, who)
    for who in (CAL, BEN):
        await challenge_service.log(svc, GUILD, other.row.no, who, "10")
    clock(svc).advance(timedelta(hours=2))
    await svc.timers.run_due()
    clock(svc).advance(timedelta(days=8))  # the seed challenge (open a week for others to take it on) is over
    await svc.timers.run_due()
    clock(svc).advance(timedelta(days=22))  # the penalties are overdue by now

    board = await records.leaderboard(svc, GUILD, None, "all", viewer_id=ANA)
    ids = [r.user_id for r in board.rows]
    assert set(ids) == {SAM, ANA, BEN, CAL} and board.size == 4 and board.viewer is None
    for row in board.rows:  # the counts are what /stats shows for the member
        mine = await records.stats(svc, GUILD, row.user_id)
        assert (row.bets_won, row.bets_lost, row.challenges_completed, row.challenges_failed) == (
            mine.bets_won, mine.bets_lost, mine.challenges_completed, mine.challenges_failed,
        )  # fmt: skip
        assert (row.penalties_owed, row.penalties_done, row.penalties_overdue) == (
            mine.penalties_owed, mine.penalties_done, mine.penalties_overdue,
        )  # fmt: skip
    assert ids == sorted(
        ids, key=lambda uid: (*(-x for x in next(r for r in board.rows if r.user_id == uid).score), uid)
    )
    assert ids[0] == SAM  # the only bet won

    # Only the top is shown; a member below it is told their place.
    top_two = await records.leaderboard(svc, GUILD, None, "all", viewer_id=ids[3], top=2)
    assert [r.user_id for r in top_two.rows] == ids[:2] and top_two.size == 4
    assert top_two.viewer is not None and top_two.viewer[0] == 4 and top_two.viewer[1].user_id == ids[3]
    assert (await records.leaderboard(svc, GUILD, None, "all", viewer_id=ids[1], top=2)).viewer is None
    # The week after all that: no results inside it, only the penalties still open.
    week = await records.leaderboard(svc, GUILD, None, "week")
    assert {r.user_id for r in week.rows} == {ANA, BEN}
    assert all(r.challenges_completed == r.bets_won == 0 for r in week.rows)


async def test_a_team_total_is_nobodys_personal_best(svc: Services) -> None:
    """The issue's case: a member who ran 3.5 km of a team's 100 km has no "100 km in 2 d 16 h" best."""
    team = await challenge_service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=SAM, activity="run", target="100", unit="km",
        duration="3d", mode="total",
    )  # fmt: skip
    await challenge_service.join(svc, GUILD, team.row.no, ANA)
    clock(svc).advance(timedelta(days=2, hours=16))
    await challenge_service.log(svc, GUILD, team.row.no, SAM, "3.5")
    await challenge_service.log(svc, GUILD, team.row.no, ANA, "96.5")
    clock(svc).advance(timedelta(days=1))
    await challenge_service.finish(svc, team.row.id)
    sam = await records.stats(svc, GUILD, SAM)
    assert sam.challenges_completed == 1  # the team made it, and he was in it
    assert sam.bests == []
    alone = await challenge_service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=SAM, activity="run", target="5", unit="km",
        duration="2h", clock_starts_at_first_log=False,
    )  # fmt: skip
    clock(svc).advance(timedelta(minutes=30))
    await challenge_service.log(svc, GUILD, alone.row.no, SAM, "5")
    sam = await records.stats(svc, GUILD, SAM)
    assert [(b.what, b.elapsed) for b in sam.bests] == [("5 km run", timedelta(minutes=30))]
