"""Shared steps for the challenge and admin end-to-end tests: create, read the database, refuse."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Member, Message

APOLOGY = "something went wrong"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

Snapshot = dict[str, list[tuple[Any, ...]]]


async def create(
    emulator: DiscordEmulator,
    member: Member,
    *,
    activity: str = "pushups",
    target: str | None = "2020",
    unit: str = "reps",
    duration: str | None = "7h",
    **extra: Any,
) -> InteractionResult:
    """`/challenge create` with the 2,020-pushups defaults; fails unless the bot accepted it.

    A fixed window from now unless the test says otherwise (`clock_starts_at_first_log=None` leaves the
    bot's default, which for a duration in each mode is a clock from each participant's first log).
    """
    extra.setdefault("clock_starts_at_first_log", False)
    options: dict[str, Any] = {"activity": activity, "unit": unit, "target": target, "duration": duration} | extra
    res = await emulator.invoke(member, "challenge create", **{k: v for k, v in options.items() if v is not None})
    assert not res.ephemeral, f"create was refused: {res.text}"
    assert "New challenge" in res.content
    return res


async def snapshot(handle: BotHandle) -> Snapshot:
    """Every row of every table (migrations bookkeeping aside), to prove a refusal changed nothing."""
    db = handle.bot.svc.db
    tables = [
        r[0]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name != 'schema_migrations' ORDER BY name"
        )
    ]
    # Sorted in Python: some tables are WITHOUT ROWID.
    return {t: sorted((tuple(r) for r in await db.fetchall(f"SELECT * FROM {t}")), key=repr) for t in tables}


def public_messages(emulator: DiscordEmulator) -> list[Message]:
    return [m for m in emulator.all_messages if not m.ephemeral and not m.deleted]


async def refused(
    emulator: DiscordEmulator,
    handle: BotHandle,
    member: Member,
    command: str,
    expected: str | Iterable[str],
    **options: Any,
) -> InteractionResult:
    """Invoke a command that must be refused: an ephemeral, specific message (`expected` are
    fragments of it, case-insensitive), no database row changed and nothing posted publicly."""
    before = await snapshot(handle)
    posted = len(public_messages(emulator))
    res = await emulator.invoke(member, command, **options)
    assert res.ephemeral, f"/{command} {options}: the refusal must be ephemeral: {res.text!r}"
    text = res.text.lower()
    assert APOLOGY not in text, f"/{command} {options}: crashed instead of explaining: {res.text!r}"
    for fragment in [expected] if isinstance(expected, str) else expected:
        assert fragment.lower() in text, f"/{command} {options}: {fragment!r} not in {res.text!r}"
    assert await snapshot(handle) == before, f"/{command} {options} changed the database"
    assert len(public_messages(emulator)) == posted, f"/{command} {options} posted publicly"
    return res


async def challenge_row(handle: BotHandle, guild: Guild, no: int) -> Any:
    row = await handle.bot.svc.db.fetchone("SELECT * FROM challenges WHERE guild_id = ? AND no = ?", (guild.id, no))
    assert row is not None, f"no challenge #{no} in {guild.name}"
    return row


async def latest_no(handle: BotHandle, guild: Guild) -> int:
    row = await handle.bot.svc.db.fetchone("SELECT MAX(no) FROM challenges WHERE guild_id = ?", (guild.id,))
    assert row is not None and row[0] is not None
    return int(row[0])


async def participants(handle: BotHandle, guild: Guild, no: int) -> list[int]:
    """User ids of the current participants (not those who left)."""
    rows = await handle.bot.svc.db.fetchall(
        "SELECT p.user_id FROM participants p JOIN challenges c ON c.id = p.challenge_id"
        " WHERE c.guild_id = ? AND c.no = ? AND p.left_at IS NULL ORDER BY p.id",
        (guild.id, no),
    )
    return [r[0] for r in rows]


async def logs(handle: BotHandle, guild: Guild, no: int) -> list[Any]:
    return await handle.bot.svc.db.fetchall(
        "SELECT l.* FROM logs l JOIN challenges c ON c.id = l.challenge_id WHERE c.guild_id = ? AND c.no = ?"
        " ORDER BY l.id",
        (guild.id, no),
    )


def is_card(message: Message) -> bool:
    """A challenge's live card (it shows the standings as they change, so it is no announcement)."""
    return any(cid.startswith("fitbet:card:") for cid in message.custom_ids)


def posts(emulator: DiscordEmulator, guild: Guild, channel: str, contains: str) -> list[Message]:
    """Public messages in a channel of `guild` whose text contains `contains` (live cards aside)."""
    return [
        m
        for m in emulator.messages(guild.channels[channel], include_ephemeral=False)
        if contains in m.text and not is_card(m)
    ]


def assert_no_mass_pings(emulator: DiscordEmulator) -> None:
    """No message the bot sent could ping @everyone, @here or a role."""
    for message in emulator.all_messages:
        assert not message.pings_everyone, message.text
        assert not message.pinged_role_ids, message.text
        am = message.allowed_mentions or {}
        assert "everyone" not in (am.get("parse") or []) and "roles" not in (am.get("parse") or []), am
