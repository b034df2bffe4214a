"""Embeds and texts for challenges: cards, status with progress bars, lists, announcements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import discord

from bot.domain.bets import LockTrigger, lock_trigger
from bot.domain.challenges import Mode, ParticipantStanding
from bot.domain.pace import format_rate
from bot.domain.timeparse import human_duration, ts
from bot.domain.units import Unit, format_amount
from bot.domain.words import count, noun, number, percent
from bot.render.limits import EMBED_DESCRIPTION_MAX, FIELD_VALUE_MAX, chunk_lines, paged_embeds, truncate
from bot.render.message import Outgoing
from bot.render.proof import proof_embed, proof_link
from bot.render.text import shown
from bot.services.challenges import ChallengeView, LogResult
from bot.store.challenges import ChallengeRow

COLOUR = discord.Colour.blurple()
MODE_TEXT = {
    Mode.EACH: "everyone must reach the target",
    Mode.TOTAL: "the combined total must reach the target",
    Mode.MOST: "highest total at the deadline wins",
}
BAR_WIDTH = 12


def progress_bar(percent: float | None, width: int = BAR_WIDTH) -> str:
    if percent is None:
        return ""
    filled = max(0, min(width, int(percent * width // 100)))
    return "▰" * filled + "▱" * (width - filled)


def name(view: ChallengeView) -> str:
    return truncate(f"#{view.row.no} {shown(view.title)}", 256)


def window_line(view: ChallengeView) -> str:
    rules = view.rules
    if rules.attempt is not None:
        start_by = rules.latest_start or rules.ends_at
        return (
            f"Clock: **{human_duration(rules.attempt)}** from each participant's first log · "
            f"start by {ts(start_by, 'f')}"
        )
    if view.row.status == "scheduled":
        return f"Starts {ts(rules.starts_at, 'f')} ({ts(rules.starts_at)}) · ends {ts(rules.ends_at, 'f')}"
    if view.row.status == "active":
        return f"Started {ts(rules.starts_at, 'f')} · ends {ts(rules.ends_at, 'f')} ({ts(rules.ends_at)})"
    return f"{ts(rules.starts_at, 'f')} → {ts(rules.ends_at, 'f')}"


def bets_line(view: ChallengeView) -> str | None:
    """When bets on this challenge lock: the moment every bet card shows too."""
    if view.row.status not in ("scheduled", "active"):
        return None
    trigger = lock_trigger(view.rules, view.row.created_at)
    if trigger is LockTrigger.START:
        if view.now < view.rules.starts_at:
            return f"🎲 Bets lock at the start, {ts(view.rules.starts_at)}."
        return "🎲 Bets locked at the start."
    if trigger is LockTrigger.SUBJECT_FIRST_LOG:
        return "🎲 Bets on a member lock at their first log, when their clock starts."
    if view.first_log_at is not None:
        return f"🎲 Bets locked at the first log, {ts(view.first_log_at)}."
    return "🎲 Bets lock at the first log."


def pace_text(rate_per_hour: Decimal | None, unit: Unit) -> str:
    """`pace 6:30 min/km`, `pace 290 reps/h`; a dash until the clock has run long enough to tell."""
    if rate_per_hour is None:
        return "pace — (too early to tell)"
    return f"pace {format_rate(rate_per_hour, unit)}"


def projection_text(
    view: ChallengeView, on_track: bool | None, finish: datetime | None, by_end: int | None
) -> list[str]:
    """`on track to finish at <t:…:t>` or `at this pace: 1,850 reps by the end`; nothing without evidence."""
    if on_track and finish is not None:
        style = "t" if finish - view.now < timedelta(hours=12) else "f"
        return [f"on track to finish at {ts(finish, style)}"]
    if on_track is False and by_end is not None:
        return [f"at this pace: {format_amount(by_end, view.rules.unit)} by the end"]
    return []


def _standing_line(view: ChallengeView, row: ParticipantStanding) -> str:
    rules = view.rules
    unit = rules.unit
    amount = format_amount(row.total, unit)
    if rules.target is not None and rules.mode is not Mode.TOTAL:
        pct = row.percent or 0.0
        head = f"**{row.rank}.** <@{row.user_id}> {progress_bar(pct)} {amount} ({percent(pct)})"
    else:
        head = f"**{row.rank}.** <@{row.user_id}> — {amount}"
    details: list[str] = []
    decided = next((p.result for p in view.participants if p.user_id == row.user_id), None)
    if row.reached_at is not None and row.elapsed_to_target is not None:
        details.append(f"✅ target in {human_duration(row.elapsed_to_target)}")
    elif decided == "failed":
        details.append("❌ didn't make it")
    elif not row.started:
        details.append("not started yet")
    elif view.row.status == "active":
        details.append(pace_text(row.rate_per_hour, unit))
        if row.needed_per_hour is not None and rules.mode is Mode.EACH:
            details.append(f"needs {format_rate(row.needed_per_hour, unit)}")
        if rules.mode is Mode.EACH:
            details.extend(projection_text(view, row.on_track, row.projected_finish, row.projected_total))
        if rules.attempt is not None:
            details.append(f"clock ends {ts(row.window_end)}")
    return head + (("\n   " + " · ".join(details)) if details else "")


def challenge_embed(view: ChallengeView, *, heading: str | None = None) -> discord.Embed:
    rules = view.rules
    board = view.standings
    lines = [window_line(view), f"Mode: **{rules.mode.value}** — {MODE_TEXT[rules.mode]}"]
    if view.row.status == "active" and rules.attempt is None:
        lines.append(f"Time left: ends {ts(rules.ends_at)}")
    if rules.mode is Mode.TOTAL and rules.target is not None:
        pct = board.percent or 0.0
        lines.append(
            f"Team total: {progress_bar(pct)} {format_amount(board.total, rules.unit)} of "
            f"{format_amount(rules.target, rules.unit)} ({percent(pct)})"
        )
        if view.row.status == "active":
            extra = [pace_text(board.rate_per_hour, rules.unit)]
            if board.needed_per_hour is not None:
                extra.append(f"needs {format_rate(board.needed_per_hour, rules.unit)}")
            extra.extend(projection_text(view, board.on_track, board.projected_finish, board.projected_total))
            lines.append(" · ".join(extra))
    elif rules.target is not None:
        lines.append(f"Target: **{format_amount(rules.target, rules.unit)}** each")
    bets = bets_line(view)
    if bets:
        lines.append(bets)
    lines.append("")
    if board.rows:
        lines.extend(_standing_line(view, r) for r in board.rows)
    else:
        lines.append("No participants yet — join with `/challenge join`.")
    if view.corrected_logs:
        fixed = count(view.corrected_logs, "log", "logs")
        kept = noun(view.corrected_logs, "the original is", "the originals are")
        lines.append(f"\n_{fixed} undone or corrected; {kept} kept on record._")
    description = chunk_lines(lines, EMBED_DESCRIPTION_MAX)[0] if lines else ""
    embed = discord.Embed(title=truncate(heading or name(view), 256), description=description, colour=COLOUR)
    if view.proof_logs:
        embed.add_field(name="📷 Latest proof", value=_proof_lines(view), inline=False)
    embed.set_footer(text=f"Challenge #{view.row.no} · {view.row.status} · times shown in your own time zone")
    return embed


def _proof_lines(view: ChallengeView) -> str:
    """Links to the bot's messages that hold the photos (they stay viewable; attachment links don't)."""
    lines = [
        f"<@{log.user_id}> · {format_amount(log.amount, view.rules.unit)} · {ts(log.logged_at)} · "
        + proof_link(view.row.guild_id, log.proof)
        for log in view.proof_logs
        if log.proof is not None
    ]
    return chunk_lines(lines, FIELD_VALUE_MAX)[0]


def logged(result: LogResult, user_id: int, photo: bytes | None = None) -> Outgoing:
    """The public answer to /challenge log; with a proof, the photo itself goes with it (as the
    file `result.log.proof.filename`, the bot's own copy, shown in an embed)."""
    progress, unit = result.progress, result.rules.unit
    text = f"📝 <@{user_id}> logged {format_amount(result.log.amount, unit)} in **{shown(result.title)}**"
    text += f" — now {format_amount(progress.total, unit)}"
    if progress.percent is not None and result.rules.mode is not Mode.TOTAL:
        text += f" ({percent(progress.percent)})"
    if progress.reached_now:
        elapsed = f" in {human_duration(progress.elapsed_to_target)}" if progress.elapsed_to_target else ""
        text += f"\n🎉 Target reached{elapsed}!"
    if result.log.note:
        text += f"\n> {shown(result.log.note)}"
    message = Outgoing(content=truncate(text, 2000))
    if result.log.proof is not None and photo is not None:
        message.embeds = [proof_embed(result.log.proof.filename)]
        message.files = [(result.log.proof.filename, photo)]
    return message


def joined(view: ChallengeView, user_id: int) -> Outgoing:
    return Outgoing(content=truncate(f"💪 <@{user_id}> joined **{shown(view.title)}** (#{view.row.no}).", 2000))


def left(view: ChallengeView) -> Outgoing:
    return Outgoing(content=truncate(f"👋 You left **{shown(view.title)}** (#{view.row.no}).", 2000))


def undone(view: ChallengeView, amount: int, user_id: int) -> Outgoing:
    mine = view.standings.row(user_id)
    total = format_amount(mine.total if mine else 0, view.rules.unit)
    amount_text = format_amount(amount, view.rules.unit)
    text = f"↩️ Undid your log of {amount_text} in **{shown(view.title)}**. You're at {total}."
    return Outgoing(content=truncate(text, 2000))


def created(view: ChallengeView) -> Outgoing:
    return Outgoing(
        fallback_channel_id=view.row.channel_id,
        content=truncate(f"New challenge by <@{view.row.creator_id}>: **{shown(view.title)}**", 2000),
        embeds=[challenge_embed(view)],
    )


def started(view: ChallengeView) -> Outgoing:
    ids = [p.user_id for p in view.participants]
    people = " ".join(f"<@{uid}>" for uid in ids[:40])
    return Outgoing(
        fallback_channel_id=view.row.channel_id,
        content=truncate(f"🏁 **{shown(view.title)}** (#{view.row.no}) has started! {people}", 2000),
        embeds=[challenge_embed(view)],
        ping=ids,
    )


def reminder(view: ChallengeView) -> Outgoing:
    ids = [p.user_id for p in view.participants]
    people = " ".join(f"<@{uid}>" for uid in ids[:40])
    return Outgoing(
        fallback_channel_id=view.row.channel_id,
        content=truncate(f"⏰ **{shown(view.title)}** (#{view.row.no}) ends {ts(view.rules.ends_at)}. {people}", 2000),
        embeds=[challenge_embed(view)],
        ping=ids,
    )


def clock_reminder(view: ChallengeView, user_id: int) -> Outgoing:
    """A member's own attempt clock ends soon: where they stand and what it takes."""
    row = view.standings.row(user_id)
    unit = view.rules.unit
    text = f"⏰ <@{user_id}>, your clock for **{view.title}** (#{view.row.no})"
    if row is None:
        return Outgoing(fallback_channel_id=view.row.channel_id, content=truncate(text + " ends soon.", 2000))
    text += f" ends {ts(row.window_end)}: {format_amount(row.total, unit)}"
    if view.rules.target is not None:
        text += f" of {format_amount(view.rules.target, unit)}"
        if row.needed_per_hour is not None:
            text += f" · needs {format_rate(row.needed_per_hour, unit)}"
    return Outgoing(fallback_channel_id=view.row.channel_id, content=truncate(text + ".", 2000), ping=[user_id])


def milestone(view: ChallengeView, user_id: int | None, mark: int) -> Outgoing:
    who = "The team" if user_id is None else f"<@{user_id}>"
    icon = "🎉" if mark >= 100 else "💪"
    verb = "reached the target of" if mark >= 100 else f"is {percent(mark)} of the way to"
    target = format_amount(view.rules.target or 0, view.rules.unit)
    extra = ""
    row = next((r for r in view.standings.rows if r.user_id == user_id), None)
    if mark >= 100 and row is not None and row.elapsed_to_target is not None:
        extra = f" in {human_duration(row.elapsed_to_target)}"
    elif mark >= 100 and user_id is None and view.standings.reached_at is not None:
        extra = f" in {human_duration(view.standings.reached_at - view.rules.starts_at)}"
    return Outgoing(
        fallback_channel_id=view.row.channel_id,
        content=truncate(f"{icon} {who} {verb} {target}{extra} — **{shown(view.title)}** (#{view.row.no})", 2000),
        ping=[] if user_id is None else [user_id],
    )


def member_result(view: ChallengeView, user_id: int) -> Outgoing:
    """One member judged before the challenge ends (each mode): their target or their clock's end.
    The outbox adds their chart (`member_chart_filename`) once drawn."""
    person = next((p for p in view.participants if p.user_id == user_id), None)
    row = view.standings.row(user_id)
    unit = view.rules.unit
    target = format_amount(view.rules.target or 0, unit)
    total = format_amount(row.total if row is not None else (person.final_total if person else 0) or 0, unit)
    if person is not None and person.result == "succeeded":
        took = ""
        if row is not None and row.elapsed_to_target is not None:
            took = f" in {human_duration(row.elapsed_to_target)}"
        text = f"✅ <@{user_id}> made it: {target}{took} — **{shown(view.title)}** (#{view.row.no})."
    else:
        text = f"❌ <@{user_id}> didn't make it: {total} of {target} when the clock ran out"
        text += f" — **{shown(view.title)}** (#{view.row.no})."
    others = sum(1 for p in view.participants if p.result is None)
    if others:
        text += f" {others} still going."
    return Outgoing(fallback_channel_id=view.row.channel_id, content=truncate(text, 2000), ping=[user_id])


def member_chart_filename(view: ChallengeView, user_id: int) -> str:
    return f"challenge-{view.row.no}-{user_id}.png"


def result(view: ChallengeView) -> Outgoing:
    """The result; the outbox adds its chart (`chart_filename`) to the embed once drawn."""
    winners = [p.user_id for p in view.participants if p.result == "succeeded"]
    losers = [p.user_id for p in view.participants if p.result == "failed"]
    lines = []
    if winners:
        lines.append("✅ Made it: " + ", ".join(f"<@{uid}>" for uid in winners))
    if losers:
        lines.append("❌ Didn't make it: " + ", ".join(f"<@{uid}>" for uid in losers))
    if not view.participants:
        lines.append("Nobody took part.")
    return Outgoing(
        fallback_channel_id=view.row.channel_id,
        content=truncate(f"🏆 **{shown(view.title)}** (#{view.row.no}) is over.\n" + "\n".join(lines), 2000),
        embeds=[challenge_embed(view, heading=f"Result — {name(view)}")],
        ping=[p.user_id for p in view.participants],
    )


def chart_filename(view: ChallengeView) -> str:
    return f"challenge-{view.row.no}.png"


def cancelled(view: ChallengeView, by: int | None) -> Outgoing:
    who = f" by <@{by}>" if by else ""
    return Outgoing(
        content=truncate(f"🚫 Challenge #{view.row.no} **{shown(view.title)}** was cancelled{who}.", 2000),
        fallback_channel_id=view.row.channel_id,
    )


def list_pages(items: Sequence[tuple[ChallengeRow, str, int]], now: datetime) -> list[discord.Embed]:
    lines = []
    for row, title, people in items:
        when = f"ends {ts(row.ends_at)}" if row.status == "active" else f"starts {ts(row.starts_at)}"
        lines.append(f"**#{row.no}** {shown(title)} — {number(people)} in · {when}")
    if not lines:
        lines = ["No active or upcoming challenges. Start one with `/challenge create`."]
    return paged_embeds("Challenges", lines, COLOUR)
