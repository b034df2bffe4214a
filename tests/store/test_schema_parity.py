"""One schema history, two engines: after every migration, SQLite and PostgreSQL hold the same tables,
columns (name, type family, NULL or not), primary keys, unique keys, foreign keys, CHECK constraints,
indexes and triggers. A migration written for one engine only, or a twin (`NNNN_*.postgres.sql`)
that drifts from its SQLite text, fails here."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from bot.store.db import Database
from bot.store.pg import PgDatabase
from tests.pg import PgServer


@dataclass(frozen=True)
class Schema:
    columns: dict[str, set[tuple[str, str, bool]]]  # table → (column, type family, not null)
    primary_keys: dict[str, tuple[str, ...]]
    unique: dict[str, set[tuple[str, ...]]]  # table → column sets (constraints and unique indexes)
    foreign_keys: dict[str, set[tuple[str, str, str]]]  # table → (column, table, column)
    checks: dict[str, int]  # table → how many CHECK constraints
    indexes: set[str]  # named indexes that are not a key
    triggers: set[str]


def _family(declared: str) -> str:
    declared = declared.lower()
    if "int" in declared:
        return "integer"
    if "char" in declared or "text" in declared:
        return "text"
    return declared


def sqlite_schema(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        columns, pks, unique, fks, checks = {}, {}, {}, {}, {}
        indexes: set[str] = set()
        for table in tables:
            info = conn.execute(f"PRAGMA table_info({table})").fetchall()
            pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            pks[table] = pk
            columns[table] = {(r[1], _family(r[2]), bool(r[3]) or r[1] in pk) for r in info}
            sets: set[tuple[str, ...]] = set()
            for _seq, name, is_unique, origin, _partial in conn.execute(f"PRAGMA index_list({table})"):
                cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({name})"))
                if origin == "pk":
                    continue
                if is_unique:
                    sets.add(cols)
                if origin == "c":  # CREATE [UNIQUE] INDEX, not one behind a constraint
                    indexes.add(name)
            unique[table] = sets
            fks[table] = {(r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list({table})")}
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()[0]
            checks[table] = len(re.findall(r"\bCHECK\s*\(", sql, re.IGNORECASE))
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    finally:
        conn.close()
    return Schema(columns, pks, unique, fks, checks, indexes, triggers)


async def postgres_schema(dsn: str) -> Schema:
    conn = await asyncpg.connect(dsn)
    try:
        tables = [
            r[0]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema='public' AND table_type='BASE TABLE'"
            )
        ]
        columns, pks, unique, fks, checks = {}, {}, {}, {}, {}
        for table in tables:
            pk_rows = await conn.fetch(
                "SELECT a.attname FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n) ON true"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                " WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n",
                table,
            )
            pks[table] = tuple(r[0] for r in pk_rows)
            columns[table] = {
                (r["column_name"], _family(r["data_type"]), r["is_nullable"] == "NO")
                for r in await conn.fetch(
                    "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                    " WHERE table_schema='public' AND table_name=$1",
                    table,
                )
            }
            sets: set[tuple[str, ...]] = set()
            for r in await conn.fetch(
                "SELECT i.indexrelid, ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS cols"
                " FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique AND NOT i.indisprimary",
                table,
            ):
                sets.add(tuple(r["cols"]))
            unique[table] = sets
            fks[table] = {
                (r["col"], r["ref"], r["refcol"])
                for r in await conn.fetch(
                    "SELECT a.attname AS col, c.confrelid::regclass::text AS ref, b.attname AS refcol"
                    " FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                    " JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]"
                    " WHERE c.conrelid = $1::regclass AND c.contype = 'f'",
                    table,
                )
            }
            checks[table] = await conn.fetchval(
                "SELECT COUNT(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'", table
            )
        indexes = {
            r[0]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND NOT i.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            )
        }
        triggers = {r[0] for r in await conn.fetch("SELECT DISTINCT trigger_name FROM information_schema.triggers")}
    finally:
        await conn.close()
    return Schema(columns, pks, unique, fks, checks, indexes, triggers)


@pytest.mark.postgres
async def test_both_engines_end_at_the_same_schema(tmp_path: Path, pg_server: PgServer) -> None:
    lite = await Database.open(tmp_path / "fitbet.db")
    await lite.migrate()
    await lite.close()
    name = f"parity_{tmp_path.name[-20:]}".lower().replace("-", "_")
    await pg_server.create_database(name)
    try:
        pg = await PgDatabase.open(pg_server.dsn(name))
        applied = await pg.migrate()
        await pg.close()
        expected = sqlite_schema(tmp_path / "fitbet.db")
        actual = await postgres_schema(pg_server.dsn(name))
    finally:
        await pg_server.drop_database(name)
    assert applied, "PostgreSQL applied no migration"
    assert set(actual.columns) == set(expected.columns)
    for table in expected.columns:
        assert actual.columns[table] == expected.columns[table], table
        assert actual.primary_keys[table] == expected.primary_keys[table], table
        assert actual.unique[table] == expected.unique[table], table
        assert actual.foreign_keys[table] == expected.foreign_keys[table], table
        assert actual.checks[table] == expected.checks[table], table
    assert actual.indexes == expected.indexes
    assert actual.triggers == expected.triggers
