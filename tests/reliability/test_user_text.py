"""Member text is shown as text: no masked link in the bot's name, no broken bold around a title.

The same story as test_mentions.py, with a phishing link and bold markers typed into every free-text
field (activity, note, stakes, bet description, every reason) and into a member's display name; every
public message the bot sent, in every version, is then read as Discord would render it.
"""

from __future__ import annotations

import re

from bot.render.text import shown
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, Message
from tests.reliability.test_mentions import TAGS, play_every_text_field, versions

LINK = "[x] [nitro](https://evil.example/l)"  # escape_markdown alone leaves the second one a link
BOLD = "**x**"
EVIL_NAME = f"{LINK} {BOLD}"


def bait(tag: str, limit: int) -> str:
    text = f"{tag} {LINK} {BOLD}"
    assert len(text) <= limit, text
    return text


def masked_links(text: str) -> list[str]:
    """The targets of the masked links `[label](url)` Discord would render: an opening bracket that a
    backslash does not escape (an even run of backslashes escapes only itself)."""
    found: list[str] = []
    for match in re.finditer(r"\[([^\[\]]*)\]\((<?https?://[^)\s]+>?)\)", text):
        backslashes = len(match.string[: match.start()]) - len(match.string[: match.start()].rstrip("\\"))
        if backslashes % 2 == 0 and not _escaped(text, match.start() + len(match.group(1)) + 1):
            found.append(match.group(2))
    return found


def _escaped(text: str, index: int) -> bool:
    before = text[:index]
    return (len(before) - len(before.rstrip("\\"))) % 2 == 1


def unescaped_bold_markers(line: str) -> int:
    """How many `**` markers Discord would see in one line."""
    count, i = 0, 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line.startswith("**", i):
            count += 1
            i += 2
            continue
        i += 1
    return count


def rendered_texts(message: Message) -> list[str]:
    """Every text of the message that Discord renders as Markdown, in each version it had."""
    texts = [version.content for version in versions(message)]
    for embed in message.embeds:
        texts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        texts += [str(f.get("value", "")) for f in embed.get("fields") or []]
    return [t for t in texts if t]


def test_the_checker_sees_a_masked_link_and_an_escaped_one() -> None:
    assert masked_links(f"look {LINK}") == ["https://evil.example/l"]
    assert masked_links(shown(f"look {LINK}")) == []
    assert masked_links(r"\\" + LINK) == ["https://evil.example/l"]  # an escaped backslash escapes nothing else
    assert unescaped_bold_markers(f"**{BOLD}**") == 4
    assert unescaped_bold_markers(f"**{shown(BOLD)}**") == 2


async def test_member_text_is_never_a_link_or_formatting_in_any_message(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    vic = emulator.add_member(guild, "vic")
    vic.user.global_name = EVIL_NAME  # names are member text too (shown in /stats)
    await emulator.settle()
    await play_every_text_field(emulator, guild, bot_handle, vic, bait)

    problems: list[str] = []
    shown_tags: set[str] = set()
    for message in emulator.all_messages:
        for text in rendered_texts(message):
            where = f"message {message.id} {text[:70]!r}"
            links = [url for url in masked_links(text) if "discord.com/channels/" not in url]  # proof links are ours
            if links:
                problems.append(f"{where}: masked link to {links}")
            if LINK in text or BOLD in text:
                problems.append(f"{where}: member text shown unescaped")
            for line in text.splitlines():
                if unescaped_bold_markers(line) % 2:
                    problems.append(f"{where}: unbalanced bold in {line[:80]!r}")
            shown_tags |= {tag for tag in TAGS if f"{tag} {shown(LINK)}" in text}
    assert not problems, "\n".join(problems)
    assert shown_tags == set(TAGS) - {"WAIVE"}, f"never shown: {set(TAGS) - shown_tags}"
    stats = [m for m in emulator.all_messages if any("Stats —" in str(e.get("title")) for e in m.embeds)]
    assert any(shown(EVIL_NAME) in str(m.embeds[0]["title"]) for m in stats)
