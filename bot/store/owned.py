"""The SQL condition "a server this process owns" (bot.domain.shards), for the queries that find work."""

from __future__ import annotations

from bot.domain.shards import ShardSet


def owned(shards: ShardSet | None, column: str = "guild_id") -> str:
    """` AND <column>'s shard is one of ours`, or nothing when this process owns every server.

    Only integers go into the text (the count and the ids), never input."""
    if shards is None or shards.is_everything:
        return ""
    ids = ", ".join(str(i) for i in shards.sorted_ids)
    return f" AND (({column} >> 22) % {int(shards.count)}) IN ({ids})"
