"""Command mentions: `</challenge log:123>` is a command a member can click to start typing it."""

from __future__ import annotations

from collections.abc import Mapping


class CommandMentions:
    """Mentions built from the ids Discord gave the commands when they were synced (top-level name → id).

    A command whose id isn't known (not synced yet) is shown as `/name` in code, never as a broken mention."""

    def __init__(self, ids: Mapping[str, int] | None = None) -> None:
        self.ids = dict(ids or {})

    def __call__(self, path: str) -> str:
        command_id = self.ids.get(path.split()[0])
        return f"</{path}:{command_id}>" if command_id else f"`/{path}`"
