"""A message the bot is about to post, independent of how it is sent."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord


@dataclass(frozen=True)
class DeferredImage:
    """An image shown in a message's first embed that takes a while to draw (a result's chart).

    The outbox never holds the message back for it: it goes with the message if drawn in time, else
    it is added by editing the message once drawn, and the message stays without it if it cannot be.
    """

    filename: str
    draw: Callable[[], Awaitable[bytes | None]]  # None: it cannot be drawn (logged where it failed)


@dataclass
class Outgoing:
    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    ping: Sequence[int] = ()
    view: discord.ui.View | None = None
    # Where an announcement goes when its channel refuses it (e.g. the challenge's own channel).
    fallback_channel_id: int | None = None
    image: DeferredImage | None = None

    def allowed_mentions(self) -> discord.AllowedMentions:
        """Ping exactly the members this message means to, never roles or @everyone."""
        return discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False, users=[discord.Object(uid) for uid in self.ping]
        )

    def send_kwargs(self, image: bytes | None = None) -> dict[str, Any]:
        """The message as `send()` takes it; with `image`, the deferred image drawn."""
        kwargs: dict[str, Any] = {"allowed_mentions": self.allowed_mentions()}
        if self.content is not None:
            kwargs["content"] = self.content
        embeds, files = self._with_image(image)
        if embeds:
            kwargs["embeds"] = embeds
        if files:
            kwargs["files"] = files
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs

    def image_edit_kwargs(self, image: bytes) -> dict[str, Any]:
        """An edit that shows the drawn image: the embeds again and the files as the only attachments,
        so repeating the edit (after a crash) changes nothing."""
        embeds, files = self._with_image(image)
        return {"embeds": embeds, "attachments": files}

    def _with_image(self, image: bytes | None) -> tuple[list[discord.Embed], list[discord.File]]:
        embeds = list(self.embeds)
        files = [(name, data) for name, data in self.files]
        if image is not None and self.image is not None:
            name = self.image.filename
            files.append((name, image))
            if embeds:
                embeds[0] = embeds[0].copy().set_image(url=f"attachment://{name}")
        return embeds, [discord.File(io.BytesIO(data), filename=name) for name, data in files]
