"""Recognising fitbet's database before the first write (bot/store/dbfile.py), on real files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store.db import Database, MigrationError
from bot.store.dbfile import APPLICATION_ID, DamagedDatabaseError, DatabaseFileError


def application_id(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        value = int(conn.execute("PRAGMA application_id").fetchone()[0])
    conn.close()
    return value


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_a_new_database_is_stamped_as_fitbet_s(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "fitbet.db"
    db = await Database.open(path)
    await db.close()
    assert application_id(path) == APPLICATION_ID


async def test_an_empty_sqlite_file_is_taken_and_stamped(tmp_path: Path) -> None:
    path = tmp_path / "fitbet.db"
    path.touch()  # what `sqlite3 fitbet.db ""` or a mounted empty file leaves
    db = await Database.open(path)
    await db.close()
    assert application_id(path) == APPLICATION_ID


async def test_a_sqlite_database_without_tables_is_taken_and_stamped(tmp_path: Path) -> None:
    path = tmp_path / "fitbet.db"
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")  # a valid one-page database, nothing in it
    conn.close()
    db = await Database.open(path)
    await db.close()
    assert application_id(path) == APPLICATION_ID


async def test_a_fitbet_database_from_before_the_stamp_is_recognised_and_stamped(tmp_path: Path) -> None:
    path = tmp_path / "fitbet.db"
    db = await Database.open(path)
    await db.migrate()
    await db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 0")  # as every fitbet database was before
    conn.close()
    db = await Database.open(path)
    try:
        assert await db.migrate() == []
    finally:
        await db.close()
    assert application_id(path) == APPLICATION_ID


@pytest.mark.parametrize(
    "schema",
    [
        "CREATE TABLE notes (id INTEGER PRIMARY KEY)",
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT);"
        " INSERT INTO schema_migrations VALUES (1, 'create_users', 'x')",
        "PRAGMA application_id = 1297105496",
    ],
    ids=["other-tables", "other-migrations", "other-application-id"],
)
async def test_another_application_s_database_is_refused_unchanged(tmp_path: Path, schema: str) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(schema)
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseFileError, match="another application's"):
        await Database.open(path)
    assert path.read_bytes() == before
    assert names_in(tmp_path) == ["app.db"]  # no -wal or -shm either


async def test_two_migrations_with_one_number_are_refused_naming_both_before_any_is_applied(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    (folder / "0002_second.sql").write_text("CREATE TABLE b (x INTEGER);\n")
    (folder / "0002_twin.sql").write_text("CREATE TABLE c (x INTEGER);\n")
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        with pytest.raises(MigrationError, match=r"0002_second\.sql and 0002_twin\.sql"):
            await db.migrate(folder)
        tables = {r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        await db.close()
    assert tables == set()


async def test_a_database_another_program_has_locked_is_refused_as_locked_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "fitbet.db"
    db = await Database.open(path)
    await db.close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseFileError, match="another program holds a lock") as refused:
            await Database.open(path)
        assert not isinstance(refused.value, DamagedDatabaseError)
    finally:
        holder.close()
