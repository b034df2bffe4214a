"""Exactly once per interaction, the card's place, and runs proven by a file, on a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.activity import ActivityKind, ActivitySummary
from bot.errors import RepeatedInteraction, UserError
from bot.services import cards
from bot.services import challenges as service
from bot.services.context import Services
from tests.engines import INTEGRITY_ERRORS
from tests.store.conftest import T0, seed_pushups
from tests.store.conftest import manual_clock as clock

SAM = 1001
TAP = 900_000_000_000_000_001


async def counted(svc: Services, challenge_id: int) -> list[int]:
    rows = await svc.db.fetchall(
        "SELECT amount FROM logs WHERE challenge_id = ? AND struck_at IS NULL", (challenge_id,)
    )
    return [r[0] for r in rows]


async def test_one_interaction_logs_once_and_its_repeat_stores_nothing(svc: Services) -> None:
    view = await seed_pushups(svc)
    await service.log(svc, view.row.guild_id, 1, SAM, "25", interaction_id=TAP)
    with pytest.raises(RepeatedInteraction):
        await service.log(svc, view.row.guild_id, 1, SAM, "25", interaction_id=TAP)
    await service.log(svc, view.row.guild_id, 1, SAM, "25", interaction_id=TAP + 1)  # another tap: another log
    assert await counted(svc, view.row.id) == [25, 25]


async def test_the_database_refuses_a_second_log_or_undo_for_one_interaction(svc: Services) -> None:
    view = await seed_pushups(svc)
    result = await service.log(svc, view.row.guild_id, 1, SAM, "25", interaction_id=TAP)
    with pytest.raises(INTEGRITY_ERRORS):  # the backstop behind the service's own check
        async with svc.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO logs (challenge_id, user_id, amount, entered_amount, entered_unit, logged_at,"
                " interaction_id) VALUES (?, ?, 25, '25', 'reps', ?, ?)",
                (view.row.id, SAM, T0.isoformat(), TAP),
            )
    async with svc.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO log_corrections (log_id, actor_id, action, old_amount, at, interaction_id)"
            " VALUES (?, ?, 'undo', 25, ?, ?)",
            (result.log.id, SAM, T0.isoformat(), TAP),
        )
    with pytest.raises(INTEGRITY_ERRORS):
        async with svc.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO log_corrections (log_id, actor_id, action, old_amount, at, interaction_id)"
                " VALUES (?, ?, 'undo', 25, ?, ?)",
                (result.log.id, SAM, T0.isoformat(), TAP),
            )


async def test_a_repeated_undo_takes_away_one_log_only(svc: Services) -> None:
    view = await seed_pushups(svc)
    for n in (10, 20):
        await service.log(svc, view.row.guild_id, 1, SAM, str(n))
    await service.undo(svc, view.row.guild_id, 1, SAM, interaction_id=TAP)
    with pytest.raises(RepeatedInteraction):
        await service.undo(svc, view.row.guild_id, 1, SAM, interaction_id=TAP)
    assert await counted(svc, view.row.id) == [10]


async def test_the_card_is_found_again_and_knows_what_it_shows(svc: Services) -> None:
    view = await seed_pushups(svc)
    card = await cards.card(svc, view.row.id)
    assert card is not None and card.where is None and card.open
    assert [q.label for q in card.quick] == ["+25 reps", "+50 reps", "+100 reps"]
    await cards.set_card(svc, view.row.id, 10, 777)
    card = await cards.card(svc, view.row.id)
    assert card is not None and card.where == (10, 777)
    with pytest.raises(INTEGRITY_ERRORS):  # a message id without its channel would lead nowhere
        async with svc.db.transaction() as conn:
            await conn.execute("UPDATE challenges SET card_channel_id = NULL WHERE id = ?", (view.row.id,))


def run_file(start_minutes: float = 10, km: str = "5.02") -> ActivitySummary:
    start = T0 + timedelta(minutes=start_minutes)
    took = timedelta(minutes=55, seconds=10)
    mm = int(float(km) * 1_000_000)
    return ActivitySummary("run.gpx", ActivityKind.GPX, mm, took, took, start, start + took)


async def test_a_file_logs_its_distance_and_a_typed_amount_must_agree(svc: Services) -> None:
    view = await seed_pushups(svc, activity="run", target="10", unit="km", duration="1d")
    clock(svc).advance(timedelta(hours=2))
    result = await service.log(svc, view.row.guild_id, 1, SAM, None, activity=run_file())
    assert (result.log.amount, result.log.entered_amount, result.log.entered_unit) == (5_020_000, "5.02", "km")
    with pytest.raises(UserError, match=r"You typed 4 km, but run\.gpx says 5\.02 km"):
        await service.log(svc, view.row.guild_id, 1, SAM, "4", activity=run_file())
    with pytest.raises(UserError, match="recorded before challenge #1 started"):
        await service.log(svc, view.row.guild_id, 1, SAM, None, activity=run_file(start_minutes=-60))
    assert await counted(svc, view.row.id) == [5_020_000]


async def test_a_file_proves_distances_only(svc: Services) -> None:
    view = await seed_pushups(svc)
    clock(svc).advance(timedelta(hours=2))
    with pytest.raises(UserError, match="counts reps"):
        await service.log(svc, view.row.guild_id, 1, SAM, None, activity=run_file())
    with pytest.raises(UserError, match="Enter how much you did"):
        await service.log(svc, view.row.guild_id, 1, SAM, None)
    assert await counted(svc, view.row.id) == []
