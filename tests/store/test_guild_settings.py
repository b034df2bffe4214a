"""Server settings are kept in memory after the first read; `guilds.update` (the only writer) drops them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiosqlite
import pytest

from bot.store import guilds
from tests.engines import TestEngine

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GUILD, OTHER = 111, 222


async def test_a_change_is_read_back_at_once_and_other_servers_keep_theirs(engine: TestEngine) -> None:
    db = await engine.open()
    try:
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
        other = await engine.open()  # the same database, as another process would
        try:
            assert await guilds.get(other, GUILD, "UTC") == await guilds.get(db, GUILD, "UTC")
        finally:
            await other.close()
    finally:
        await db.close()


async def test_a_setting_written_by_a_transaction_that_rolls_back_is_never_read_nor_kept(engine: TestEngine) -> None:
    db = await engine.open()
    try:
        written, release = asyncio.Event(), asyncio.Event()

        async def change_then_fail() -> None:
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO guild_settings (guild_id, timezone, updated_at) VALUES (?, 'Asia/Tokyo', ?)",
                    (GUILD, NOW.isoformat()),
                )
                written.set()
                await release.wait()
                raise RuntimeError("rolled back")

        changing = asyncio.create_task(change_then_fail())
        await written.wait()
        try:
            assert (await guilds.get(db, GUILD, "UTC")).timezone == "UTC"  # read (and kept) meanwhile
        finally:
            release.set()
        with pytest.raises(RuntimeError):
            await changing
        assert (await guilds.get(db, GUILD, "UTC")).timezone == "UTC"
    finally:
        await db.close()


async def test_an_update_whose_audit_line_fails_changes_nothing_and_keeps_nothing(engine: TestEngine) -> None:
    db = await engine.open()
    try:
        assert (await guilds.get(db, GUILD, "UTC")).timezone == "UTC"
        written, release = asyncio.Event(), asyncio.Event()
        read_inside: list[str] = []

        async def audit_fails(conn: aiosqlite.Connection) -> None:
            # Even read inside the transaction that wrote it, the new value is not what gets kept.
            db.memo.clear()
            read_inside.append((await guilds.get(db, GUILD, "UTC")).timezone)
            written.set()
            await release.wait()
            raise RuntimeError("audit line failed")

        updating = asyncio.create_task(guilds.update(db, GUILD, NOW, timezone="Asia/Tokyo", audit=audit_fails))
        await written.wait()
        try:
            db.memo.clear()  # a read from SQLite, not the kept copy, while the update is open
            assert (await guilds.get(db, GUILD, "UTC")).timezone == "UTC"
        finally:
            release.set()
        with pytest.raises(RuntimeError):
            await updating
        assert read_inside == ["UTC"]
        assert (await guilds.get(db, GUILD, "UTC")).timezone == "UTC"
        assert await db.fetchone("SELECT 1 FROM guild_settings WHERE guild_id = ?", (GUILD,)) is None
    finally:
        await db.close()


@pytest.mark.postgres
async def test_on_a_shared_database_a_change_another_process_made_is_read_at_once(engine: TestEngine) -> None:
    if not engine.postgres:
        pytest.skip("SQLite has one process: nobody else changes its settings")
    here, there = await engine.open(), await engine.open()  # two processes on one PostgreSQL
    try:
        assert (await guilds.get(here, GUILD, "UTC")).timezone == "UTC"
        await guilds.update(there, GUILD, NOW, timezone="Europe/Berlin")
        assert (await guilds.get(here, GUILD, "UTC")).timezone == "Europe/Berlin"  # nothing stale kept
    finally:
        await here.close()
        await there.close()
