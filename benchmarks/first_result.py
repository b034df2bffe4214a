"""(6) The first result after start-up: a freshly started `python -m bot` process, one challenge
ending a few seconds after it is ready; time from the deadline to its result message, and to the
result's chart (in the same message, or added by an edit).

Each start is a new process, so nothing is warm: the chart workers, matplotlib, the code paths."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import deadlines, live
from benchmarks.report import Section, Table, median, secs

LEAD = 6.0  # seconds from seeding to the deadline: the bot is ready after ~2-3 s


async def _one(workdir: Path, attempt: int) -> dict[str, Any]:
    db = workdir / f"first-result-{attempt}.db"
    deadlines.seed.migrate(db)
    async with live.BenchEmulator(timeout=60) as emu:
        guild = live.club(emu, 60, channels=deadlines.CHANNELS)
        wall0, mono0 = datetime.now(UTC), time.monotonic()
        due = (wall0 + timedelta(seconds=LEAD)).replace(microsecond=0)
        deadlines._seed(db, guild, 1, due, timedelta(0))
        proc = await live.start_bot(emu, workdir, db, [guild])
        try:
            ready = time.monotonic() - mono0
            due_mono = mono0 + (due - wall0).total_seconds()
            conn = sqlite3.connect(db)

            def posted() -> int | None:
                row = conn.execute(
                    "SELECT message_id FROM announcements WHERE kind = 'challenge_result' AND message_id IS NOT NULL"
                ).fetchone()
                return None if row is None else int(row[0])

            while posted() is None and time.monotonic() - due_mono < 60:  # noqa: ASYNC110 (another process)
                await asyncio.sleep(0.05)
            message_id = posted()
            conn.close()
            if message_id is not None:
                await emu.wait_until(lambda: message_id in emu.image_at, 30, "the result's chart")
            await asyncio.sleep(0.5)
            rss, hwm = live.rss_kib(proc.process.pid)
        finally:
            await proc.stop()
        emu.take_violations()
    if message_id is None:
        return {"ready": ready, "text": float("nan"), "chart": float("nan"), "rss": rss, "hwm": hwm}
    return {
        "ready": ready,
        "before_due": (due_mono - mono0) - ready,
        "text": emu.stored_at[message_id] - due_mono,
        "chart": emu.image_at.get(message_id, float("nan")) - due_mono,
        "edited": message_id in emu.edited_for_image,
        "rss": rss,
        "hwm": hwm,
    }


async def _run(workdir: Path, runs: int) -> list[dict[str, Any]]:
    return [await _one(workdir, attempt) for attempt in range(runs)]


def run(workdir: Path, *, quick: bool) -> Section:
    t_start = time.perf_counter()
    runs = 3 if quick else 7
    results = asyncio.run(_run(workdir, runs))
    sec = Section(
        key="first_result",
        title="6. The first result after start-up",
        method=(
            f"{runs} starts of the real `python -m bot` process (system clock, APScheduler), each on a new "
            f"database with one active challenge (3 participants, {deadlines.LOGS_EACH} logs each) ending "
            f"{LEAD:.0f} s after seeding, a few seconds after the bot is ready: the first result, and the first "
            "chart, of that process. Latency = deadline → the result message stored by the emulator; chart = "
            "deadline → the message showing its chart (sent with it, or added by an edit). Memory of the bot's "
            "own process (chart workers excluded) half a second after the chart."
        ),
    )
    t = Table(["start", "ready → deadline", "deadline → result", "deadline → chart", "chart by", "VmRSS"])
    for i, r in enumerate(results, start=1):
        t.add(
            i,
            secs(r.get("before_due", float("nan"))),
            secs(r["text"]),
            secs(r["chart"]),
            "edit" if r.get("edited") else "the same message",
            f"{r['rss'] / 1024:.0f} MiB",
        )
    sec.tables.append(t)
    texts = [r["text"] for r in results]
    worst = max(texts)
    sec.target(
        "first result after start-up ≤ 1 s after its deadline (before: 0.9–1.6 s)",
        f"median {secs(median(texts))}, max {secs(worst)}",
        worst <= 1.0,
    )
    sec.notes.append(
        f"Chart shown: median {secs(median([r['chart'] for r in results]))} after the deadline. Bot process "
        f"memory: VmRSS {max(r['rss'] for r in results) / 1024:.0f} MiB at most "
        f"(peak {max(r['hwm'] for r in results) / 1024:.0f} MiB)."
    )
    sec.seconds = time.perf_counter() - t_start
    return sec
