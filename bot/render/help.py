"""The /help embed."""

from __future__ import annotations

import discord

from bot.render.limits import chunk_lines

INTRO = (
    "Bet your friends you can do **2,020 pushups in under 7 hours** — the losers run 5 km backwards.\n"
    "Create a challenge, bet on it, log your progress; fitbet settles at the deadline and tracks the penalty."
)


def help_embeds(commands: list[tuple[str, str]]) -> list[discord.Embed]:
    lines = [f"`{name}` — {description}" for name, description in commands]
    pages = chunk_lines(lines, limit=4000) or [""]
    embeds = []
    for number, page in enumerate(pages):
        embed = discord.Embed(
            title="fitbet — commands" if number == 0 else None,
            description=(INTRO + "\n\n" + page) if number == 0 and len(INTRO) + len(page) < 4090 else page,
            colour=discord.Colour.orange(),
        )
        embeds.append(embed)
    return embeds[:10]
