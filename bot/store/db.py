"""The one aiosqlite connection the bot owns, and the migration runner."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """A migration failed; it was rolled back and start-up must stop."""


class Database:
    """Owns one connection. Writes go through `transaction()` (BEGIN IMMEDIATE), one at a time."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # One connection: transactions from concurrent coroutines must take turns.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        return cls(conn, path)

    async def close(self) -> None:
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        """Same shape as Connection.execute, so store functions accept either."""
        return self.conn.execute(sql, params)

    async def fetchone(self, sql: str, params: tuple[object, ...] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def migrate(self, directory: Path = MIGRATIONS_DIR) -> list[str]:
        """Apply every migration not yet recorded, in order, each in its own transaction."""
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        applied = {row["version"] for row in await self.fetchall("SELECT version FROM schema_migrations")}
        done: list[str] = []
        for file in _migration_files(directory):
            match = _MIGRATION_NAME.match(file.name)
            if not match:
                raise MigrationError(f"migration file {file.name!r} is not named NNNN_name.sql")
            version = int(match.group(1))
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

    async def backup(self, target: Path) -> None:
        """Online backup to `target`, then an integrity check of the copy."""
        await asyncio.to_thread(_prepare_target, target)
        async with aiosqlite.connect(target) as dest:
            await self.conn.backup(dest)
            async with dest.execute("PRAGMA integrity_check") as cur:
                row = await cur.fetchone()
            if row is None or row[0] != "ok":
                raise RuntimeError(f"backup copy failed its integrity check: {row}")


def _migration_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.sql"))


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
