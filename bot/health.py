"""Is the bot alive? The heartbeat file the running bot keeps, and what `python -m bot health` checks.

While its gateway connections to Discord (one per shard it runs) are all open, the bot rewrites a
small file (HEARTBEAT_PATH, by default `<database>.heartbeat` beside the database, one per shard
process) every HEARTBEAT_MAX_AGE_SECONDS / 4, and it removes the file when it stops. discord.py
closes a gateway socket that has heard nothing from Discord (not even a heartbeat ACK) for 60 s, so
an open socket means Discord answered recently.

`python -m bot health` (Docker's HEALTHCHECK) exits 0 only when the database answers a read-only
query and the heartbeat is younger than HEARTBEAT_MAX_AGE_SECONDS: a bot that stopped, lost Discord
for good, or whose event loop is stuck fails it.

Wall-clock time on purpose (`time.time`, not the bot's Clock): this is about the process being alive
now, not about challenge deadlines, which tests move by hand.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings
from bot.store import dbfile, pg

log = logging.getLogger(__name__)

EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1  # Docker reads 1 as "unhealthy" (and reserves 2)


class Heartbeat:
    """Writes the heartbeat file; `keep()` runs for as long as the bot does."""

    def __init__(self, path: Path, max_age: float, now: Callable[[], float] = time.time) -> None:
        self.path = path
        self.interval = max_age / 4
        self._now = now
        self._failing = False
        self._stopped = False
        self._wrote = False
        self._lock = threading.Lock()  # beats run in a worker thread: none may land after clear()

    def beat(self) -> None:
        """Write the current time, atomically (a reader never sees half a file). A failure is logged
        once, not raised: the bot keeps serving, and the health check reports the stale file."""
        with self._lock:
            if not self._stopped:
                self._write()

    def _write(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(f"{self._now():.3f}\n", encoding="ascii")
            os.replace(tmp, self.path)
            self._wrote = True
        except OSError as exc:
            if not self._failing:
                log.warning("cannot write the heartbeat file %s (%s); health checks will fail", self.path, exc)
            self._failing = True
            return
        if self._failing:
            log.info("heartbeat file %s written again", self.path)
        self._failing = False

    def clear(self) -> None:
        """The bot stops: no more beats, and a health check from now on says so at once. Only a file
        this bot wrote is removed (one that never started, say on a start-up fault, leaves things be)."""
        with self._lock:
            self._stopped = True
            if not self._wrote:
                return
            try:
                self.path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("cannot remove the heartbeat file %s (%s)", self.path, exc)

    async def beat_now(self) -> None:
        await asyncio.to_thread(self.beat)

    async def tick(self, connected: Callable[[], bool]) -> None:
        """One beat, only while the gateway connection is open: a lost connection lets the file age."""
        if connected():
            await self.beat_now()

    async def keep(
        self, connected: Callable[[], bool], sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        """`tick` every `interval` seconds, for as long as the bot runs (the task is cancelled)."""
        while True:
            await self.tick(connected)
            await sleep(self.interval)


@dataclass(frozen=True)
class Report:
    healthy: bool
    line: str

    @property
    def exit_code(self) -> int:
        return EXIT_HEALTHY if self.healthy else EXIT_UNHEALTHY


def check(settings: Settings, now: float | None = None) -> Report:
    """The database answers, and the heartbeat is recent: one line saying which (not) and why."""
    now = time.time() if now is None else now
    problems: list[str] = []
    good: list[str] = []
    try:
        if settings.database_url is not None:
            applied = pg.answers(settings.database_url.get_secret_value())
        else:
            applied = dbfile.answers(settings.database_path)
    except dbfile.DatabaseFileError as exc:
        problems.append(f"the database does not answer (DATABASE_PATH={settings.database_path}: {exc})")
    except pg.DatabaseUrlError as exc:
        problems.append(f"the database does not answer (DATABASE_URL: {exc})")
    else:
        good.append(f"the database answers ({applied} migrations applied)")
    beat = _heartbeat_problem(settings, now)
    if isinstance(beat, str):
        problems.append(beat)
    else:
        good.append(f"the gateway heartbeat is {beat:.0f} s old")
    if problems:
        return Report(False, "unhealthy: " + "; ".join(problems + good))
    return Report(True, "healthy: " + " and ".join(good))


def _heartbeat_problem(settings: Settings, now: float) -> str | float:
    """The heartbeat's age in seconds when it is recent enough, else what is wrong with it."""
    path = settings.heartbeat_file
    max_age = settings.heartbeat_max_age_seconds
    if path is None:
        return "no heartbeat file for an in-memory database (set HEARTBEAT_PATH)"
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return f"no gateway heartbeat at {path}: the bot is not running, or has not connected to Discord yet"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read the heartbeat file {path} ({exc})"
    try:
        written = float(text.strip())
    except ValueError:
        return f"the heartbeat file {path} does not hold a time; the bot rewrites it when it is connected"
    age = now - written
    if abs(age) > max_age:
        return (
            f"the last gateway heartbeat ({path}) is {age:.0f} s old, more than HEARTBEAT_MAX_AGE_SECONDS={max_age:g}:"
            " the bot is stuck, or has not been connected to Discord since"
        )
    return max(age, 0.0)
