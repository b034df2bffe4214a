"""migrations/0004: `log_totals` (kept by triggers) always equals the sum of counted logs."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.services import challenges as challenge_service
from bot.services import records
from bot.services.context import Services
from bot.store import challenges as store
from tests.store.conftest import CHANNEL, GUILD

SAM, ANA = 1001, 1002


async def _totals(svc: Services) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    kept = await svc.db.fetchall("SELECT challenge_id, user_id, total FROM log_totals WHERE total != 0 ORDER BY 1, 2")
    summed = await svc.db.fetchall(
        "SELECT challenge_id, user_id, SUM(amount) FROM logs WHERE struck_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return [tuple(r) for r in kept], [tuple(r) for r in summed]


async def test_totals_follow_logs_undo_edit_and_delete(svc: Services) -> None:
    view = await challenge_service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=SAM, activity="pushups", target="2020", unit="reps",
        duration="7h",
    )  # fmt: skip
    no = view.row.no
    await challenge_service.join(svc, GUILD, no, ANA)
    assert isinstance(svc.clock, ManualClock)
    for who, amount in [(SAM, "100"), (ANA, "40"), (SAM, "25"), (ANA, "5")]:
        svc.clock.advance(timedelta(minutes=1))
        await challenge_service.log(svc, GUILD, no, who, amount)
    kept, summed = await _totals(svc)
    assert kept == summed and {r[1]: r[2] for r in kept} == {SAM: 125, ANA: 45}

    await challenge_service.undo(svc, GUILD, no, SAM)  # strikes SAM's 25
    async with svc.db.transaction() as conn:
        await conn.execute("UPDATE logs SET amount = 50 WHERE user_id = ? AND amount = 40", (ANA,))
        await conn.execute("DELETE FROM logs WHERE user_id = ? AND amount = 5", (ANA,))
    kept, summed = await _totals(svc)
    assert kept == summed and {r[1]: r[2] for r in kept} == {SAM: 100, ANA: 50}

    board = await records.leaderboard(svc, GUILD, "pushups", "all")
    assert [(r.user_id, r.totals[0].amount) for r in board.rows] == [(SAM, 100), (ANA, 50)]
    assert (await records.stats(svc, GUILD, ANA)).totals[0].amount == 50


async def test_log_state_reads_what_a_log_needs_from_the_running_totals(svc: Services) -> None:
    view = await challenge_service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=SAM, activity="pushups", target="2020", unit="reps",
        duration="7h", mode="total",
    )  # fmt: skip
    no, cid = view.row.no, view.row.id
    ben = 1003
    for who in (ANA, ben):
        await challenge_service.join(svc, GUILD, no, who)
    assert isinstance(svc.clock, ManualClock)
    for who, amount in [(SAM, "100"), (ANA, "40"), (SAM, "25"), (ben, "7")]:
        svc.clock.advance(timedelta(minutes=1))
        await challenge_service.log(svc, GUILD, no, who, amount)
    [empty] = await svc.db.run(store.read_log_state, GUILD, no, 4242)
    assert empty.participant_id is None and empty.first_log_at is None
    assert (empty.total, empty.group_total, empty.any_log) == (0, 172, True)  # any_log: the challenge's

    await challenge_service.undo(svc, GUILD, no, SAM)  # his 25 no longer counts
    await challenge_service.leave(svc, GUILD, no, ben)  # a member who left no longer counts for the group
    [sam] = await svc.db.run(store.read_log_state, GUILD, no, SAM)
    [gone] = await svc.db.run(store.read_log_state, GUILD, no, ben)
    assert await svc.db.run(store.read_log_state, GUILD, no + 1, SAM) == []
    # Without a number: the open challenges the member is in (Ben left, so none for him).
    assert [s.challenge.no for s in await svc.db.run(store.read_log_state, GUILD, None, SAM)] == [no]
    assert await svc.db.run(store.read_log_state, GUILD, None, ben) == []
    assert sam.participant_id is not None and sam.challenge.id == cid
    assert (sam.total, sam.group_total, sam.first_log_at) == (100, 140, None)  # no attempt clock here
    assert gone.participant_id is None and gone.total == 7
    # The log after that is told the same by the service: Sam's 100 + 60, the group's 140 + 60.
    result = await challenge_service.log(svc, GUILD, no, SAM, "60")
    assert (result.progress.total, result.progress.group_total) == (160, 200)


async def test_log_state_reads_when_attempt_clocks_started(svc: Services) -> None:
    view = await challenge_service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=SAM, activity="pushups", target="2020", unit="reps",
        duration="7h", clock_starts_at_first_log=True,
    )  # fmt: skip
    no = view.row.no
    await challenge_service.join(svc, GUILD, no, ANA)
    [before] = await svc.db.run(store.read_log_state, GUILD, no, SAM)
    assert (before.first_log_at, before.any_log) == (None, False)
    assert isinstance(svc.clock, ManualClock)
    svc.clock.advance(timedelta(minutes=5))
    started = svc.clock.now()
    await challenge_service.log(svc, GUILD, no, SAM, "100")
    svc.clock.advance(timedelta(minutes=5))
    await challenge_service.undo(svc, GUILD, no, SAM)  # his clock keeps its start
    [sam] = await svc.db.run(store.read_log_state, GUILD, no, SAM)
    [ana] = await svc.db.run(store.read_log_state, GUILD, no, ANA)
    assert (sam.first_log_at, sam.any_log, sam.total) == (started, True, 0)
    assert (ana.first_log_at, ana.any_log) == (None, True)
