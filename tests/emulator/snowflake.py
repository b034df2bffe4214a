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


def next_id(*, shard: tuple[int, int] | None = None) -> int:
    """A new snowflake: (milliseconds since the Discord epoch << 22) | increment.

    Ids are strictly increasing within the process, so ids of users, guilds, channels and
    messages never collide, even between two emulators in one test session. `shard=(id, count)`:
    a guild id that Discord routes to shard `id` of `count` (`shard_of(result, count) == id`),
    its time moved on by less than `count` milliseconds.
    """
    global _last_ms
    with _lock:
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, _last_ms)
        inc = next(_counter) & 0xFFF
        if inc == 0xFFF:
            ms += 1
        if shard is not None:
            shard_id, count = shard
            if not 0 <= shard_id < count:
                raise ValueError(f"shard {shard_id} is not one of 0..{count - 1}")
            ms += (shard_id - ms) % count
        _last_ms = ms
        return (ms << 22) | (1 << 17) | (1 << 12) | inc


def shard_of(snowflake: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to: `(guild_id >> 22) % shard_count`."""
    return (snowflake >> 22) % shard_count


def created_at(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)
