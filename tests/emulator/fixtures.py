"""Pytest fixtures for tests that run the bot against the emulator.

Registered for the whole test tree by `tests/conftest.py` (and re-exported by
`tests/e2e/conftest.py`, which other suites import from):

- `emulator`: a started `DiscordEmulator`, fresh per test.
- `guild` ("Gym": owner, admin, alice, bob, carol, the bot) and `other_guild` ("Running Club":
  owner, admin, dave, erin, the bot): both exist before the bot starts, so commands are synced in both.
- `clock`: the `ManualClock` shared by the bot and the emulator.
- `bot_settings`: extra settings for `bot_handle` (`{}`; override per module, or
  `@pytest.mark.parametrize("bot_settings", [{"reminder_before_end_minutes": 30}])`).
- `bot_handle`: the real `FitbetBot`, started and ready (see `tests/e2e/harness.py`).
- autouse: for every emulator created during a test (the fixture's or your own), the test fails at
  teardown if the bot broke a Discord rule (`emulator.violations`) or used a route the emulator
  does not know (`unhandled_routes`). Collect deliberate ones with `emulator.take_violations()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.e2e.harness import BotHandle
from tests.emulator.emulator import DiscordEmulator
from tests.emulator.models import Guild
from tests.engines import TestEngine


def assert_emulator_clean(emulator: DiscordEmulator) -> None:
    """Fail with a readable list when the bot broke a rule or used an unknown route."""
    problems = [f"violation: {v}" for v in emulator.violations]
    problems += [f"unhandled route: {r}" for r in emulator.unhandled_routes]
    if problems:
        pytest.fail("the emulator recorded problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _every_emulator_stays_clean() -> Iterator[None]:
    """Fails the test if any emulator created during it recorded a violation or an unknown route
    (runs last, after the bot and the emulator have stopped)."""
    start = len(DiscordEmulator.created)
    yield
    mine = DiscordEmulator.created[start:]
    del DiscordEmulator.created[start:]
    for emu in mine:
        assert_emulator_clean(emu)


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator() as emu:
        yield emu


@pytest.fixture
def guild(emulator: DiscordEmulator) -> Guild:
    return emulator.create_guild("Gym", member_names=["alice", "bob", "carol"])


@pytest.fixture
def other_guild(emulator: DiscordEmulator, guild: Guild) -> Guild:
    return emulator.create_guild("Running Club", member_names=["dave", "erin"])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Extra settings for `bot_handle`."""
    return {}


@pytest.fixture
async def bot_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TestEngine]:
    """The database engine `bot_handle` runs on: SQLite, unless a test asks for both with
    `@pytest.mark.parametrize("bot_engine", ENGINES, indirect=True)` (tests/engines.py)."""
    name = getattr(request, "param", "sqlite")
    made = TestEngine(name, tmp_path, request.getfixturevalue("pg_server") if name == "postgres" else None)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
async def bot_handle(
    emulator: DiscordEmulator,
    guild: Guild,
    other_guild: Guild,
    clock: ManualClock,
    bot_engine: TestEngine,
    bot_settings: dict[str, Any],
) -> AsyncIterator[BotHandle]:
    handle = BotHandle(emulator, bot_engine.path(), clock=clock, **await bot_engine.url_setting(), **bot_settings)
    await handle.start()
    try:
        yield handle
    finally:
        await handle.stop()


__all__ = [
    "_every_emulator_stays_clean",
    "assert_emulator_clean",
    "bot_engine",
    "bot_handle",
    "bot_settings",
    "clock",
    "emulator",
    "guild",
    "other_guild",
]
