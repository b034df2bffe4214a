"""Move an existing SQLite database into an empty PostgreSQL database (`python -m bot copy-to-postgres`).

Every table of the SQLite file (its catalogue, less `sqlite_*` and `schema_migrations`) is copied, in
foreign-key order, in chunks (`COPY … FROM STDIN`, binary), with its ids as they are, all in ONE
PostgreSQL transaction: the target ends with everything or with nothing. Then each identity column's
sequence is moved past the largest copied value, so the next row PostgreSQL numbers gets a fresh id.
Before the commit, every table's row count (and the sums of `logs.amount` and `log_totals.total`) is
compared on both sides; any difference rolls the whole copy back.

Tables kept by triggers (`log_totals`, from `logs`): the copy disables the target's own triggers with
`ALTER TABLE … DISABLE TRIGGER USER` inside the copying transaction and copies `log_totals` as it is,
so a copied log is not counted twice. Disabling is allowed to the tables' owner — the role that ran
the migrations, i.e. DATABASE_URL's user — without superuser rights (`SET session_replication_role`
would need them); being DDL, it is rolled back with everything else when the copy fails, and undone
before the commit when it succeeds. The copied totals are then checked against the copied logs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiosqlite
import asyncpg

from bot.store.db import Database, MigrationError, SqliteDatabase
from bot.store.dbfile import DatabaseFileError
from bot.store.pg import GLOBAL_KEY, PgDatabase

log = logging.getLogger(__name__)

CHUNK = 5000  # rows per COPY: a million logs are 200 round trips, and no more than this in memory at once
SKIPPED = "schema_migrations"  # each engine keeps its own record of the migrations it applied
# Columns whose sums are compared beside the row counts: the amounts everything else is computed from.
SUMS: dict[str, str] = {"logs": "amount", "log_totals": "total"}


class CopyError(Exception):
    """The copy cannot go on or did not match: one line, safe to print; nothing was committed."""


@dataclass(frozen=True)
class CopiedTable:
    name: str
    rows: int
    sums: tuple[tuple[str, int], ...] = ()  # (column, sum) compared on both sides

    @property
    def line(self) -> str:
        extra = "".join(f", sum of {column} {total}" for column, total in self.sums)
        return f"{self.name}: {self.rows} rows{extra}"


@dataclass(frozen=True)
class CopyResult:
    tables: tuple[CopiedTable, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def summary(self) -> str:
        return f"copied {self.rows} rows in {len(self.tables)} tables; counts match"


@dataclass(frozen=True)
class _SourceTable:
    name: str
    columns: tuple[str, ...]
    references: frozenset[str]  # the tables its foreign keys point at


# ---- opening both sides ----------------------------------------------------------------------------


async def open_source(path: Path) -> SqliteDatabase:
    """The SQLite database at `path`, migrated; CopyError when there is none, or it is not fitbet's."""
    if not await asyncio.to_thread(path.is_file):
        raise CopyError(f"no SQLite database at {path} (set DATABASE_PATH or pass --from PATH)")
    try:
        db = await Database.open(path)
    except DatabaseFileError as exc:
        raise CopyError(f"{path}: {exc}") from None
    try:
        await db.migrate()
    except MigrationError as exc:
        await db.close()
        raise CopyError(f"{path}: {exc}") from None
    except BaseException:
        await db.close()
        raise
    return db


async def migrate_target(db: PgDatabase) -> None:
    try:
        await db.migrate()
    except MigrationError as exc:
        raise CopyError(f"PostgreSQL: {exc}") from None


# ---- the copy --------------------------------------------------------------------------------------


