"""migrations/0004: `log_totals` (kept by triggers) always equals the sum of counted logs."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.services import challenges as challenge_service
from bot.services import records
from bot.services.context import Services
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
    assert [(r.user_id, r.totals[0].amount) for r in board] == [(SAM, 100), (ANA, 50)]
    assert (await records.stats(svc, GUILD, ANA)).totals[0].amount == 50
