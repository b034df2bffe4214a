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
    emu: live.BenchEmulator, members: list[Member], rate: float, seconds: float, rnd: random.Random, sent: list[Any]
) -> dict[str, Any]:
    """Open loop: one /challenge log every 1/rate s for `seconds`, whatever the answers. Each log
    carries a unique note; `sent` collects (note, amount, accepted) to check the database after."""
    tasks: list[asyncio.Task[tuple[float | None, bool]]] = []
    amounts: list[int] = []
    notes: list[str] = []
    n = int(rate * seconds)
    t0 = time.monotonic()
    for i in range(n):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        amount = rnd.randint(1, 9)
        note = f"bench-{len(sent) + i}"
        amounts.append(amount)
        notes.append(note)
        options = {"amount": str(amount), "note": note}
        tasks.append(asyncio.create_task(_invoke(emu, members[rnd.randrange(len(members))], "challenge log", options)))
    sent_s = time.monotonic() - t0
    results = await asyncio.gather(*tasks)
    done_s = time.monotonic() - t0
    lat = [r[0] for r in results if r[0] is not None]
    accepted = [a for a, r in zip(amounts, results, strict=True) if r[1]]
    sent += [(note, a, r[1]) for note, a, r in zip(notes, amounts, results, strict=True)]
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


def _climbing(step: dict[str, Any], base_p50: float) -> bool:
    """Acknowledgment latency has climbed: the median, not only the tail, grew several-fold."""
    return step["p50"] > max(5 * base_p50, 0.050)


def _check_stored(db: Path, sent: list[tuple[str, int, bool]]) -> dict[str, int]:
    """Match every log sent in the throughput steps (by its unique note) with the stored rows."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT note, amount FROM logs WHERE note LIKE 'bench-%' AND struck_at IS NULL").fetchall()
    finally:
        conn.close()
    stored: dict[str, list[int]] = {}
    for note, amount in rows:
        stored.setdefault(note, []).append(amount)
    accepted = [(note, amount) for note, amount, ok in sent if ok]
    late = [(note, amount) for note, amount, ok in sent if not ok and note in stored]
    return {
        "accepted_n": len(accepted),
        "accepted_sum": sum(a for _, a in accepted),
        "stored_n": len(rows),
        "stored_sum": sum(a for _, a in rows),
        "accepted_stored_sum": sum(sum(stored.get(note, [])) for note, _ in accepted),
        "missing": sum(1 for note, _ in accepted if note not in stored),
        "duplicated": sum(1 for v in stored.values() if len(v) > 1),
        "late_n": len(late),
        "late_sum": sum(a for _, a in late),
    }


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
            rnd = random.Random(11)
            steps: list[dict[str, Any]] = []
            sent: list[tuple[str, int, bool]] = []
            base_p50 = None
            for rate in rates:
                step = await _step(emu, members, rate, step_s, rnd, sent)
                steps.append(step)
                base_p50 = base_p50 or step["p50"]
                if _climbing(step, base_p50) or step["lost"] or step["rate"] < 0.8 * rate:
                    break
            await emu.settle(timeout=60)
            check = _check_stored(db, sent)
            t_thr = time.perf_counter() - t_thr
            violations = [v.kind for v in emu.take_violations()]
        finally:
            rss, hwm = live.rss_kib(proc.process.pid)
            await proc.stop()
    lat_sec = _latency_section(lat, rounds, t_lat)
    lat_sec.notes.append(f"Bot process memory after the run: VmRSS {rss / 1024:.0f} MiB (peak {hwm / 1024:.0f} MiB).")
    thr_sec = _throughput_section(steps, floor_rate, check, step_s, t_thr, violations)
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
    check: dict[str, int],
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
            "(median > 5× the first step's and > 50 ms: requests queue up; the median rather than the p95, which "
            "other work on the machine moves), a log is not acknowledged or the accepted rate falls below 80 % of the "
            "offered one. Storage floor: raw aiosqlite `INSERT` + `COMMIT` per row in the same run, same pragmas."
        ),
    )
    t = Table(["offered /s", "sent", "accepted /s", "p50", "p95", "p99", "not acked"])
    for s in steps:
        t.add(f"{s['offered']:.0f}", s["sent"], f"{s['rate']:.0f}", ms(s["p50"]), ms(s["p95"]), ms(s["p99"]), s["lost"])
    sec.tables.append(t)
    sustained = max((s["rate"] for s in steps if not _climbing(s, steps[0]["p50"]) and not s["lost"]), default=0.0)
    f = Table(["", "value"])
    f.add("sustained /challenge log (latency not yet climbing)", f"{sustained:.0f} /s")
    f.add("storage floor: raw aiosqlite insert+commit", f"{floor_rate:,.0f} /s")
    f.add("acknowledged (public answer) logs / their sum", f"{check['accepted_n']:,} / {check['accepted_sum']:,}")
    f.add(
        "… of which stored / sum stored",
        f"{check['accepted_n'] - check['missing']:,} / {check['accepted_stored_sum']:,}",
    )
    f.add("stored twice", f"{check['duplicated']:,}")
    f.add(
        "stored although not acknowledged within 3 s (the member saw 'did not respond')",
        f"{check['late_n']:,} (sum {check['late_sum']:,})",
    )
    f.add("all stored logs of the steps / their sum", f"{check['stored_n']:,} / {check['stored_sum']:,}")
    sec.tables.append(f)
    sec.target("≥ 300 /s sustained on 2 cores", f"{sustained:.0f} /s", sustained >= 300)
    lost_ok = check["accepted_stored_sum"] == check["accepted_sum"] and not check["missing"] and not check["duplicated"]
    sec.target(
        "zero lost logs (stored sum = accepted sum)",
        f"{check['accepted_stored_sum']:,} stored of {check['accepted_sum']:,} accepted",
        lost_ok,
    )
    if check["late_n"]:
        sec.notes.append(
            f"Past saturation {check['late_n']:,} logs were stored after their 3-second acknowledgment deadline: "
            "they count, but the member was told the command failed (a retry would log twice)."
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
