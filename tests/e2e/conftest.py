"""End-to-end fixtures. They live in `tests/emulator/fixtures.py` and are registered for the whole
test tree by `tests/conftest.py`; they are re-exported here for suites that import them from this
module. See `tests/emulator/README.md` for the fixtures and the driver API."""

from tests.emulator.fixtures import (
    assert_emulator_clean,
    bot_handle,
    bot_settings,
    clock,
    emulator,
    guild,
    other_guild,
)

__all__ = ["assert_emulator_clean", "bot_handle", "bot_settings", "clock", "emulator", "guild", "other_guild"]
