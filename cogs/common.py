"""Small Discord helpers shared by the cogs: replying, the bot's services, admin checks."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.errors import NotAllowed, RepeatedInteraction, UserError
from bot.render.commands import CommandMentions
from bot.render.message import Outgoing

if TYPE_CHECKING:
    from bot.app import FitbetBot
    from bot.services.context import Services

log = logging.getLogger("fitbet.errors")

APOLOGY = "Sorry, something went wrong on my side. It has been logged as `{ref}`; please try again later."


def fitbet(interaction: discord.Interaction[Any]) -> FitbetBot:
    return cast("FitbetBot", interaction.client)


def services(interaction: discord.Interaction[Any]) -> Services:
    return fitbet(interaction).svc


def command_mentions(interaction: discord.Interaction[Any]) -> CommandMentions:
    return fitbet(interaction).command_mentions(interaction.guild_id)


def guild_id(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise UserError("fitbet works inside a server; use this command in one of its channels.")
    return interaction.guild_id


async def reply(interaction: discord.Interaction[Any], message: Outgoing, *, ephemeral: bool = False) -> None:
    """Answer an interaction, whether or not it was deferred already."""
    kwargs = message.send_kwargs()
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)


async def reply_text(interaction: discord.Interaction[Any], text: str, *, ephemeral: bool = True) -> None:
    await reply(interaction, Outgoing(content=text), ephemeral=ephemeral)


def is_admin(interaction: discord.Interaction[Any], admin_role_id: int | None) -> bool:
    member = interaction.user
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild or member.guild_permissions.administrator:
        return True
    return admin_role_id is not None and any(role.id == admin_role_id for role in member.roles)


async def caller_is_admin(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server, Administrator or this server's fitbet admin role."""
    settings = await services(interaction).guild_settings(guild_id(interaction))
    return is_admin(interaction, settings.admin_role_id)


async def require_admin(interaction: discord.Interaction[Any]) -> None:
    """Checked at run time: Discord's default permissions are only a hint a server can override."""
    if not await caller_is_admin(interaction):
        raise NotAllowed("Only server admins (Manage Server, or the fitbet admin role) can do that.")


def _unusable_option(error: discord.app_commands.TransformerError) -> str:
    """An option value discord.py could not turn into what the command takes (e.g. a user who
    isn't a member of this server where a member is needed)."""
    if error.type in (discord.AppCommandOptionType.user, discord.AppCommandOptionType.mentionable):
        return "That person isn't a member of this server — pick someone who is."
    if error.type is discord.AppCommandOptionType.channel:
        return "I can't use that channel here — pick a text channel of this server."
    return "I can't use one of the values you gave; pick it from the suggestions and try again."


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """The one place errors become member-facing text."""
    original = error
    while isinstance(original, discord.app_commands.AppCommandError | discord.DiscordException) and (
        original.__cause__ is not None
    ):
        if isinstance(original, UserError):
            break
        original = original.__cause__
    if isinstance(original, RepeatedInteraction):
        log.info("interaction %s was delivered again; it was handled already and is not answered twice", interaction.id)
        return
    if isinstance(original, UserError):
        text = original.message
    elif isinstance(original, discord.app_commands.CheckFailure):
        text = "You can't use this command here."
    elif isinstance(original, discord.app_commands.TransformerError):
        text = _unusable_option(original)
    else:
        ref = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else interaction.data
        log.error(
            "unexpected error ref=%s command=%r guild=%s channel=%s user=%s",
            ref,
            command,
            interaction.guild_id,
            interaction.channel_id,
            interaction.user.id,
            exc_info=original,
        )
        text = APOLOGY.format(ref=ref)
    try:
        await reply_text(interaction, text, ephemeral=True)
    except discord.HTTPException:
        log.exception("could not tell the member about an error")
