"""Texts for penalties: lists, the submission post (with Verify / Reject), done, waived, reminders, overdue."""

from __future__ import annotations

import discord

from bot.domain.penalties import PenaltyStatus, Submission
from bot.domain.proof import ProofRef
from bot.domain.timeparse import ts
from bot.render.activity import proof_label
from bot.render.bets import mentions
from bot.render.limits import CONTENT_MAX, paged_embeds, truncate
from bot.render.message import Outgoing
from bot.render.proof import proof_embed, proof_link
from bot.render.text import shown
from bot.services.penalties import PenaltyView

ICONS = {
    PenaltyStatus.OWED: "⏳ owed",
    PenaltyStatus.SUBMITTED: "📨 submitted, waiting for a check",
    PenaltyStatus.VERIFIED: "✅ done",
    PenaltyStatus.WAIVED: "🕊️ waived",
    PenaltyStatus.CANCELLED: "🚫 cancelled (bet voided)",
}
HEADINGS = {
    "open": "Open penalties",
    "owed": "Owed penalties",
    "submitted": "Penalties waiting for a check",
    "overdue": "Overdue penalties",
    "done": "Done penalties",
    "all": "All penalties",
}


def status_text(view: PenaltyView) -> str:
    text = ICONS[view.status]
    if view.overdue:
        text = "🔴 overdue" + (" (submitted, waiting for a check)" if view.status is PenaltyStatus.SUBMITTED else "")
    return text


def line(view: PenaltyView) -> str:
    row = view.row
    text = (
        f"**#{row.no}** <@{row.debtor_id}> owes {mentions(row.creditors)}: {shown(row.text)} "
        f"(bet #{view.bet_no}) · {status_text(view)}"
    )
    if view.status in (PenaltyStatus.OWED, PenaltyStatus.SUBMITTED):
        text += f" · due {ts(row.due_at)}"
    if view.submission is not None:
        text += f" · {view.submission.summary}"
    if row.sub_proof is None:
        return truncate(text, 500)
    link = proof_link(row.guild_id, row.sub_proof)  # whole, or it would not be a link
    return f"{truncate(text, 500 - len(link) - 3)} · {link}"


def list_pages(views: list[PenaltyView], which: str, member_id: int | None) -> list[discord.Embed]:
    heading = HEADINGS.get(which, "Penalties")
    lines = [line(v) for v in views]
    if not lines:
        who = f" for <@{member_id}>" if member_id is not None else ""
        lines = [f"Nothing here{who}. 🎉"]
    elif member_id is not None:
        lines.insert(0, f"Owed by or to <@{member_id}>:")
    return paged_embeds(heading, lines, discord.Colour.orange())


def submitted(
    view: PenaltyView, submission: Submission, proof: ProofRef | None, legacy_proof_url: str | None = None
) -> Outgoing:
    """Asks the winners to check it (the cog adds the Verify / Reject buttons); pings them.

    The proof photo is linked where the bot keeps it (its reply to the submission), so the link
    still works whenever this post is read; `legacy_proof_url` is a member's own link, stored
    before proofs were kept (it may have expired)."""
    row = view.row
    lines = [
        f"📨 <@{row.debtor_id}> submitted penalty #{row.no} ({shown(row.text)}): **{submission.summary}**.",
        f"{mentions(row.creditors)} — verify it or reject it below (an admin can too).",
    ]
    if proof is not None:
        lines.append(f"Proof: {proof_link(row.guild_id, proof, proof_label(proof.filename))}")
    elif legacy_proof_url:
        lines.append(f"Proof: {legacy_proof_url}")
    return Outgoing(content=truncate("\n".join(lines), CONTENT_MAX), ping=list(row.creditors))


def submission_reply(view: PenaltyView, submission: Submission) -> Outgoing:
    text = f"Submitted penalty #{view.row.no}: {submission.summary}. The winners have been asked to verify it."
    return Outgoing(content=truncate(text, CONTENT_MAX))


def submission_with_proof(view: PenaltyView, submission: Submission, proof: ProofRef, photo: bytes) -> Outgoing:
    """The public answer to /penalty submit with a photo: the photo itself, kept on this message.
    Nobody is pinged here; the post asking the winners to check it follows."""
    row = view.row
    text = (
        f"📨 <@{row.debtor_id}> submitted penalty #{row.no} ({shown(row.text)}): **{submission.summary}**. "
        "Proof below; the winners have been asked to verify it."
    )
    return Outgoing(
        content=truncate(text, CONTENT_MAX), embeds=[proof_embed(proof.filename)], files=[(proof.filename, photo)]
    )


def done(view: PenaltyView) -> Outgoing:
    row = view.row
    summary = f": {view.submission.summary}" if view.submission else ""
    by = f", verified by <@{row.verified_by}>" if row.verified_by else ""
    text = f"✅ Penalty #{row.no} ({shown(row.text)}) is done — <@{row.debtor_id}>{summary}{by}. Debt paid!"
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=[row.debtor_id])


def judged(view: PenaltyView, actor_id: int, verified: bool, reason: str | None = None) -> Outgoing:
    """The answer to a Verify / Reject press or command (a rejection's reason shown with it)."""
    row = view.row
    if verified:
        text = f"✅ <@{actor_id}> verified penalty #{row.no} ({shown(row.text)}) by <@{row.debtor_id}>."
    else:
        text = (
            f"↩️ <@{actor_id}> rejected the submission of penalty #{row.no} ({shown(row.text)}); "
            f"<@{row.debtor_id}> owes it again, due {ts(row.due_at)}."
        )
        if reason:
            text += f"\nReason: {shown(reason)}"
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=[row.debtor_id])


def waived(view: PenaltyView) -> Outgoing:
    row = view.row
    text = f"🕊️ Penalty #{row.no} ({shown(row.text)}) for <@{row.debtor_id}> was waived. Nothing is owed any more."
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=[row.debtor_id])


def reminder(view: PenaltyView) -> Outgoing:
    row = view.row
    text = (
        f"⏰ <@{row.debtor_id}>, penalty #{row.no} ({shown(row.text)}) is due {ts(row.due_at)}. "
        "Submit it with `/penalty submit` once it's done."
    )
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=[row.debtor_id])


def overdue(view: PenaltyView) -> Outgoing:
    row = view.row
    text = (
        f"🔴 Penalty #{row.no} ({shown(row.text)}) by <@{row.debtor_id}> is overdue since {ts(row.due_at, 'f')}. "
        f"It stays owed to {mentions(row.creditors)} until it's done or waived."
    )
    return Outgoing(content=truncate(text, CONTENT_MAX), ping=[row.debtor_id])
