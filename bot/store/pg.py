"""PostgreSQL (asyncpg): the shared store when fitbet runs as several shard processes (DATABASE_URL).

The stores' SQL is written once, with SQLite's "?" and ":name" parameters; `PgConn` turns it into
PostgreSQL's "$1" form (cached per statement), plus the few spellings the two engines do not share
(`translate`). Migrations are the same numbered files as SQLite's, read through `pg_migration` (types
widened to BIGINT, identity columns, binary collation), except where a `NNNN_name.postgres.sql`
beside the SQLite one says it differently (triggers). `tests/store/test_schema_parity.py` checks that
both engines end at the same tables, columns, keys, constraints and indexes.

Writers: SQLite has one writer at a time. Here many processes write at once, so each write
transaction takes a transaction-scoped advisory lock: its server's (`guild_id`), beside a shared hold
on the global key; a transaction for no particular server takes the global key alone, exclusively.
So the writers of one server still take turns, on every process, and a check-then-write inside a
transaction (is the challenge still active? the next number?) holds as it does on SQLite.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.db import (
    MIGRATIONS_DIR,
    Claim,
    Conn,
    Database,
    MigrationError,
    Params,
    SyncConn,
    _committed,
    _numbered_migrations,
    _open_transaction,
    _track,
    _untrack,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Advisory lock keys. Server keys are their (positive) snowflakes; these can never be one.
GLOBAL_KEY = -1
MIGRATION_KEY = -2

POOL_MAX = 10  # connections per process (PostgreSQL's default max_connections is 100)


class DatabaseUrlError(Exception):
    """DATABASE_URL cannot be used: one line, the password masked."""


def masked(url: str) -> str:
    """`url` with its password replaced by ***, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable URL)"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# ---- SQL: SQLite's spelling → PostgreSQL's ---------------------------------------------------------

