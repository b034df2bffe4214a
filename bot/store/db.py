"""The bot's two aiosqlite connections (one writes, one reads committed data), and the migration runner."""

from __future__ import annotations

import asyncio
import enum
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import aiosqlite

from bot.store import dbfile
from bot.store.dbfile import MIGRATION_NAME

log = logging.getLogger(__name__)

T = TypeVar("T")

# A row of either engine (sqlite3.Row, asyncpg.Record): read by column name, `row["no"]`, or by position.
Row = Any


class Conn(Protocol):
    """One connection as the store modules use it, whichever engine: aiosqlite's Connection, or
    `bot.store.pg.PgConn` (asyncpg), which reads the same SQL ("?" / ":name" parameters)."""

    def execute(self, sql: str, parameters: Any = None, /) -> Any: ...  # awaitable cursor (rowcount), or `async with`

    def execute_fetchall(self, sql: str, parameters: Any = None, /) -> Awaitable[Iterable[Any]]: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...


class SyncCursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SyncConn(Protocol):
    """What `Database.write`/`run` hand to their synchronous work: a sqlite3.Connection on SQLite,
    a bridge to the transaction's asyncpg connection on PostgreSQL (bot.store.pg)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...


# More work for an open transaction, on its connection: e.g. an admin action's audit line, written
# in the transaction that makes the change, so both are committed or neither.
InTransaction = Callable[[Conn], Awaitable[None]]

# Package data (the top-level migrations/ package), read through importlib.resources: an installed wheel finds
# them from any working directory, and nothing outside the package is needed at run time.
MIGRATIONS_DIR: Traversable = files("migrations")


class MigrationError(Exception):
    """A migration failed; it was rolled back and start-up must stop."""


@dataclass
class _Transaction:
    """The transaction a task has open on a Database's writing connection."""

    db: Database
    task: asyncio.Task[Any] | None
    open: bool = True
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    conn: Any = None  # its connection, where the engine has one per transaction (PostgreSQL)


_CURRENT: ContextVar[_Transaction | None] = ContextVar("fitbet_transaction", default=None)


