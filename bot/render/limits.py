"""Discord's message limits and helpers to stay inside them."""

from __future__ import annotations

import discord

CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
EMBED_TOTAL_MAX = 6000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunk_lines(lines: list[str], limit: int) -> list[str]:
    """Pack lines into pages of at most `limit` characters (a too-long line is truncated)."""
    pages: list[str] = []
    current = ""
    for line in lines:
        line = truncate(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pages.append(current)
            current = line
        else:
            current = candidate
    if current:
        pages.append(current)
    return pages


PAGE_CHARS = 3800  # one embed per page keeps every message far below the 6,000 total


def paged_embeds(
    title: str,
    lines: list[str],
    colour: discord.Colour,
    per_page_chars: int = PAGE_CHARS,
    per_page_lines: int | None = None,
) -> list[discord.Embed]:
    """One embed per page (at most `per_page_lines` lines each, if given); a paginator shows them."""
    step = per_page_lines or max(1, len(lines))
    pages = [page for i in range(0, len(lines), step) for page in chunk_lines(lines[i : i + step], per_page_chars)]
    pages = pages or [""]
    embeds = []
    for index, page in enumerate(pages):
        embed = discord.Embed(title=truncate(title, 256), description=page, colour=colour)
        if len(pages) > 1:
            embed.set_footer(text=f"Page {index + 1} of {len(pages)}")
        embeds.append(embed)
    return embeds
