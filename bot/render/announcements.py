"""Wording the outbox adds to announcements: a late one's time, and what admins see of failures."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.timeparse import ts
from bot.render.limits import CONTENT_MAX, truncate
from bot.render.message import Outgoing
from bot.store.announcements import Undeliverable

# What an announcement kind is, for admins (kinds are the services' ANN_* names).
_KIND_LABELS = {
    "challenge_created": "new challenge",
    "challenge_started": "challenge start",
    "challenge_reminder": "challenge reminder",
    "challenge_result": "challenge result",
    "challenge_cancelled": "cancelled challenge",
    "participant_result": "member result",
    "participant_clock_reminder": "clock reminder",
    "challenge_milestone": "milestone",
    "challenge_total_milestone": "team milestone",
    "bet_locked": "bet update",
    "bet_expired": "expired bet",
    "bet_decide": "bet vote",
    "bet_settled": "bet settlement",
    "bet_voided": "voided bet",
    "penalty_submitted": "penalty submission",
    "penalty_done": "verified penalty",
    "penalty_waived": "waived penalty",
    "penalty_reminder": "penalty reminder",
    "penalty_overdue": "overdue penalty",
}


def late_note(queued_at: datetime) -> str:
    return f"-# 🕒 Posted late: this happened {ts(queued_at, 'f')} ({ts(queued_at)})."


def posted_late(message: Outgoing, queued_at: datetime) -> Outgoing:
    """The same message, saying when it happened (it was queued then)."""
    note = late_note(queued_at)
    if not message.content:
        return replace(message, content=note)
    return replace(message, content=truncate(message.content, CONTENT_MAX - len(note) - 1) + "\n" + note)


def kind_label(kind: str) -> str:
    base = kind.rstrip("0123456789").rstrip("_")  # milestone kinds end in their mark
    return _KIND_LABELS.get(kind) or _KIND_LABELS.get(base) or kind.replace("_", " ")


def undeliverable_line(item: Undeliverable) -> str:
    why = f": {truncate(item.error, 150)}" if item.error else ""
    tries = "1 try" if item.attempts == 1 else f"{item.attempts} tries"
    return (
        f"⚠️ {ts(item.given_up_at, 'f')} **not delivered**: {kind_label(item.kind)} for <#{item.channel_id}> "
        f"(queued {ts(item.created_at, 'f')}, {tries}){why}"
    )
