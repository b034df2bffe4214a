"""Showing a kept proof photo: in the bot's own reply (the file itself), and later as a link to it."""

from __future__ import annotations

import discord

from bot.domain.proof import ProofRef

PROOF_COLOUR = discord.Colour.dark_teal()


def jump_url(guild_id: int, proof: ProofRef) -> str:
    """The message that holds the photo. Unlike an attachment link, it never expires: Discord signs
    attachment links for a day or so, and the client shows the message's file afresh each time."""
    return f"https://discord.com/channels/{guild_id}/{proof.channel_id}/{proof.message_id}"


def proof_link(guild_id: int, proof: ProofRef, label: str = "📷 proof") -> str:
    return f"[{label}]({jump_url(guild_id, proof)})"


def proof_embed(filename: str, caption: str | None = None) -> discord.Embed:
    """An embed showing the file `filename` uploaded with the same message."""
    embed = discord.Embed(colour=PROOF_COLOUR, description=caption)
    embed.set_image(url=f"attachment://{filename}")
    return embed