class Database:
    """fitbet's database, whichever engine: what the stores and services use.

    `SqliteDatabase` (one process, one file: the default) and `bot.store.pg.PgDatabase` (PostgreSQL,
    shared by several shard processes) read the same SQL and keep the same promises: writes go
    through `transaction()` (or `write()`), which serialises the writers of one server (`guild_id`)
    or, without one, every writer; reads outside a transaction see committed data only; the task
    that holds a transaction reads inside it. `open_database()` picks the engine from the settings.
    """

    dialect: str = ""  # "sqlite" or "postgres": for the few statements the stores spell per engine
    # Whether other processes may work on the same database (PostgreSQL): then work claimed with
    # `claim()` is read again once claimed. SQLite has one process, whose own locks suffice.
    shared: bool = False
    memo: dict[Hashable, Any]

    @staticmethod
    async def open(path: Path | str) -> SqliteDatabase:
        """The SQLite database at `path` (see SqliteDatabase.open)."""
        return await SqliteDatabase.open(path)

    async def close(self) -> None:
        raise NotImplementedError

    def in_transaction(self) -> bool:
        """Whether the calling task has a transaction open on this Database."""
        current = _CURRENT.get()
        return current is not None and current.open and current.db is self and current.task is _current_task()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the calling task's open transaction has committed (never if it rolls back).

        For what must follow a commit and only a commit, e.g. telling the scheduler a timer row changed
        (bot.scheduling). A callback that raises is logged; the commit stands.
        """
        current = _CURRENT.get()
        if current is None or not self.in_transaction():
            raise RuntimeError("after_commit() needs a transaction open on this Database")
        current.after_commit.append(callback)

    def transaction(self, guild_id: int | None = None) -> AbstractAsyncContextManager[Conn]:
        """A write transaction: committed on success, rolled back on any exception. `guild_id`: the
        server it writes for; writers of one server take turns (without it: every writer waits)."""
        raise NotImplementedError

    def snapshot(self) -> AbstractAsyncContextManager[Conn]:
        raise NotImplementedError

    async def write(self, work: Callable[[SyncConn], T], guild_id: int | None = None) -> T:
        raise NotImplementedError

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _reads_on(self) -> Conn:
        raise NotImplementedError

    def committed(self) -> Conn:
        """A connection that reads committed data only, even inside a transaction (caches: bot.store.guilds)."""
        raise NotImplementedError

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        """Same shape as Connection.execute, so store functions accept either (reads, outside a transaction)."""
        return self._reads_on().execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await fetchone(self, sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await fetchall(self, sql, params)

    async def migrate(self, directory: Traversable = MIGRATIONS_DIR) -> list[str]:
        raise NotImplementedError

    async def backup(self, target: Path) -> None:
        raise NotImplementedError

    def claim(self, space: Claim, key: int) -> AbstractAsyncContextManager[bool]:
        """Run one piece of work (a due timer, posting an announcement) in this process only.

        Yields True when this process has it: until the block ends, another process asking for the
        same (space, key) gets False and must leave it alone. The claim dies with the process (a
        crash or kill frees it at once for the others or the restart), never with a timeout a slow
        process could outlive. SQLite has one process: always True. PostgreSQL: a session advisory
        lock (bot.store.pg). The work itself must still check, once claimed, that it is not done yet.
        """
        raise NotImplementedError


class Claim(enum.IntEnum):
    """What a claim is on (PostgreSQL: the first of the advisory lock's two keys)."""

    TIMER = 1
    ANNOUNCEMENT = 2


def _track(db: Database, conn: Any = None) -> tuple[_Transaction, Token[_Transaction | None]]:
    current = _Transaction(db, _current_task(), conn=conn)
    return current, _CURRENT.set(current)


def _untrack(current: _Transaction, token: Token[_Transaction | None]) -> None:
    current.open = False
    with suppress(ValueError):  # exited from another context (a generator closed elsewhere)
        _CURRENT.reset(token)


def _open_transaction(db: Database) -> _Transaction | None:
    """The calling task's open transaction on `db`, if it has one."""
    current = _CURRENT.get()
    return current if db.in_transaction() else None


def _committed(current: _Transaction) -> None:
    for callback in current.after_commit:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback %r failed", callback)


class SqliteDatabase(Database):
    """Owns two connections to one WAL database.

    Writes go through `transaction()` (BEGIN IMMEDIATE) or `write()`, one at a time, on `conn`.
    Reads (`fetchone`, `fetchall`, `run`, `execute`) go to `reader`, a read-only connection that
    sees committed data only — never the rows of a transaction another coroutine has open and may
    still roll back. The task that holds the open transaction reads on `conn`, so it sees its own
    uncommitted writes, whether it passes the transaction's connection or this Database.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path, reader: aiosqlite.Connection | None = None) -> None:
        self.conn = conn
        # Without a file (":memory:") there is nothing a second connection could share: reads stay on `conn`.
        self.reader = reader if reader is not None else conn
        self.path = path
        # One writing connection: transactions from concurrent coroutines must take turns.
        self._write_lock = asyncio.Lock()
        # Small read-mostly values a store module keeps in memory and drops itself when it writes
        # them (bot.store.guilds). Everything else is read from SQLite every time.
        self.memo: dict[Hashable, Any] = {}

    dialect = "sqlite"

    @classmethod
    async def open(cls, path: Path | str) -> SqliteDatabase:
        """Open fitbet's database at `path` (created if missing).

        Raises `dbfile.DatabaseFileError` (one line, nothing written) for a path fitbet can't use:
        a folder, no write access, not SQLite, another application's file, a damaged database.
        """
        path = Path(path)
        in_memory = str(path) == ":memory:"
        stamp = in_memory or await asyncio.to_thread(dbfile.check, path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            if stamp:
                await conn.execute(f"PRAGMA application_id = {dbfile.APPLICATION_ID}")
            await conn.execute("PRAGMA journal_mode=WAL")
            await _set_pragmas(conn)
        except BaseException as exc:
            await conn.close()  # its thread would keep the process alive
            if isinstance(exc, sqlite3.Error):
                raise dbfile.refusal(exc) from None
            raise
        if in_memory:
            return cls(conn, path)
        # In WAL mode a reader never waits for the writer and sees the last commit as of each statement.
        try:
            reader = await aiosqlite.connect(path, isolation_level=None)
            reader.row_factory = aiosqlite.Row
            await _set_pragmas(reader)
            await reader.execute("PRAGMA query_only=ON")
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path, reader)

    async def close(self) -> None:
        try:
            if self.reader is not self.conn:
                await self.reader.close()
        finally:
            await self.conn.close()

    def _reads_on(self) -> Conn:
        return cast(Conn, self.conn if self.in_transaction() else self.reader)

    def committed(self) -> Conn:
        return cast(Conn, self.reader)

    @asynccontextmanager
    async def transaction(self, guild_id: int | None = None) -> AsyncIterator[Conn]:
        """A write transaction: committed on success, rolled back on any exception.

        Inside it, reads through this Database (not only through the yielded connection) join it.
        SQLite has one writer at a time whatever the server, so `guild_id` changes nothing here.
        """
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            current, token = _track(self)
            try:
                yield cast(Conn, self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")
            finally:
                _untrack(current, token)
        _committed(current)  # reached only after COMMIT: an exception skips this

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Conn]:
        """A read-only connection of its own, in one read transaction: its queries all see the same
        commit, and a long read through it (an export, in chunks) holds no other reader back."""
        if self.reader is self.conn:  # in memory: nothing to open a second view of
            yield cast(Conn, self.conn)
            return
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await _set_pragmas(conn)
            await conn.execute("PRAGMA query_only=ON")
            await conn.execute("BEGIN")  # deferred: the snapshot is taken at the first read
            yield cast(Conn, conn)
        finally:
            await conn.close()  # ends the read transaction

    async def write(self, work: Callable[[SyncConn], T], guild_id: int | None = None) -> T:
        """A write transaction run whole on the connection's thread: one trip to it, not one per statement.

        `work` is plain synchronous code on the `sqlite3.Connection` (no awaits, nothing slow): BEGIN
        IMMEDIATE before it, COMMIT after it, ROLLBACK if it raises, and the exception is raised here.
        For the hottest write, /challenge log (docs/benchmarks.md); everything else uses `transaction()`.
        """
        async with self._write_lock:
            return await _run_on(self.conn, _in_transaction, work)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Call `fn(sqlite3_connection, *args)` on a connection's thread, in one trip.

        Inside `transaction()` it joins that transaction; outside one it runs on the reading
        connection, so it can only read (committed data).
        """
        return await _run_on(self.conn if self.in_transaction() else self.reader, fn, *args)

    async def migrate(self, directory: Traversable = MIGRATIONS_DIR) -> list[str]:
        """Apply every migration not yet recorded, in order, each in its own transaction.

        Raises MigrationError, before touching the database, when `directory` holds no migration:
        an installation without its migrations would otherwise start on a database with no tables.
        """
        files = _numbered_migrations(directory)
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        applied = {row["version"] for row in await self.fetchall("SELECT version FROM schema_migrations")}
        done: list[str] = []
        for version, file in files:
            if version in applied:
                continue
            sql = file.read_text(encoding="utf-8")
            try:
                await self._apply(version, file.name, sql)
            except Exception as exc:
                raise MigrationError(f"migration {file.name} failed and was rolled back: {exc}") from exc
            log.info("applied migration %s", file.name)
            done.append(file.name)
        return done

    async def _apply(self, version: int, name: str, sql: str) -> None:
        # executescript() would COMMIT on its own; run statement by statement inside one transaction.
        async with self.transaction() as conn:
            for statement in split_sql(sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at)"
                " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                (version, name),
            )

    @asynccontextmanager
    async def claim(self, space: Claim, key: int) -> AsyncIterator[bool]:
        yield True  # one process per SQLite file: nobody else runs its work

    async def backup(self, target: Path) -> None:
        """Online backup to `target`, then an integrity check of the copy."""
        await asyncio.to_thread(_prepare_target, target)
        async with aiosqlite.connect(target) as dest:
            await self.conn.backup(dest)
            async with dest.execute("PRAGMA integrity_check") as cur:
                row = await cur.fetchone()
            if row is None or row[0] != "ok":
                raise RuntimeError(f"backup copy failed its integrity check: {row}")


