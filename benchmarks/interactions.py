"""(1) interaction latency floor vs real work and (2) /challenge log throughput, through the real
`python -m bot` process and the emulator, side by side in one run."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiosqlite

from benchmarks import live, seed
from benchmarks.report import Section, Table, median, ms, percentile, ratio
from tests.emulator import Member

COMMANDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("/help (floor)", "help", {}),
    ("/challenge log", "challenge log", {"amount": "1"}),
    ("/challenge status", "challenge status", {}),
    ("/leaderboard", "leaderboard", {}),
)
MEMBERS = 120
PER_CHALLENGE = 40  # the bot allows 50 per challenge: 120 members → 3 active challenges
LOGS_EACH = 30


async def _invoke(
    emu: live.BenchEmulator, member: Member, command: str, options: dict[str, Any]
) -> tuple[float | None, bool]:
    """(dispatch → ack seconds or None, accepted: a public answer)."""
    try:
        rec = await emu.invoke(member, command, settle=False, timeout=30, **options)
    except Exception:
        return None, False
    return emu.ack_latency(rec), not rec.ephemeral


async def _latency(emu: live.BenchEmulator, members: list[Member], rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {label: [] for label, _, _ in COMMANDS}
    for r in range(rounds + 5):
        member = members[r % len(members)]
        for label, command, options in COMMANDS:  # interleaved: drift hits every command alike
            latency, _ = await _invoke(emu, member, command, options)
            if r >= 5 and latency is not None:  # 5 warm-up rounds
                out[label].append(latency)
    await emu.settle(timeout=30)
    return out


async def _sqlite_floor(path: Path, seconds: float) -> float:
    """Raw aiosqlite: one INSERT + COMMIT per row (WAL, synchronous=NORMAL, as the bot), rows/s."""
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, amount INTEGER, at TEXT)")
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute("INSERT INTO bench_floor (amount, at) VALUES (?, ?)", (n, "2026-11-29T12:00:00+00:00"))
            await conn.execute("COMMIT")
            n += 1
        rate = n / (time.perf_counter() - t0)
        await conn.execute("DROP TABLE bench_floor")
    return rate


async def _step(
    emu: live.BenchEmulator, members: list[Member], rate: float, seconds: float, rnd: random.Random
) -> dict[str, Any]:
    """Open loop: one /challenge log every 1/rate s for `seconds`, whatever the answers."""
    tasks: list[asyncio.Task[tuple[float | None, bool]]] = []
    amounts: list[int] = []
    n = int(rate * seconds)
    t0 = time.monotonic()
    for i in range(n):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        amount = rnd.randint(1, 9)
        amounts.append(amount)
        tasks.append(
            asyncio.create_task(
                _invoke(emu, members[rnd.randrange(len(members))], "challenge log", {"amount": str(amount)})
            )
        )
    sent_s = time.monotonic() - t0
    results = await asyncio.gather(*tasks)
    done_s = time.monotonic() - t0
    lat = [r[0] for r in results if r[0] is not None]
    accepted = [a for a, r in zip(amounts, results, strict=True) if r[1]]
    return {
        "offered": rate,
        "sent": n,
        "send_rate": n / sent_s if sent_s else 0.0,
        "acked": len(lat),
        "accepted": len(accepted),
        "accepted_sum": sum(accepted),
        "rate": len(accepted) / done_s if done_s else 0.0,
        "p50": median(lat),
        "p95": percentile(lat, 95),
        "p99": percentile(lat, 99),
        "lost": n - len(lat),
    }


def _stored_sum(db: Path, after_id: int) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM logs WHERE id > ?", (after_id,)).fetchone()
    finally:
        conn.close()
    return int(row[0]), int(row[1])


def _max_log_id(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM logs").fetchone()[0])
    finally:
        conn.close()


async def _run(workdir: Path, quick: bool, profile: Path | None) -> tuple[Section, Section]:
    rounds = 100 if quick else 500
    step_s = 3.0 if quick else 8.0
    rates = (25, 50, 100, 150, 200, 300, 400, 600, 800)
    db = workdir / "live.db"
    seed.migrate(db)
    async with live.BenchEmulator(ack_deadline=3.0, timeout=30) as emu:
        guild = live.club(emu, MEMBERS)
        live.seed_challenges(db, guild, active=3, finished=10, per_challenge=PER_CHALLENGE, logs_each=LOGS_EACH)
        members = [m for name, m in guild.members.items() if name.startswith("m")]
        proc = await live.start_bot(emu, workdir, db, [guild], profile=profile)
        try:
            t_lat = time.perf_counter()
            lat = await _latency(emu, members, rounds)
            t_lat = time.perf_counter() - t_lat
            t_thr = time.perf_counter()
            floor_rate = await _sqlite_floor(workdir / "floor.db", 2.0 if quick else 5.0)
            before_id = _max_log_id(db)
            rnd = random.Random(11)
            steps: list[dict[str, Any]] = []
            base_p50 = None
            for rate in rates:
                step = await _step(emu, members, rate, step_s, rnd)
                steps.append(step)
                base_p50 = base_p50 or step["p50"]
                climbing = step["p95"] > max(10 * base_p50, 0.25)
                if climbing or step["lost"] or step["rate"] < 0.8 * rate:
                    break
            await emu.settle(timeout=60)
            stored_n, stored_sum = _stored_sum(db, before_id)
            t_thr = time.perf_counter() - t_thr
            violations = [v.kind for v in emu.take_violations()]
        finally:
            rss, hwm = live.rss_kib(proc.process.pid)
            await proc.stop()
    lat_sec = _latency_section(lat, rounds, t_lat)
    lat_sec.notes.append(f"Bot process memory after the run: VmRSS {rss / 1024:.0f} MiB (peak {hwm / 1024:.0f} MiB).")
    thr_sec = _throughput_section(steps, floor_rate, stored_n, stored_sum, step_s, t_thr, violations)
    return lat_sec, thr_sec


def _latency_section(lat: dict[str, list[float]], rounds: int, seconds: float) -> Section:
    sec = Section(
        key="latency",
        title="1. Interaction latency: the floor vs real work",
        method=(
            f"The real `python -m bot` process against the emulator; a server with {MEMBERS} members in 3 active "
            f"challenges ({PER_CHALLENGE} each, {LOGS_EACH} past logs per member) and 10 finished ones. "
            f"{rounds} rounds (after 5 warm-up rounds), each invoking the four commands one after another as the "
            "next member (no overlap). Latency = the emulator dispatching INTERACTION_CREATE on the gateway → "
            "the bot's interaction callback arriving (the acknowledgment Discord's 3-second rule is about)."
        ),
    )
    floor = median(lat["/help (floor)"])
    t = Table(["command", "n", "median", "p95", "p99", "median ÷ floor"])
    for label, values in lat.items():
        t.add(
            label,
            len(values),
            ms(median(values)),
            ms(percentile(values, 95)),
            ms(percentile(values, 99)),
            ratio(median(values), floor),
        )
    sec.tables.append(t)
    log_med = median(lat["/challenge log"])
    sec.target("/challenge log median ≤ 1.5× the floor", ratio(log_med, floor), log_med <= 1.5 * floor)
    worst = max(percentile(v, 99) for v in lat.values() if v)
    sec.target("every p99 ≤ 3 s by a wide margin", f"worst p99 {ms(worst)}", worst <= 0.3)
    sec.seconds = seconds
    return sec


def _throughput_section(
    steps: list[dict[str, Any]],
    floor_rate: float,
    stored_n: int,
    stored_sum: int,
    step_s: float,
    seconds: float,
    violations: list[str],
) -> Section:
    sec = Section(
        key="throughput",
        title="2. Throughput of /challenge log",
        method=(
            f"Open loop: /challenge log (random amount 1–9, random member of the {MEMBERS}) dispatched at a fixed "
            f"rate for {step_s:.0f} s per step, the rate raised step by step until acknowledgment latency climbs "
            "(p95 > 10× the first step's median), a log is lost or the accepted rate falls below 80 % of the "
            "offered one. Storage floor: raw aiosqlite `INSERT` + `COMMIT` per row in the same run, same pragmas."
        ),
    )
    t = Table(["offered /s", "sent", "accepted /s", "p50", "p95", "p99", "not acked"])
    for s in steps:
        t.add(f"{s['offered']:.0f}", s["sent"], f"{s['rate']:.0f}", ms(s["p50"]), ms(s["p95"]), ms(s["p99"]), s["lost"])
    sec.tables.append(t)
    sustained = max(
        (s["rate"] for s in steps if s["p95"] <= max(10 * steps[0]["p50"], 0.25) and not s["lost"]), default=0.0
    )
    accepted_n = sum(s["accepted"] for s in steps)
    accepted_sum = sum(s["accepted_sum"] for s in steps)
    f = Table(["", "value"])
    f.add("sustained /challenge log (latency not yet climbing)", f"{sustained:.0f} /s")
    f.add("storage floor: raw aiosqlite insert+commit", f"{floor_rate:,.0f} /s")
    f.add("accepted logs / their sum", f"{accepted_n:,} / {accepted_sum:,}")
    f.add("stored logs / their sum", f"{stored_n:,} / {stored_sum:,}")
    late = stored_n - accepted_n
    if late:
        f.add("stored, but acknowledged too late (member saw 'did not respond')", f"{late:,}")
    sec.tables.append(f)
    sec.target("≥ 300 /s sustained on 2 cores", f"{sustained:.0f} /s", sustained >= 300)
    sec.target(
        "zero lost logs (stored sum = accepted sum)", f"{stored_sum:,} vs {accepted_sum:,}", stored_sum == accepted_sum
    )
    if violations:
        sec.notes.append(
            "Emulator violations during the run: "
            + ", ".join(f"{k} ×{violations.count(k)}" for k in sorted(set(violations)))
        )
    sec.seconds = seconds
    return sec


def run(workdir: Path, *, quick: bool, profile: Path | None = None) -> list[Section]:
    return list(asyncio.run(_run(workdir, quick, profile)))
