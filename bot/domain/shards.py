"""Which process answers which server: Discord's shard routing, as plain arithmetic.

Discord sends a server's events to the gateway session of shard `(guild_id >> 22) % shard_count`
(the server id's creation time, modulo the count). A process runs some of the shards (SHARD_IDS of
SHARD_COUNT, all of them by default); it owns a server when the server's shard is one of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes this server's events to (DMs, which have no server, go to shard 0)."""
    if shard_count < 1:
        raise ValueError(f"shard count must be at least 1, not {shard_count}")
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardSet:
    """The shards one process runs: `ids` out of `count` (every id when the process is alone)."""

    count: int
    ids: frozenset[int]

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"shard count must be at least 1, not {self.count}")
        if not self.ids:
            raise ValueError("a process runs at least one shard")
        outside = sorted(i for i in self.ids if not 0 <= i < self.count)
        if outside:
            raise ValueError(f"shard ids {outside} are outside 0..{self.count - 1}")

    @classmethod
    def everything(cls) -> ShardSet:
        """One process, one shard: it owns every server (the default)."""
        return cls(1, frozenset({0}))

    @classmethod
    def from_settings(cls, shard_count: int | None, shard_ids: Iterable[int] | None) -> ShardSet:
        """SHARD_COUNT / SHARD_IDS as read: neither is `everything()`; a count alone is all its ids."""
        if shard_count is None:
            if shard_ids is not None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            return cls.everything()
        ids = frozenset(range(shard_count)) if shard_ids is None else frozenset(shard_ids)
        return cls(shard_count, ids)

    @property
    def sorted_ids(self) -> list[int]:
        return sorted(self.ids)

    @property
    def is_everything(self) -> bool:
        """Whether this process owns every server (it runs every shard)."""
        return len(self.ids) == self.count

    def owns(self, guild_id: int) -> bool:
        """Whether this process gets (and so answers for) this server's events."""
        return shard_of(guild_id, self.count) in self.ids

    def __str__(self) -> str:
        return f"shard(s) {', '.join(map(str, self.sorted_ids))} of {self.count}"