async def copy_to_postgres(source: SqliteDatabase, target: PgDatabase, *, chunk: int = CHUNK) -> CopyResult:
    """Copy every table of `source` into `target` (both migrated), which must hold no fitbet row.

    Raises CopyError (one line) and leaves `target` as it was when a table is missing there, the
    target is not empty, a row is refused, or the counts do not match after the copy."""
    async with source.snapshot() as snap:
        reader = cast(aiosqlite.Connection, snap)
        tables = _in_reference_order(await _source_tables(reader))
        async with target.pool.acquire() as conn, conn.transaction():
            # Exclusive on the global key: a bot process that writes to this database waits until we are done.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", GLOBAL_KEY)
            target_columns = await _target_columns(conn)
            _check_same_tables(tables, target_columns)
            await _refuse_rows(conn, sorted(target_columns))
            triggered = await _tables_with_triggers(conn)
            try:
                for table in tables:
                    if table.name in triggered:
                        await conn.execute(f"ALTER TABLE {_q(table.name)} DISABLE TRIGGER USER")
                    await _copy_table(reader, conn, table, chunk)
                    if table.name in triggered:
                        await conn.execute(f"ALTER TABLE {_q(table.name)} ENABLE TRIGGER USER")
                await _reset_identities(conn)
                copied = await _compare(reader, conn, tables)
                await _check_log_totals(conn, target_columns)
            except asyncpg.InsufficientPrivilegeError as exc:
                raise CopyError(
                    f"PostgreSQL refused: {_first_line(exc)}; run the copy as the role that owns fitbet's tables"
                    " (the one that ran the migrations). Nothing was copied."
                ) from None
            except asyncpg.PostgresError as exc:
                raise CopyError(f"PostgreSQL refused the copy: {_first_line(exc)}. Nothing was copied.") from None
    return CopyResult(copied)


async def _source_tables(reader: aiosqlite.Connection) -> list[_SourceTable]:
    names = [
        str(row[0])
        for row in await reader.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            " AND name != ? ORDER BY name",
            (SKIPPED,),
        )
    ]
    tables: list[_SourceTable] = []
    for name in names:
        columns = tuple(str(r[1]) for r in await reader.execute_fetchall(f"PRAGMA table_info({_q(name)})"))
        references = frozenset(str(r[2]) for r in await reader.execute_fetchall(f"PRAGMA foreign_key_list({_q(name)})"))
        tables.append(_SourceTable(name, columns, references - {name}))
    return tables


def _in_reference_order(tables: list[_SourceTable]) -> list[_SourceTable]:
    """Parents before the tables that point at them (PostgreSQL checks each foreign key as rows arrive)."""
    by_name = {t.name: t for t in tables}
    ordered: list[_SourceTable] = []
    placed: set[str] = set()

    def place(table: _SourceTable, path: tuple[str, ...]) -> None:
        if table.name in placed:
            return
        if table.name in path:
            raise CopyError(
                f"the foreign keys of {' → '.join((*path, table.name))} form a cycle; cannot order the copy"
            )
        for parent in sorted(table.references):
            if parent in by_name:
                place(by_name[parent], (*path, table.name))
        placed.add(table.name)
        ordered.append(table)

    for table in tables:
        place(table, ())
    return ordered


async def _target_columns(conn: asyncpg.Connection) -> dict[str, set[str]]:
    rows = await conn.fetch(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_schema, table_name)"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> $1",
        SKIPPED,
    )
    columns: dict[str, set[str]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], set()).add(row["column_name"])
    return columns


def _check_same_tables(tables: Sequence[_SourceTable], target: dict[str, set[str]]) -> None:
    missing = [t.name for t in tables if t.name not in target]
    if missing:
        raise CopyError(
            f"table(s) {', '.join(missing)} of the SQLite database do not exist in PostgreSQL even after its"
            " migrations; are both from the same fitbet version? Nothing was copied."
        )
    for table in tables:
        if set(table.columns) != target[table.name]:
            only_sqlite = sorted(set(table.columns) - target[table.name])
            only_pg = sorted(target[table.name] - set(table.columns))
            raise CopyError(
                f"table {table.name} has different columns on the two sides (only in SQLite: {only_sqlite or '-'};"
                f" only in PostgreSQL: {only_pg or '-'}). Nothing was copied."
            )