_TOKENS = re.compile(
    r"""'(?:[^']|'')*'      # a string literal
      | "(?:[^"]|"")*"      # a quoted name
      | ::                  # a cast, not a parameter
      | \?                  # a positional parameter
      | (?<![:\w]):([A-Za-z_]\w*)   # a named parameter
    """,
    re.VERBOSE,
)
_QUOTED = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")""")
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # SQLite's LIKE ignores ASCII case; ILIKE is PostgreSQL's (and ignores case beyond ASCII too).
    (re.compile(r"\bLIKE\b"), "ILIKE"),
    (re.compile(r"\bAS INTEGER\)", re.IGNORECASE), "AS BIGINT)"),
    # SQLite's `IS` / `IS NOT` compare any two values, NULL included; PostgreSQL's only NULL and booleans.
    (re.compile(r"\bIS NOT (?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE), "IS DISTINCT FROM "),
    (re.compile(r"\bIS (?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE), "IS NOT DISTINCT FROM "),
    (re.compile(r"\bAS REAL\)", re.IGNORECASE), "AS DOUBLE PRECISION)"),
)


_GROUP_CONCAT = re.compile(r"\bGROUP_CONCAT\(", re.IGNORECASE)


def _group_concat(sql: str) -> str:
    """SQLite's `GROUP_CONCAT(x)` as `string_agg((x)::text, ',')`, whatever `x` holds (parentheses,
    string literals); one outside a literal only."""
    out, at = [], 0
    for match in _GROUP_CONCAT.finditer(sql):
        if match.start() < at or _in_literal(sql, match.start()):
            continue
        depth, i, quote = 1, match.end(), ""
        while i < len(sql) and depth:
            ch = sql[i]
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        if depth:
            raise ValueError("GROUP_CONCAT( without its closing parenthesis")
        out += [sql[at : match.start()], "string_agg((", sql[match.end() : i - 1], ")::text, ',')"]
        at = i
    return "".join([*out, sql[at:]])


def _in_literal(sql: str, position: int) -> bool:
    """Whether `position` is inside a string literal ('' inside one keeps the count even)."""
    return sql[:position].count("'") % 2 == 1


@dataclass(frozen=True)
class Translated:
    sql: str
    names: tuple[str, ...] | None  # the named parameters in "$n" order; None: positional
    returns_rows: bool


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> Translated:
    """One statement in PostgreSQL's spelling: "$n" parameters and the rewrites above (never inside
    a string literal or a quoted name)."""
    parts = _QUOTED.split(_group_concat(sql))  # even: SQL text, odd: a literal or a quoted name, as it is
    for i in range(0, len(parts), 2):
        for pattern, replacement in _REWRITES:
            parts[i] = pattern.sub(replacement, parts[i])
    sql = "".join(parts)
    positional = 0
    names: list[str] = []

    def swap(match: re.Match[str]) -> str:
        nonlocal positional
        text = match.group(0)
        if text == "?":
            positional += 1
            return f"${positional}"
        name = match.group(1)
        if name is None:  # a literal, a quoted name or a cast
            return text
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    out = _TOKENS.sub(swap, sql)
    if positional and names:
        raise ValueError("a statement mixes ? and :name parameters")
    head = out.lstrip().split(None, 1)[0].upper() if out.strip() else ""
    returns_rows = head in {"SELECT", "WITH", "VALUES"} or re.search(r"\bRETURNING\b", out, re.IGNORECASE) is not None
    return Translated(out, tuple(names) if names else None, returns_rows)


def _args(translated: Translated, params: Params | None) -> list[object]:
    if params is None:
        return []
    if translated.names is not None:
        if not isinstance(params, dict):
            raise TypeError("named parameters need a dict")
        values: Iterable[object] = (params[name] for name in translated.names)
    elif isinstance(params, dict):
        raise TypeError("positional parameters need a sequence")
    else:
        values = params
    return [int(v) if isinstance(v, bool) else v for v in values]


def _rowcount(status: str) -> int:
    """asyncpg's status line ("UPDATE 3", "INSERT 0 1") → how many rows it touched."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def _numeric(text: str) -> int | float:
    """SUM() and AVG() over BIGINT give NUMERIC: an int when whole (as SQLite's SUM), else a float."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


# ---- a connection with the stores' API ---------------------------------------------------------------


class PgCursor:
    """What a statement gave: its rows (all fetched) and how many rows it touched."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int, columns: Sequence[str] | None = None) -> None:
        self.rows = rows
        self.rowcount = rowcount
        self._columns = columns
        self._at = 0

    @property
    def description(self) -> list[tuple[str, None, None, None, None, None, None]]:
        columns = self._columns if self._columns is not None else (list(self.rows[0].keys()) if self.rows else [])
        return [(c, None, None, None, None, None, None) for c in columns]

    def _take(self, n: int | None) -> list[asyncpg.Record]:
        end = len(self.rows) if n is None else self._at + n
        taken = self.rows[self._at : end]
        self._at += len(taken)
        return taken

    async def fetchone(self) -> asyncpg.Record | None:
        taken = self._take(1)
        return taken[0] if taken else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return self._take(None)

    async def fetchmany(self, size: int = 1) -> list[asyncpg.Record]:
        return self._take(size)


class _Pending:
    """`conn.execute(...)`: awaited for a cursor, or used as `async with conn.execute(...) as cur`."""

    def __init__(self, work: Any) -> None:
        self._work = work

    def __await__(self) -> Any:
        return self._work.__await__()

    async def __aenter__(self) -> PgCursor:
        return cast(PgCursor, await self._work)

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConn:
    """An asyncpg connection, or the pool (one connection per statement, autocommit reads), with
    the API the stores call on aiosqlite's Connection."""

    dialect = "postgres"

    def __init__(self, target: asyncpg.Connection | asyncpg.Pool) -> None:
        self._target = target

    def execute(self, sql: str, parameters: Params | None = None, /) -> _Pending:
        return _Pending(self._execute(sql, parameters))

    async def _execute(self, sql: str, parameters: Params | None) -> PgCursor:
        t = translate(sql)
        args = _args(t, parameters)
        if t.returns_rows:
            rows = await self._target.fetch(t.sql, *args)
            return PgCursor(rows, len(rows))
        status = await self._target.execute(t.sql, *args)
        return PgCursor([], _rowcount(status))

    async def execute_fetchall(self, sql: str, parameters: Params | None = None, /) -> list[asyncpg.Record]:
        t = translate(sql)
        return cast(list[asyncpg.Record], await self._target.fetch(t.sql, *_args(t, parameters)))

    async def executemany(self, sql: str, parameters: Iterable[Params], /) -> None:
        t = translate(sql)
        await self._target.executemany(t.sql, [_args(t, p) for p in parameters])


class _SyncCursor:
    def __init__(self, cursor: PgCursor) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    def fetchone(self) -> Any:
        return self._cursor._take(1)[0] if self._cursor._at < len(self._cursor.rows) else None

    def fetchall(self) -> list[Any]:
        return self._cursor._take(None)


class _SyncBridge:
    """The synchronous connection `Database.write`/`run` work expects (sqlite3's `execute`), on a
    worker thread: each statement is run on the event loop by the transaction's asyncpg connection."""

    dialect = "postgres"

    def __init__(self, conn: PgConn, loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._loop = loop

    def execute(self, sql: str, parameters: Params | None = None, /) -> _SyncCursor:
        future = asyncio.run_coroutine_threadsafe(self._conn._execute(sql, parameters), self._loop)
        return _SyncCursor(future.result())


# ---- the database ----------------------------------------------------------------------------------


class PgDatabase(Database):
    """fitbet's database on PostgreSQL: a pool of asyncpg connections (see the module's docstring)."""

    dialect = "postgres"
    shared = True

    def __init__(self, pool: asyncpg.Pool, url: str, readers: asyncpg.Pool | None = None) -> None:
        self.pool = pool  # transactions, claims, migrations
        self.url = url
        self.memo = {}
        # Reads outside a transaction: connections that cannot write (as SQLite's reader), autocommit,
        # so each read sees the latest commit and never a transaction still open.
        self.readers = readers if readers is not None else pool
        self._reader = PgConn(self.readers)
        # Claims (`claim`): one connection of their own, and what this process holds on it.
        self._claims_conn: asyncpg.Connection | None = None
        self._claims_lock = asyncio.Lock()
        self._held: set[tuple[int, int]] = set()

    @classmethod
    async def open(cls, url: str, *, pool_max: int = POOL_MAX) -> PgDatabase:  # type: ignore[override]
        """Connect to DATABASE_URL; `DatabaseUrlError` (one line) when it can't be used."""
        pool: asyncpg.Pool | None = None
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=pool_max, init=_init_connection, timeout=10, command_timeout=60
            )
            readers = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=pool_max,
                init=_init_connection,
                timeout=10,
                command_timeout=60,
                server_settings={"default_transaction_read_only": "on"},
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError, TimeoutError) as exc:
            if pool is not None:
                await pool.close()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DatabaseUrlError(f"cannot connect to PostgreSQL at {masked(url)}: {reason}") from None
        return cls(pool, url, readers)

    async def close(self) -> None:
        try:
            if self._claims_conn is not None:
                await self._claims_conn.close(timeout=5)
            if self.readers is not self.pool:
                await self.readers.close()
        finally:
            await self.pool.close()

    def committed(self) -> Conn:
        return cast(Conn, self._reader)

    def _reads_on(self) -> Conn:
        current = _open_transaction(self)
        return cast(Conn, current.conn if current is not None else self._reader)

    @asynccontextmanager
    async def transaction(self, guild_id: int | None = None) -> AsyncIterator[Conn]:
        async with self.pool.acquire() as raw, raw.transaction():
            if guild_id is None:
                await raw.execute("SELECT pg_advisory_xact_lock($1)", GLOBAL_KEY)
            else:
                await raw.execute(
                    "SELECT pg_advisory_xact_lock_shared($1), pg_advisory_xact_lock($2)", GLOBAL_KEY, guild_id
                )
            conn = PgConn(raw)
            current, token = _track(self, conn)
            try:
                yield cast(Conn, conn)
            finally:
                _untrack(current, token)
        _committed(current)  # reached only after COMMIT

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Conn]:
        async with self.readers.acquire() as raw, raw.transaction(isolation="repeatable_read", readonly=True):
            yield cast(Conn, _Describing(raw))

    async def write(self, work: Callable[[SyncConn], T], guild_id: int | None = None) -> T:
        async with self.transaction(guild_id) as conn:
            return await asyncio.to_thread(work, _SyncBridge(cast(PgConn, conn), asyncio.get_running_loop()))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        current = _open_transaction(self)
        if current is not None:
            return await asyncio.to_thread(fn, _SyncBridge(current.conn, loop), *args)
        async with self.readers.acquire() as raw:
            return await asyncio.to_thread(fn, _SyncBridge(PgConn(raw), loop), *args)

    async def migrate(self, directory: Traversable = MIGRATIONS_DIR) -> list[str]:
        """Every migration not yet recorded, in order, each in its own transaction; processes that start
        together take turns (a session advisory lock), so each migration runs once."""
        files = _numbered_migrations(directory)
        done: list[str] = []
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_KEY)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    ' version BIGINT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL,'
                    ' applied_at TEXT COLLATE "C" NOT NULL)'
                )
                applied = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
                for version, file in files:
                    if version in applied:
                        continue
                    sql = pg_migration(directory, file)
                    try:
                        async with conn.transaction():
                            await conn.execute(sql)
                            await conn.execute(
                                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                                version,
                                file.name,
                                datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                            )
                    except asyncpg.PostgresError as exc:
                        raise MigrationError(f"migration {file.name} failed and was rolled back: {exc}") from exc
                    log.info("applied migration %s", file.name)
                    done.append(file.name)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_KEY)
        return done

    async def backup(self, target: Path) -> None:
        raise NotImplementedError("back up PostgreSQL with pg_dump (README, 'PostgreSQL')")

    @asynccontextmanager
    async def claim(self, space: Claim, key: int) -> AsyncIterator[bool]:
        """A session advisory lock on (space, key), taken on this process's claims connection: released
        when the block ends, or by PostgreSQL when the process dies and the connection drops. (Two int
        keys: a space apart from the one-key locks of write transactions.)

        All claims share that one connection, so claiming never takes a pool connection: work holding a
        claim (an announcement waiting for its channel's rate limit, say) can never starve its own
        transactions of connections, however many run at once. A session may take its own lock twice,
        so the process also remembers what it holds: a second claim from this process is refused too."""
        wanted = (int(space), _int4(key))
        if wanted in self._held:
            yield False
            return
        async with self._claims_lock:
            conn = await self._claims()
            held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *wanted))
        if held:
            self._held.add(wanted)
        try:
            yield held
        finally:
            if held:
                self._held.discard(wanted)
                await self._unlock(wanted)

    async def _claims(self) -> asyncpg.Connection:
        """The claims connection (call with `_claims_lock` held), opened again if it was lost."""
        if self._claims_conn is None or self._claims_conn.is_closed():
            self._claims_conn = await asyncpg.connect(self.url, timeout=10)
        return self._claims_conn

    async def _unlock(self, wanted: tuple[int, int]) -> None:
        async with self._claims_lock:
            conn = self._claims_conn
            if conn is None or conn.is_closed():
                return  # the connection went, and its locks with it
            try:
                await conn.execute("SELECT pg_advisory_unlock($1, $2)", *wanted)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("could not release claim %s; closing the claims connection frees it", wanted)
                await conn.close(timeout=5)
                self._claims_conn = None


