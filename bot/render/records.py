"""/stats and /leaderboard embeds."""

from __future__ import annotations

import discord

from bot.domain.timeparse import human_duration
from bot.domain.units import format_amount
from bot.render.limits import FIELD_VALUE_MAX, chunk_lines, paged_embeds, truncate
from bot.services.records import Record

COLOUR = discord.Colour.gold()
LEADERBOARD_PAGE = 20  # members per page


def stats_embed(record: Record, name: str) -> discord.Embed:
    embed = discord.Embed(title=truncate(f"Stats — {name}", 256), colour=COLOUR)
    embed.add_field(name="Bets", value=f"{record.bets_won} won · {record.bets_lost} lost")
    embed.add_field(
        name="Challenges", value=f"{record.challenges_completed} completed · {record.challenges_failed} failed"
    )
    embed.add_field(
        name="Penalties",
        value=f"{record.penalties_owed} owed · {record.penalties_done} done · {record.penalties_overdue} overdue",
    )
    totals = [f"{t.activity}: {format_amount(t.amount, t.unit)}" for t in record.totals] or ["nothing logged yet"]
    embed.add_field(name="Totals", value=chunk_lines(totals, FIELD_VALUE_MAX)[0], inline=False)
    bests = [f"{b.what} in {human_duration(b.elapsed)}" for b in record.bests]
    embed.add_field(name="Personal bests", value=chunk_lines(bests or ["none yet"], FIELD_VALUE_MAX)[0], inline=False)
    return embed


def leaderboard_pages(rows: list[Record], activity: str | None, period: str) -> list[discord.Embed]:
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = []
    for rank, r in enumerate(rows, start=1):
        head = f"{medals.get(rank, f'**{rank}.**')} <@{r.user_id}>"
        if activity:
            totals = ", ".join(format_amount(t.amount, t.unit) for t in r.totals)
            lines.append(f"{head} — {totals}")
        else:
            lines.append(
                f"{head} — {r.bets_won} bets won · {r.challenges_completed} challenges · "
                f"{r.penalties_done} penalties done · {r.penalties_overdue} overdue"
            )
    if not lines:
        lines = ["Nobody on the board yet — finish a challenge or win a bet!"]
    scope = f"{activity} · " if activity else ""
    return paged_embeds(f"Leaderboard — {scope}{period}", lines, COLOUR, per_page_lines=LEADERBOARD_PAGE)
