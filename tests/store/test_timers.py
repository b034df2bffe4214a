from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock, SystemClock
from bot.domain.shards import ShardSet
from bot.scheduling import Timers
from bot.store import timers as timer_store
from bot.store.db import Claim, Database
from bot.store.timers import TimerRow
from tests.engines import TestEngine

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(engine: TestEngine) -> AsyncIterator[Database]:
    """Timer rows on SQLite, then on PostgreSQL."""
    database = await engine.open()
    yield database
    await database.close()


async def add(timers: Timers, kind: str, ref_id: int, due: datetime) -> None:
    async with timers.db.transaction() as conn:
        await timers.schedule_at(conn, 1, kind, ref_id, due)


def recording(db: Database) -> tuple[Timers, ManualClock, list[int]]:
    """Timers on a stopped clock at T0 whose "end" handler records each row's ref_id, in order."""
    clock = ManualClock(T0)
    timers = Timers(db, clock)
    seen: list[int] = []

    async def handler(row: TimerRow) -> None:
        seen.append(row.ref_id)

    timers.handle("end", handler)
    return timers, clock, seen


@pytest.fixture
async def running() -> AsyncIterator[list[Timers]]:
    """Timers a test starts go here; each is stopped after the test."""
    started: list[Timers] = []
    yield started
    for timers in started:
        await timers.stop()


async def idle(timers: Timers) -> None:
    """Until the scheduler sleeps with nothing due; bounded, so a scheduler that spins fails the test."""
    await asyncio.wait_for(timers.wait_idle(), 10)


def start(running: list[Timers], timers: Timers) -> Timers:
    timers.start()
    running.append(timers)
    return timers


async def test_run_due_runs_only_what_is_due_in_due_order(db: Database) -> None:
    timers, clock, seen = recording(db)
    await add(timers, "end", 3, T0 + timedelta(hours=3))
    await add(timers, "end", 1, T0 + timedelta(hours=1))
    await add(timers, "end", 2, T0 + timedelta(hours=2))

    assert await timers.run_due() == 0
    clock.advance(timedelta(hours=2))
    assert await timers.run_due() == 2
    assert seen == [1, 2]
    assert await timers.run_due() == 0  # each timer runs once
    clock.advance(timedelta(hours=5))
    assert await timers.run_due() == 1
    assert seen == [1, 2, 3]


async def test_moving_a_timer_reopens_it(db: Database) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock)
    runs: list[datetime] = []

    async def handler(row: TimerRow) -> None:
        runs.append(row.due_at)

    timers.handle("end", handler)
    await add(timers, "end", 1, T0)
    await timers.run_due()
    await add(timers, "end", 1, T0 + timedelta(days=1))  # e.g. an admin extended the challenge
    clock.advance(timedelta(days=1))
    await timers.run_due()
    assert runs == [T0, T0 + timedelta(days=1)]


# ---- the scheduler on its own: nothing below calls run_due() ------------------------------------


async def test_the_scheduler_runs_a_timer_when_the_clock_reaches_it(db: Database, running: list[Timers]) -> None:
    timers, clock, seen = recording(db)
    await add(timers, "end", 1, T0 + timedelta(hours=1))
    start(running, timers)
    await idle(timers)
    clock.advance(timedelta(minutes=59))
    await idle(timers)
    assert seen == []
    clock.advance(timedelta(minutes=1))
    await idle(timers)
    assert seen == [1]
    assert await timer_store.pending(db) == []


async def test_start_runs_what_came_due_while_stopped_and_the_after_run_hooks_even_with_nothing_due(
    db: Database, running: list[Timers]
) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock)
    seen: list[int] = []
    hooks = 0

    async def handler(row: TimerRow) -> None:
        seen.append(row.ref_id)

    async def hook() -> None:
        nonlocal hooks
        hooks += 1

    timers.handle("end", handler)
    timers.after_run(hook)
    await add(timers, "end", 1, T0 - timedelta(hours=1))
    start(running, timers)
    assert await timers.caught_up() == 1
    assert seen == [1] and hooks == 1

    quiet = Timers(db, clock)
    quiet.after_run(hook)
    start(running, quiet)
    assert await quiet.caught_up() == 0
    assert hooks == 2  # what the outbox still holds is posted at start-up


