"""Proof on /challenge log and /penalty submit: a photo, or a run's GPX or FIT file, checked and then kept
as a file of the bot's public reply. A GPX or FIT file is also read (off the event loop, in the chart
workers) for its distance and times, and a picture of its route and pace is drawn there.

A member's attachment link is signed by Discord and expires, so storing it would leave a dead link.
The bot downloads the photo and uploads it again with its own public reply; what is stored is where
that reply is (`ProofRef`), and later views link to the message, which never expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import discord

from bot.domain.activity import ActivityKind, ActivitySummary, activity_kind, check_activity_file
from bot.domain.activity_files import read_activity
from bot.domain.proof import ProofRef, check_proof, proof_filename
from bot.domain.units import KM
from bot.errors import UserError
from bot.render.activity_chart import activity_picture, draw_activity
from bot.render.chart import ChartRenderer
from bot.render.message import Outgoing
from cogs.common import reply

if TYPE_CHECKING:
    from bot.app import FitbetBot

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 30  # well inside the 15 minutes an interaction's token lives
TOO_SLOW = "That file took too long to read, so nothing was saved. Export only this run and attach it."
READ_TIMEOUT_S = 30  # reading a GPX or FIT file (bounded by its size limit), and drawing its picture
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

    def __init__(
        self,
        interaction: discord.Interaction[Any],
        ref: ProofRef | None,
        photo: bytes | None,
        activity: ActivitySummary | None = None,
        picture: bytes | None = None,
    ) -> None:
        self.interaction = interaction
        self.ref = ref
        self.photo = photo  # the kept file: a photo, or a run's GPX or FIT file (then `activity` says what it shows)
        self.activity = activity
        self.picture = picture  # the run's route and pace, when one could be drawn

    @classmethod
    async def prepare(cls, interaction: discord.Interaction[Any], attachment: discord.Attachment | None) -> ProofAnswer:
        if attachment is None:
            return cls(interaction, None, None)
        kind = activity_kind(attachment.filename, attachment.content_type)
        if kind is not None:
            return await cls._prepare_activity(interaction, attachment, kind)
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

    @classmethod
    async def _prepare_activity(
        cls, interaction: discord.Interaction[Any], attachment: discord.Attachment, kind: ActivityKind
    ) -> ProofAnswer:
        """A GPX or FIT file: read off the event loop (in the chart workers), its picture drawn there too."""
        check_activity_file(kind, attachment.size, interaction.filesize_limit)
        await interaction.response.defer()  # public: the run is for the whole server to see
        try:
            placeholder = await interaction.original_response()
            data = await _download(attachment)
            check_activity_file(kind, len(data), interaction.filesize_limit)  # what Discord said may have been wrong
            charts = cast("FitbetBot", interaction.client).charts
            try:
                async with asyncio.timeout(READ_TIMEOUT_S):
                    activity = await charts.call(read_activity, data, attachment.filename, kind)
            except TimeoutError:
                raise UserError(TOO_SLOW) from None
            picture = await _picture(charts, activity)
        except BaseException:
            await _withdraw(interaction)
            raise
        ref = ProofRef(placeholder.channel.id, placeholder.id, activity.filename)
        return cls(interaction, ref, data, activity, picture)

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


async def _picture(charts: ChartRenderer, activity: ActivitySummary) -> bytes | None:
    """The route and pace picture; a run is shown without one when it can't be drawn."""
    spec = activity_picture(activity, KM)
    if spec is None:
        return None
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            return await charts.call(draw_activity, spec)
    except Exception:
        log.exception("could not draw the picture of %s; the run is shown without it", activity.filename)
        return None


async def _download(attachment: discord.Attachment) -> bytes:
    try:
        async with asyncio.timeout(DOWNLOAD_TIMEOUT_S):
            return await attachment.read()
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        log.warning("could not download proof attachment %s: %r", attachment.id, exc)
        raise UserError(
            "I couldn't fetch your photo or file from Discord just now, so nothing was saved. Try again in a moment."
        ) from exc


async def _withdraw(interaction: discord.Interaction[Any]) -> None:
    """Delete the public "thinking…" placeholder; what follows is then a separate, ephemeral message
    (before that, Discord would make the first follow-up fill the public placeholder)."""
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.warning("could not withdraw the placeholder of interaction %s", interaction.id, exc_info=True)
