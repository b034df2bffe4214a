"""`python -m bot copy-to-postgres` (bot.store.copy): an existing SQLite database, made through the service
layer, arrives whole in PostgreSQL — every table, every row, the same ids — with the sequences moved on,
and a target that already holds data is refused untouched."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

import bot.store.copy as copy_module
from bot.clock import ManualClock
from bot.scheduling import Timers
from bot.services import admin, names
from bot.services import bets as bet_service
from bot.services import challenges as challenge_service
from bot.services import penalties as penalty_service
from bot.services.bets import OpponentInfo
from bot.services.context import Services
from bot.services.wiring import wire
from bot.settings import load_settings
from bot.store import announcements
from bot.store.copy import CopyError, copy_to_postgres
from bot.store.db import Database, SqliteDatabase
from bot.store.pg import PgDatabase
from tests.engines import TestEngine
from tests.pg import PgServer, quote_ident
from tests.store.conftest import CHANNEL, GUILD, OTHER_GUILD, T0, seed_pushups

SAM, ANA, BEN, CAL, ADMIN = 1001, 1002, 1003, 1004, 1099
ROOT = Path(__file__).resolve().parents[2]
# A real snowflake: the ids Discord hands out need 64 bits.
BIG_USER = 1_234_567_890_123_456_789


def member(user_id: int) -> OpponentInfo:
    return OpponentInfo(user_id=user_id, is_bot=False, in_guild=True)


def services_on(db: Database, clock: ManualClock, path: Path) -> Services:
    settings = load_settings(require_token=False, _env_file=None, database_path=path)
    svc = Services(db=db, clock=clock, settings=settings, timers=Timers(db, clock))
    wire(svc)
    return svc


async def story(svc: Services) -> None:
    """A few weeks of a server: challenges of every mode with logs, undos and fixes, bets settled by the
    numbers, by votes and by an admin, penalties submitted, rejected, verified and waived, announcements
    posted and pending, timers still due, the audit log and members' names."""
    clock = svc.clock
    assert isinstance(clock, ManualClock)
    await names.seen(svc, GUILD, {SAM: "Sam", ANA: "Ana 🏃", BEN: "Ben O'Neil", BIG_USER: "Zed"})
    await admin.set_channel(svc, GUILD, ADMIN, 77)
    await admin.set_timezone(svc, GUILD, ADMIN, "Europe/Berlin")

    # "each", on an attempt clock, with a bet settled by the numbers and its penalties worked through.
    each = await seed_pushups(svc, clock_starts_at_first_log=True)
    bet = await bet_service.create_bet(
        svc, guild_id=GUILD, channel_id=CHANNEL, proposer_id=SAM, side="for", stake="run 5 km backwards",
        amount="5", unit="km", challenge_no=each.row.no, opponents=[member(ANA), member(BEN)],
    )  # fmt: skip
    await bet_service.accept(svc, GUILD, bet.row.no, ANA)
    await bet_service.accept(svc, GUILD, bet.row.no, BEN)
    for chunk in ("500", "600", "520", "3", "400"):
        clock.advance(timedelta(minutes=50))
        await challenge_service.log(svc, GUILD, each.row.no, SAM, chunk)
    settled = await bet_service.show(svc, GUILD, bet.row.no)
    assert settled.status.value == "settled", "2,020 reached: the bet is settled"
    ana, ben = settled.penalties
    await penalty_service.submit(svc, GUILD, ana.no, ANA, "5", "55:00")
    await penalty_service.reject_no(svc, GUILD, ana.no, SAM, is_admin=False, reason="no proof")
    await penalty_service.submit(svc, GUILD, ana.no, ANA, "5.2", "58:30")
    await penalty_service.verify_no(svc, GUILD, ana.no, SAM, is_admin=False)
    await penalty_service.waive_no(svc, GUILD, ben.no, SAM, is_admin=False, reason="good sport")

    # "total": a team, with a log fixed and one struck by an admin.
    team = await challenge_service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=ANA, activity="run", target="100", unit="km",
        duration="3d", mode="total",
    )  # fmt: skip
    await challenge_service.join(svc, GUILD, team.row.no, BEN)
    await challenge_service.join(svc, GUILD, team.row.no, BIG_USER)
    fixed = await challenge_service.log(svc, GUILD, team.row.no, BEN, "3.5", note="easy pace")
    await admin.fix_log(svc, GUILD, fixed.log.id, ADMIN, "miscounted", amount="4.5")
    struck = await challenge_service.log(svc, GUILD, team.row.no, BIG_USER, "40")
    await admin.fix_log(svc, GUILD, struck.log.id, ADMIN, "no proof", strike=True)  # his running total: 0
    for i in range(60):  # enough rows to cross several chunks
        clock.advance(timedelta(minutes=1))
        await challenge_service.log(svc, GUILD, team.row.no, ANA if i % 2 else BEN, str(1 + i % 3))

    # "most", with an undo and a member who left; a manual bet decided by votes; a cancelled challenge.
    most = await challenge_service.create(
        svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=BEN, activity="plank", target=None, unit="min",
        duration="2d", mode="most",
    )  # fmt: skip
    for who in (CAL, SAM):
        await challenge_service.join(svc, GUILD, most.row.no, who)
    await challenge_service.log(svc, GUILD, most.row.no, CAL, "4")
    await challenge_service.log(svc, GUILD, most.row.no, CAL, "9")
    await challenge_service.undo(svc, GUILD, most.row.no, CAL)
    await challenge_service.leave(svc, GUILD, most.row.no, SAM)
    manual = await bet_service.create_bet(
        svc, guild_id=GUILD, channel_id=CHANNEL, proposer_id=SAM, side="for", stake="burpees", amount="50",
        unit="reps", opponents=[member(ANA)], description="Sam runs the park run under 25 minutes",
        decide_at="2026-03-08 12:00",
    )  # fmt: skip
    await bet_service.accept(svc, GUILD, manual.row.no, ANA)
    assert manual.lock_at is not None
    clock.set(manual.lock_at)
    await svc.timers.run_due()
    await bet_service.vote(svc, manual.row, SAM, "for")
    await bet_service.vote(svc, manual.row, ANA, "for")
    doomed = await seed_pushups(svc, creator_id=CAL, activity="squats", target="500")
    await admin.cancel_challenge(svc, GUILD, doomed.row.no, ADMIN, "duplicate")

    # The deadlines of the first three pass; another server's challenge is still to come (its timers pending).
    clock.advance(timedelta(days=3, hours=1))
    await svc.timers.run_due()
    await seed_pushups(svc, OTHER_GUILD, creator_id=BEN, start="2026-04-01 09:00", duration="7h")
    for n, pending in enumerate(await announcements.unposted(svc.db)):
        if n % 2 == 0:
            await announcements.mark_posted(svc.db, pending.id, (CHANNEL, 900_000 + n), clock.now())


