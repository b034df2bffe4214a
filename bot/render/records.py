"""/stats and /leaderboard embeds."""

from __future__ import annotations

import discord

from bot.domain.timeparse import human_duration
from bot.domain.units import format_amount
from bot.render.limits import FIELD_VALUE_MAX, chunk_lines, paged_embeds, truncate
from bot.services.records import Board, Record

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


def leaderboard_pages(board: Board, activity: str | None, period: str) -> list[discord.Embed]:
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = [_board_line(place, r, activity, medals.get(place)) for place, r in enumerate(board.rows, start=1)]
    if not lines:
        lines = ["Nobody on the board yet — finish a challenge or win a bet!"]
    scope = f"{activity} · " if activity else ""
    pages = paged_embeds(f"Leaderboard — {scope}{period}", lines, COLOUR, per_page_lines=LEADERBOARD_PAGE)
    shown = f"Top {len(board.rows):,} of {board.size:,} members" if board.size > len(board.rows) else ""
    for embed in pages:
        if board.viewer is not None:
            place, record = board.viewer
            embed.add_field(name="Your place", value=truncate(_board_line(place, record, activity), FIELD_VALUE_MAX))
        footer = " · ".join(part for part in (shown, embed.footer.text or "") if part)
        if footer:
            embed.set_footer(text=footer)
    return pages


def _board_line(place: int, r: Record, activity: str | None, medal: str | None = None) -> str:
    head = f"{medal or f'**{place:,}.**'} <@{r.user_id}>"
    if activity:
        return f"{head} — " + ", ".join(format_amount(t.amount, t.unit) for t in r.totals)
    return (
        f"{head} — {r.bets_won} bets won · {r.challenges_completed} challenges · "
        f"{r.penalties_done} penalties done · {r.penalties_overdue} overdue"
    )