class _Describing(PgConn):
    """A snapshot's connection (in its read transaction): `execute` gives a server-side cursor that
    knows its columns even without rows and fetches in chunks, so a long export never holds a whole
    table in memory (as SQLite's cursor does not)."""

    def __init__(self, target: asyncpg.Connection) -> None:
        super().__init__(target)
        self._conn = target

    def execute(self, sql: str, parameters: Params | None = None, /) -> _Pending:
        return _Pending(self._stream(sql, parameters))

    async def _stream(self, sql: str, parameters: Params | None) -> _StreamCursor:
        t = translate(sql)
        statement = await self._conn.prepare(t.sql)
        cursor = await statement.cursor(*_args(t, parameters))
        return _StreamCursor(cursor, [a.name for a in statement.get_attributes()])


class _StreamCursor(PgCursor):
    """A server-side cursor with the aiosqlite cursor's fetch calls (only inside a transaction)."""

    def __init__(self, cursor: Any, columns: Sequence[str]) -> None:
        super().__init__([], -1, columns)
        self._cursor = cursor

    async def fetchone(self) -> asyncpg.Record | None:
        return cast(asyncpg.Record | None, await self._cursor.fetchrow())

    async def fetchmany(self, size: int = 1) -> list[asyncpg.Record]:
        return cast(list[asyncpg.Record], await self._cursor.fetch(size))

    async def fetchall(self) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = []
        while chunk := await self.fetchmany(1000):
            rows += chunk
        return rows


