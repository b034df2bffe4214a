"""How values cross into SQLite: times as ISO-8601 UTC text."""

from __future__ import annotations

from datetime import UTC, datetime


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
