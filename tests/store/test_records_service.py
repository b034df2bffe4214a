from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserError
from bot.services import challenges as challenge_service
from bot.services import records
from bot.services.context import Services
from tests.store.conftest import CHANNEL, GUILD, OTHER_GUILD, seed_pushups
from tests.store.conftest import manual_clock as clock

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
    assert [(r.user_id, r.totals[0].amount) for r in board] == [(SAM, 10)]


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
    assert [r.user_id for r in all_time] == [SAM, ANA]
    week = await records.leaderboard(svc, GUILD, "pushups", "week")
    assert [r.user_id for r in week] == [ANA]
    with pytest.raises(UserError):
        await records.leaderboard(svc, GUILD, None, "decade")
