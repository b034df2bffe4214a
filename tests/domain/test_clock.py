from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock, SystemClock

T0 = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


async def test_a_sleeper_on_the_manual_clock_wakes_when_the_clock_is_moved_past_its_time() -> None:
    clock = ManualClock(T0)
    sleeper = asyncio.create_task(clock.sleep_until(T0 + timedelta(minutes=2)))
    await asyncio.sleep(0)
    clock.advance(timedelta(minutes=1))
    await asyncio.sleep(0.01)
    assert not sleeper.done()  # moved, but not far enough
    clock.set(T0 + timedelta(minutes=2))
    await asyncio.wait_for(sleeper, 1)


async def test_sleeping_until_a_time_already_passed_returns_at_once() -> None:
    await asyncio.wait_for(ManualClock(T0).sleep_until(T0), 1)
    await asyncio.wait_for(SystemClock().sleep_until(datetime.now(UTC) - timedelta(seconds=1)), 1)
    await asyncio.wait_for(SystemClock().sleep_until(datetime.now(UTC) + timedelta(milliseconds=20)), 1)
