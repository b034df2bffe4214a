"""(5) Deadline precision: many challenges ending in the same minute across 20 channels; time
from each deadline to its result message, beside what the per-channel rate limit alone allows.

The real `python -m bot` process with the system clock: APScheduler wakes it at each deadline, as
in production. The emulator enforces Discord's per-channel limit (5 messages per 5 s)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import live, seed
from benchmarks.report import Section, Table, median, percentile, secs
from tests.emulator import Guild

CHANNELS = 20
PER_CHALLENGE = 3
LOGS_EACH = 5
RATE = (5, 5.0)  # messages per channel per seconds


def _seed(db: Path, guild: Guild, n: int, first_deadline: datetime, spread: timedelta) -> dict[int, datetime]:
    """n active challenges (3 participants, 5 logs each) ending in [first_deadline, +spread)."""
    ids = live.member_ids(guild)
    channels = [c.id for c in guild.channels.values()][:CHANNELS]
    start = first_deadline - timedelta(hours=2)
    rows, parts, logs, timers = [], [], [], []
    deadlines: dict[int, datetime] = {}
    for i in range(1, n + 1):
        ends = first_deadline + spread * ((i - 1) / n)
        deadlines[i] = ends
        people = [ids[(i * PER_CHALLENGE + j) % len(ids)] for j in range(PER_CHALLENGE)]
        rows.append(
            seed.Challenge(
                id=i,
                guild_id=guild.id,
                no=i,
                channel_id=channels[(i - 1) % len(channels)],
                creator_id=people[0],
                activity="pushups",
                unit="reps",
                target=200,
                mode="each",
                starts_at=start,
                ends_at=ends,
                status="active",
            )
        )
        for uid in people:
            parts.append((i, uid, seed.to_db(start), None, None, None))
            logs += [
                seed.log_row(i, uid, 30 + k, "reps", start + timedelta(minutes=10 * (k + 1))) for k in range(LOGS_EACH)
            ]
        timers.append((guild.id, "challenge_end", i, seed.to_db(ends)))
    conn = seed.connect(db)
    seed.insert_challenges(conn, rows)
    seed.insert_participants(conn, parts)
    seed.insert_logs(conn, logs)
    seed.insert_timers(conn, timers)
    conn.close()
    return deadlines


def rate_limit_floor(deadlines: list[tuple[int, float]], limit: int, per: float) -> list[float]:
    """Per message, the least delay the channel limit forces with zero work: messages of a channel
    go out in deadline order, at most `limit` in any `per` seconds (a sliding window)."""
    by_channel: dict[int, list[float]] = {}
    delays = []
    for channel, due in sorted(deadlines, key=lambda x: x[1]):
        sent = by_channel.setdefault(channel, [])
        at = due if len(sent) < limit else max(due, sent[-limit] + per)
        sent.append(at)
        delays.append(at - due)
    return delays


async def _case(workdir: Path, n: int, spread: timedelta, lead: float) -> dict[str, Any]:
    db = workdir / f"deadlines-{int(spread.total_seconds())}.db"
    seed.migrate(db)
    async with live.BenchEmulator(timeout=60) as emu:
        guild = live.club(emu, 60, channels=CHANNELS)
        wall0, mono0 = datetime.now(UTC), time.monotonic()
        first = (wall0 + timedelta(seconds=lead)).replace(microsecond=0)
        deadlines = _seed(db, guild, n, first, spread)
        proc = await live.start_bot(emu, workdir, db, [guild])
        emu.set_channel_rate_limit(*RATE, edits=True)
        try:
            last = max(deadlines.values())
            await asyncio.sleep(max(0.0, (last - datetime.now(UTC)).total_seconds()))
            posted_before = time.monotonic()
            conn = sqlite3.connect(db)

            def posted() -> list[tuple[int, int, int]]:
                return conn.execute(
                    "SELECT ref_id, message_id, channel_id FROM announcements"
                    " WHERE kind = 'challenge_result' AND message_id IS NOT NULL"
                ).fetchall()

            # The bot (another process) records each post in its database: poll it.
            while len(posted()) < n and time.monotonic() - posted_before < 600:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            rows = posted()
            conn.close()
            rss, hwm = live.rss_kib(proc.process.pid)
            ids = {message_id for _, message_id, _ in rows}
            with contextlib.suppress(TimeoutError):  # the charts follow the texts (reported, not waited on above)
                await emu.wait_until(lambda: ids <= emu.image_at.keys(), 120, "every chart")
        finally:
            await proc.stop()
        retries = sum(1 for r in emu.requests if r.status == 429)
        emu.take_violations()
    lat, dues, charts = [], [], []
    for ref_id, message_id, channel_id in rows:
        due_mono = mono0 + (deadlines[ref_id] - wall0).total_seconds()
        lat.append(emu.stored_at[message_id] - due_mono)
        dues.append((channel_id, due_mono))
        charts.append(emu.image_at.get(message_id, math.inf) - due_mono)
    floor = rate_limit_floor(dues, *RATE)
    return {
        "n": n,
        "posted": len(rows),
        "lat": lat,
        "floor": floor,
        "spread": spread,
        "rss": rss,
        "hwm": hwm,
        "retries": retries,
        "edited": len(emu.edited_for_image),
        "charts": charts,
    }


async def _case_manual(workdir: Path, n: int) -> dict[str, Any]:
    """The harness's way: the in-process bot (`BotHandle`) with a ManualClock; the clock is moved
    to the shared deadline and `timers.run_due()` is called, as tests do and as a wake-up would."""
    from bot.clock import ManualClock
    from tests.e2e.harness import BotHandle

    db = workdir / "deadlines-manual.db"
    seed.migrate(db)
    async with live.BenchEmulator(timeout=300) as emu:
        guild = live.club(emu, 60, channels=CHANNELS)
        clock = ManualClock()
        due = (clock.now() + timedelta(hours=1)).replace(microsecond=0)  # far from any real wake-up
        _seed(db, guild, n, due, timedelta(0))
        handle = BotHandle(emu, db, clock=clock, guilds=[guild], timeout=120, log_level="WARNING")
        await handle.start()
        emu.set_channel_rate_limit(*RATE, edits=True)
        try:
            clock.set(due)
            t0 = time.monotonic()
            await handle.bot.timers.run_due()  # returns once every result is posted
            await emu.settle(timeout=300)
            rows = await handle.bot.svc.db.fetchall(
                "SELECT ref_id, message_id, channel_id FROM announcements"
                " WHERE kind = 'challenge_result' AND message_id IS NOT NULL"
            )
        finally:
            await handle.stop()
        retries = sum(1 for r in emu.requests if r.status == 429)
        emu.take_violations()
    lat = [emu.stored_at[r["message_id"]] - t0 for r in rows]
    floor = rate_limit_floor([(r["channel_id"], t0) for r in rows], *RATE)
    return {
        "n": n,
        "posted": len(rows),
        "lat": lat,
        "floor": floor,
        "spread": None,
        "retries": retries,
        "edited": len(emu.edited_for_image),
    }


def run(workdir: Path, *, quick: bool) -> Section:
    t_start = time.perf_counter()
    n = 500
    spreads = [timedelta(0)] if quick else [timedelta(0), timedelta(seconds=59)]
    results = [asyncio.run(_case(workdir, n, s, lead=20.0)) for s in spreads]
    results.append(asyncio.run(_case_manual(workdir, n)))
    sec = Section(
        key="deadlines",
        title=f"5. Deadline precision: {n} challenges ending in the same minute across {CHANNELS} channels",
        method=(
            f"The real `python -m bot` process (system clock, APScheduler) on a database with {n} active "
            f"challenges ({PER_CHALLENGE} participants, {LOGS_EACH} logs each, so every result has a chart), "
            f"spread round-robin over {CHANNELS} channels. The emulator enforces {RATE[0]} messages per channel "
            f"per {RATE[1]:.0f} s (429 with retry_after), and as many edits in a bucket of their own. Latency = "
            "deadline → the result message stored by the emulator (its text: a chart not drawn by then is added "
            "by an edit, counted in the last column). Rate-limit floor = the delay that limit alone forces "
            "with zero work (messages of a "
            "channel in deadline order). 'same instant' is `end: 18:00` for everyone; 'spread' puts the "
            "deadlines evenly over 59 s. The last row is the test harness's way: the bot in-process with a "
            "ManualClock, the clock moved to the deadline and `timers.run_due()` called; latency from that call "
            "(bot and emulator then share one process and one core)."
        ),
    )
    t = Table(["deadlines", "posted", "median", "p95", "max", "floor median", "floor max", "429s", "charts by edit"])
    for r in results:
        if r["spread"] is None:
            what = "same instant, in-process bot, ManualClock moved + run_due()"
        elif not r["spread"]:
            what = "same instant (`python -m bot`, APScheduler)"
        else:
            what = f"spread over {r['spread'].total_seconds():.0f} s (`python -m bot`, APScheduler)"
        t.add(
            what,
            f"{r['posted']}/{r['n']}",
            secs(median(r["lat"])),
            secs(percentile(r["lat"], 95)),
            secs(max(r["lat"], default=float("nan"))),
            secs(median(r["floor"])),
            secs(max(r["floor"], default=float("nan"))),
            r["retries"],
            r["edited"],
        )
    sec.tables.append(t)
    worst = results[0]
    top = max(worst["lat"], default=float("nan"))
    floor = max(worst["floor"], default=float("nan"))
    sec.target(
        "500 results at once: max ≤ 1.1× the rate-limit floor (before: 24.4 s vs 20 s)",
        f"max {secs(top)} vs floor {secs(floor)} ({top / floor:.2f}×)",
        top <= 1.1 * floor,
    )
    rss_mb = worst["rss"] * 1024 / 1e6
    sec.target("bot process resident after the run ≤ 150 MB (chart workers apart)", f"{rss_mb:.0f} MB", rss_mb <= 150)
    last_chart = max(worst["charts"], default=math.nan)
    sec.notes.append(
        f"Charts: {worst['edited']} of {worst['posted']} added by an edit after their result; the last chart "
        f"showed {secs(last_chart) if math.isfinite(last_chart) else 'never (in 120 s)'} after its deadline."
    )
    sec.notes.append(
        f"Bot process memory when the last result was posted: VmRSS {worst['rss'] / 1024:.0f} MiB "
        f"(peak {worst['hwm'] / 1024:.0f} MiB); the chart workers are processes of their own."
    )
    sec.seconds = time.perf_counter() - t_start
    return sec
