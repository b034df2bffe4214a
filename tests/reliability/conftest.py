"""The reliability suite shares the end-to-end fixtures (emulator, guilds, bot handle)."""

from tests.e2e.conftest import bot_handle, bot_settings, clock, emulator, guild, other_guild

__all__ = ["bot_handle", "bot_settings", "clock", "emulator", "guild", "other_guild"]
