"""/help: the commands this member can use, grouped by what they want to do, read from the command tree."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.render.help import help_embeds
from bot.render.message import Outgoing
from cogs.common import caller_is_admin, command_mentions, reply


class Help(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What fitbet can do, grouped by what you want to do.")
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        admin = await caller_is_admin(interaction)
        found: dict[str, str] = {}
        for command in self.bot.tree.get_commands():
            needed = command.default_permissions
            if needed is not None and not needed.is_subset(interaction.permissions) and not admin:
                continue  # e.g. /admin for members who aren't admins
            if isinstance(command, app_commands.Group):
                found.update(
                    (sub.qualified_name, sub.description)
                    for sub in command.walk_commands()
                    if isinstance(sub, app_commands.Command)
                )
            elif isinstance(command, app_commands.Command):
                found[command.qualified_name] = command.description
        embeds = help_embeds(found, command_mentions(interaction), admin=admin)
        await reply(interaction, Outgoing(embeds=embeds), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Help(bot))
