"""A run proven by its GPX or FIT file, as the server sees it: the figures read from the file, the file
itself (kept on the bot's message, for the verifiers to open) and the route/pace picture when drawn."""

from __future__ import annotations

from datetime import timedelta

import discord

from bot.domain.activity import ActivityKind, ActivitySummary, figures_text
from bot.domain.penalties import Submission
from bot.domain.units import Unit
from bot.render.limits import CONTENT_MAX, EMBED_DESCRIPTION_MAX, truncate
from bot.render.message import Outgoing
from bot.render.proof import PROOF_COLOUR
from bot.render.text import shown
from bot.services.penalties import PenaltyView

PICTURE = "route.png"


def with_activity(
    message: Outgoing,
    activity: ActivitySummary,
    unit: Unit,
    data: bytes,
    picture: bytes | None,
    elapsed: timedelta | None = None,
) -> Outgoing:
    """`message` carrying the file (kept as proof), its figures and the picture (when one was drawn)."""
    embed = discord.Embed(
        colour=PROOF_COLOUR,
        description=truncate(f"📍 {shown(figures_text(activity, unit, elapsed))}", EMBED_DESCRIPTION_MAX),
    )
    message.files.insert(0, (activity.filename, data))
    if picture is not None:
        embed.set_image(url=f"attachment://{PICTURE}")
        message.files.append((PICTURE, picture))
    embed.set_footer(text="Read from the file: evidence for the verifiers, not a verdict.")
    message.embeds.append(embed)
    return message


def submission_with_activity(
    view: PenaltyView,
    submission: Submission,
    activity: ActivitySummary,
    unit: Unit,
    data: bytes,
    picture: bytes | None,
) -> Outgoing:
    """The public answer to /penalty submit with a GPX or FIT file. Nobody is pinged here; the post
    asking the winners to check it follows."""
    row = view.row
    text = (
        f"📨 <@{row.debtor_id}> submitted penalty #{row.no} ({shown(row.text)}): **{submission.summary}**, "
        f"from {shown(activity.filename)}. The winners have been asked to verify it."
    )
    message = Outgoing(content=truncate(text, CONTENT_MAX))
    return with_activity(message, activity, unit, data, picture, submission.elapsed)


def proof_label(filename: str) -> str:
    """How a link to a kept proof reads: a photo, or a run's own file."""
    if any(filename.lower().endswith("." + kind.value) for kind in ActivityKind):
        return "📍 see the run's file"
    return "📷 see the photo"
