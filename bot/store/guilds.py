"""SQL for per-server settings (defaults live in bot.domain.guild_settings)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.guild_settings import GuildSettings
from bot.domain.timeparse import usable_zone
from bot.store.codec import to_db
from bot.store.db import Database, InTransaction, fetchone

log = logging.getLogger(__name__)

_COLUMNS = ("announce_channel_id", "timezone", "admin_role_id", "penalty_due_days", "distance_unit")


async def get(db: Database, guild_id: int, default_timezone: str) -> GuildSettings:
    """A server's settings as committed. Kept in memory per database after the first read: nearly every
    command reads them, and `update` below is the only writer, which drops the kept copy once it commits.

    Read on the reading connection even inside a transaction, so what is kept is never a value a
    transaction wrote and may still roll back. On a database other processes share (PostgreSQL),
    another process may change them: nothing is kept, each read asks the database."""
    if db.shared:
        return await _read(db, guild_id, default_timezone)
    key, version_key = ("guild_settings", guild_id, default_timezone), ("guild_settings_version", guild_id)
    cached = db.memo.get(key)
    if isinstance(cached, GuildSettings):
        return cached
    version = db.memo.get(version_key, 0)
    settings = await _read(db, guild_id, default_timezone)
    if db.memo.get(version_key, 0) == version:  # not if an update committed while this read waited
        db.memo[key] = settings
    return settings


async def _read(db: Database, guild_id: int, default_timezone: str) -> GuildSettings:
    row = await fetchone(db.committed(), "SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
    if row is None:
        return GuildSettings(guild_id=guild_id, timezone=default_timezone)
    return GuildSettings(
        guild_id=guild_id,
        announce_channel_id=row["announce_channel_id"],
        timezone=_zone_or_default(db, guild_id, row["timezone"], default_timezone),
        admin_role_id=row["admin_role_id"],
        penalty_due_days=row["penalty_due_days"],
        distance_unit=row["distance_unit"],
    )


def _zone_or_default(db: Database, guild_id: int, stored: str | None, default_timezone: str) -> str:
    """The stored zone, or the default when it no longer loads here (tzdata dropped it, or a host-only
    name such as `localtime` from before such names were refused): one warning, not an error per command."""
    if not stored:
        return default_timezone
    if usable_zone(stored) is not None:
        return stored
    warned = ("guild_zone_warned", guild_id, stored)
    if warned not in db.memo:
        db.memo[warned] = True
        log.warning(
            "server %s: its time zone %r does not load here; using %s until an admin sets one (/admin timezone)",
            guild_id,
            stored,
            default_timezone,
        )
    return default_timezone


async def update(
    db: Database,
    guild_id: int,
    now: datetime,
    *,
    audit: InTransaction | None = None,
    **values: object,
) -> None:
    """Change some settings; `audit` runs in the same transaction (the admin's audit line)."""
    unknown = set(values) - set(_COLUMNS)
    if unknown:
        raise ValueError(f"unknown guild settings {sorted(unknown)}")
    names = list(values)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in names)
    placeholders = ", ".join("?" for _ in names)
    async with db.transaction(guild_id) as conn:
        await conn.execute(
            f"INSERT INTO guild_settings (guild_id, updated_at, {', '.join(names)})"  # noqa: S608 - names are whitelisted
            f" VALUES (?, ?, {placeholders})"
            f" ON CONFLICT (guild_id) DO UPDATE SET updated_at = excluded.updated_at, {assignments}",
            (guild_id, to_db(now), *values.values()),
        )
        if audit is not None:
            await audit(conn)
    version_key = ("guild_settings_version", guild_id)
    db.memo[version_key] = db.memo.get(version_key, 0) + 1
    for key in [k for k in db.memo if isinstance(k, tuple) and k[:2] == ("guild_settings", guild_id)]:
        del db.memo[key]
