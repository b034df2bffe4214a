"""The real bot (`python -m bot`, a separate process) against the Discord emulator, plus the
bookkeeping the benchmarks need: when each interaction was acknowledged and each message arrived."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks import seed
from tests.e2e.harness import REPO_ROOT, BotProcess, start_bot_process
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Message


class BenchEmulator(DiscordEmulator):
    """The test emulator, recording the monotonic time at which each interaction callback arrived
    (the acknowledgment) and each message was stored. OpenAPI validation is off: it would cost
    the emulator's CPU, not the bot's."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("openapi", False)
        super().__init__(**kwargs)
        self.ack_at: dict[int, float] = {}
        self.stored_at: dict[int, float] = {}
        self.image_at: dict[int, float] = {}  # when a message first showed an attachment (a chart)
        self.edited_for_image: set[int] = set()  # … by an edit, not when it was sent

    async def _interaction_callback(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        self.ack_at.setdefault(int(params["interaction_id"]), time.monotonic())
        return await super()._interaction_callback(request, params)

    def _store_message(self, message: Message) -> Message:
        self.stored_at.setdefault(message.id, time.monotonic())
        if message.attachments:
            self.image_at.setdefault(message.id, time.monotonic())
        return super()._store_message(message)

    def _after_edit(self, message: Message) -> None:
        if message.attachments and message.id not in self.image_at:
            self.image_at[message.id] = time.monotonic()
            self.edited_for_image.add(message.id)
        super()._after_edit(message)

    async def __aexit__(self, *exc_info: Any) -> None:
        await super().__aexit__(*exc_info)
        # The class keeps every emulator for the test suite's checks; a benchmark must not: thousands of
        # interactions and messages left alive slow every later measurement in this process (GC).
        with contextlib.suppress(ValueError):
            DiscordEmulator.created.remove(self)

    def ack_latency(self, rec: InteractionResult) -> float | None:
        at = self.ack_at.get(rec.id)
        return None if at is None else at - rec._created_mono


def club(emulator: DiscordEmulator, members: int, channels: int = 2) -> Guild:
    names = [f"m{i:05d}" for i in range(members)]
    chans = ["general", "announcements"] + [f"ch{i:02d}" for i in range(max(0, channels - 2))]
    return emulator.create_guild("Bench Club", member_names=names, channel_names=chans)


def member_ids(guild: Guild) -> list[int]:
    return [m.id for name, m in guild.members.items() if name.startswith("m")]


def seed_challenges(
    path: Path,
    guild: Guild,
    *,
    active: int,
    finished: int,
    per_challenge: int,
    logs_each: int,
    now: datetime | None = None,
) -> list[int]:
    """Active and finished challenges of the guild's members (each member in one active challenge)
    with `logs_each` past logs per participant. Returns the active challenges' numbers."""
    now = now or datetime.now(UTC)
    ids = member_ids(guild)
    channel = guild.channels["general"].id
    conn = seed.connect(path)
    rows: list[seed.Challenge] = []
    parts: list[tuple[object, ...]] = []
    logs: list[tuple[object, ...]] = []
    timers: list[tuple[object, ...]] = []
    cid = conn.execute("SELECT COALESCE(MAX(id), 0) FROM challenges").fetchone()[0]
    no = conn.execute("SELECT COALESCE(MAX(no), 0) FROM challenges WHERE guild_id = ?", (guild.id,)).fetchone()[0]
    active_nos = []
    for k in range(finished + active):
        cid += 1
        no += 1
        is_active = k >= finished
        starts = now - timedelta(days=1) if is_active else now - timedelta(days=8 + k)
        ends = starts + timedelta(days=7)
        # Active ones count reps, so a sum of accepted amounts is a sum of stored ones.
        activity, unit, target, step = seed.ACTIVITIES[0 if is_active else k % len(seed.ACTIVITIES)]
        first = (k * per_challenge) % len(ids)
        people = [ids[(first + j) % len(ids)] for j in range(per_challenge)]
        rows.append(
            seed.Challenge(
                id=cid,
                guild_id=guild.id,
                no=no,
                channel_id=channel,
                creator_id=people[0],
                activity=activity,
                unit=unit,
                target=target,
                mode="each",
                starts_at=starts,
                ends_at=ends,
                status="active" if is_active else "finished",
                finished_at=None if is_active else ends,
            )
        )
        for uid in people:
            total = step * logs_each
            result = None if is_active else ("succeeded" if total >= target else "failed")
            parts.append((cid, uid, seed.to_db(starts), result, None, None if is_active else total))
            span = (now if is_active else ends) - starts
            logs += [
                seed.log_row(cid, uid, step, unit, seed.spread(starts, span, i, logs_each)) for i in range(logs_each)
            ]
        if is_active:
            active_nos.append(no)
            timers.append((guild.id, "challenge_end", cid, seed.to_db(ends)))
    seed.insert_challenges(conn, rows)
    seed.insert_participants(conn, parts)
    seed.insert_logs(conn, logs)
    seed.insert_timers(conn, timers)
    conn.close()
    return active_nos


_PROFILE_SHIM = """\
import os

if os.environ.get("FITBET_BENCH_PROFILE"):
    import atexit
    import cProfile

    _profile = cProfile.Profile()
    _profile.enable()

    def _dump() -> None:
        _profile.disable()
        _profile.dump_stats(os.environ["FITBET_BENCH_PROFILE"])

    atexit.register(_dump)
"""


async def start_bot(
    emulator: DiscordEmulator, workdir: Path, db: Path, guilds: Iterable[Guild], profile: Path | None = None
) -> BotProcess:
    """`python -m bot` against the emulator; with `profile`, cProfile runs in the bot's main thread
    (the event loop) and its stats are written there when the bot exits."""
    env = {"LOG_LEVEL": "WARNING"}
    if profile is not None:
        shim = workdir / "_bench_profile"
        shim.mkdir(exist_ok=True)
        (shim / "sitecustomize.py").write_text(_PROFILE_SHIM, encoding="utf-8")
        env |= {"FITBET_BENCH_PROFILE": str(profile), "PYTHONPATH": os.pathsep.join([str(shim), str(REPO_ROOT)])}
    return await start_bot_process(emulator, workdir, env, guilds=list(guilds), database_path=db, timeout=60)


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc."""
    values = {"VmRSS": 0, "VmHWM": 0}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in values:
                values[key] = int(line.split()[1])
    return values["VmRSS"], values["VmHWM"]
