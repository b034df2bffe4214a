"""Both storage engines for the tests: the `engine` fixture runs a test once on a SQLite file and once
on a PostgreSQL database of its own (a throwaway cluster, tests/pg.py; skipped with a line saying why
where PostgreSQL is not installed).

`engine.open()` gives the test a migrated database (on PostgreSQL: a copy of a template migrated once
per session, which is much faster than migrating each time); `engine.open(migrated=False)` an empty
one; calling it again with the same `name` opens the same database again (a restart).
`engine.settings()` are the settings a bot on that database needs.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.store.db import Database
from bot.store.pg import PgDatabase
from tests.pg import PgServer

ENGINES = ("sqlite", "postgres")
TEMPLATE = "fitbet_template"


@dataclass
class TestEngine:
    name: str  # "sqlite" or "postgres"
    tmp_path: Path
    pg: PgServer | None = None
    _databases: dict[str, str] = field(default_factory=dict)  # name → PostgreSQL database
    _opened: list[Database] = field(default_factory=list)

    __test__ = False  # not a test class, whatever its name

    @property
    def postgres(self) -> bool:
        return self.name == "postgres"

    def path(self, name: str = "fitbet") -> Path:
        return self.tmp_path / f"{name}.db"

    async def url(self, name: str = "fitbet", *, migrated: bool = True) -> str:
        """The PostgreSQL URL of database `name` (created on first use)."""
        assert self.pg is not None
        if name not in self._databases:
            database = f"t_{uuid.uuid4().hex[:16]}"
            template = await _template(self.pg) if migrated else None
            await self.pg.create_database(database, template=template)
            self._databases[name] = database
        return self.pg.dsn(self._databases[name])

    async def open(self, name: str = "fitbet", *, migrated: bool = True) -> Database:
        if self.postgres:
            db: Database = await PgDatabase.open(await self.url(name, migrated=migrated))
        else:
            db = await Database.open(self.path(name))
            if migrated:
                await db.migrate()
        self._opened.append(db)
        return db

    async def settings(self, name: str = "fitbet") -> dict[str, Any]:
        """Settings overrides for a bot on database `name` (DATABASE_PATH stays set: the heartbeat lives beside it)."""
        values: dict[str, Any] = {"database_path": self.path(name)}
        if self.postgres:
            values["database_url"] = await self.url(name)
        return values

    async def url_setting(self, name: str = "fitbet") -> dict[str, Any]:
        """`database_url` for a BotHandle on PostgreSQL (nothing on SQLite: the handle's path is the database)."""
        return {"database_url": await self.url(name)} if self.postgres else {}

    async def env(self, name: str = "fitbet") -> dict[str, str]:
        """The same as environment variables, for a `python -m bot` process."""
        values = {"DATABASE_PATH": str(self.path(name))}
        if self.postgres:
            values["DATABASE_URL"] = await self.url(name)
        return values

    async def close(self) -> None:
        for db in self._opened:
            with contextlib.suppress(Exception):  # already closed by the test
                await db.close()
        if self.pg is not None:
            for database in self._databases.values():
                await self.pg.drop_database(database)


_templates: dict[int, str] = {}


async def _template(pg: PgServer) -> str:
    """A database migrated once per session, copied for each test."""
    if id(pg) not in _templates:
        await pg.create_database(TEMPLATE)
        db = await PgDatabase.open(pg.dsn(TEMPLATE))
        try:
            await db.migrate()
        finally:
            await db.close()
        _templates[id(pg)] = TEMPLATE
    return _templates[id(pg)]


@pytest.fixture(params=ENGINES)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TestEngine]:
    """Each test that uses it runs on SQLite, then on PostgreSQL."""
    pg = request.getfixturevalue("pg_server") if request.param == "postgres" else None
    made = TestEngine(request.param, tmp_path, pg)
    try:
        yield made
    finally:
        await made.close()


# What a constraint refusing a row raises, on either engine.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


async def dump(db: Database) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every table's every row, in a stable order: compare before and after to see that nothing changed."""
    if db.dialect == "postgres":
        names = await db.fetchall(
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    else:
        names = await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    tables: list[tuple[str, list[tuple[object, ...]]]] = []
    for row in names:
        name = row["name"]
        if name == "schema_migrations":  # applied_at differs between engines and runs
            continue
        rows = await db.fetchall(f"SELECT * FROM {name}")
        tables.append((name, sorted((tuple(r) for r in rows), key=repr)))
    return tables
