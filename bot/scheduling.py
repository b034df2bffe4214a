"""Durable deadlines: rows in `timers` are the truth; APScheduler only wakes us up for them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.store import timers as timer_store
from bot.store.db import Database
from bot.store.timers import TimerRow

log = logging.getLogger(__name__)

TimerHandler = Callable[[TimerRow], Awaitable[None]]


def job_id(kind: str, ref_id: int) -> str:
    return f"{kind}:{ref_id}"


class Timers:
    """Runs each timer row once, when the clock says it is due (also after a restart)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._handlers: dict[str, TimerHandler] = {}
        self._run_lock = asyncio.Lock()
        self._after_run: list[Callable[[], Awaitable[object]]] = []
        self._after_each: list[Callable[[], object]] = []

    def handle(self, kind: str, handler: TimerHandler) -> None:
        self._handlers[kind] = handler

    def after_run(self, hook: Callable[[], Awaitable[object]]) -> None:
        """Called after every run_due (e.g. to post the announcements the timers queued)."""
        self._after_run.append(hook)

    def after_each(self, hook: Callable[[], object]) -> None:
        """Called, not awaited, after each timer is handled: e.g. to start posting what it queued while
        the rest of a long run goes on (500 deadlines at once: docs/benchmarks.md)."""
        self._after_each.append(hook)

    def start(self) -> None:
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def rearm(self) -> int:
        """Add a wake-up job for every pending row; past ones fire at once."""
        rows = await timer_store.pending(self.db)
        for row in rows:
            self.wake_at(row.kind, row.ref_id, row.due_at)
        return len(rows)

    def wake_at(self, kind: str, ref_id: int, when: datetime) -> None:
        # Real time may differ from the injected clock (tests): the job only triggers run_due(),
        # and run_due() asks the clock what is really due.
        self.scheduler.add_job(
            self.run_due,
            trigger="date",
            run_date=when,
            id=job_id(kind, ref_id),
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    def forget(self, kind: str, ref_id: int) -> None:
        job = self.scheduler.get_job(job_id(kind, ref_id))
        if job is not None:
            job.remove()

    async def run_due(self) -> int:
        """Handle every pending timer due by now, oldest first. Returns how many ran."""
        async with self._run_lock:
            ran = 0
            for row in await timer_store.due(self.db, self.clock.now()):
                handler = self._handlers.get(row.kind)
                if handler is None:
                    log.error("no handler for timer kind %r (timer %s); left pending", row.kind, row.id)
                    continue
                try:
                    await handler(row)
                except Exception:
                    # Left pending: retried at the next run (next wake-up or restart).
                    log.exception("timer %s (%s:%s) failed; will retry", row.id, row.kind, row.ref_id)
                    continue
                async with self.db.transaction() as conn:
                    await timer_store.mark_done(conn, row.id, self.clock.now())
                ran += 1
                for kick in self._after_each:
                    kick()
            for hook in self._after_run:
                try:
                    await hook()
                except Exception:
                    log.exception("after-run hook failed")
            return ran
