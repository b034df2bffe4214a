"""Server settings are kept in memory after the first read; `guilds.update` (the only writer) drops them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.store import guilds
from bot.store.db import Database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GUILD, OTHER = 111, 222


async def test_a_change_is_read_back_at_once_and_other_servers_keep_theirs(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        await db.migrate()
        assert (await guilds.get(db, GUILD, "UTC")).timezone == "UTC"
        assert (await guilds.get(db, OTHER, "UTC")).timezone == "UTC"
        await guilds.update(db, GUILD, NOW, timezone="Europe/Berlin")
        assert (await guilds.get(db, GUILD, "UTC")).timezone == "Europe/Berlin"
        assert (await guilds.get(db, OTHER, "UTC")).timezone == "UTC"
        # A read that was waiting while the update committed must not keep the old value.
        reading = asyncio.create_task(guilds.get(db, GUILD, "UTC"))
        await guilds.update(db, GUILD, NOW, timezone="Asia/Tokyo")
        await reading
        assert (await guilds.get(db, GUILD, "UTC")).timezone == "Asia/Tokyo"
        # What is kept is what the database says (a second connection reads the same).
        other = await Database.open(db.path)
        try:
            assert await guilds.get(other, GUILD, "UTC") == await guilds.get(db, GUILD, "UTC")
        finally:
            await other.close()
    finally:
        await db.close()