Params = tuple[object, ...] | dict[str, object]


async def _set_pragmas(conn: aiosqlite.Connection) -> None:
    """Per-connection settings, the same on both connections."""
    await conn.execute("PRAGMA synchronous=NORMAL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=5000")


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop
        return None


async def _run_on(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """`fn(sqlite3_connection, *args)` on `conn`'s thread, in one trip.

    aiosqlite has no public call for this; `_execute` (the queue every aiosqlite call goes
    through) is pinned by the aiosqlite range in pyproject.toml and covered by every log test.
    """
    return await conn._execute(fn, conn._conn, *args)


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


async def fetchall(db: Database | Conn, sql: str, params: Params = ()) -> list[Row]:
    """Every row, in one trip to the connection's thread (a Database: see `Database` for which one).

    `async with conn.execute(...) as cur: await cur.fetchall()` takes three trips (execute, fetch,
    close), each a wake-up of the event loop; on /challenge log that was most of the cost beside
    the work itself (docs/benchmarks.md).
    """
    conn = db._reads_on() if isinstance(db, Database) else db
    return list(await conn.execute_fetchall(sql, params))


async def fetchone(db: Database | Conn, sql: str, params: Params = ()) -> Row | None:
    """The first row, for queries that return at most one (by key, an aggregate, or LIMIT 1)."""
    rows = await fetchall(db, sql, params)
    return rows[0] if rows else None


def _numbered_migrations(directory: Traversable) -> list[tuple[int, Traversable]]:
    """Every migration file with its number, in order; refused whole if there is none, if one is
    misnamed or if a number is taken twice."""
    try:
        sql_files = sorted(
            (f for f in directory.iterdir() if f.name.endswith(".sql") and not _engine_twin(f.name) and f.is_file()),
            key=_name,
        )
    except (FileNotFoundError, NotADirectoryError):
        sql_files = []
    if not sql_files:
        raise MigrationError(
            f"no migrations found in {directory}: this installation of fitbet is incomplete; reinstall it"
        )
    numbered: dict[int, Traversable] = {}
    for file in sql_files:
        match = MIGRATION_NAME.match(file.name)
        if not match:
            raise MigrationError(f"migration file {file.name!r} is not named NNNN_name.sql")
        version = int(match.group(1))
        if version in numbered:
            raise MigrationError(
                f"migrations {numbered[version].name} and {file.name} both have number {version:04d};"
                " renumber one of them (each number is applied once)"
            )
        numbered[version] = file
    return sorted(numbered.items())


def _engine_twin(name: str) -> bool:
    """`NNNN_name.postgres.sql`: how PostgreSQL spells migration NNNN (bot.store.pg), not a migration of its own."""
    return name.endswith(".postgres.sql")


def _name(file: Traversable) -> str:
    return file.name


def _prepare_target(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)


def split_sql(script: str) -> list[str]:
    """Split a migration into statements with sqlite3.complete_statement (handles triggers and strings)."""
    import sqlite3

    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()):
        raise MigrationError("migration ends with an incomplete statement")
    return statements


def dialect_of(db: Database | Conn | SyncConn) -> str:
    """ "sqlite" or "postgres": for the few statements the stores spell per engine (aiosqlite's and
    sqlite3's connections say nothing: SQLite)."""
    return str(getattr(db, "dialect", "sqlite"))
