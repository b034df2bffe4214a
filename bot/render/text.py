"""Member-typed text shown back as text: the one escaping step at the rendering edge.

Activities (and so challenge titles), notes, stakes, bet descriptions, reasons and names are
repeated in messages where Discord renders Markdown. Unescaped, `[free nitro](https://evil.example)`
would become a masked link in the bot's name and `**x**` would break the bold title around it.
Use `shown()` wherever such text goes into message content, an embed title, description or field;
not in footers, autocomplete labels or file names, which Discord shows as they are.
"""

from __future__ import annotations

import discord

_BRACKETS = frozenset("[]")


def shown(text: str) -> str:
    """`text` as literal characters in Discord Markdown: formatting, quotes, headings, lists and
    masked links are escaped. Mentions stay as they are (whether they ping is `allowed_mentions`'
    business) and so do bare links, which Discord shows in full."""
    escaped = discord.utils.escape_markdown(text)
    # escape_markdown escapes the first bracket of a whole `[…](…)` only: `[x] [y](url)` keeps a
    # masked link. Escape every bracket it left, skipping the pairs it already made (`\[`, `\\`).
    out: list[str] = []
    i = 0
    while i < len(escaped):
        char = escaped[i]
        if char == "\\" and i + 1 < len(escaped):
            out.append(escaped[i : i + 2])
            i += 2
            continue
        out.append("\\" + char if char in _BRACKETS else char)
        i += 1
    return "".join(out)