async def _refuse_rows(conn: asyncpg.Connection, tables: Sequence[str]) -> None:
    """The copy never merges: any fitbet row already in PostgreSQL stops it."""
    holding = [t for t in tables if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {_q(t)})")]  # noqa: S608
    if holding:
        raise CopyError(
            f"the PostgreSQL database already holds fitbet data (in {', '.join(holding)}); the copy never merges."
            " Copy into a new, empty database. Nothing was copied."
        )


async def _tables_with_triggers(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
    )
    return {str(r["relname"]) for r in rows}


async def _copy_table(reader: aiosqlite.Connection, conn: asyncpg.Connection, table: _SourceTable, chunk: int) -> None:
    columns = ", ".join(_q(c) for c in table.columns)
    copied = 0
    async with reader.execute(f"SELECT {columns} FROM {_q(table.name)}") as cursor:  # noqa: S608
        while rows := await cursor.fetchmany(chunk):
            records = [tuple(row) for row in rows]
            try:
                await conn.copy_records_to_table(table.name, records=records, columns=list(table.columns))
            except (asyncpg.DataError, ValueError, TypeError) as exc:  # a value of a type its column can't take
                raise CopyError(
                    f"table {table.name}: a row PostgreSQL cannot take ({_first_line(exc)}). Nothing was copied."
                ) from None
            copied += len(records)
    log.info("copied %s: %d rows", table.name, copied)


async def _reset_identities(conn: asyncpg.Connection) -> None:
    """Each identity column's next value: one past the largest copied (1 for an empty table)."""
    identities = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name <> $1",
        SKIPPED,
    )
    for row in identities:
        table, column = _q(row["table_name"]), _q(row["column_name"])
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({column}), 0) + 1, false) FROM {table}",  # noqa: S608
            table,
            row["column_name"],
        )


async def _compare(
    reader: aiosqlite.Connection, conn: asyncpg.Connection, tables: Sequence[_SourceTable]
) -> tuple[CopiedTable, ...]:
    copied: list[CopiedTable] = []
    for table in sorted(tables, key=lambda t: t.name):
        aggregates = ["COUNT(*)"] + [f"COALESCE(SUM({_q(c)}), 0)" for c in _summed(table)]
        sql = f"SELECT {', '.join(aggregates)} FROM {_q(table.name)}"  # noqa: S608
        found = await reader.execute_fetchall(sql)
        there: Sequence[Any] = next(iter(found))
        here = await conn.fetchrow(sql)
        assert here is not None
        mine, theirs = [int(v) for v in there], [int(v) for v in here]
        if mine != theirs:
            labels = ["rows", *(f"sum of {c}" for c in _summed(table))]
            diff = "; ".join(
                f"{label} {a} in SQLite, {b} in PostgreSQL" for label, a, b in zip(labels, mine, theirs, strict=True)
            )
            raise CopyError(f"table {table.name} does not match after the copy ({diff}); rolled back, nothing copied.")
        copied.append(CopiedTable(table.name, mine[0], tuple(zip(_summed(table), mine[1:], strict=True))))
    return tuple(copied)


def _summed(table: _SourceTable) -> tuple[str, ...]:
    column = SUMS.get(table.name)
    return (column,) if column in table.columns else ()


async def _check_log_totals(conn: asyncpg.Connection, target: dict[str, set[str]]) -> None:
    """The copied running totals agree with the copied logs (their triggers were off during the copy)."""
    if not {"logs", "log_totals"} <= target.keys():
        return
    wrong = await conn.fetchval(
        "SELECT COUNT(*) FROM (SELECT challenge_id, user_id, SUM(amount) AS total FROM logs"
        " WHERE struck_at IS NULL GROUP BY challenge_id, user_id) AS l"
        " FULL JOIN log_totals AS t USING (challenge_id, user_id)"
        " WHERE COALESCE(l.total, 0) <> COALESCE(t.total, 0)"
    )
    if wrong:
        raise CopyError(
            f"log_totals disagrees with logs for {wrong} participant(s) after the copy; rolled back, nothing copied."
        )


def _q(name: str) -> str:
    """A quoted identifier. Every name in this module's SQL comes from the two catalogues, never from a user."""
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
