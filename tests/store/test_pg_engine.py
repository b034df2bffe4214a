"""The PostgreSQL engine's own promises: processes that start together migrate an empty database once;
the stores' SQL reads the same on both engines (parameters, SQLite's spellings)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.store.db import MIGRATIONS_DIR, Claim, _numbered_migrations, fetchone
from bot.store.pg import PgDatabase, masked, translate
from tests.pg import PgServer


async def test_processes_starting_together_on_an_empty_database_migrate_it_once(pg_server: PgServer) -> None:
    name = f"m_{uuid.uuid4().hex[:12]}"
    await pg_server.create_database(name)
    dbs = [await PgDatabase.open(pg_server.dsn(name), pool_max=2) for _ in range(3)]  # three processes' pools
    try:
        applied = await asyncio.gather(*(db.migrate() for db in dbs))
        rows = await dbs[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")
    finally:
        for db in dbs:
            await db.close()
        await pg_server.drop_database(name)
    shipped = [f.name for _, f in _numbered_migrations(MIGRATIONS_DIR)]
    assert sorted(n for one in applied for n in one) == sorted(shipped)  # each applied by exactly one of them
    assert len(rows) == len(shipped)


async def test_a_claim_is_held_by_one_process_and_freed_when_it_ends(pg_server: PgServer) -> None:
    name = f"c_{uuid.uuid4().hex[:12]}"
    await pg_server.create_database(name)
    first = await PgDatabase.open(pg_server.dsn(name), pool_max=2)
    second = await PgDatabase.open(pg_server.dsn(name), pool_max=2)
    try:
        async with first.claim(Claim.TIMER, 7) as mine:
            assert mine
            async with second.claim(Claim.TIMER, 7) as theirs:
                assert not theirs  # the other process leaves it alone
            async with second.claim(Claim.TIMER, 8) as other_row, second.claim(Claim.ANNOUNCEMENT, 7) as other_kind:
                assert other_row and other_kind  # another row, or another kind of work, is free
        async with second.claim(Claim.TIMER, 7) as later:
            assert later  # freed once the first is done
    finally:
        await first.close()
        await second.close()
        await pg_server.drop_database(name)


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"),
        ("SELECT * FROM t WHERE a = :x OR b = :x AND c = :y", "SELECT * FROM t WHERE a = $1 OR b = $1 AND c = $2"),
        ("SELECT '?' , ':x', a::text FROM t WHERE b = ?", "SELECT '?' , ':x', a::text FROM t WHERE b = $1"),
        (
            "SELECT 1 WHERE r IS NOT 'accepted' AND s IS NOT NULL",
            "SELECT 1 WHERE r IS DISTINCT FROM 'accepted' AND s IS NOT NULL",
        ),
        ("SELECT GROUP_CONCAT(o.user_id) FROM o", "SELECT string_agg((o.user_id)::text, ',') FROM o"),
        (
            "SELECT group_concat(c.action || ':' || COALESCE(c.x, ')')) FROM c",
            "SELECT string_agg((c.action || ':' || COALESCE(c.x, ')'))::text, ',') FROM c",
        ),
        ("SELECT 'GROUP_CONCAT(' AS t", "SELECT 'GROUP_CONCAT(' AS t"),
        ("SELECT 1 WHERE name LIKE ? ESCAPE '\\'", "SELECT 1 WHERE name ILIKE $1 ESCAPE '\\'"),
        ("SELECT CAST(:u AS INTEGER) IS NULL", "SELECT CAST($1 AS BIGINT) IS NULL"),
        # Literals and quoted names are never rewritten: only the SQL around them.
        (
            "SELECT 'it is like ?' AS \"is like\" WHERE a IS ?",
            "SELECT 'it is like ?' AS \"is like\" WHERE a IS NOT DISTINCT FROM $1",
        ),
    ],
)
def test_the_stores_sql_reads_the_same_on_postgresql(sqlite: str, postgres: str) -> None:
    assert translate(sqlite).sql == postgres


def test_a_password_never_shows() -> None:
    assert masked("postgresql://fitbet:s3cret@db:5432/fitbet") == "postgresql://fitbet:***@db:5432/fitbet"


async def test_many_claims_at_once_never_starve_their_own_transactions(pg_server: PgServer) -> None:
    """Twenty announcements claimed at once, each then writing in a transaction, on a pool of two."""
    name = f"s_{uuid.uuid4().hex[:12]}"
    await pg_server.create_database(name)
    db = await PgDatabase.open(pg_server.dsn(name), pool_max=2)
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE posted (id INTEGER PRIMARY KEY)")

        async def post(key: int) -> bool:
            async with db.claim(Claim.ANNOUNCEMENT, key) as mine:
                await asyncio.sleep(0.05)  # waiting for the channel, say
                if mine:
                    async with db.transaction() as conn:
                        await conn.execute("INSERT INTO posted (id) VALUES (?)", (key,))
                return mine

        assert all(await asyncio.wait_for(asyncio.gather(*(post(k) for k in range(20))), 20))
        async with db.claim(Claim.ANNOUNCEMENT, 3) as first, db.claim(Claim.ANNOUNCEMENT, 3) as again:
            assert first and not again  # this process's own second claim is refused too
    finally:
        await db.close()
        await pg_server.drop_database(name)


async def test_a_servers_writers_take_turns_across_processes_and_other_servers_do_not_wait(
    pg_server: PgServer,
) -> None:
    name = f"w_{uuid.uuid4().hex[:12]}"
    await pg_server.create_database(name)
    here = await PgDatabase.open(pg_server.dsn(name), pool_max=3)
    there = await PgDatabase.open(pg_server.dsn(name), pool_max=3)  # another process
    try:
        async with here.transaction() as conn:
            await conn.execute("CREATE TABLE numbered (guild_id BIGINT, no BIGINT, UNIQUE (guild_id, no))")
        inside, release = asyncio.Event(), asyncio.Event()

        async def hold(guild_id: int) -> None:
            async with here.transaction(guild_id):
                inside.set()
                await release.wait()

        async def next_number(db: PgDatabase, guild_id: int) -> None:
            async with db.transaction(guild_id) as conn:  # check, then write: the next number of the server
                row = await fetchone(
                    conn, "SELECT COALESCE(MAX(no), 0) + 1 AS n FROM numbered WHERE guild_id = ?", (guild_id,)
                )
                assert row is not None
                await asyncio.sleep(0.01)  # a second writer of the same server would read the same MAX now
                await conn.execute("INSERT INTO numbered (guild_id, no) VALUES (?, ?)", (guild_id, row["n"]))

        holding = asyncio.create_task(hold(111))
        await inside.wait()
        await asyncio.wait_for(next_number(there, 222), 5)  # another server: not held up
        waiting = asyncio.create_task(next_number(there, 111))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # the same server: waits for the open transaction
        release.set()
        await asyncio.wait_for(asyncio.gather(holding, waiting), 5)
        # Many writers of one server on two processes at once: every number once, none skipped.
        await asyncio.gather(*(next_number(db, 333) for db in (here, there) for _ in range(10)))
        rows = await here.fetchall("SELECT no FROM numbered WHERE guild_id = 333 ORDER BY no")
        assert [r["no"] for r in rows] == list(range(1, 21))
    finally:
        await here.close()
        await there.close()
        await pg_server.drop_database(name)
