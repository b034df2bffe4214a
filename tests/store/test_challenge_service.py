from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import NotFound, UserError
from bot.services import challenges as service
from bot.services.context import Services
from bot.store import announcements, timers
from tests.store.conftest import CHANNEL, GUILD, OTHER_GUILD
from tests.store.conftest import manual_clock as clock
from tests.store.conftest import seed_pushups as seed

SAM, ANA, BEN = 1001, 1002, 1003


async def test_seed_challenge_is_stored_with_a_per_server_number_and_its_timers(svc: Services) -> None:
    view = await seed(svc)
    assert view.title == "2,020 pushups in under 7 hours"
    assert view.row.no == 1 and view.row.status == "active"
    assert [p.user_id for p in view.participants] == [SAM]
    end = await timers.get(svc.db, service.TIMER_END, view.row.id)
    assert end is not None and end.due_at == view.rules.ends_at
    second = await seed(svc)
    assert second.row.no == 2
    elsewhere = await service.create(
        svc, guild_id=OTHER_GUILD, channel_id=5, creator_id=ANA, activity="run", target="5", unit="km", duration="1d"
    )
    assert elsewhere.row.no == 1  # numbers are per server


async def test_logs_accumulate_and_finish_records_the_result_exactly_once(svc: Services) -> None:
    view = await seed(svc)
    for chunk in ("500", "600", "520"):
        clock(svc).advance(timedelta(hours=1))
        await service.log(svc, GUILD, view.row.no, SAM, chunk)
    clock(svc).advance(timedelta(minutes=101))
    result = await service.log(svc, GUILD, view.row.no, SAM, "400", note="last set!")
    assert result.progress.reached_now
    assert result.progress.elapsed_to_target == timedelta(hours=4, minutes=41)
    clock(svc).advance(timedelta(hours=3))
    assert await service.finish(svc, view.row.id) is True
    assert await service.finish(svc, view.row.id) is False
    finished = await service.status(svc, GUILD, view.row.no, SAM)
    assert finished.row.status == "finished"
    assert [(p.user_id, p.result, p.final_total) for p in finished.participants] == [(SAM, "succeeded", 2020)]
    kinds = [a.kind for a in await announcements.unposted(svc.db)]
    assert kinds.count(service.ANN_RESULT) == 1
    # Each mode: reaching the target is the member's own result, announced instead of a 100 % milestone.
    assert "challenge_milestone_50" in kinds and service.ANN_MEMBER_RESULT in kinds
    assert "challenge_milestone_100" not in kinds


async def test_logging_after_the_deadline_is_refused_and_changes_nothing(svc: Services) -> None:
    view = await seed(svc)
    clock(svc).advance(timedelta(hours=7, seconds=1))
    with pytest.raises(UserError):
        await service.log(svc, GUILD, view.row.no, SAM, "10")
    row = await svc.db.fetchone("SELECT COUNT(*) FROM logs")
    assert row is not None and row[0] == 0


async def test_challenge_ids_from_another_server_are_unknown(svc: Services) -> None:
    view = await seed(svc)
    with pytest.raises(NotFound):
        await service.join(svc, OTHER_GUILD, view.row.no, ANA)


async def test_undo_strikes_the_last_log_and_keeps_a_record(svc: Services) -> None:
    view = await seed(svc)
    await service.log(svc, GUILD, view.row.no, SAM, "100")
    await service.log(svc, GUILD, view.row.no, SAM, "50")
    undone, after = await service.undo(svc, GUILD, view.row.no, SAM)
    assert undone.amount == 50
    assert after.standings.rows[0].total == 100
    rec = await svc.db.fetchone("SELECT action, old_amount FROM log_corrections")
    assert rec is not None and (rec["action"], rec["old_amount"]) == ("undo", 50)


async def test_leaving_removes_logs_from_the_count_but_keeps_them(svc: Services) -> None:
    view = await seed(svc)
    await service.join(svc, GUILD, view.row.no, ANA)
    await service.log(svc, GUILD, view.row.no, ANA, "300")
    after = await service.leave(svc, GUILD, view.row.no, ANA)
    assert [r.user_id for r in after.standings.rows] == [SAM]
    row = await svc.db.fetchone("SELECT COUNT(*) FROM logs WHERE user_id = ?", (ANA,))
    assert row is not None and row[0] == 1


async def test_converted_units_are_counted_in_the_challenge_unit(svc: Services) -> None:
    view = await service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=ANA, activity="run", target="5", unit="km", duration="1d"
    )
    await service.log(svc, GUILD, view.row.no, ANA, "1", unit="mi")
    await service.log(svc, GUILD, view.row.no, ANA, "500", unit="m")
    status = await service.status(svc, GUILD, view.row.no, ANA)
    assert status.standings.rows[0].total == 1_609_344 + 500_000
    with pytest.raises(UserError):
        await service.log(svc, GUILD, view.row.no, ANA, "10", unit="min")
