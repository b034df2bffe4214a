"""/help: every command with one line each, read from the command tree itself."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.render.help import help_embeds
from bot.render.message import Outgoing
from cogs.common import reply


class Help(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What fitbet can do, one line per command.")
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        lines: list[tuple[str, str]] = []
        for command in self.bot.tree.get_commands():
            needed = command.default_permissions
            if needed is not None and not needed.is_subset(interaction.permissions):
                continue  # e.g. /admin for members without Manage Server
            if isinstance(command, app_commands.Group):
                lines.extend(
                    (f"/{sub.qualified_name}", sub.description)
                    for sub in command.walk_commands()
                    if isinstance(sub, app_commands.Command)
                )
            elif isinstance(command, app_commands.Command):
                lines.append((f"/{command.qualified_name}", command.description))
        await reply(interaction, Outgoing(embeds=help_embeds(sorted(lines))), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Help(bot))