async def by_name(db: Database) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
    """`tests.engines.dump` keyed by table, each row by column name (the engines order some columns
    differently: SQLite rebuilt participants with `id` first, PostgreSQL added it last)."""
    tables: dict[str, list[tuple[tuple[str, Any], ...]]] = {}
    if db.dialect == "postgres":
        found = await db.fetchall(
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    else:
        found = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    for row in found:
        if row["name"] == "schema_migrations":
            continue
        rows = await db.fetchall(f"SELECT * FROM {row['name']}")
        tables[row["name"]] = sorted((tuple(sorted(dict(r).items())) for r in rows), key=repr)
    return tables


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    """A SQLite database with the story in it, closed again (as the command finds it)."""
    sqlite = TestEngine("sqlite", tmp_path)
    db = await sqlite.open()
    await story(services_on(db, ManualClock(T0), sqlite.path()))
    await db.close()
    reopened = await Database.open(sqlite.path())
    yield reopened
    await reopened.close()


@pytest.fixture
async def target(tmp_path: Path, pg_server: PgServer) -> AsyncIterator[PgDatabase]:
    """An empty PostgreSQL database, migrated (the command migrates it first)."""
    pg = TestEngine("postgres", tmp_path, pg_server)
    db = await pg.open(migrated=False)
    await db.migrate()
    assert isinstance(db, PgDatabase)
    yield db
    await pg.close()


async def test_every_table_arrives_whole_with_its_ids_and_counts_are_checked(
    source: SqliteDatabase, target: PgDatabase
) -> None:
    before = await by_name(source)
    result = await copy_to_postgres(source, target, chunk=7)  # small chunks: every table crosses a few
    after = await by_name(target)
    assert sorted(after) == sorted(before)
    for table in before:
        assert after[table] == before[table], table
    # The story reached every table (a table the copy skipped would compare empty = empty).
    empty = sorted(t for t, rows in before.items() if not rows)
    assert empty == [], f"the story leaves {empty} empty: extend it"
    assert {t.name: t.rows for t in result.tables} == {t: len(rows) for t, rows in before.items()}
    assert result.summary == f"copied {sum(len(r) for r in before.values())} rows in {len(before)} tables; counts match"
    logs = next(t for t in result.tables if t.name == "logs")
    assert logs.sums[0][0] == "amount" and logs.sums[0][1] > 0


async def test_after_the_copy_new_rows_get_fresh_ids(source: SqliteDatabase, target: PgDatabase) -> None:
    await copy_to_postgres(source, target)
    top = {t: (await source.fetchone(f"SELECT MAX(id) FROM {t}"))[0] for t in ("challenges", "logs", "participants")}
    svc = services_on(target, ManualClock(T0 + timedelta(days=10)), Path("unused.db"))
    fresh = await seed_pushups(svc, creator_id=CAL, activity="lunges", target="300")
    logged = await challenge_service.log(svc, GUILD, fresh.row.no, CAL, "30")
    assert fresh.row.id == top["challenges"] + 1
    assert logged.log.id == top["logs"] + 1
    joined = await target.fetchone("SELECT id FROM participants WHERE challenge_id = ?", (fresh.row.id,))
    assert joined is not None and joined["id"] == top["participants"] + 1
    # The server numbers (no) go on from the copied ones, too: they are read from the rows.
    assert fresh.row.no == (await source.fetchone("SELECT MAX(no) FROM challenges WHERE guild_id = ?", (GUILD,)))[0] + 1


async def test_a_target_that_holds_data_is_refused_and_left_as_it_was(
    source: SqliteDatabase, target: PgDatabase
) -> None:
    await names.seen(services_on(target, ManualClock(T0), Path("unused.db")), OTHER_GUILD, {CAL: "already here"})
    before = await by_name(target)
    with pytest.raises(CopyError, match=r"already holds fitbet data \(in member_names\).*never merges"):
        await copy_to_postgres(source, target)
    assert await by_name(target) == before


async def test_a_count_that_does_not_match_rolls_everything_back(
    source: SqliteDatabase, target: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_table = copy_module._copy_table

    async def loses_a_log(reader: Any, conn: asyncpg.Connection, table: Any, chunk: int) -> None:
        await copy_table(reader, conn, table, chunk)
        if table.name == "log_corrections":
            await conn.execute("DELETE FROM log_corrections WHERE id = (SELECT MIN(id) FROM log_corrections)")

    monkeypatch.setattr(copy_module, "_copy_table", loses_a_log)
    with pytest.raises(CopyError, match=r"^table log_corrections does not match after the copy \(rows 3 in SQLite, 2"):
        await copy_to_postgres(source, target)
    assert all(rows == [] for rows in (await by_name(target)).values())


async def test_running_totals_that_disagree_with_the_logs_are_refused(
    source: SqliteDatabase, target: PgDatabase
) -> None:
    async with source.transaction() as conn:  # as if a trigger had been lost on the SQLite side
        await conn.execute(
            "UPDATE log_totals SET total = total + 1"
            " WHERE (challenge_id, user_id) = (SELECT challenge_id, user_id FROM log_totals LIMIT 1)"
        )
    with pytest.raises(CopyError, match=r"log_totals disagrees with logs for 1 participant"):
        await copy_to_postgres(source, target)
    assert all(rows == [] for rows in (await by_name(target)).values())


async def test_a_table_postgresql_lacks_is_refused(source: SqliteDatabase, target: PgDatabase) -> None:
    async with source.transaction() as conn:
        await conn.execute("CREATE TABLE extra_things (id INTEGER PRIMARY KEY)")
    with pytest.raises(CopyError, match=r"extra_things of the SQLite database do not exist in PostgreSQL"):
        await copy_to_postgres(source, target)


# ---- the command ---------------------------------------------------------------------------------


async def run_command(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "copy-to-postgres", *args,
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.subprocess
async def test_the_command_copies_as_a_role_that_only_owns_its_database(
    source: SqliteDatabase, tmp_path: Path, pg_server: PgServer
) -> None:
    """`python -m bot copy-to-postgres` as it is run: DATABASE_PATH and DATABASE_URL from the environment,
    the PostgreSQL database new and empty (not migrated), its user no superuser, the password never shown."""
    role, password, database = "fitbet_owner_copy", "s3cret-pw-xyz", "fitbet_copy_cmd"
    admin_conn = await asyncpg.connect(pg_server.admin_dsn)
    try:
        await admin_conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
        await admin_conn.execute(f"DROP ROLE IF EXISTS {quote_ident(role)}")
        await admin_conn.execute(f"CREATE ROLE {quote_ident(role)} LOGIN NOSUPERUSER PASSWORD '{password}'")
        await admin_conn.execute(f"CREATE DATABASE {quote_ident(database)} OWNER {quote_ident(role)}")
        parts = urlsplit(pg_server.dsn(database))
        url = urlunsplit(parts._replace(netloc=f"{role}:{password}@" + parts.netloc.rsplit("@", 1)[-1]))
        expected = await by_name(source)
        await source.close()
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
        env |= {"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
        env |= {"DATABASE_PATH": str(tmp_path / "fitbet.db"), "DATABASE_URL": url}

        code, out, err = await run_command(tmp_path, env)
        assert code == 0, out + err
        lines = out.strip().splitlines()
        assert lines[-1].startswith(f"copied {sum(len(r) for r in expected.values())} rows in {len(expected)} tables")
        assert "counts match" in lines[-1] and "***" in lines[-1]
        assert [ln.split(":")[0] for ln in lines[:-1]] == sorted(expected)
        assert password not in out + err and "Traceback" not in err
        copied = await PgDatabase.open(url)
        try:
            assert await by_name(copied) == expected
        finally:
            await copied.close()

        # Again: the target now holds data, so one line, a non-zero exit, and nothing changes.
        code, out, err = await run_command(tmp_path, env)
        assert code != 0 and out == ""
        assert len(err.strip().splitlines()) == 1 and "never merges" in err and "Traceback" not in err
    finally:
        await admin_conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
        await admin_conn.execute(f"DROP ROLE IF EXISTS {quote_ident(role)}")
        await admin_conn.close()


@pytest.mark.subprocess
async def test_the_command_refuses_a_file_that_is_not_fitbets_in_one_line(tmp_path: Path) -> None:
    stranger = tmp_path / "notes.txt"
    stranger.write_text("shopping list\n")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    env |= {"PYTHONPATH": str(ROOT)}
    code, out, err = await run_command(
        tmp_path, env, "--from", str(stranger), "--to", "postgresql://nobody:pw@127.0.0.1:1/none"
    )
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and str(stranger) in err
    assert stranger.read_text() == "shopping list\n"
    code, out, err = await run_command(
        tmp_path, env, "--from", str(tmp_path / "missing.db"), "--to", "postgresql://x@h/d"
    )
    assert code == 2 and "no SQLite database at" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "missing.db").exists()
