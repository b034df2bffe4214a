"""How values cross into SQLite: times as ISO-8601 UTC text; a kept proof as three columns."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.domain.proof import ProofRef


def to_db(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("naive datetime reached the database layer")
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"stored time without zone: {text!r}")
    return value.astimezone(UTC)


def opt_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def proof_to_db(proof: ProofRef | None) -> tuple[int | None, int | None, str | None]:
    """(channel id, message id, filename) columns: all three set, or all three NULL."""
    return (None, None, None) if proof is None else (proof.channel_id, proof.message_id, proof.filename)


def proof_from_db(row: sqlite3.Row, prefix: str = "proof") -> ProofRef | None:
    filename = row[f"{prefix}_filename"]
    if filename is None:
        return None
    return ProofRef(row[f"{prefix}_channel_id"], row[f"{prefix}_message_id"], filename)
