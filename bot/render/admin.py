"""/admin texts: the audit log and the server's settings."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain.timeparse import ts
from bot.render.limits import paged_embeds, truncate
from bot.render.text import shown

AuditEntry = tuple[datetime, int, str, str, str | None]


def audit_pages(entries: list[AuditEntry]) -> list[discord.Embed]:
    lines = [
        f"{ts(at, 'f')} <@{actor}> **{action}** {shown(truncate(target, 200))}"
        + (f" — {shown(truncate(why, 200))}" if why else "")
        for at, actor, action, target, why in entries
    ] or ["No admin actions yet."]
    return paged_embeds("Audit log", lines, discord.Colour.dark_grey())
