"""`python -m bot health`'s verdict (bot/health.py) on real files: the database must answer a
read-only query and the gateway heartbeat must be recent. The real processes: tests/e2e/test_health.py."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.health import Heartbeat, check
from bot.settings import Settings, load_settings
from bot.store.db import MIGRATIONS_DIR, Database
from tests.engines import TestEngine

NOW = 1_800_000_000.0  # seconds since the epoch; the heartbeat is wall-clock time, given by hand here


def settings_for(path: Path, **overrides: object) -> Settings:
    return load_settings(require_token=False, database_path=path, _env_file=None, **overrides)


async def migrated(path: Path) -> Path:
    db = await Database.open(path)
    try:
        await db.migrate()
    finally:
        await db.close()
    return path


def beat_at(settings: Settings, when: float) -> None:
    assert settings.heartbeat_file is not None
    Heartbeat(settings.heartbeat_file, settings.heartbeat_max_age_seconds, now=lambda: when).beat()


async def test_a_database_that_answers_and_a_recent_heartbeat_are_healthy(tmp_path: Path) -> None:
    settings = settings_for(await migrated(tmp_path / "fitbet.db"))
    beat_at(settings, NOW - 30)
    report = check(settings, now=NOW)
    assert report.healthy and report.exit_code == 0, report.line
    assert "database answers" in report.line and "30 s old" in report.line


async def test_the_heartbeat_lives_beside_the_database_unless_heartbeat_path_says_otherwise(tmp_path: Path) -> None:
    assert settings_for(tmp_path / "fitbet.db").heartbeat_file == tmp_path / "fitbet.db.heartbeat"
    assert settings_for(tmp_path / "x.db", heartbeat_path=tmp_path / "hb").heartbeat_file == tmp_path / "hb"
    assert settings_for(Path(":memory:")).heartbeat_file is None  # never a file named ":memory:.heartbeat"
    assert (
        settings_for(tmp_path / "f.db", heartbeat_path="").heartbeat_file == tmp_path / "f.db.heartbeat"
    )  # HEARTBEAT_PATH=


async def test_no_heartbeat_is_unhealthy_and_says_the_bot_is_not_running(tmp_path: Path) -> None:
    settings = settings_for(await migrated(tmp_path / "fitbet.db"))
    report = check(settings, now=NOW)
    assert not report.healthy and report.exit_code == 1
    assert f"no gateway heartbeat at {tmp_path / 'fitbet.db.heartbeat'}" in report.line
    shipped = sum(1 for f in MIGRATIONS_DIR.iterdir() if f.name.endswith(".sql") and ".postgres." not in f.name)
    assert report.line.endswith(f"; the database answers ({shipped} migrations applied)")  # what is wrong first


@pytest.mark.parametrize("age", [121, -121], ids=["stale", "from-the-future"])
async def test_a_heartbeat_older_than_the_maximum_age_is_unhealthy(tmp_path: Path, age: float) -> None:
    settings = settings_for(await migrated(tmp_path / "fitbet.db"))
    assert settings.heartbeat_max_age_seconds == 120
    beat_at(settings, NOW - age)
    report = check(settings, now=NOW)
    assert not report.healthy, report.line
    assert "HEARTBEAT_MAX_AGE_SECONDS=120" in report.line
    beat_at(settings, NOW - 119)
    assert check(settings, now=NOW).healthy


async def test_a_heartbeat_file_without_a_time_is_unhealthy(tmp_path: Path) -> None:
    settings = settings_for(await migrated(tmp_path / "fitbet.db"))
    assert settings.heartbeat_file is not None
    settings.heartbeat_file.write_text("garbage\n")
    report = check(settings, now=NOW)
    assert not report.healthy and "does not hold a time" in report.line


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _other_application(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: None, "there is no database there"),
        (lambda p: p.write_bytes(b"not a database at all\n" * 10), "not a SQLite database"),
        (lambda p: p.mkdir(), "it is a folder"),
        (_other_application, "not fitbet's database"),
    ],
    ids=["missing", "not-sqlite", "folder", "another-application"],
)
def test_a_database_that_does_not_answer_is_unhealthy_even_with_a_fresh_heartbeat(
    tmp_path: Path, make: object, reason: str
) -> None:
    path = tmp_path / "fitbet.db"
    make(path)  # type: ignore[operator]
    before = names(tmp_path)
    settings = settings_for(path)
    beat_at(settings, NOW)
    report = check(settings, now=NOW)
    assert not report.healthy, report.line
    assert f"the database does not answer (DATABASE_PATH={path}: " in report.line and reason in report.line
    assert names(tmp_path) == sorted([*before, "fitbet.db.heartbeat"])  # nothing created


async def test_a_beat_waits_for_an_open_gateway_connection(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path / "hb", 120, now=lambda: NOW)
    await heartbeat.tick(lambda: False)
    assert not heartbeat.path.exists()  # a lost connection lets the file age: no beat
    await heartbeat.tick(lambda: True)
    assert heartbeat.path.read_text() == f"{NOW:.3f}\n"
    assert heartbeat.interval == 30


async def test_keep_beats_every_quarter_of_the_maximum_age_while_connected(tmp_path: Path) -> None:
    written: list[str] = []
    clock = iter([NOW, NOW + 60])
    heartbeat = Heartbeat(tmp_path / "hb", 120, now=lambda: next(clock))
    connected = iter([True, False, True])
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        written.append(heartbeat.path.read_text() if heartbeat.path.exists() else "")
        slept.append(seconds)
        if len(slept) == 3:
            raise asyncio.CancelledError  # the bot stops

    with pytest.raises(asyncio.CancelledError):
        await heartbeat.keep(lambda: next(connected), sleep=sleep)
    assert slept == [30, 30, 30]
    assert written == [f"{NOW:.3f}\n", f"{NOW:.3f}\n", f"{NOW + 60:.3f}\n"]  # no beat while disconnected


async def test_no_beat_lands_after_clear(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path / "hb", 120, now=lambda: NOW)
    heartbeat.beat()
    heartbeat.clear()
    assert not heartbeat.path.exists()
    heartbeat.beat()  # a beat still in its worker thread when the bot stops
    await heartbeat.tick(lambda: True)
    assert names(tmp_path) == []


def test_a_bot_that_never_beat_leaves_the_heartbeat_file_alone_when_it_stops(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    earlier = tmp_path / "hb"
    earlier.write_text(f"{NOW - 600:.3f}\n")  # a bot killed earlier; this one failed to start
    Heartbeat(earlier, 120).clear()
    assert earlier.read_text() == f"{NOW - 600:.3f}\n"
    Heartbeat(tmp_path / "not-a-folder" / "hb", 120).clear()  # as when DATABASE_PATH can't be used
    assert caplog.records == []


async def test_a_heartbeat_that_cannot_be_written_is_logged_once_and_does_not_raise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    heartbeat = Heartbeat(tmp_path / "missing-folder" / "hb", 120, now=lambda: NOW)
    heartbeat.beat()
    heartbeat.beat()
    warnings = [r for r in caplog.records if "cannot write the heartbeat file" in r.getMessage()]
    assert len(warnings) == 1


async def test_on_postgresql_health_asks_the_database_at_database_url(tmp_path: Path, engine: TestEngine) -> None:
    """With DATABASE_URL, health asks PostgreSQL (not the SQLite file, which does not exist); a server
    that does not answer is unhealthy, in one line, its password masked."""
    if not engine.postgres:
        pytest.skip("the SQLite file is covered above")
    settings = settings_for(tmp_path / "fitbet.db", database_url=await engine.url())
    beat_at(settings, NOW - 30)
    report = check(settings, now=NOW)
    shipped = sum(1 for f in MIGRATIONS_DIR.iterdir() if f.name.endswith(".sql") and ".postgres." not in f.name)
    assert report.healthy, report.line
    assert f"the database answers ({shipped} migrations applied)" in report.line
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gone = settings_for(tmp_path / "fitbet.db", database_url=f"postgresql://fitbet:hunter2@127.0.0.1:{port}/fitbet")
    report = check(gone, now=NOW)
    assert not report.healthy and report.exit_code == 1
    assert "the database does not answer (DATABASE_URL: PostgreSQL at postgresql://fitbet:***@" in report.line
    assert "hunter2" not in report.line
