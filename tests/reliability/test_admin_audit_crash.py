"""An admin action and its audit line are one transaction: the real `python -m bot` process killed
between the change and its audit line (TEST_CRASH_AT=admin:before_audit, see bot/faults.py) leaves
neither; started again, the same command makes both.

Every admin action writes its line through the same `auditing.audit_line`; by default one action is
crashed (a process start each), `-m slow` crashes three (guild settings, challenges, bets).
tests/store/test_admin_service.py fails the audit line of all seven in-process."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.faults import EXIT_CODE
from tests.e2e.challenge_support import create
from tests.e2e.harness import BotHandle, start_bot_process
from tests.emulator import DiscordEmulator, EmulatorError, Guild
from tests.engines import TestEngine

pytestmark = pytest.mark.subprocess

# command, its options, and the query that reads back whether its change was made.
ACTIONS: dict[str, tuple[Mapping[str, Any], str]] = {
    "admin channel": ({}, "SELECT announce_channel_id IS NOT NULL FROM guild_settings"),
    "admin cancel": (
        {"challenge": 2, "reason": "gym closed"},
        "SELECT status = 'cancelled' FROM challenges WHERE no = 2",
    ),
    "admin void": ({"bet": 1, "reason": "miscounted"}, "SELECT status = 'voided' FROM bets WHERE no = 1"),
}


async def _state(engine: TestEngine) -> tuple[dict[str, bool], list[str]]:
    db = await engine.open(migrated=False)  # the bot's database, opened again
    try:
        done = {}
        for command, (_, sql) in ACTIONS.items():
            row = await db.fetchone(sql)
            done[command] = bool(row is not None and row[0])
        audit = [r[0] for r in await db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    finally:
        await db.close()
    return done, audit


def _options(guild: Guild, command: str) -> dict[str, Any]:
    options = dict(ACTIONS[command][0])
    if command == "admin channel":
        options["options"] = {"channel": guild.channels["announcements"]}
    return options


@pytest.mark.parametrize(
    "crashed", [["admin void"], pytest.param(list(ACTIONS), marks=pytest.mark.slow)], ids=["void", "three"]
)
async def test_a_crash_between_an_admin_change_and_its_audit_line_leaves_neither(
    emulator: DiscordEmulator, guild: Guild, engine: TestEngine, crashed: list[str]
) -> None:
    tmp_path, database, on_engine = engine.tmp_path, engine.path(), await engine.env()
    alice, bob, admin = guild.members["alice"], guild.members["bob"], guild.admin
    assert admin is not None
    clock = ManualClock(datetime.now(UTC))
    async with BotHandle(emulator, database, clock=clock, guilds=[guild], **await engine.url_setting()):
        for activity in ("pushups", "squats"):
            await create(emulator, alice, activity=activity, start="in 1h")
        bet = await emulator.invoke(
            alice, "bet create", challenge=1, side="for", stake="burpees", amount="50", unit="reps", opponent=bob
        )
        assert not bet.ephemeral, bet.text
    assert await _state(engine) == (dict.fromkeys(ACTIONS, False), [])

    emulator.ack_deadline = 1.0  # the dead bot's unanswered interaction is recorded sooner
    for command in crashed:
        crashing = await start_bot_process(
            emulator,
            tmp_path,
            on_engine | {"TEST_CRASH_AT": "admin:before_audit"},
            guilds=[guild],
            database_path=database,
        )
        with pytest.raises(EmulatorError):  # the process dies before it can answer
            await emulator.invoke(admin, command, settle=False, timeout=3, **_options(guild, command))
        assert await crashing.wait() == EXIT_CODE, crashing.output()[-3000:]
        # Discord would show the member "The application did not respond", and nothing changed.
        await emulator.wait_until(lambda: bool(emulator.violations), 10, "the unanswered interaction")
        assert [v.kind for v in emulator.take_violations()] == ["interaction-not-acknowledged"]
        assert await _state(engine) == (dict.fromkeys(ACTIONS, False), []), command

    emulator.ack_deadline = 3.0
    proc = await start_bot_process(emulator, tmp_path, on_engine, guilds=[guild], database_path=database)
    for command in ACTIONS:
        res = await emulator.invoke(admin, command, **_options(guild, command))
        assert res.ephemeral, res.text
    assert await proc.stop() == 0
    assert await _state(engine) == (dict.fromkeys(ACTIONS, True), [c.split()[1] for c in ACTIONS])
