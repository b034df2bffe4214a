"""/admin texts: the audit log and the server's settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import discord

from bot.domain.guild_settings import GuildSettings
from bot.domain.timeparse import title_duration, ts
from bot.render.announcements import undeliverable_line
from bot.render.commands import CommandMentions
from bot.render.limits import paged_embeds, truncate
from bot.render.message import Outgoing
from bot.render.text import shown
from bot.services.export import ExportFiles
from bot.store.announcements import Undeliverable

AuditEntry = tuple[datetime, int, str, str, str | None]


def audit_pages(entries: list[AuditEntry], undelivered: Sequence[Undeliverable] = ()) -> list[discord.Embed]:
    """Announcements the bot gave up on first (admins act on those), then who changed what."""
    lines = [undeliverable_line(item) for item in undelivered] + [
        f"{ts(at, 'f')} <@{actor}> **{action}** {shown(truncate(target, 200))}"
        + (f" — {shown(truncate(why, 200))}" if why else "")
        for at, actor, action, target, why in entries
    ] or ["No admin actions yet."]
    return paged_embeds("Audit log", lines, discord.Colour.dark_grey())


def settings_embed(
    settings: GuildSettings, mention: CommandMentions, reminder_minutes: int, now: datetime
) -> discord.Embed:
    """Every setting of this server, what it does, and the command that changes it."""
    local = now.astimezone(settings.zone)
    channel = (
        f"<#{settings.announce_channel_id}>"
        if settings.announce_channel_id
        else "not set: each challenge's results go to the channel it was created in"
    )
    role = (
        f"<@&{settings.admin_role_id}>: its members can use the admin commands and act as admins"
        if settings.admin_role_id
        else "none: only members with Manage Server (or Administrator) are fitbet admins"
    )
    rows = [
        ("📣 Announcements", f"{channel}\nWhere results, reminders and penalties are posted.", "admin channel"),
        (
            "🕒 Time zone",
            f"**{settings.timezone}** (it's {local:%H:%M} there now, UTC{_offset(local)})\n"
            "Dates and times members type are read in it.",
            "admin timezone",
        ),
        ("🛡️ Admin role", role, "admin role"),
        (
            "⏳ Penalty window",
            f"**{title_duration(settings.penalty_due)}** for the losers to do a penalty, "
            "unless the bet says otherwise.",
            "admin penalty-due",
        ),
        (
            "📏 Distance unit",
            f"**{settings.distance_unit}** for distance totals in /stats and /leaderboard.",
            "admin distance-unit",
        ),
    ]
    embed = discord.Embed(title="Server settings", colour=discord.Colour.dark_grey())
    for name, value, command in rows:
        embed.add_field(name=name, value=f"{value}\nChange: {mention(command)}", inline=False)
    embed.add_field(
        name="⏰ Reminder before a challenge ends",
        value=f"**{title_duration(timedelta(minutes=reminder_minutes))}** (halfway for short challenges); "
        "set where the bot runs (`REMINDER_BEFORE_END_MINUTES`).",
        inline=False,
    )
    embed.set_footer(
        text="The admin commands are shown to Manage Server by default; to let the admin role see them, "
        "allow it under Server Settings → Integrations → fitbet."
    )
    return embed


def _offset(local: datetime) -> str:
    """`+01:00`, `-05:00`, `+05:30` (local's offset from UTC)."""
    text = f"{local:%z}"
    return f"{text[:3]}:{text[3:5]}"


def export_messages(export: ExportFiles, zone: str) -> list[Outgoing]:
    """The export's files, a message per batch, each saying what the files are."""
    count = len(export.messages)
    head = (
        f"{export.tables} CSV files to open in a spreadsheet: names next to ids, amounts in their units, "
        f"times in ISO 8601 in the server's time zone ({zone})."
    )
    messages = []
    for number, files in enumerate(export.messages, start=1):
        part = f" Part {number} of {count}." if count > 1 else ""
        text = head + part
        if export.zipped:
            text += (
                " The files are zipped to fit this server's upload limit; a table too big for one file goes on in"
                " name-2.csv, name-3.csv, …"
            )
        messages.append(Outgoing(content=text, files=files))
    return messages
