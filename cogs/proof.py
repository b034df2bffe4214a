"""Proof photos on /challenge log and /penalty submit: checked, then kept as a file of the bot's public reply.

A member's attachment link is signed by Discord and expires, so storing it would leave a dead link.
The bot downloads the photo and uploads it again with its own public reply; what is stored is where
that reply is (`ProofRef`), and later views link to the message, which never expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord

from bot.domain.proof import ProofRef, check_proof, proof_filename
from bot.errors import UserError
from bot.render.message import Outgoing
from cogs.common import reply

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 30  # well inside the 15 minutes an interaction's token lives
NOT_POSTED = (
    "It's saved, but I couldn't post your photo to the channel just now, so it isn't shown as proof. "
    "Ask an admin if it matters."
)


class ProofAnswer:
    """How a command with an optional proof photo answers.

    Without a photo, as always. With one: the attachment is first checked from what Discord says about
    it (refused ephemerally, nothing answered in public yet); then the interaction is deferred in
    public (the copy may take longer than the 3 s Discord allows), the photo is downloaded and checked
    again, and its future place is known before anything is stored: a file of the deferred reply
    (`ref`). If the command is refused after that, the public placeholder is withdrawn, so the refusal
    stays ephemeral and nothing is shown.
    """

    def __init__(self, interaction: discord.Interaction[Any], ref: ProofRef | None, photo: bytes | None) -> None:
        self.interaction = interaction
        self.ref = ref
        self.photo = photo

    @classmethod
    async def prepare(cls, interaction: discord.Interaction[Any], attachment: discord.Attachment | None) -> ProofAnswer:
        if attachment is None:
            return cls(interaction, None, None)
        check_proof(attachment.content_type, attachment.size, interaction.filesize_limit)
        await interaction.response.defer()  # public: the photo is for the whole server
        try:
            placeholder = await interaction.original_response()
            photo = await _download(attachment)
            filename = proof_filename(photo, interaction.filesize_limit)
        except BaseException:
            await _withdraw(interaction)
            raise
        return cls(interaction, ProofRef(placeholder.channel.id, placeholder.id, filename), photo)

    @contextlib.asynccontextmanager
    async def withdrawn_on_error(self) -> AsyncIterator[None]:
        """Around the service call: a refusal takes the public placeholder back before it is explained."""
        try:
            yield
        except BaseException:
            if self.ref is not None:
                await _withdraw(self.interaction)
            raise

    async def send(self, message: Outgoing, *, ephemeral: bool = False) -> None:
        """The answer: with a photo, it fills the public placeholder and carries the photo's file."""
        if self.ref is None:
            await reply(self.interaction, message, ephemeral=ephemeral)
            return
        kwargs = message.send_kwargs()
        kwargs["attachments"] = kwargs.pop("files", [])
        try:
            await self.interaction.edit_original_response(**kwargs)
        except discord.HTTPException:
            # Already stored: say so (a retry would store it twice), just without the photo.
            log.exception("could not post the proof photo of interaction %s", self.interaction.id)
            await _withdraw(self.interaction)
            await self.interaction.followup.send(NOT_POSTED, ephemeral=True)


async def _download(attachment: discord.Attachment) -> bytes:
    try:
        async with asyncio.timeout(DOWNLOAD_TIMEOUT_S):
            return await attachment.read()
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        log.warning("could not download proof attachment %s: %r", attachment.id, exc)
        raise UserError(
            "I couldn't fetch your photo from Discord just now, so nothing was saved. Try again in a moment."
        ) from exc


async def _withdraw(interaction: discord.Interaction[Any]) -> None:
    """Delete the public "thinking…" placeholder; what follows is then a separate, ephemeral message
    (before that, Discord would make the first follow-up fill the public placeholder)."""
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.warning("could not withdraw the placeholder of interaction %s", interaction.id, exc_info=True)
