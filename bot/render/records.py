"""/stats and /leaderboard embeds."""

from __future__ import annotations

import discord

from bot.domain.timeparse import human_duration
from bot.domain.units import format_amount
from bot.domain.words import count, number
from bot.render.limits import FIELD_VALUE_MAX, chunk_lines, paged_embeds, truncate
from bot.render.text import shown
from bot.services.records import Board, Record

COLOUR = discord.Colour.gold()
LEADERBOARD_PAGE = 20  # members per page


PERIOD_TEXT = {"week": "last 7 days", "month": "last 30 days", "year": "last 365 days", "all": "all time"}
OVERALL_RANKING = "Ranked by bets won, then challenges completed, then penalties done, then fewest overdue."


def stats_embed(record: Record, name: str) -> discord.Embed:
    embed = discord.Embed(title=truncate(f"Stats — {shown(name)}", 256), colour=COLOUR)
    embed.add_field(name="Bets", value=f"{number(record.bets_won)} won · {number(record.bets_lost)} lost")
    embed.add_field(
        name="Challenges",
        value=f"{number(record.challenges_completed)} completed · {number(record.challenges_failed)} failed",
    )
    embed.add_field(
        name="Penalties",
        value=f"{number(record.penalties_owed)} owed · {number(record.penalties_done)} done · "
        f"{number(record.penalties_overdue)} overdue",
    )
    totals = [f"{shown(t.activity)}: {format_amount(t.amount, t.unit)}" for t in record.totals] or [
        "nothing logged yet"
    ]
    embed.add_field(name="Totals", value=chunk_lines(totals, FIELD_VALUE_MAX)[0], inline=False)
    bests = [f"{shown(b.what)} in {human_duration(b.elapsed)}" for b in record.bests]
    embed.add_field(
        name="Personal bests (own challenges, fastest to the target)",
        value=chunk_lines(bests or ["none yet"], FIELD_VALUE_MAX)[0],
        inline=False,
    )
    return embed


def ranking_text(activity: str | None, period: str) -> str:
    """How the board ranks, said on the board itself."""
    if activity:
        return f"Ranked by the total of {shown(activity)} each member logged ({PERIOD_TEXT.get(period, period)})."
    return OVERALL_RANKING


def leaderboard_pages(board: Board, activity: str | None, period: str) -> list[discord.Embed]:
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = [_board_line(place, r, activity, medals.get(place)) for place, r in enumerate(board.rows, start=1)]
    if not lines:
        lines = ["Nobody on the board yet — finish a challenge or win a bet!"]
    scope = f"{shown(activity)} · " if activity else ""
    heading = f"Leaderboard — {scope}{PERIOD_TEXT.get(period, period)}"
    pages = paged_embeds(heading, lines, COLOUR, per_page_lines=LEADERBOARD_PAGE)
    shown_rows = (
        f"Top {number(len(board.rows))} of {count(board.size, 'member', 'members')}"
        if board.size > len(board.rows)
        else ""
    )
    how = f"_{ranking_text(activity, period)}_"
    for embed in pages:
        embed.description = f"{how}\n\n{embed.description or ''}"
        if board.viewer is not None:
            place, record = board.viewer
            embed.add_field(name="Your place", value=truncate(_board_line(place, record, activity), FIELD_VALUE_MAX))
        footer = " · ".join(part for part in (shown_rows, embed.footer.text or "") if part)
        if footer:
            embed.set_footer(text=footer)
    return pages


def _board_line(place: int, r: Record, activity: str | None, medal: str | None = None) -> str:
    head = f"{medal or f'**{number(place)}.**'} <@{r.user_id}>"
    if activity:
        return f"{head} — " + ", ".join(format_amount(t.amount, t.unit) for t in r.totals)
    return (
        f"{head} — {count(r.bets_won, 'bet won', 'bets won')} · "
        f"{count(r.challenges_completed, 'challenge completed', 'challenges completed')} · "
        f"{count(r.penalties_done, 'penalty done', 'penalties done')} · {number(r.penalties_overdue)} overdue"
    )