async def test_a_timer_written_after_start_wakes_the_scheduler_once_its_transaction_commits(
    db: Database, running: list[Timers]
) -> None:
    timers, clock, seen = recording(db)
    start(running, timers)
    await idle(timers)  # asleep with nothing pending: only a commit can wake it now
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await timers.schedule_at(conn, 1, "end", 1, T0)
            raise RuntimeError("rolled back")
    await idle(timers)
    assert seen == [] and await timer_store.pending(db) == []

    await add(timers, "end", 2, T0 + timedelta(hours=1))
    await idle(timers)
    clock.advance(timedelta(hours=1))
    await idle(timers)
    assert seen == [2]


async def test_a_cancelled_timer_never_runs(db: Database, running: list[Timers]) -> None:
    timers, clock, seen = recording(db)
    await add(timers, "end", 1, T0 + timedelta(hours=1))
    await add(timers, "end", 2, T0 + timedelta(hours=2))
    start(running, timers)
    await idle(timers)
    async with db.transaction() as conn:
        await timers.cancel(conn, "end", 1, clock.now())
    clock.advance(timedelta(hours=2))
    await idle(timers)
    assert seen == [2]


async def test_a_failing_handler_is_retried_with_a_growing_delay_by_itself_and_each_failure_logged_once(
    db: Database, running: list[Timers], caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock, retry_base=timedelta(seconds=30))
    calls: list[datetime] = []

    async def flaky(row: TimerRow) -> None:
        calls.append(clock.now())
        if len(calls) <= 2:
            raise RuntimeError(f"boom {len(calls)}")

    timers.handle("end", flaky)
    await add(timers, "end", 7, T0)
    [row] = await timer_store.pending(db)
    caplog.set_level("ERROR", logger="bot.scheduling")
    start(running, timers)
    await idle(timers)
    assert calls == [T0]  # failed once; nothing else happens until its retry time
    clock.advance(timedelta(seconds=29))
    await idle(timers)
    assert len(calls) == 1
    clock.advance(timedelta(seconds=1))  # +30 s: the first retry (fails again)
    await idle(timers)
    clock.advance(timedelta(seconds=59))
    await idle(timers)
    assert len(calls) == 2  # the delay doubled
    clock.advance(timedelta(seconds=1))  # +60 s: the second retry succeeds
    await idle(timers)
    clock.advance(timedelta(days=1))
    await idle(timers)
    assert calls == [T0, T0 + timedelta(seconds=30), T0 + timedelta(seconds=90)]
    assert await timer_store.pending(db) == []

    failures = [r for r in caplog.records if r.name == "bot.scheduling"]
    assert [r.getMessage() for r in failures] == [
        f"timer {row.id} (end:7) failed (attempt 1); retrying at 2026-03-01T12:00:30+00:00",
        f"timer {row.id} (end:7) failed (attempt 2); retrying at 2026-03-01T12:01:30+00:00",
    ]
    assert all(r.exc_info and "boom" in str(r.exc_info[1]) for r in failures)


async def test_the_retry_delay_doubles_up_to_its_ceiling(db: Database) -> None:
    timers = Timers(db, ManualClock(T0), retry_base=timedelta(seconds=30), retry_max=timedelta(hours=1))
    delays = [timers.retry_delay(n) for n in (1, 2, 3, 7, 8, 100)]
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 1920, 3600, 3600)]


async def test_a_timer_without_a_handler_waits_for_its_retry_too(
    db: Database, running: list[Timers], caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock)
    await add(timers, "mystery", 1, T0)
    caplog.set_level("ERROR", logger="bot.scheduling")
    start(running, timers)
    await idle(timers)
    clock.advance(timedelta(seconds=10))
    await idle(timers)
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.scheduling"]
    assert len(messages) == 1 and "(mystery:1) failed (attempt 1)" in messages[0]
    [row] = await timer_store.pending(db)
    assert row.attempts == 1


async def test_moving_a_failed_timer_forgets_its_failures(db: Database) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock)

    async def broken(row: TimerRow) -> None:
        raise RuntimeError("boom")

    timers.handle("end", broken)
    await add(timers, "end", 1, T0)
    await timers.run_due()
    await add(timers, "end", 1, T0 + timedelta(minutes=1))  # e.g. an admin extended it
    [row] = await timer_store.pending(db)
    assert row.attempts == 0 and await timer_store.next_run(db) == T0 + timedelta(minutes=1)


