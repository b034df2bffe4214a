"""The one source of "now". Rules take times as arguments; services ask a Clock."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol

# A sleep on the system clock wakes at least this often to look at the time again (the host's
# clock may be set while we sleep).
_LONGEST_NAP = 3600.0


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once `now()` has reached `when`."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        while (left := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110 (a timed sleep, not a poll)
            await asyncio.sleep(min(left, _LONGEST_NAP))


class ManualClock:
    """A clock tests move by hand; it never moves on its own. Sleepers wake when it is moved."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        self._wake()
        return self._now

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = when.astimezone(UTC)
        self._wake()
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        while self._now < when:
            loop = asyncio.get_running_loop()
            moved: asyncio.Future[None] = loop.create_future()
            self._sleepers.append((loop, moved))
            await moved

    def _wake(self) -> None:
        sleepers, self._sleepers = self._sleepers, []
        for loop, moved in sleepers:
            with contextlib.suppress(RuntimeError):  # that loop has closed since
                loop.call_soon_threadsafe(_resolve, moved)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
