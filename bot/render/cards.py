"""The live challenge card (its buttons are added by `cogs/card.py`), and the answers to its taps."""

from __future__ import annotations

import discord

from bot.domain.bets import BetStatus
from bot.domain.challenges import Mode
from bot.domain.timeparse import human_duration
from bot.domain.units import format_amount
from bot.domain.words import percent
from bot.render.bets import STATUS_TEXT, claim, lock_text, mentions
from bot.render.challenges import challenge_embed, name
from bot.render.limits import CONTENT_MAX, FIELD_VALUE_MAX, chunk_lines, truncate
from bot.render.message import Outgoing
from bot.render.text import shown
from bot.services.bets import BetView
from bot.services.cards import CardView
from bot.services.challenges import LogResult

FINISHED_COLOUR = discord.Colour.green()
CANCELLED_COLOUR = discord.Colour.dark_grey()


def jump_url(guild_id: int, where: tuple[int, int]) -> str:
    channel_id, message_id = where
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def card_message(card: CardView) -> Outgoing:
    """The card as it stands: status with progress bars, pace and projection, the bets, the result."""
    view = card.challenge
    row = view.row
    status = row.status
    if status == "finished":
        content = f"🏁 Final standings of challenge #{row.no} **{shown(view.title)}**."
        embed = challenge_embed(view, heading=f"Result — {name(view)}")
        embed.colour = FINISHED_COLOUR
    elif status == "cancelled":
        content = f"🚫 Cancelled: challenge #{row.no} **{shown(view.title)}**."
        embed = challenge_embed(view)
        embed.colour = CANCELLED_COLOUR
    else:
        content = (
            f"New challenge by <@{row.creator_id}>: **{shown(view.title)}**\n"
            "Tap a button below to log for yourself (or use `/challenge log`)."
        )
        embed = challenge_embed(view)
    results = _result_lines(card)
    if results:
        embed.add_field(name="🏁 Results", value=chunk_lines(results, FIELD_VALUE_MAX)[0], inline=False)
    if card.bets:
        embed.add_field(
            name="🎲 Bets on it",
            value=chunk_lines([_bet_line(b) for b in card.bets], FIELD_VALUE_MAX)[0],
            inline=False,
        )
    embed.timestamp = view.now  # "updated at", in each member's own time
    return Outgoing(content=truncate(content, CONTENT_MAX), embeds=[embed])


def _result_lines(card: CardView) -> list[str]:
    view = card.challenge
    guild_id = view.row.guild_id
    lines = []
    if card.result_post is not None:
        lines.append(f"🏆 [See the result post]({jump_url(guild_id, card.result_post)})")
    elif view.row.status == "finished":
        lines.append("🏆 The result post is on its way.")
    for person in view.participants:
        where = card.member_posts.get(person.user_id)
        if where is None or card.result_post is not None:
            continue
        icon, verb = ("✅", "made it") if person.result == "succeeded" else ("❌", "didn't make it")
        lines.append(f"{icon} <@{person.user_id}> {verb} — [result]({jump_url(guild_id, where)})")
    return lines


def _bet_line(bet: BetView) -> str:
    status = bet.status
    taken = mentions(bet.accepted) if bet.accepted else "anyone"
    against = taken if bet.row.open_bet else mentions(bet.named)
    text = f"**#{bet.row.no}** <@{bet.row.proposer_id}>: {claim(bet, bet.bet.proposer_side)} vs {against}"
    if status is BetStatus.SETTLED:
        text += f" · 🏁 won by {mentions(bet.winners)}"
    elif status is BetStatus.OPEN:
        text += f" · 🟡 open, {lock_text(bet)}"
    else:
        text += f" · {STATUS_TEXT[status].split(' — ')[0]}"
    return truncate(text, 300)


def tapped(result: LogResult) -> str:
    """The ephemeral answer to a quick-amount tap or the Log… modal."""
    progress, unit = result.progress, result.rules.unit
    text = f"✅ Logged {format_amount(result.log.amount, unit)} in **{shown(result.title)}** — you're at "
    text += format_amount(progress.total, unit)
    if progress.percent is not None and result.rules.mode is not Mode.TOTAL:
        text += f" ({percent(progress.percent)})"
    text += "."
    if progress.reached_now:
        elapsed = f" in {human_duration(progress.elapsed_to_target)}" if progress.elapsed_to_target else ""
        text += f"\n🎉 Target reached{elapsed}!"
    if result.log.note:
        text += f"\n> {shown(result.log.note)}"
    return truncate(text, CONTENT_MAX)
