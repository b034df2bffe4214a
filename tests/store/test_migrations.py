from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.db import MIGRATIONS_DIR, Database, MigrationError, split_sql


async def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        first = await db.migrate()
        again = await db.migrate()
        rows = await db.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
    finally:
        await db.close()
    expected = sorted(
        p.name for p in MIGRATIONS_DIR.iterdir() if p.name.endswith(".sql") and ".postgres." not in p.name
    )
    assert first == expected
    assert again == []
    assert [r["name"] for r in rows] == expected


async def test_database_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        mode = await db.fetchone("PRAGMA journal_mode")
        fks = await db.fetchone("PRAGMA foreign_keys")
    finally:
        await db.close()
    assert mode is not None and mode[0] == "wal"
    assert fks is not None and fks[0] == 1


async def test_failing_migration_rolls_back_and_stops(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_good.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    (folder / "0002_bad.sql").write_text("CREATE TABLE b (y INTEGER);\nINSERT INTO missing VALUES (1);\n")
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        with pytest.raises(MigrationError, match=r"0002_bad\.sql"):
            await db.migrate(folder)
        tables = {r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        versions = [r["version"] for r in await db.fetchall("SELECT version FROM schema_migrations")]
    finally:
        await db.close()
    assert "a" in tables
    assert "b" not in tables  # the failing migration left nothing behind
    assert versions == [1]


async def test_misnamed_migration_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "1_oops.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
            await db.migrate(folder)
    finally:
        await db.close()


def test_split_sql_keeps_semicolons_inside_strings_and_triggers() -> None:
    script = (
        "-- comment\nCREATE TABLE t (x TEXT);\nINSERT INTO t VALUES ('a;b');\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET x = 'c;d';\nEND;\n"
    )
    statements = split_sql(script)
    assert len(statements) == 3
    assert statements[1] == "INSERT INTO t VALUES ('a;b');"
    assert statements[2].startswith("CREATE TRIGGER") and statements[2].endswith("END;")


async def test_backup_produces_a_consistent_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        await db.migrate()
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO audit_log (guild_id, actor_id, action, target, at) VALUES (1, 2, 'x', 'y', 'z')"
            )
        await db.backup(tmp_path / "copy.db")
    finally:
        await db.close()
    copy = await Database.open(tmp_path / "copy.db")
    try:
        row = await copy.fetchone("SELECT COUNT(*) FROM audit_log")
    finally:
        await copy.close()
    assert row is not None and row[0] == 1


@pytest.mark.parametrize("layout", ["empty-folder", "no-folder"])
async def test_no_migrations_found_is_an_error_and_the_database_stays_empty(tmp_path: Path, layout: str) -> None:
    # An installation without its migrations (say, a wheel built without the package data) must
    # not start on a database with no tables, as it once did with "applied 0 migration(s)".
    folder = tmp_path / "migrations"
    if layout == "empty-folder":
        folder.mkdir()
        (folder / "README.txt").write_text("not a migration\n")
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        with pytest.raises(MigrationError, match="no migrations found") as raised:
            await db.migrate(folder)
        tables = {r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        await db.close()
    assert str(folder) in str(raised.value) and "reinstall" in str(raised.value)
    assert tables == set()


def test_every_migration_ships_inside_the_package() -> None:
    # Migrations are package data (the top-level migrations/ package, read with importlib.resources).
    # A file left anywhere else (say, by a merge of an older branch) would never be applied.
    root = Path(__file__).resolve().parents[2]
    stray = sorted(str(p.relative_to(root)) for p in (root / "bot").rglob("*.sql"))
    assert stray == [], f"move these into migrations/: {stray}"
    assert (root / "migrations" / "__init__.py").exists()
    assert Path(str(MIGRATIONS_DIR)) == root / "migrations"
