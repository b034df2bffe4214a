from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock, SystemClock
from bot.scheduling import Timers
from bot.store import timers as timer_store
from bot.store.db import Database
from bot.store.timers import TimerRow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "fitbet.db")
    await database.migrate()
    yield database
    await database.close()


async def add(db: Database, kind: str, ref_id: int, due: datetime) -> None:
    async with db.transaction() as conn:
        await timer_store.upsert(conn, 1, kind, ref_id, due)


async def test_run_due_runs_only_what_is_due_in_due_order(db: Database) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock)
    seen: list[int] = []

    async def handler(row: TimerRow) -> None:
        seen.append(row.ref_id)

    timers.handle("end", handler)
    await add(db, "end", 3, T0 + timedelta(hours=3))
    await add(db, "end", 1, T0 + timedelta(hours=1))
    await add(db, "end", 2, T0 + timedelta(hours=2))

    assert await timers.run_due() == 0
    clock.advance(timedelta(hours=2))
    assert await timers.run_due() == 2
    assert seen == [1, 2]
    assert await timers.run_due() == 0  # each timer runs once
    clock.advance(timedelta(hours=5))
    assert await timers.run_due() == 1
    assert seen == [1, 2, 3]


async def test_a_failing_handler_leaves_its_timer_pending_for_the_next_run(db: Database) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock)
    attempts = 0

    async def flaky(row: TimerRow) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("boom")

    timers.handle("end", flaky)
    await add(db, "end", 1, T0)
    assert await timers.run_due() == 0
    assert [t.ref_id for t in await timer_store.pending(db)] == [1]
    assert await timers.run_due() == 1
    assert await timer_store.pending(db) == []


async def test_moving_a_timer_reopens_it(db: Database) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock)
    runs: list[datetime] = []

    async def handler(row: TimerRow) -> None:
        runs.append(row.due_at)

    timers.handle("end", handler)
    await add(db, "end", 1, T0)
    await timers.run_due()
    await add(db, "end", 1, T0 + timedelta(days=1))  # e.g. an admin extended the challenge
    clock.advance(timedelta(days=1))
    await timers.run_due()
    assert runs == [T0, T0 + timedelta(days=1)]


async def test_scheduler_wakes_up_for_a_pending_timer_on_its_own(db: Database) -> None:
    # The one test that lets APScheduler fire by itself: the due time is already past, so the
    # job runs at once (misfire grace is unlimited) — no sleeping for a real deadline.
    timers = Timers(db, SystemClock())
    fired = asyncio.Event()

    async def handler(row: TimerRow) -> None:
        fired.set()

    timers.handle("end", handler)
    await add(db, "end", 7, datetime.now(UTC) - timedelta(seconds=5))
    timers.start()
    try:
        assert await timers.rearm() == 1
        await asyncio.wait_for(fired.wait(), timeout=10)
        for _ in range(100):  # the job marks the row done right after the handler returns
            if not await timer_store.pending(db):
                break
            await asyncio.sleep(0.02)
        assert await timer_store.pending(db) == []
    finally:
        timers.shutdown()
