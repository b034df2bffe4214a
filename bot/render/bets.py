"""Embeds and texts for bets: the bet card, lists, and the lock/expiry/settlement/void announcements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import discord

from bot.domain import bets as rules
from bot.domain.bets import BetStatus, LockTrigger, Side, Stake
from bot.domain.timeparse import title_duration, ts
from bot.domain.tips import tip_for
from bot.render.limits import (
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    FIELD_VALUE_MAX,
    paged_embeds,
    truncate,
)
from bot.render.message import Outgoing
from bot.render.text import shown
from bot.services.bets import BetView

COLOURS = {
    BetStatus.OPEN: discord.Colour.gold(),
    BetStatus.LOCKED: discord.Colour.blurple(),
    BetStatus.SETTLED: discord.Colour.green(),
    BetStatus.EXPIRED: discord.Colour.light_grey(),
    BetStatus.VOIDED: discord.Colour.dark_grey(),
}
STATUS_TEXT = {
    BetStatus.OPEN: "🟡 open — waiting for opponents",
    BetStatus.LOCKED: "🔒 locked — waiting for the result",
    BetStatus.SETTLED: "🏁 settled",
    BetStatus.EXPIRED: "⌛ expired — nobody took it in time",
    BetStatus.VOIDED: "🚫 voided",
}
MAX_LISTED = 20


def mentions(ids: Iterable[int]) -> str:
    listed = [f"<@{uid}>" for uid in ids]
    if not listed:
        return "nobody"
    if len(listed) == 1:
        return listed[0]
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def _limited_mentions(ids: Sequence[int]) -> str:
    listed = mentions(ids[:MAX_LISTED])
    return listed + (f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else "")


def title(view: BetView) -> str:
    return truncate(f"Bet #{view.row.no} · {shown(view.subject_text)}", EMBED_TITLE_MAX)


def lock_text(view: BetView) -> str:
    """When the bet stops taking opponents, as every member can see it on the card."""
    if view.lock_at is not None:
        return f"locks {ts(view.lock_at, 'f')} ({ts(view.lock_at)})"
    if view.lock_trigger is LockTrigger.SUBJECT_FIRST_LOG:
        return f"locks at <@{view.row.subject_id}>'s first log, when their clock starts"
    return "locks at the challenge's first log"


def claim(view: BetView, side: Side) -> str:
    """What a side says: "<@sam> makes it" (a manual bet: "it happens")."""
    if view.row.subject_id is not None:
        return f"<@{view.row.subject_id}> {side.label}"
    return "it happens" if side is Side.FOR else "it doesn't happen"


def stake_text(stake: Stake) -> str:
    return f"**{shown(rules.describe(stake))}** within {title_duration(stake.due)}"


def _opponents_line(view: BetView) -> str:
    if view.row.open_bet:
        taken = view.accepted
        head = "Open to anyone"
        return f"{head} · taken by {_limited_mentions(taken)}" if taken else f"{head} · nobody has taken it yet"
    marks = {"accepted": "✅", "declined": "❌", None: "⏳"}
    parts = [f"{marks.get(o.response, '⏳')} <@{o.user_id}>" for o in view.opponents if o.named][:MAX_LISTED]
    extra = [o for o in view.opponents if not o.named and o.response == "accepted"]
    if extra:
        parts += [f"✅ <@{o.user_id}>" for o in extra][:MAX_LISTED]
    return " · ".join(parts) or "nobody"


def bet_embed(view: BetView, now: datetime | None = None) -> discord.Embed:
    row, bet = view.row, view.bet
    mine = bet.proposer_side
    theirs = rules.other(mine)
    lines = [
        f"<@{row.proposer_id}> bets that **{claim(view, mine)}**.",
        f"Against: {_opponents_line(view)}",
        "",
        f"If {claim(view, mine)}: {stake_text(bet.stake_owed_by(theirs))}, owed by each of the other side.",
        f"If {claim(view, theirs)}: <@{row.proposer_id}> owes {stake_text(bet.stake_owed_by(mine))}.",
    ]
    if row.description:
        lines.insert(0, f"📝 {shown(row.description)}")
    status = BetStatus(row.status)
    state = STATUS_TEXT[status]
    if status is BetStatus.OPEN:
        state += " · " + lock_text(view)
    if status is BetStatus.SETTLED and row.winning_side is not None:
        how = {"challenge": "by the challenge result", "agreement": "by agreement", "admin": f"by <@{row.settled_by}>"}
        state += f" {how.get(row.settled_how or '', '')} · winners {mentions(view.winners)}"
    if status is BetStatus.VOIDED:
        by = f" by <@{row.voided_by}>" if row.voided_by else ""
        reason = f": {shown(row.void_reason)}" if row.void_reason else ""
        state += f"{by}{reason}"
    if status is BetStatus.LOCKED and row.is_manual:
        voted = ", ".join(f"<@{uid}> says {Side(side).label}" for uid, side in view.votes.items())
        if voted:
            state += f"\nVotes: {voted}"
    lines += ["", state]
    embed = discord.Embed(
        title=title(view),
        description=truncate("\n".join(lines), EMBED_DESCRIPTION_MAX),
        colour=COLOURS[status],
    )
    if view.penalties:
        value = "\n".join(
            f"#{p.no} <@{p.debtor_id}>: {shown(p.text)} — {p.status}"
            + (f", due {ts(p.due_at)}" if p.status in ("owed", "submitted") else "")
            for p in view.penalties[:MAX_LISTED]
        )
        embed.add_field(name="Penalties", value=truncate(value, FIELD_VALUE_MAX), inline=False)
    return embed


def created(view: BetView) -> Outgoing:
    """The bet message: names the opponents (pinged) and carries the Accept / Decline buttons (added by the cog)."""
    named = list(view.named)
    if named:
        content = f"🎲 {mentions(named)} — <@{view.row.proposer_id}> has a bet for you."
    else:
        content = f"🎲 <@{view.row.proposer_id}> has an open bet: anyone can take the other side."
    return Outgoing(content=truncate(content, CONTENT_MAX), embeds=[bet_embed(view)], ping=named)


def card(view: BetView) -> Outgoing:
    return Outgoing(embeds=[bet_embed(view)])


def expired(view: BetView) -> Outgoing:
    text = (
        f"⌛ Bet #{view.row.no} ({shown(view.subject_text)}) expired: nobody took it before it locked. "
        f"Nothing is owed, <@{view.row.proposer_id}>."
    )
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=[view.row.proposer_id])


def decide(view: BetView) -> Outgoing:
    people = sorted(view.bet.participants)
    text = (
        f"⚖️ Time to decide bet #{view.row.no}: {shown(view.subject_text)}\n"
        f"{mentions(people)} — how did it end? Once both sides press the same answer, the bet settles; "
        "an admin who isn't in it can settle it too."
    )
    return Outgoing(content=truncate(text, CONTENT_MAX), embeds=[bet_embed(view)], ping=people)


def settled(view: BetView) -> Outgoing:
    """Winners and losers, each penalty with its due time and a tip; pings exactly those members."""
    row = view.row
    assert row.winning_side is not None
    winning = Side(row.winning_side)
    winners, losers = view.winners, view.losers
    head = f"🏁 Bet #{row.no} is settled — {claim(view, winning)}! ({shown(view.subject_text)})"
    lines = [head, f"🏆 Won: {mentions(winners)}", f"💸 Lost: {mentions(losers)}"]
    tips: list[str] = []
    for p in view.penalties[:MAX_LISTED]:
        lines.append(
            f"• Penalty #{p.no}: <@{p.debtor_id}> owes **{shown(p.text)}**, due {ts(p.due_at, 'f')} ({ts(p.due_at)})"
        )
        tip = tip_for(p.text)
        if tip and tip not in tips:
            tips.append(tip)
    if view.penalties:
        lines.append("Submit it with `/penalty submit` when it's done.")
    for tip in tips[:2]:
        lines.append(f"💡 Tip: {tip}")
    text = "\n".join(lines)
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=sorted({*winners, *losers}))


def voided(view: BetView) -> Outgoing:
    row = view.row
    by = f" by <@{row.voided_by}>" if row.voided_by else ""
    reason = f" — {shown(row.void_reason)}" if row.void_reason else ""
    cancelled = [p for p in view.penalties if p.status == "cancelled"]
    text = f"🚫 Bet #{row.no} ({shown(view.subject_text)}) was voided{by}{reason}."
    if cancelled:
        text += f" Its open penalties ({', '.join(f'#{p.no}' for p in cancelled)}) are cancelled."
    elif row.status_before_void in ("open", "locked"):
        text += " Nothing is owed."
    people = sorted(view.bet.participants)
    text += f"\n{_limited_mentions(people)}"
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=people)


def list_line(view: BetView) -> str:
    row = view.row
    status = BetStatus(row.status)
    against = mentions(view.accepted) if view.accepted else ("anyone" if row.open_bet else mentions(view.named))
    mine = claim(view, view.bet.proposer_side)
    text = f"**#{row.no}** {shown(view.subject_text)} — <@{row.proposer_id}>: {mine} vs {against}"
    if status is BetStatus.SETTLED:
        text += f" · 🏁 won by {mentions(view.winners)}"
    else:
        text += f" · {STATUS_TEXT[status].split(' — ')[0]}"
    return truncate(text, 400)


def list_pages(views: list[BetView], heading: str) -> list[discord.Embed]:
    lines = [list_line(v) for v in views] or ["No bets here yet. Start one with `/bet create`."]
    return paged_embeds(heading, lines, discord.Colour.gold())
