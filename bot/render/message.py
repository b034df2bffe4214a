"""A message the bot is about to post, independent of how it is sent."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord


@dataclass
class Outgoing:
    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    ping: Sequence[int] = ()
    view: discord.ui.View | None = None
    # Where an announcement goes when its channel refuses it (e.g. the challenge's own channel).
    fallback_channel_id: int | None = None

    def allowed_mentions(self) -> discord.AllowedMentions:
        """Ping exactly the members this message means to, never roles or @everyone."""
        return discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False, users=[discord.Object(uid) for uid in self.ping]
        )

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"allowed_mentions": self.allowed_mentions()}
        if self.content is not None:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.files:
            kwargs["files"] = [discord.File(io.BytesIO(data), filename=name) for name, data in self.files]
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs
