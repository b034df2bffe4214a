"""Command line: `python -m bot` (run), `migrate`, `backup PATH`, `health`, `copy-to-postgres`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

import discord

from bot.settings import EXIT_CONFIG, Settings, SettingsError, load_settings

log = logging.getLogger("fitbet")

# Gateway close codes by which Discord refuses the shard settings themselves (not worth retrying).
SHARDING_REFUSED = {
    4010: "invalid shard: a shard id outside SHARD_COUNT",
    4011: "sharding required: too many servers for one shard, set SHARD_COUNT",
}


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    # fitbet has no voice: discord.py's two warnings about missing voice libraries are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


async def _run(settings: Settings) -> int:
    from bot.app import FitbetBot
    from bot.startup import StartupError

    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value()
    bot = FitbetBot(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = asyncio.create_task(bot.start(token), name="fitbet-bot")
    stopper = asyncio.create_task(stop.wait(), name="fitbet-stop")
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            runner.result()
            return 0
        log.info("shutting down")
        await bot.close()
        runner.cancel()  # a running bot's connect() has returned by now; one still starting stops here
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        log.info("bye")
        return 0
    except discord.LoginFailure:
        print(
            "Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except StartupError as exc:
        log.error("%s", exc)
        return exc.exit_code
    except discord.ConnectionClosed as exc:
        if exc.code not in SHARDING_REFUSED:
            raise
        log.error(
            "Discord closed shard %s's connection (%d, %s): check SHARD_COUNT=%s and SHARD_IDS=%s.",
            exc.shard_id,
            exc.code,
            SHARDING_REFUSED[exc.code],
            settings.shard_count if settings.shard_count is not None else "(unset)",
            ",".join(map(str, settings.shard_ids)) if settings.shard_ids is not None else "(unset: all)",
        )
        return EXIT_CONFIG
    finally:
        stopper.cancel()
        await bot.close()  # again: whatever start() opened after a first close is closed too


async def _migrate(settings: Settings) -> int:
    from bot.startup import StartupError, prepare_database

    try:
        db, applied = await prepare_database(settings)
    except StartupError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    await db.close()
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


async def _backup(settings: Settings, target: Path) -> int:
    from bot.startup import StartupError, open_database

    if settings.database_url is not None:
        print(
            "backup copies the SQLite file; with DATABASE_URL (PostgreSQL) use pg_dump instead"
            ' (README, "PostgreSQL and shards")',
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        db = await open_database(settings)
    except StartupError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    try:
        await db.backup(target)
    finally:
        await db.close()
    print(f"backup written to {target} (integrity check: ok)")
    return 0


async def _copy_to_postgres(settings: Settings, source: Path | None, target: str | None) -> int:
    """SQLite (DATABASE_PATH or --from) → the empty PostgreSQL database (DATABASE_URL or --to): bot.store.copy."""
    from bot.startup import EXIT_FAILURE
    from bot.store.copy import CopyError, copy_to_postgres, migrate_target, open_source
    from bot.store.pg import DatabaseUrlError, PgDatabase, masked

    if target is None and settings.database_url is not None:
        target = settings.database_url.get_secret_value()
    if target is None:
        print(
            "copy-to-postgres needs the PostgreSQL database: set DATABASE_URL or pass --to postgresql://…",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if not target.startswith(("postgresql://", "postgres://")):
        print("--to must be a postgresql:// URL", file=sys.stderr)
        return EXIT_CONFIG
    source_path = source if source is not None else settings.database_path
    try:
        sqlite = await open_source(source_path)
    except CopyError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    try:
        try:
            pg = await PgDatabase.open(target)
        except DatabaseUrlError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FAILURE
        try:
            await migrate_target(pg)
            result = await copy_to_postgres(sqlite, pg)
        except CopyError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FAILURE
        finally:
            await pg.close()
    finally:
        await sqlite.close()
    for table in result.tables:
        print(table.line)
    print(f"{result.summary} ({source_path} → {masked(target)})")
    return 0


def _health() -> int:
    """One line; 0 when healthy. Never 2, which Docker's HEALTHCHECK reserves: a bad setting is 1."""
    from bot.health import EXIT_UNHEALTHY, check

    try:
        settings = load_settings(require_token=False)
    except SettingsError as exc:
        print("unhealthy: " + " ".join(str(exc).split()), file=sys.stderr)
        return EXIT_UNHEALTHY
    report = check(settings)
    print(report.line, file=sys.stdout if report.healthy else sys.stderr)
    return report.exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="fitbet, the fitness-bet Discord bot.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    backup = sub.add_parser("backup", help="write a consistent copy of the database while the bot runs")
    backup.add_argument("path", type=Path)
    sub.add_parser(
        "health",
        help="exit 0 when the database answers and the bot's gateway heartbeat is recent (Docker's HEALTHCHECK)",
    )
    copy = sub.add_parser(
        "copy-to-postgres",
        help="copy the SQLite database (DATABASE_PATH) into an empty PostgreSQL one (DATABASE_URL), then check counts",
    )
    copy.add_argument("--from", dest="source", type=Path, help="the SQLite file (default: DATABASE_PATH)")
    copy.add_argument("--to", dest="target", help="postgresql://… (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    command = args.command or "run"
    if command == "health":
        return _health()
    try:
        settings = load_settings(require_token=command == "run")
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    _configure_logging(settings.log_level)
    if command == "migrate":
        return asyncio.run(_migrate(settings))
    if command == "copy-to-postgres":
        return asyncio.run(_copy_to_postgres(settings, args.source, args.target))
    if command == "backup":
        return asyncio.run(_backup(settings, args.path))
    return asyncio.run(_run(settings))


if __name__ == "__main__":
    sys.exit(main())
