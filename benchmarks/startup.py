"""(4) Start-up with 10,000 pending deadlines: the real `python -m bot` process, from spawn until
it answers /help, and its resident memory; beside the same start-up with none pending."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import live, seed
from benchmarks.report import Section, Table, mib, secs
from tests.e2e.harness import bot_process_env, spawn_bot_process
from tests.emulator import Guild

PENDING = 10_000


def _seed_pending(db: Path, guild: Guild, pending: int) -> None:
    """pending/2 active challenges, each with a reminder and an end timer in the next 30 days."""
    now = datetime.now(UTC)
    ids = live.member_ids(guild)
    n = pending // 2
    rows, parts, timers = [], [], []
    for i in range(1, n + 1):
        ends = now + timedelta(days=1) + timedelta(days=29) * (i / n)
        rows.append(
            seed.Challenge(
                id=i,
                guild_id=guild.id,
                no=i,
                channel_id=guild.channels["general"].id,
                creator_id=ids[i % len(ids)],
                activity="pushups",
                unit="reps",
                target=2020,
                mode="each",
                starts_at=now - timedelta(hours=1),
                ends_at=ends,
                status="active",
            )
        )
        parts.append((i, ids[i % len(ids)], seed.to_db(now), None, None, None))
        timers.append((guild.id, "challenge_reminder", i, seed.to_db(ends - timedelta(hours=1))))
        timers.append((guild.id, "challenge_end", i, seed.to_db(ends)))
    conn = seed.connect(db)
    seed.insert_challenges(conn, rows)
    seed.insert_participants(conn, parts)
    seed.insert_timers(conn, timers)
    conn.close()


async def _one(workdir: Path, pending: int, attempt: int) -> dict[str, Any]:
    db = workdir / f"startup-{pending}-{attempt}.db"
    seed.migrate(db)
    async with live.BenchEmulator(timeout=60) as emu:
        guild = live.club(emu, 50)
        if pending:
            _seed_pending(db, guild, pending)
        member = guild.members["m00000"]
        env = bot_process_env(emu, db, [guild])
        t0 = time.monotonic()
        proc = await spawn_bot_process(workdir, env, log_name=f"startup-{pending}-{attempt}.log")
        try:
            await emu.wait_until(lambda: emu.connected, 60, "the bot to connect")
            t_connected = time.monotonic() - t0
            answered = None
            while answered is None and time.monotonic() - t0 < 60:
                try:
                    rec = await emu.invoke(member, "help", settle=False, timeout=10)
                    answered = emu.ack_at[rec.id] - t0
                except Exception:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(1.0)  # let start-up work (catch-up, timers) finish before reading memory
            rss, hwm = live.rss_kib(proc.process.pid)
        finally:
            await proc.stop()
        emu.take_violations()
    out = proc.output()
    found = re.search(r"scheduler started with (\d+) pending", out)
    return {
        "pending": int(found.group(1)) if found else None,
        "connected": t_connected,
        "answered": answered,
        "rss": rss * 1024,
        "hwm": hwm * 1024,
    }


async def _run(workdir: Path, quick: bool) -> list[dict[str, Any]]:
    results = []
    for pending in (0, PENDING):
        for attempt in range(1 if quick else 3):
            results.append(await _one(workdir, pending, attempt))
    return results


def run(workdir: Path, *, quick: bool) -> Section:
    t_start = time.perf_counter()
    results = asyncio.run(_run(workdir, quick))
    sec = Section(
        key="startup",
        title=f"4. Start-up with {PENDING:,} pending deadlines",
        method=(
            f"The real `python -m bot` process (INFO logging) on a database with {PENDING // 2:,} active challenges, "
            f"each with a reminder and an end timer in the next 30 days ({PENDING:,} pending timer rows), beside "
            "an empty database. Time from spawning the process until the bot acknowledged /help (the driver "
            "retries until it does); memory from `/proc/<pid>/status` one second later. "
            + ("One start each." if quick else "Three starts each; the table shows every start.")
        ),
    )
    t = Table(["pending timers", "gateway connected", "first /help answered", "VmRSS", "VmHWM (peak)"])
    for r in results:
        t.add(
            f"{r['pending']:,}" if r["pending"] is not None else "?",
            secs(r["connected"]),
            secs(r["answered"]) if r["answered"] is not None else "never",
            mib(r["rss"]),
            mib(r["hwm"]),
        )
    sec.tables.append(t)
    loaded = [r for r in results if r["pending"]]
    empty = [r for r in results if not r["pending"]]
    worst = max((r["answered"] or 1e9) for r in loaded) if loaded else float("nan")
    peak = max(r["hwm"] for r in loaded) if loaded else float("nan")
    sec.target(f"{PENDING:,} pending → answers a command ≤ 3 s", f"worst {secs(worst)}", worst <= 3.0)
    sec.target("resident memory ≤ 200 MB", f"peak {peak / 1e6:.0f} MB", peak <= 200e6)
    if empty and loaded:
        base = min(r["answered"] or 1e9 for r in empty)
        sec.notes.append(
            f"The {PENDING:,} timers add {worst - base:+.2f} s to the first answer (worst vs best empty start)."
        )
    sec.seconds = time.perf_counter() - t_start
    return sec
