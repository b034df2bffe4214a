"""Fixtures shared by every suite: the Discord emulator, its guilds and the real bot
(defined in `tests/emulator/fixtures.py`; see `tests/emulator/README.md`)."""

from collections.abc import AsyncIterator

import pytest

# Plugins below are imported by the fixture modules first: have pytest rewrite their asserts anyway.
pytest.register_assert_rewrite("tests.pg", "tests.engines")

from tests.e2e.harness import kill_leftover_processes  # noqa: E402
from tests.emulator.fixtures import (  # noqa: E402
    _every_emulator_stays_clean,
    bot_engine,
    bot_handle,
    bot_settings,
    clock,
    emulator,
    guild,
    other_guild,
)

# PostgreSQL: the pg_server / pg_database fixtures, the `postgres` marker, a summary line; the `engine`
# fixture that runs a test on SQLite and on PostgreSQL.
pytest_plugins = ("tests.pg", "tests.engines")


@pytest.fixture(autouse=True)
async def _no_bot_process_outlives_its_test() -> AsyncIterator[None]:
    yield
    kill_leftover_processes()


__all__ = [
    "_every_emulator_stays_clean",
    "bot_engine",
    "bot_handle",
    "bot_settings",
    "clock",
    "emulator",
    "guild",
    "other_guild",
]
