"""SIGTERM in the middle of a burst of `/challenge log`: every log the database kept got its reply.

Shutdown first stops taking interactions (those arriving are told "restarting, nothing was done"),
lets the ones in flight answer, and only then closes the HTTP session, the scheduler and the database
(bot/shutdown.py). Before, 1–2 logs per run were committed and then cut off ("Session is closed"):
their members saw "did not respond", logged again, and the amount counted twice.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import pytest

from bot.shutdown import RESTARTING
from tests.e2e.harness import start_bot_process
from tests.emulator import DiscordEmulator, EmulatorError, Guild, Member

pytestmark = pytest.mark.subprocess

BURST = 50


async def log_amount(emulator: DiscordEmulator, member: Member, amount: int) -> str:
    """'logged' (public reply), 'restarting' (refused, nothing done) or 'no answer'."""
    try:
        res = await emulator.invoke(member, "challenge log", amount=str(amount), settle=False, timeout=8)
    except (EmulatorError, TimeoutError):
        return "no answer"
    if not res.ephemeral and "logged" in res.content:
        return "logged"
    assert res.ephemeral and res.content == RESTARTING, res.text
    return "restarting"


async def sigterm_during_a_burst(emulator: DiscordEmulator, guild: Guild, workdir: Path) -> None:
    database = workdir / "fitbet.db"
    proc = await start_bot_process(emulator, workdir, guilds=[guild], database_path=database)
    members = [guild.members[name] for name in ("alice", "bob", "carol", "admin", "owner")]
    created = await emulator.invoke(
        members[0], "challenge create", activity="squats", unit="reps", duration="1d", mode="most"
    )
    assert not created.ephemeral, created.text
    for member in members[1:]:
        await emulator.invoke(member, "challenge join", challenge=1)

    # Each log has its own amount, so a row in `logs` names the interaction that wrote it. Each
    # member logs one after another, the members side by side: logs in flight at any time, and
    # more arriving after the signal.
    outcome: dict[int, str] = {}
    under_way = asyncio.Event()

    async def logs_of(member: Member, amounts: range) -> None:
        for amount in amounts:
            outcome[amount] = await log_amount(emulator, member, amount)
            if sum(o == "logged" for o in outcome.values()) >= 10:
                under_way.set()

    share = BURST // len(members)
    burst = [
        asyncio.create_task(logs_of(member, range(1 + i * share, 1 + (i + 1) * share)))
        for i, member in enumerate(members)
    ]
    await asyncio.wait_for(under_way.wait(), 60)
    proc.process.send_signal(signal.SIGTERM)
    await asyncio.gather(*burst)
    assert await proc.wait(timeout=30) == 0, proc.output()[-3000:]
    emulator.take_violations()  # interactions sent after the bot left are never answered: expected

    with sqlite3.connect(database) as conn:
        stored = {int(amount) for (amount,) in conn.execute("SELECT amount FROM logs")}
    unanswered = sorted(a for a in stored if outcome[a] != "logged")
    assert unanswered == [], f"stored without their reply: {unanswered} ({outcome})"
    assert stored == {a for a, o in outcome.items() if o == "logged"}, "every 'logged' reply was stored"
    assert len(stored) < BURST, "SIGTERM came after the burst: the run proves nothing"
    assert "Traceback" not in proc.output(), proc.output()[-3000:]


@pytest.mark.parametrize("run", range(3))
async def test_sigterm_during_a_burst_of_logs_leaves_no_log_without_its_reply(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path, run: int
) -> None:
    await sigterm_during_a_burst(emulator, guild, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("run", range(15))
async def test_sigterm_during_a_burst_of_logs_many_runs(
    emulator: DiscordEmulator, guild: Guild, tmp_path: Path, run: int
) -> None:
    await sigterm_during_a_burst(emulator, guild, tmp_path)
