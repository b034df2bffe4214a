"""Keeps the names of members who use a command, or are named in one, once it has succeeded (a refused
command changes nothing): bot.services.names."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import names as service

if TYPE_CHECKING:
    from bot.app import FitbetBot

log = logging.getLogger(__name__)


def names_in(interaction: discord.Interaction[Any]) -> dict[int, str]:
    """The member who acted and every member or user an option named, with their display names."""
    found = {interaction.user.id: interaction.user.display_name}
    for _, value in interaction.namespace:
        if isinstance(value, discord.Member | discord.User) and not value.bot:
            found[value.id] = value.display_name
    return found


class Names(commands.Cog):
    def __init__(self, bot: FitbetBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], command: app_commands.Command[Any, ..., Any] | Any
    ) -> None:
        if interaction.guild_id is None:
            return
        try:
            await service.seen(self.bot.svc, interaction.guild_id, names_in(interaction))
        except Exception:  # a name is a nicety: never an error for a command that already answered
            log.warning("could not keep the names seen in an interaction", exc_info=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Names(bot))  # type: ignore[arg-type]
