"""Durable deadlines: the rows in `timers` are the truth, and the wake-up follows from them.

The contract:

- A service writes timer rows only through `Timers.schedule_at(conn, …)` and `Timers.cancel(conn, …)`,
  inside the transaction that makes the change. (`bot.store.timers` is imported here only: an
  import-linter contract in pyproject.toml.) Nobody pairs a write with a wake-up by hand.
- `schedule_at` asks the Database to tell us once that transaction has committed (a rolled-back
  write wakes nobody). One sleeper task reads the earliest pending row's next run (its deadline,
  or its retry time after a failure), sleeps on the clock until then or until a commit changes
  the rows, calls `run_due()`, and reads the rows again. A cancelled row needs no word: at most
  the sleeper wakes for it, finds nothing due and sleeps on.
- `run_due()` handles every row due by the clock's now, oldest deadline first, each exactly once
  (`mark_done` is a guarded update). It is what a wake-up calls; tests may call it too.
- The sleeper's first pass, once the bot is ready, is the start-up catch-up and the re-arm: what
  passed while the bot was down runs at once, the rest is slept for.
- What wakes the process at that moment is APScheduler: one `date` job (`WAKE_JOB`), replaced at
  every sleep, with `misfire_grace_time=None` and `coalesce=True` (PITFALLS: a missed run is never
  dropped; the rows, not APScheduler's job store, are the record). With an injected clock that
  isn't the system's (a `ManualClock` in tests), moving the clock wakes the sleeper too; tests run
  the same sleeper as production, not a `run_due()` of their own.
- A handler that fails leaves its row pending with `attempts + 1` and `retry_at` = now + a delay
  that doubles from `retry_base` up to `retry_max`; the sleeper wakes for it by itself. Each
  failure is logged once, with the timer's id, kind, reference and attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock
from bot.domain.shards import ShardSet
from bot.store import timers as timer_store
from bot.store.db import Claim, Conn, Database
from bot.store.timers import TimerRow

log = logging.getLogger(__name__)

TimerHandler = Callable[[TimerRow], Awaitable[None]]

__all__ = ["TimerHandler", "TimerRow", "Timers"]

WAKE_JOB = "fitbet-timers-wake"


class Timers:
    """Owns when each timer row runs: writes them, sleeps until the next one, runs it (also after a restart)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        retry_base: timedelta = timedelta(seconds=30),
        retry_max: timedelta = timedelta(hours=1),
        shards: ShardSet | None = None,
    ) -> None:
        self.db = db
        # The servers whose timers this process runs (its shards'); None: every server.
        self.shards = shards
        self.clock = clock
        self.retry_base = retry_base
        self.retry_max = retry_max
        self._handlers: dict[str, TimerHandler] = {}
        self._run_lock = asyncio.Lock()
        self._after_run: list[Callable[[], Awaitable[object]]] = []
        self._after_each: list[Callable[[], object]] = []
        self._changed = asyncio.Event()  # a commit wrote a timer row: read the rows again
        self._caught_up = asyncio.Event()  # the sleeper's first pass is done
        self._caught_up_ran = 0
        self._sleeper: asyncio.Task[None] | None = None
        self._asleep: tuple[datetime | None] | None = None  # (until,) while the sleeper sleeps
        self._state = asyncio.Event()  # replaced at each change of the sleeper's state (for wait_idle)
        self._running: asyncio.Task[int] | None = None
        self.scheduler = AsyncIOScheduler(timezone=UTC)  # aware datetimes only, never the host's zone
        self._woken = asyncio.Event()  # set by the APScheduler job at the next timer's moment
        self._elsewhere = 0  # due rows the last run left alone: another process had claimed them

    def handle(self, kind: str, handler: TimerHandler) -> None:
        self._handlers[kind] = handler

    def after_run(self, hook: Callable[[], Awaitable[object]]) -> None:
        """Called after every run_due (e.g. to post the announcements the timers queued)."""
        self._after_run.append(hook)

    def after_each(self, hook: Callable[[], object]) -> None:
        """Called, not awaited, after each timer is handled: e.g. to start posting what it queued while
        the rest of a long run goes on (500 deadlines at once: docs/benchmarks.md)."""
        self._after_each.append(hook)

    # ---- writing rows (inside the caller's transaction) ---------------------------------------

    async def schedule_at(self, conn: Conn, guild_id: int, kind: str, ref_id: int, when: datetime) -> None:
        """Create or move the timer (kind, ref_id) to `when`; it runs once the transaction commits and `when` comes."""
        await timer_store.upsert(conn, guild_id, kind, ref_id, when)
        self.db.after_commit(self._changed.set)

    async def cancel(self, conn: Conn, kind: str, ref_id: int, now: datetime) -> None:
        """Close the timer (kind, ref_id) if it is pending; it will not run."""
        await timer_store.cancel(conn, kind, ref_id, now)

    # ---- the sleeper ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sleeper: it settles what is due now, then sleeps until the next row."""
        if self._sleeper is None or self._sleeper.done():
            self._sleeper = asyncio.get_running_loop().create_task(self._sleep_loop(), name="fitbet-timers")

    async def pending(self) -> int:
        """How many timer rows are waiting to run."""
        return await timer_store.count_pending(self.db)

    async def wait_idle(self) -> None:
        """Return once the sleeper sleeps with nothing due and no change to read (at once if it is not
        running). Runs nothing itself: tests wait on it to see that nothing more happens."""
        while not self._idle():
            await self._state.wait()

    def _idle(self) -> bool:
        if self._sleeper is None or self._sleeper.done():
            return True
        if self._asleep is None or self._changed.is_set():
            return False
        until = self._asleep[0]
        return until is None or until > self.clock.now()

    def _set_asleep(self, value: tuple[datetime | None] | None) -> None:
        self._asleep = value
        self._state.set()
        self._state = asyncio.Event()

    async def caught_up(self) -> int:
        """Wait until the sleeper's first pass (the start-up catch-up) is done; how many timers it ran."""
        await self._caught_up.wait()
        return self._caught_up_ran

    async def stop(self) -> None:
        """Stop sleeping; a run in progress is cancelled (its transaction rolls back and runs again next start)."""
        tasks = [t for t in (self._sleeper, self._running) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._sleeper = self._running = None
        self._set_asleep(None)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def retry_delay(self, attempt: int) -> timedelta:
        """How long to wait after the `attempt`-th failed run (1, 2, …): doubling, at most `retry_max`."""
        return min(self.retry_base * 2 ** min(attempt - 1, 30), self.retry_max)

    async def _sleep_loop(self) -> None:
        first = True  # the start-up pass runs even with nothing due: it also posts what the outbox still holds
        empty_runs = 0  # runs in a row that were due by next_run() yet completed nothing
        while True:
            self._changed.clear()  # before reading: a commit from here on ends the next sleep at once
            until: datetime | None
            try:
                until = await timer_store.next_run(self.db, self.shards)
                due = until is not None and until <= self.clock.now()
                if first or (due and empty_runs < 2):
                    self._running = asyncio.get_running_loop().create_task(self.run_due(), name="fitbet-timers-run")
                    ran = await self._running
                    if first:
                        self._caught_up_ran = ran
                    first = False
                    # Nothing done once: another run_due() took it first. Twice: never spin, pause. (A
                    # failure counts as nothing: its retry time is in the future unless something is wrong.)
                    empty_runs = 0 if ran or not due else empty_runs + 1
                    continue
                if due and self._elsewhere:
                    # Another process holds its claim and is running it (bot.store.db `claim`): look
                    # again later, in case that process dies before it is done.
                    log.info(
                        "timers due at %s are being run by another process; next look in %s", until, self.retry_base
                    )
                    until = self.clock.now() + self.retry_base
                elif due:
                    log.error("a timer due at %s is still due after two runs; next look in %s", until, self.retry_base)
                    until = self.clock.now() + self.retry_base
                empty_runs = 0
            except Exception:
                log.exception("the timer loop failed; trying again in %s", self.retry_base)
                first = False
                until = self.clock.now() + self.retry_base
            self._caught_up.set()
            await self._sleep(until)

    def _wake_at(self, until: datetime) -> None:
        """Have APScheduler wake the sleeper when `until` comes (in real time: as far off as the clock says)."""
        if not self.scheduler.running:
            self.scheduler.start()
        self._woken.clear()
        run_date = datetime.now(UTC) + max(until - self.clock.now(), timedelta(0))
        self.scheduler.add_job(
            self._woken.set,
            trigger="date",
            run_date=run_date,
            id=WAKE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _sleep(self, until: datetime | None) -> None:
        """Until `until` comes (None: no pending row) or a commit writes a timer row."""
        waits: list[asyncio.Future[object]] = [asyncio.ensure_future(self._changed.wait())]
        if until is not None:
            self._wake_at(until)
            waits.append(asyncio.ensure_future(self._woken.wait()))
            if not isinstance(self.clock, SystemClock):  # a clock tests move: moving it is a wake-up too
                waits.append(asyncio.ensure_future(self.clock.sleep_until(until)))
        self._set_asleep((until,))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._set_asleep(None)
            for wait in waits:
                wait.cancel()
            for wait in waits:
                with contextlib.suppress(asyncio.CancelledError):
                    await wait

    # ---- running what is due ------------------------------------------------------------------

    async def run_due(self) -> int:
        """Handle every pending timer due by now, oldest first. Returns how many ran (failed ones not counted)."""
        async with self._run_lock:
            ran = 0
            self._elsewhere = 0
            for row in await timer_store.due(self.db, self.clock.now(), self.shards):
                # Another process may run the same row (a re-shard, one that hung and came back): the
                # claim lets one run it at a time, and once claimed the row must still be pending.
                async with self.db.claim(Claim.TIMER, row.id) as mine:
                    if not mine:
                        self._elsewhere += 1
                        continue
                    if self.db.shared and not await timer_store.is_pending(self.db, row.id):
                        continue
                    if not await self._run_one(row):
                        continue
                ran += 1
                for kick in self._after_each:
                    kick()
            for hook in self._after_run:
                try:
                    await hook()
                except Exception:
                    log.exception("after-run hook failed")
            return ran

    async def _run_one(self, row: TimerRow) -> bool:
        """Run one claimed row's handler and mark it done; False when it failed (retried later)."""
        handler = self._handlers.get(row.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for timer kind {row.kind!r}")
            await handler(row)
        except Exception as exc:
            await self._failed(row, exc)
            return False
        async with self.db.transaction(row.guild_id) as conn:
            await timer_store.mark_done(conn, row.id, self.clock.now())
        return True

    async def _failed(self, row: TimerRow, exc: Exception) -> None:
        """Left pending, to run again by itself after a growing delay; logged once, with its reference."""
        attempt = row.attempts + 1
        retry_at = self.clock.now() + self.retry_delay(attempt)
        async with self.db.transaction(row.guild_id) as conn:
            await timer_store.mark_failed(conn, row.id, retry_at)
        log.error(
            "timer %s (%s:%s) failed (attempt %d); retrying at %s",
            row.id,
            row.kind,
            row.ref_id,
            attempt,
            retry_at.isoformat(timespec="seconds"),
            exc_info=exc,
        )
