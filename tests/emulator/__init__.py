"""A local Discord for end-to-end tests: REST v10 + gateway for the real discord.py bot, and a
driver API for tests (see `DiscordEmulator`)."""

from tests.emulator.emulator import (
    BotNotConnectedError,
    DiscordEmulator,
    DriverError,
    EmulatorError,
    EmulatorTimeoutError,
    InteractionNotAcknowledgedError,
    InteractionRejectedError,
    RequestRecord,
    UnknownCommandError,
)
from tests.emulator.interactions import InteractionResult
from tests.emulator.models import (
    Channel,
    Choice,
    Guild,
    Member,
    Message,
    Modal,
    Permission,
    Role,
    StoredAttachment,
    User,
    Violation,
)

__all__ = [
    "BotNotConnectedError",
    "Channel",
    "Choice",
    "DiscordEmulator",
    "DriverError",
    "EmulatorError",
    "EmulatorTimeoutError",
    "Guild",
    "InteractionNotAcknowledgedError",
    "InteractionRejectedError",
    "InteractionResult",
    "Member",
    "Message",
    "Modal",
    "Permission",
    "RequestRecord",
    "Role",
    "StoredAttachment",
    "UnknownCommandError",
    "User",
    "Violation",
]
