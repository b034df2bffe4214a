"""/stats and /leaderboard."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import records as render
from bot.render.message import Outgoing
from bot.services import records as service
from cogs.common import guild_id, reply, services
from cogs.paginator import send_pages


async def activity_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await service.activity_choices(services(interaction), interaction.guild_id, current)
    return [app_commands.Choice(name=a[:100], value=a[:100]) for a in found]


class Records(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="stats", description="A member's record: bets, challenges, penalties, bests.")
    @app_commands.describe(member="Whose stats (default: yours)")
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction[Any], member: discord.Member | None = None) -> None:
        who = member or interaction.user
        record = await service.stats(services(interaction), guild_id(interaction), who.id)
        await reply(interaction, Outgoing(embeds=[render.stats_embed(record, who.display_name)]))

    @app_commands.command(name="leaderboard", description="Who wins the most bets, challenges and penalties.")
    @app_commands.describe(activity="Rank by total of one activity", period="Time span (default: all time)")
    @app_commands.choices(period=[app_commands.Choice(name=p, value=p) for p in service.PERIODS])
    @app_commands.autocomplete(activity=activity_autocomplete)
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction[Any],
        activity: app_commands.Range[str, 1, 50] | None = None,
        period: str = "all",
    ) -> None:
        board = await service.leaderboard(
            services(interaction), guild_id(interaction), activity, period, viewer_id=interaction.user.id
        )
        await send_pages(interaction, render.leaderboard_pages(board, activity, period), ephemeral=False)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Records(bot))
