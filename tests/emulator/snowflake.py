"""Discord snowflake ids: unique across every emulator in the test process."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000

_lock = threading.Lock()
_counter = itertools.count()
_last_ms = 0


def next_id() -> int:
    """A new snowflake: (milliseconds since the Discord epoch << 22) | increment.

    Ids are strictly increasing within the process, so ids of users, guilds, channels and
    messages never collide, even between two emulators in one test session.
    """
    global _last_ms
    with _lock:
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, _last_ms)
        inc = next(_counter) & 0xFFF
        if inc == 0xFFF:
            ms += 1
        _last_ms = ms
        return (ms << 22) | (1 << 17) | (1 << 12) | inc


def created_at(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)