def _int4(key: int) -> int:
    """A row id as the lock's second (32-bit) key: ids past 2**31 share keys, which only makes two
    pieces of work take turns."""
    return key % (2**31)


# ---- migrations in PostgreSQL's spelling -------------------------------------------------------------

_COLUMN_TEXT = re.compile(r"^(\s+\w+\s+)TEXT\b", re.MULTILINE)
_ADD_TEXT = re.compile(r"(ADD COLUMN\s+\w+\s+)TEXT\b")


def pg_migration(directory: Traversable, file: Traversable) -> str:
    """The PostgreSQL text of one migration: its `.postgres.sql` twin when there is one, else the
    SQLite text with types widened (Discord ids need 64 bits), identity keys and binary collation."""
    twin = directory / file.name.replace(".sql", ".postgres.sql")
    if twin.is_file():
        return twin.read_text(encoding="utf-8")
    return to_postgres(file.read_text(encoding="utf-8"))


def to_postgres(sql: str) -> str:
    sql = re.sub(r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
    # Text compares byte by byte, as on SQLite: timestamps are ISO text and sort the same everywhere.
    sql = _COLUMN_TEXT.sub(r'\1TEXT COLLATE "C"', sql)
    sql = _ADD_TEXT.sub(r'\1TEXT COLLATE "C"', sql)
    return re.sub(r"\)\s*WITHOUT ROWID", ")", sql)


def answers(url: str, timeout: float = 5.0) -> int:
    """How many migrations the PostgreSQL database at `url` has applied (`python -m bot health`);
    DatabaseUrlError (one line, password masked) when it does not answer. Synchronous: its own
    event loop, on a thread of its own, so a caller inside a running loop can use it too."""

    async def ask() -> int:
        conn = await asyncpg.connect(url, timeout=timeout)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM schema_migrations", timeout=timeout))
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            return pool.submit(asyncio.run, ask()).result()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError, TimeoutError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DatabaseUrlError(f"PostgreSQL at {masked(url)} does not answer: {reason}") from None
