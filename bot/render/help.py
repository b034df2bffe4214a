"""The /help embed: commands grouped by what a member wants to do, each a clickable mention.

The README's command table has the same sections in the same order (tests/e2e/test_help.py checks
that the two agree with the commands as synced).
"""

from __future__ import annotations

from collections.abc import Mapping

import discord

from bot.render.commands import CommandMentions
from bot.render.limits import EMBED_DESCRIPTION_MAX, FIELD_VALUE_MAX, chunk_lines, truncate

# (section title, command paths in the order a member meets them, for admins only)
SECTIONS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    (
        "🏁 Take on a challenge",
        (
            "challenge create",
            "challenge join",
            "challenge log",
            "challenge undo",
            "challenge status",
            "challenge list",
            "challenge leave",
            "challenge cancel",
        ),
        False,
    ),
    ("🎲 Bet on it", ("bet create", "bet accept", "bet decline", "bet show", "bet list", "bet vote"), False),
    (
        "💸 Pay up: penalties",
        ("penalty list", "penalty submit", "penalty verify", "penalty reject", "penalty waive"),
        False,
    ),
    ("🏆 See who's winning", ("leaderboard", "stats"), False),
    ("❓ Help", ("help",), False),
    (
        "🛠️ Set up the server (admins)",
        (
            "admin settings",
            "admin channel",
            "admin timezone",
            "admin role",
            "admin penalty-due",
            "admin distance-unit",
        ),
        True,
    ),
    (
        "🧰 Fix things (admins)",
        (
            "admin cancel",
            "admin extend",
            "admin fix-log",
            "admin settle",
            "admin void",
            "admin audit",
            "admin export",
        ),
        True,
    ),
)
MORE = "More"
COLOUR = discord.Colour.orange()


def intro(mention: CommandMentions) -> str:
    return (
        "Bet your friends you can do **2,020 pushups in under 7 hours**: the losers run 5 km backwards.\n"
        f"Start a challenge with {mention('challenge create')}, bet on it with {mention('bet create')}, "
        f"log your progress with {mention('challenge log')}. fitbet settles at the deadline, tells everyone "
        "and keeps track of the penalty. Click a command below to start typing it."
    )


def first_steps(mention: CommandMentions) -> str:
    return (
        "**First steps for admins**\n"
        f"1. {mention('admin channel')}: the channel where results, reminders and penalties are posted.\n"
        f"2. {mention('admin timezone')}: so the times members type mean your local time.\n"
        f"3. {mention('admin settings')}: everything else (admin role, penalty window, distance unit)."
    )


def sections(commands: Mapping[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The sections with the commands of `commands` (path → description) that they hold, in order;
    a command no section names goes under "More", so none is ever left out."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    placed: set[str] = set()
    for title, paths, _ in SECTIONS:
        listed = [(path, commands[path]) for path in paths if path in commands]
        placed.update(paths)
        if listed:
            out.append((title, listed))
    rest = sorted((path, text) for path, text in commands.items() if path not in placed)
    if rest:
        out.append((MORE, rest))
    return out


def help_embeds(commands: Mapping[str, str], mention: CommandMentions, *, admin: bool) -> list[discord.Embed]:
    """One embed: the intro (with first steps for an admin), then a field per section."""
    description = intro(mention) + ("\n\n" + first_steps(mention) if admin else "")
    embed = discord.Embed(
        title="fitbet — what you can do",
        description=truncate(description, EMBED_DESCRIPTION_MAX),
        colour=COLOUR,
    )
    for title, listed in sections(commands):
        lines = [f"{mention(path)} — {text}" for path, text in listed]
        for number, value in enumerate(chunk_lines(lines, FIELD_VALUE_MAX)):
            embed.add_field(name=title if number == 0 else f"{title} (more)", value=value, inline=False)
    return [embed]
