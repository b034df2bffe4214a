"""Start-up faults as one clear line: the database at DATABASE_PATH, its migrations, reaching Discord.

Each raises `StartupError`, whose message names the cause and the setting; `python -m bot` prints it
as one line and exits with its `exit_code` (2: a setting points at something unusable, 1: otherwise).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import aiohttp

from bot.settings import EXIT_CONFIG, Settings
from bot.store.db import Database, MigrationError
from bot.store.dbfile import DamagedDatabaseError, DatabaseFileError, refusal
from bot.store.pg import DatabaseUrlError, PgDatabase

log = logging.getLogger("fitbet")

EXIT_FAILURE = 1

# Seconds between attempts to reach Discord: doubling from the first, never more than the last.
RETRY_FIRST, RETRY_MAX = 1.0, 30.0
ATTEMPT_TIMEOUT = 10.0


class StartupError(Exception):
    """Start-up cannot go on. The message is one line, safe to print; nothing half-done is left open."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


async def open_database(settings: Settings) -> Database:
    """fitbet's database: PostgreSQL at DATABASE_URL when set, else the SQLite file at DATABASE_PATH
    (nothing is written to a file that is not fitbet's)."""
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
        try:
            return await PgDatabase.open(url)
        except DatabaseUrlError as exc:
            raise StartupError(f"DATABASE_URL: {exc}", EXIT_FAILURE) from None
    try:
        return await Database.open(settings.database_path)
    except DatabaseFileError as exc:
        raise _refused(settings, exc) from None


def _refused(settings: Settings, exc: DatabaseFileError) -> StartupError:
    # A damaged database is not a wrong setting: exit 1, so a supervisor may try again after a restore.
    code = EXIT_FAILURE if isinstance(exc, DamagedDatabaseError) else EXIT_CONFIG
    return StartupError(f"DATABASE_PATH={settings.database_path}: {exc}", code)


async def prepare_database(settings: Settings) -> tuple[Database, list[str]]:
    """`open_database`, then every pending migration; returns the database and what was applied."""
    db = await open_database(settings)
    try:
        applied = await db.migrate()
    except MigrationError as exc:
        await db.close()
        raise StartupError(str(exc)) from None
    except sqlite3.Error as exc:
        await db.close()
        raise _refused(settings, refusal(exc)) from None
    except BaseException:
        await db.close()
        raise
    return db, applied


async def wait_for_discord(api_base: str, give_up_after: float) -> None:
    """Return once Discord's API answers at `api_base`; until then try again with a growing pause,
    one warning line per failed attempt, and raise StartupError after `give_up_after` seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    pause = RETRY_FIRST
    attempts = 0
    timeout = aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            attempts += 1
            reason = await _probe(session, f"{api_base}/gateway")
            if reason is None:
                if attempts > 1:
                    log.info("reached Discord at %s", api_base)
                return
            elapsed = loop.time() - started
            if elapsed >= give_up_after:
                raise StartupError(
                    f"Discord is unreachable at {api_base} ({reason}); gave up after {attempts} attempt(s)"
                    f" in {elapsed:.0f} s (DISCORD_CONNECT_RETRY_SECONDS={give_up_after:g}). Check the network"
                    " and DISCORD_API_BASE."
                )
            pause = min(pause, give_up_after - elapsed)
            log.warning(
                "Discord is unreachable at %s (%s); trying again in %.1f s"
                " (attempt %d, DISCORD_CONNECT_RETRY_SECONDS=%g)",
                api_base,
                reason,
                pause,
                attempts,
                give_up_after,
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_MAX)


async def _probe(session: aiohttp.ClientSession, url: str) -> str | None:
    """None when Discord answered (any status below 500); else why not, in a few words."""
    try:
        async with session.get(url) as response:
            if response.status < 500:
                return None
            return f"HTTP {response.status}"
    except TimeoutError:
        return f"no answer in {ATTEMPT_TIMEOUT:g} s"
    except (aiohttp.ClientError, OSError) as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
