"""Keeping live messages up to date within Discord's limits: coalesced refreshes and a per-channel budget.

A live card is refreshed when something changes (`Coalescer.touch`), but not on every change: a
burst of 40 logs must not become 40 edits. Per card, at most one refresh runs at a time and the next
one starts at least `interval` seconds after the previous one ended; changes in between are folded
into that next refresh, which reads the state as it is then, so the last state is always shown.
Across cards, a `ChannelBudget` keeps the edits in one channel under Discord's per-channel rate, however
many cards live there. Touching never waits: the member's own reply is not delayed by the card.

Plain asyncio, no Discord: the time source and the sleep are injected so tests run on virtual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class ChannelBudget:
    """At most `limit` uses per `per` seconds in each channel (a sliding window)."""

    def __init__(
        self, limit: int, per: float, *, monotonic: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        if limit < 1 or per <= 0:
            raise ValueError("a channel budget needs limit >= 1 and per > 0")
        self.limit = limit
        self.per = per
        self._monotonic = monotonic
        self._sleep = sleep
        self._uses: dict[int, deque[float]] = {}

    async def acquire(self, channel_id: int) -> None:
        """Wait until the channel has room, then take one use of it."""
        while True:
            now = self._monotonic()
            uses = self._uses.setdefault(channel_id, deque())
            while uses and now - uses[0] >= self.per:
                uses.popleft()
            if len(uses) < self.limit:
                uses.append(now)
                return
            await self._sleep(max(uses[0] + self.per - now, 0.001))  # never 0: time must move on


@dataclass
class _Key:
    dirty: bool = False
    task: asyncio.Task[None] | None = None
    last_end: float | None = None  # when its last refresh ended


class Coalescer:
    """Runs `refresh(key)` after touches: never two at once for a key, at least `interval` seconds
    between one's end and the next's start, and always once after the last touch."""

    def __init__(
        self,
        refresh: Callable[[int], Awaitable[None]],
        interval: float,
        *,
        name: str = "fitbet-live",
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self.name = name
        self._refresh = refresh
        self._monotonic = monotonic
        self._sleep = sleep
        self._keys: dict[int, _Key] = {}
        self._closed = False

    def touch(self, key: int) -> None:
        """Something about `key` changed: refresh it soon. Returns at once."""
        if self._closed:
            return
        state = self._keys.setdefault(key, _Key())
        state.dirty = True
        if state.task is None or state.task.done():
            state.task = asyncio.get_running_loop().create_task(self._drain(key, state), name=f"{self.name}-{key}")
        self._forget_idle()

    async def _drain(self, key: int, state: _Key) -> None:
        while state.dirty:
            if state.last_end is not None:
                wait = state.last_end + self.interval - self._monotonic()
                if wait > 0:
                    await self._sleep(wait)
            state.dirty = False  # touches from here on need another refresh: it reads after them
            try:
                await self._refresh(key)
            except Exception:
                log.exception("refreshing %s %s failed", self.name, key)
            finally:
                state.last_end = self._monotonic()

    def _forget_idle(self) -> None:
        """Keys whose last refresh is older than the interval need no memory of it."""
        if len(self._keys) < 256:
            return
        now = self._monotonic()
        for key, state in list(self._keys.items()):
            idle = state.task is None or state.task.done()
            if idle and not state.dirty and (state.last_end is None or now - state.last_end >= self.interval):
                del self._keys[key]

    def pending(self) -> list[asyncio.Task[None]]:
        return [s.task for s in self._keys.values() if s.task is not None and not s.task.done()]

    async def close(self) -> None:
        """Stop: refreshes not yet run are dropped (the next change after a restart shows the state)."""
        self._closed = True
        tasks = self.pending()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
