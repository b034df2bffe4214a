"""/help end to end: every command the member can use, grouped by what they want to do, as clickable
mentions built from the ids Discord gave the synced commands; first steps for admins; and the README's
command table saying the same."""

from __future__ import annotations

import re
from pathlib import Path

from bot.render.help import MORE, SECTIONS
from tests.e2e.harness import REPO_ROOT, BotHandle
from tests.emulator import DiscordEmulator, Guild, Member

Sections = list[tuple[str, list[tuple[str, str]]]]
MENTION_LINE = re.compile(r"</([a-z -]+):(\d+)> — (.+)")


def synced(emulator: DiscordEmulator, guild: Guild) -> tuple[dict[str, str], dict[str, int]]:
    """(command path → description, top-level name → id) as the bot synced them to this server."""
    descriptions: dict[str, str] = {}
    ids: dict[str, int] = {}
    for command in emulator.commands(guild):
        ids[command["name"]] = int(command["id"])
        subs = [o for o in command.get("options") or [] if o.get("type") == 1]
        if not subs:
            descriptions[command["name"]] = command["description"]
        for sub in subs:
            descriptions[f"{command['name']} {sub['name']}"] = sub["description"]
    return descriptions, ids


async def help_sections(emulator: DiscordEmulator, guild: Guild, member: Member) -> tuple[str, Sections]:
    """The /help a member gets: its description, and each section with (path, description) per line,
    every line a mention carrying the synced id of its command."""
    res = await emulator.invoke(member, "help")
    assert res.ephemeral and len(res.embeds) == 1
    assert res.message is not None and res.message.pinged_user_ids == set()
    _, ids = synced(emulator, guild)
    out: Sections = []
    for field in res.embed["fields"]:
        title = field["name"].removesuffix(" (more)")
        if not out or out[-1][0] != title:
            out.append((title, []))
        for line in field["value"].splitlines():
            match = MENTION_LINE.fullmatch(line)
            assert match is not None, f"not a command mention: {line!r}"
            path, command_id, description = match.groups()
            assert int(command_id) == ids[path.split()[0]], f"{path}: not the synced id"
            out[-1][1].append((path, description))
    return str(res.embed["description"]), out


def readme_sections() -> Sections:
    """The README's `## Commands` tables: `### title` then `| `/path` | description |` rows."""
    text = (Path(REPO_ROOT) / "README.md").read_text(encoding="utf-8")
    part = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    out: Sections = []
    for line in part.splitlines():
        if line.startswith("### "):
            out.append((line[4:].strip(), []))
        elif match := re.fullmatch(r"\| `/([a-z -]+)` \| (.+) \|", line):
            out[-1][1].append((match[1], match[2]))
    return out


async def test_help_groups_every_command_for_an_admin_with_first_steps(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    assert guild.admin is not None
    description, sections = await help_sections(emulator, guild, guild.admin)
    descriptions, ids = synced(emulator, guild)
    assert [title for title, _ in sections] == [title for title, _, _ in SECTIONS]  # nothing left for "More"
    shown = {path: text for _, lines in sections for path, text in lines}
    assert shown == descriptions  # every synced command, once, with its description
    assert "**First steps for admins**" in description
    assert f"</admin channel:{ids['admin']}>" in description and f"</admin timezone:{ids['admin']}>" in description
    assert f"</challenge create:{ids['challenge']}>" in description


async def test_help_leaves_out_admin_commands_and_first_steps_for_members(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    description, sections = await help_sections(emulator, guild, guild.members["alice"])
    descriptions, _ = synced(emulator, guild)
    shown = {path for _, lines in sections for path, _ in lines}
    assert shown == {path for path in descriptions if not path.startswith("admin ")}
    assert "First steps" not in description
    assert MORE not in [title for title, _ in sections]


async def test_help_shows_the_admin_commands_to_the_fitbet_admin_role(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    assert guild.admin is not None
    coaches = emulator.add_role(guild, "Coaches")
    carol = guild.members["carol"]
    emulator.give_role(carol, coaches)
    await emulator.settle()
    await emulator.invoke(guild.admin, "admin role", role=coaches)
    description, sections = await help_sections(emulator, guild, carol)
    assert "First steps for admins" in description
    assert "admin settings" in {path for _, lines in sections for path, _ in lines}


async def test_the_readme_command_table_says_what_help_says(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    assert guild.admin is not None
    _, sections = await help_sections(emulator, guild, guild.admin)
    assert readme_sections() == sections