async def test_a_due_row_the_run_never_finds_is_looked_at_again_after_a_pause_not_in_a_spin(
    db: Database, running: list[Timers], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(T0)
    timers = Timers(db, clock, retry_base=timedelta(seconds=30))
    await add(timers, "end", 1, T0)
    looked = 0

    async def finds_nothing(db: Database, now: datetime, shards: object = None) -> list[TimerRow]:
        nonlocal looked
        looked += 1
        return []

    monkeypatch.setattr(timer_store, "due", finds_nothing)
    caplog.set_level("ERROR", logger="bot.scheduling")
    start(running, timers)
    await idle(timers)
    assert looked == 2  # the start-up pass, one more look, then a pause
    clock.advance(timedelta(seconds=30))
    await idle(timers)
    assert looked == 4
    stalls = [r for r in caplog.records if "still due after two runs" in r.getMessage()]
    assert len(stalls) == 2  # once per pause


async def test_on_the_system_clock_a_short_deadline_and_its_retries_fire_by_themselves(
    db: Database, running: list[Timers]
) -> None:
    """The one test on real time: a deadline 0.2 s away, a handler failing twice, retries 0.05 s apart."""
    timers = Timers(db, SystemClock(), retry_base=timedelta(milliseconds=50))
    calls = 0
    succeeded = asyncio.Event()

    async def flaky(row: TimerRow) -> None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise RuntimeError("boom")
        succeeded.set()

    timers.handle("end", flaky)
    start(running, timers)
    await add(timers, "end", 1, datetime.now(UTC) + timedelta(seconds=0.2))
    await asyncio.wait_for(succeeded.wait(), timeout=10)
    await idle(timers)
    assert calls == 3
    assert await timer_store.pending(db) == []


def test_only_the_timer_store_has_sql_for_timer_rows() -> None:
    """The contract of bot.scheduling: services go through Timers, which wakes the scheduler after the
    commit; none writes a timer row itself. (That only bot.scheduling imports bot.store.timers is an
    import-linter contract in pyproject.toml.)"""
    root = Path(__file__).resolve().parents[2]
    writes = re.compile(r"(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+timers\b", re.IGNORECASE)
    offenders = [
        str(path.relative_to(root))
        for path in sorted([*(root / "bot").rglob("*.py"), *(root / "cogs").rglob("*.py")])
        if path != root / "bot" / "store" / "timers.py" and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


async def test_a_due_row_another_process_is_running_is_left_to_it_then_looked_at_again(
    db: Database, engine: TestEngine, running: list[Timers], caplog: pytest.LogCaptureFixture
) -> None:
    """Two processes on one PostgreSQL want the same due row: while the other holds its claim, this
    one neither runs it nor calls it a stall; once the other is gone without finishing, it runs it."""
    if not engine.postgres:
        pytest.skip("SQLite has one process: nobody else claims its timers")
    clock = ManualClock(T0)
    timers = Timers(db, clock, retry_base=timedelta(seconds=30))
    ran: list[int] = []

    async def end(row: TimerRow) -> None:
        ran.append(row.ref_id)

    timers.handle("end", end)
    await add(timers, "end", 1, T0)
    (row,) = await timer_store.pending(db)
    other = await engine.open()  # the other process
    caplog.set_level("INFO", logger="bot.scheduling")
    try:
        async with other.claim(Claim.TIMER, row.id) as theirs:
            assert theirs
            start(running, timers)
            await idle(timers)
            assert ran == []  # left to the process that claimed it
        # That process went away (its claim with it) and never marked the row done.
        clock.advance(timedelta(seconds=30))
        await idle(timers)
        assert ran == [1]
    finally:
        await other.close()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r for r in caplog.records if "being run by another process" in r.getMessage()]


async def test_a_shard_process_runs_and_wakes_up_for_its_own_servers_timers_only(
    db: Database, running: list[Timers]
) -> None:
    first, second = 10 << 22, 11 << 22  # servers on shard 0 and on shard 1 of 2
    clock = ManualClock(T0)
    timers = Timers(db, clock, shards=ShardSet(2, frozenset({0})))
    seen: list[int] = []

    async def end(row: TimerRow) -> None:
        seen.append(row.guild_id)

    timers.handle("end", end)
    async with db.transaction() as conn:
        await timers.schedule_at(conn, second, "end", 2, T0 + timedelta(minutes=30))  # the other process's
        await timers.schedule_at(conn, first, "end", 1, T0 + timedelta(hours=1))
    assert await timer_store.next_run(db, timers.shards) == T0 + timedelta(hours=1)
    start(running, timers)
    await idle(timers)
    clock.advance(timedelta(hours=2))
    await idle(timers)
    assert seen == [first]
    assert [r.guild_id for r in await timer_store.pending(db)] == [second]  # left to shard 1's process
