"""The Database contract (transactions, write / run, reads, snapshots, after-commit), on a real SQLite
file and on PostgreSQL: the promises the stores and services rely on, whichever engine."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.errors import UserError
from bot.store.db import Database, SyncConn, fetchall, fetchone
from tests.engines import TestEngine


@pytest.fixture
async def db(engine: TestEngine) -> AsyncIterator[Database]:
    database = await engine.open(migrated=False)
    async with database.transaction() as conn:
        await conn.execute("CREATE TABLE t (n INTEGER NOT NULL)")
    yield database
    await database.close()


# What a write on a reading connection raises, on either engine.
READ_ONLY = (sqlite3.OperationalError, asyncpg.ReadOnlySQLTransactionError)


async def _count(db: Database) -> int:
    row = await fetchone(db, "SELECT COUNT(*) FROM t")
    assert row is not None
    return int(row[0])


def _insert(conn: SyncConn, *values: int) -> int:
    for n in values:
        conn.execute("INSERT INTO t (n) VALUES (?)", (n,))
    return conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]


async def test_write_commits_what_its_work_did_and_returns_its_result(db: Database, engine: TestEngine) -> None:
    assert await db.write(lambda conn: _insert(conn, 1, 2)) == 2
    # Committed: a second connection to the database sees it.
    other = await engine.open(migrated=False)
    try:
        assert [r[0] for r in await fetchall(other, "SELECT n FROM t ORDER BY n")] == [1, 2]
    finally:
        await other.close()


async def test_write_rolls_back_everything_when_its_work_raises(db: Database) -> None:
    def refuse(conn: SyncConn) -> None:
        _insert(conn, 7)
        raise UserError("no")

    with pytest.raises(UserError):
        await db.write(refuse)
    assert await _count(db) == 0
    assert not db.in_transaction()
    assert await db.write(lambda conn: _insert(conn, 8)) == 1  # nothing left open: the next write goes through


async def test_run_inside_a_transaction_joins_it(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.run(_insert, 5)
            raise RuntimeError("after the work")
    assert await _count(db) == 0
    async with db.transaction():
        await db.run(_insert, 6)
    assert await _count(db) == 1


async def test_concurrent_writes_take_turns(db: Database) -> None:
    def add_one(conn: SyncConn) -> None:
        (n,) = conn.execute("SELECT COUNT(*) FROM t").fetchone()
        conn.execute("INSERT INTO t (n) VALUES (?)", (n,))

    await asyncio.gather(*(db.write(add_one) for _ in range(50)))
    assert [r[0] for r in await fetchall(db, "SELECT n FROM t ORDER BY n")] == list(range(50))


async def test_a_read_from_another_coroutine_never_sees_a_transaction_that_rolls_back(db: Database) -> None:
    written, release = asyncio.Event(), asyncio.Event()

    async def write_then_fail() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t (n) VALUES (1)")
            written.set()
            await release.wait()
            raise RuntimeError("rolled back")

    writing = asyncio.create_task(write_then_fail())
    await written.wait()
    try:
        # The transaction is open and holds its row: every way of reading outside it sees none.
        assert await _count(db) == 0
        assert await db.fetchall("SELECT n FROM t") == []
        assert await db.run(lambda conn: conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 0
        async with db.execute("SELECT COUNT(*) FROM t") as cur:
            assert (await cur.fetchone())[0] == 0
    finally:
        release.set()
    with pytest.raises(RuntimeError, match="rolled back"):
        await writing
    assert await _count(db) == 0


async def test_a_transaction_reads_its_own_writes_and_others_see_them_once_committed(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t (n) VALUES (1)")
        # Reads through the Database, not only through `conn`, join the task's own transaction.
        assert await _count(db) == 1
        assert await db.run(lambda c: c.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 1
        # … but not a task it starts: that one reads what is committed.
        assert await asyncio.create_task(_count(db)) == 0
    assert await _count(db) == 1
    assert await asyncio.create_task(_count(db)) == 1


async def test_reads_outside_a_transaction_cannot_write(db: Database) -> None:
    with pytest.raises(READ_ONLY):
        await db.fetchall("INSERT INTO t (n) VALUES (1) RETURNING n")
    with pytest.raises(READ_ONLY):
        await db.run(lambda conn: conn.execute("INSERT INTO t (n) VALUES (1)"))
    assert await _count(db) == 0


async def test_a_snapshot_sees_one_commit_and_holds_no_other_reader_back(db: Database) -> None:
    await db.write(lambda conn: _insert(conn, 1, 2, 3))
    async with db.snapshot() as snap:
        async with snap.execute("SELECT n FROM t ORDER BY n") as cur:
            first = await cur.fetchmany(1)
            await db.write(lambda conn: _insert(conn, 4))  # committed while the snapshot's cursor is open
            rest = await cur.fetchall()
        assert [r[0] for r in [*first, *rest]] == [1, 2, 3]
        count = await fetchone(snap, "SELECT COUNT(*) FROM t")
        assert count is not None and count[0] == 3  # later queries see the same commit
        assert await _count(db) == 4  # everyone else reads the latest
    assert await _count(db) == 4


async def test_after_commit_callbacks_run_once_the_transaction_committed_and_never_after_a_rollback(
    db: Database,
) -> None:
    seen: list[int] = []
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t (n) VALUES (1)")
        db.after_commit(lambda: seen.append(len(seen)))
        assert seen == []  # not before the commit
    assert seen == [0]
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            db.after_commit(lambda: seen.append(99))
            raise RuntimeError("rolled back")
    assert seen == [0]
    async with db.transaction():
        pass
    assert seen == [0]  # a callback belongs to its own transaction only
    with pytest.raises(RuntimeError, match="needs a transaction"):
        db.after_commit(lambda: None)
