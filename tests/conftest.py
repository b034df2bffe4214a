"""Fixtures shared by every suite: the Discord emulator, its guilds and the real bot
(defined in `tests/emulator/fixtures.py`; see `tests/emulator/README.md`)."""

from tests.emulator.fixtures import (
    _every_emulator_stays_clean,
    bot_handle,
    bot_settings,
    clock,
    emulator,
    guild,
    other_guild,
)

__all__ = [
    "_every_emulator_stays_clean",
    "bot_handle",
    "bot_settings",
    "clock",
    "emulator",
    "guild",
    "other_guild",
]
