"""Free text that members type and the bot shows again: activity names, notes, stakes, bet
descriptions, reasons."""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserError

# Characters that flip the direction of the text after them. In a title or a stake they can make
# the bot's message read differently than it was typed, so they are refused; right-to-left
# letters themselves (Arabic, Hebrew) are fine.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def is_blank(text: str) -> bool:
    """True when nothing would show: only spaces and invisible format characters (zero-width
    space, word joiner, byte-order mark …)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def check_direction(text: str, what: str) -> None:
    if _DIRECTION_CONTROLS.search(text):
        raise UserError(f"The {what} contains invisible text-direction characters; type it again without them.")


def optional_text(text: str | None, what: str, limit: int) -> str | None:
    """One line of optional text with runs of spaces collapsed; None when nothing would show."""
    if text is None:
        return None
    check_direction(text, what)
    cleaned = " ".join(text.split())
    if is_blank(cleaned):
        return None
    if len(cleaned) > limit:
        raise UserError(f"Keep the {what} to {limit} characters or fewer.")
    return cleaned
