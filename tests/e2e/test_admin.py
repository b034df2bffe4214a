"""/admin end to end: every subcommand through the emulator, its run-time permission check, its bad
inputs (nothing changed), the audit trail and the CSV export."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.services import admin as admin_service
from bot.services import export_tables
from bot.services.export import ExportFiles
from bot.store import guilds
from tests.e2e.challenge_support import (
    APOLOGY,
    challenge_row,
    create,
    logs,
    posts,
    refused,
    snapshot,
)
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, DriverError, Guild, Permission
from tests.store.test_export import unpack

TITLE = "2,020 pushups in under 7 hours"
NOT_ADMIN = "only server admins"


async def first_log_id(handle: BotHandle, guild: Guild, no: int = 1) -> int:
    return int((await logs(handle, guild, no))[0]["id"])


async def audit_rows(handle: BotHandle, guild: Guild) -> list[tuple[Any, ...]]:
    rows = await handle.bot.svc.db.fetchall(
        "SELECT actor_id, action, target, reason FROM audit_log WHERE guild_id = ? ORDER BY id", (guild.id,)
    )
    return [tuple(r) for r in rows]


# =================================================================================================
# permissions: hidden by Discord, and refused at run time even when a server shows it to everyone
# =================================================================================================

SUBCOMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("admin channel", {"options": {"channel": "announcements"}}),
    ("admin timezone", {"name": "Europe/Berlin"}),
    ("admin cancel", {"challenge": 1, "reason": "because"}),
    ("admin extend", {"challenge": 1, "until": "+1h"}),
    ("admin fix-log", {"log": "first", "reason": "typo", "strike": True}),
    ("admin export", {}),
    ("admin audit", {}),
    ("admin settle", {"bet": 1, "outcome": "for"}),
    ("admin void", {"bet": 1}),
    ("admin settings", {}),
    ("admin role", {}),
    ("admin penalty-due", {"days": 3}),
    ("admin distance-unit", {"unit": "mi"}),
]


def _resolve(guild: Guild, options: dict[str, Any], log_id: int) -> dict[str, Any]:
    out = dict(options)
    if "options" in out:
        out["options"] = {"channel": guild.channels[out["options"]["channel"]]}
    if out.get("log") == "first":
        out["log"] = log_id
    return out


@pytest.mark.parametrize(("command", "options"), SUBCOMMANDS, ids=[c for c, _ in SUBCOMMANDS])
async def test_admin_subcommands_refuse_members_without_manage_server(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, command: str, options: dict[str, Any]
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="100")
    values = _resolve(guild, options, await first_log_id(bot_handle, guild))
    # Discord hides /admin from her (default_member_permissions = Manage Server) …
    with pytest.raises(DriverError, match="hidden"):
        await emulator.invoke(alice, command, **values)
    # … and when a server admin shows it to everyone anyway, the bot still refuses at run time.
    await refused(emulator, bot_handle, alice, command, NOT_ADMIN, permission_override=True, **values)
    # The creator of the challenge is no admin either.
    assert (await challenge_row(bot_handle, guild, 1))["status"] == "active"


async def test_admin_group_is_registered_with_manage_server_default(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin = next(c for c in emulator.commands(guild) if c["name"] == "admin")
    assert int(admin["default_member_permissions"]) == Permission.MANAGE_GUILD
    assert {f"admin {o['name']}" for o in admin["options"]} == {c for c, _ in SUBCOMMANDS}


async def test_owner_and_the_configured_admin_role_qualify(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    assert guild.owner is not None
    res = await emulator.invoke(guild.owner, "admin timezone", name="Europe/Paris")
    assert res.ephemeral and "Europe/Paris" in res.content
    coaches = emulator.add_role(guild, "Coaches")  # no permissions at all
    carol = guild.members["carol"]
    emulator.give_role(carol, coaches)
    await emulator.settle()
    await refused(emulator, bot_handle, carol, "admin audit", NOT_ADMIN, permission_override=True)
    await guilds.update(bot_handle.bot.svc.db, guild.id, bot_handle.clock.now(), admin_role_id=coaches.id)
    res = await emulator.invoke(carol, "admin timezone", name="Europe/Rome", permission_override=True)
    assert res.ephemeral and "Europe/Rome" in res.content


# =================================================================================================
# channel
# =================================================================================================


async def test_channel_sets_where_announcements_and_results_go(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    announcements = guild.channels["announcements"]
    res = await emulator.invoke(admin, "admin channel", options={"channel": announcements})
    assert res.ephemeral and f"Announcements will go to {announcements.mention}" in res.content
    settings = await bot_handle.bot.svc.guild_settings(guild.id)
    assert settings.announce_channel_id == announcements.id
    assert await audit_rows(bot_handle, guild) == [(admin.id, "channel", announcements.mention, None)]

    await create(emulator, alice)  # in #general
    assert len(posts(emulator, guild, "announcements", f"New challenge by {alice.mention}")) == 1
    await emulator.invoke(alice, "challenge log", amount="2020")
    await bot_handle.run_due()
    assert len(posts(emulator, guild, "announcements", "made it:")) == 1
    await bot_handle.advance(timedelta(hours=7))
    results = posts(emulator, guild, "announcements", "is over")
    assert len(results) == 1 and results[0].attachments
    assert posts(emulator, guild, "general", "is over") == []


@pytest.mark.parametrize(
    ("deny", "missing"),
    [
        (Permission.SEND_MESSAGES, "send messages"),
        (Permission.ATTACH_FILES, "attach files"),
        (Permission.EMBED_LINKS, "embed links"),
        (Permission.VIEW_CHANNEL, "view channel"),
    ],
)
async def test_channel_the_bot_cannot_post_in_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, deny: int, missing: str
) -> None:
    admin, bot_member = guild.admin, guild.bot_member
    assert admin is not None and bot_member is not None
    muted = guild.channels["announcements"]
    muted.overwrite(bot_member, deny=deny)
    emulator.update_channel(muted)
    await emulator.settle()
    res = await refused(
        emulator, bot_handle, admin, "admin channel", ["can't post in", missing], options={"channel": muted}
    )
    assert muted.mention in res.content
    assert (await bot_handle.bot.svc.guild_settings(guild.id)).announce_channel_id is None


async def test_channel_denied_to_the_bots_role_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin = guild.admin
    assert admin is not None
    locked = emulator.add_channel(guild, "mods-only")
    locked.overwrite(guild.everyone_role, deny=Permission.SEND_MESSAGES)
    emulator.update_channel(locked)
    await emulator.settle()
    await refused(emulator, bot_handle, admin, "admin channel", "send messages", options={"channel": locked})
    # Allowing the bot's own role there fixes it.
    locked.overwrite(guild.roles["fitbet"], allow=Permission.SEND_MESSAGES)
    emulator.update_channel(locked)
    await emulator.settle()
    res = await emulator.invoke(admin, "admin channel", options={"channel": locked})
    assert "Announcements will go to" in res.content


# =================================================================================================
# timezone
# =================================================================================================


async def test_timezone_is_used_for_typed_times(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    admin = guild.admin
    assert admin is not None
    choices = await emulator.autocomplete(admin, "admin timezone", "name", "Europe/Ber")
    assert "Europe/Berlin" in [c.value for c in choices]
    res = await emulator.invoke(admin, "admin timezone", name="europe/berlin")
    assert res.ephemeral and "Time zone set to **Europe/Berlin**" in res.content
    assert (await bot_handle.bot.svc.guild_settings(guild.id)).timezone == "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    day = (bot_handle.clock.now().astimezone(berlin) + timedelta(days=2)).date()
    await create(emulator, guild.members["alice"], duration=None, end=f"{day:%Y-%m-%d} 18:00")
    row = await challenge_row(bot_handle, guild, 1)
    expected = datetime(day.year, day.month, day.day, 18, 0, tzinfo=berlin)
    assert datetime.fromisoformat(row["ends_at"]) == expected
    assert await audit_rows(bot_handle, guild) == [(admin.id, "timezone", "Europe/Berlin", None)]


@pytest.mark.parametrize("name", ["Mars/Olympus", "Europe/Atlantis", "not a zone", "+99:00"])
async def test_unknown_timezone_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, name: str
) -> None:
    assert guild.admin is not None
    await refused(emulator, bot_handle, guild.admin, "admin timezone", "time zone", name=name)
    assert (await bot_handle.bot.svc.guild_settings(guild.id)).timezone == "UTC"


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory"])
async def test_a_host_only_zone_name_is_refused_and_never_offered(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, name: str
) -> None:
    # `localtime` follows the host's /etc/localtime: a bot started elsewhere would not know it.
    assert guild.admin is not None
    await refused(emulator, bot_handle, guild.admin, "admin timezone", "time zone", name=name)
    choices = await emulator.autocomplete(guild.admin, "admin timezone", "name", name[:5])
    assert name not in [c.value for c in choices]


@pytest.mark.parametrize("stored", ["Mars/Olympus_Mons", "localtime"])
async def test_a_stored_zone_that_does_not_load_falls_back_to_the_default_with_one_warning(
    emulator: DiscordEmulator,
    guild: Guild,
    bot_handle: BotHandle,
    caplog: pytest.LogCaptureFixture,
    stored: str,
) -> None:
    # Written by an older fitbet, or on a host that had the name: it does not load here.
    await guilds.update(bot_handle.bot.svc.db, guild.id, bot_handle.clock.now(), timezone=stored)
    caplog.set_level(logging.WARNING, logger="bot.store.guilds")
    alice = guild.members["alice"]
    day = (bot_handle.clock.now() + timedelta(days=2)).date()
    await create(emulator, alice, duration=None, end=f"{day:%Y-%m-%d} 18:00")
    row = await challenge_row(bot_handle, guild, 1)
    assert datetime.fromisoformat(row["ends_at"]) == datetime(day.year, day.month, day.day, 18, tzinfo=UTC)
    for command in ("challenge status", "challenge list", "help"):
        res = await emulator.invoke(alice, command)
        assert APOLOGY not in res.text.lower(), f"/{command}: {res.text}"
    # Another setting changes (the kept settings are read again): still the one warning.
    await guilds.update(bot_handle.bot.svc.db, guild.id, bot_handle.clock.now(), penalty_due_days=3)
    await emulator.invoke(alice, "challenge status")
    warnings = [r for r in caplog.records if r.name == "bot.store.guilds" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert stored in warnings[0].getMessage() and "UTC" in warnings[0].getMessage()


# =================================================================================================
# cancel
# =================================================================================================


async def test_admin_cancel_announces_and_audits_with_the_reason(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    await create(emulator, alice)
    res = await emulator.invoke(admin, "admin cancel", challenge=1, reason="gym closed")
    assert res.ephemeral and "Cancelled challenge #1" in res.content
    cancelled = posts(emulator, guild, "general", "was cancelled")
    assert len(cancelled) == 1 and admin.mention in cancelled[0].content
    assert (await challenge_row(bot_handle, guild, 1))["status"] == "cancelled"
    assert await audit_rows(bot_handle, guild) == [(admin.id, "cancel", "challenge #1", "gym closed")]
    await bot_handle.advance(timedelta(hours=8))
    assert posts(emulator, guild, "general", "is over") == []


async def test_admin_cancel_refusals(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    await create(emulator, alice)
    await create(emulator, alice, duration="1h")
    for _ in range(3):
        await create(emulator, other_guild.members["dave"])
    await refused(emulator, bot_handle, admin, "admin cancel", "no challenge #3", challenge=3)
    await refused(emulator, bot_handle, admin, "admin cancel", "no challenge #40", challenge=40)
    await bot_handle.advance(timedelta(hours=1))
    await refused(emulator, bot_handle, admin, "admin cancel", "over", challenge=2)
    await emulator.invoke(admin, "admin cancel", challenge=1)
    await refused(emulator, bot_handle, admin, "admin cancel", "cancelled", challenge=1)
    assert (await challenge_row(bot_handle, other_guild, 3))["status"] == "active"


# =================================================================================================
# extend
# =================================================================================================


async def test_extend_moves_the_deadline_and_the_reminder(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    await create(emulator, alice)
    old_end = datetime.fromisoformat((await challenge_row(bot_handle, guild, 1))["ends_at"])
    res = await emulator.invoke(admin, "admin extend", challenge=1, until="+2h", reason="rain delay")
    new_end = old_end + timedelta(hours=2)
    assert res.ephemeral and f"Challenge #1 now ends <t:{int(new_end.timestamp())}:f>" in res.content
    assert datetime.fromisoformat((await challenge_row(bot_handle, guild, 1))["ends_at"]) == new_end
    assert await audit_rows(bot_handle, guild) == [
        (admin.id, "extend", f"challenge #1 → {(await challenge_row(bot_handle, guild, 1))['ends_at']}", "rain delay")
    ]
    await bot_handle.advance(timedelta(hours=7))  # the old end
    assert posts(emulator, guild, "general", "is over") == []
    assert posts(emulator, guild, "general", "⏰") == []  # reminder moved to 1 h before the new end
    await emulator.invoke(alice, "challenge log", amount="1000")  # still open
    await bot_handle.advance(timedelta(hours=1))
    assert len(posts(emulator, guild, "general", "⏰")) == 1
    await emulator.invoke(alice, "challenge log", amount="1020")  # her target: her result is decided now
    await bot_handle.run_due()
    assert len(posts(emulator, guild, "general", "made it:")) == 1
    assert posts(emulator, guild, "general", "is over") == []
    await bot_handle.advance(timedelta(hours=1))
    results = posts(emulator, guild, "general", "is over")
    assert len(results) == 1 and f"Made it: {alice.mention}" in results[0].content


async def test_extend_to_a_typed_time(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    assert guild.admin is not None
    await create(emulator, guild.members["alice"])
    when = (bot_handle.clock.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    await emulator.invoke(guild.admin, "admin extend", challenge=1, until=f"{when:%Y-%m-%d %H:%M}")
    assert datetime.fromisoformat((await challenge_row(bot_handle, guild, 1))["ends_at"]) == when


async def test_extend_refusals(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    await create(emulator, alice)  # 1
    await create(emulator, alice, duration="1h")  # 2: will finish
    await create(emulator, alice, duration="2h")  # 3: will be cancelled
    for _ in range(4):
        await create(emulator, other_guild.members["dave"])
    past = (bot_handle.clock.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    sooner = (bot_handle.clock.now() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    await refused(emulator, bot_handle, admin, "admin extend", "later than the current", challenge=1, until=past)
    await refused(emulator, bot_handle, admin, "admin extend", "later than the current", challenge=1, until=sooner)
    await refused(emulator, bot_handle, admin, "admin extend", "can't read", challenge=1, until="soon")
    await refused(emulator, bot_handle, admin, "admin extend", "can't read", challenge=1, until="+soon")
    await refused(emulator, bot_handle, admin, "admin extend", "too long", challenge=1, until="+400d")
    await refused(emulator, bot_handle, admin, "admin extend", "at most a year", challenge=1, until="+366d")
    await refused(emulator, bot_handle, admin, "admin extend", "no challenge #4", challenge=4, until="+1h")
    await emulator.invoke(admin, "admin cancel", challenge=3)
    await refused(emulator, bot_handle, admin, "admin extend", "cancelled", challenge=3, until="+1h")
    await bot_handle.advance(timedelta(hours=1))
    await refused(emulator, bot_handle, admin, "admin extend", "finished", challenge=2, until="+1h")
    assert len(posts(emulator, guild, "general", "is over")) == 1


# =================================================================================================
# fix-log
# =================================================================================================


async def test_fix_log_corrects_then_strikes_keeping_the_record(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="500")
    await emulator.invoke(alice, "challenge log", amount="300")
    first, second = (int(r["id"]) for r in await logs(bot_handle, guild, 1))
    choices = await emulator.autocomplete(admin, "admin fix-log", "log", "", reason="x")
    assert [c.value for c in choices] == [second, first]
    assert choices[1].name.startswith("#1 · ") and " · 500 reps · " in choices[1].name
    res = await emulator.invoke(admin, "admin fix-log", log=first, amount="50", reason="typo")
    assert res.ephemeral and f"Log {first} of {alice.mention} in challenge #1 corrected" in res.content
    res = await emulator.invoke(admin, "admin fix-log", log=second, strike=True, reason="no proof")
    assert "struck out" in res.content
    rows = await logs(bot_handle, guild, 1)
    assert [(r["amount"], r["struck_at"] is not None) for r in rows] == [(50, False), (300, True)]
    corrections = await bot_handle.bot.svc.db.fetchall(
        "SELECT log_id, actor_id, action, old_amount, new_amount, reason FROM log_corrections ORDER BY id"
    )
    assert [tuple(c) for c in corrections] == [
        (first, admin.id, "edit", 500, 50, "typo"),
        (second, admin.id, "strike", 300, None, "no proof"),
    ]
    status = await emulator.invoke(alice, "challenge status", challenge=1)
    assert "50 reps (2%)" in status.text and "2 logs undone or corrected" in status.text  # the edit counts too
    assert [a for _, a, _, _ in await audit_rows(bot_handle, guild)] == ["fix-log", "fix-log"]
    # A struck log is no longer offered.
    choices = await emulator.autocomplete(admin, "admin fix-log", "log", "", reason="x")
    assert [c.value for c in choices] == [first]


async def test_fix_log_converts_units(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    assert guild.admin is not None
    alice = guild.members["alice"]
    await create(emulator, alice, activity="run", target="10", unit="km", duration="2d")
    await emulator.invoke(alice, "challenge log", amount="5")
    log_id = await first_log_id(bot_handle, guild)
    await emulator.invoke(guild.admin, "admin fix-log", log=log_id, amount="1", unit="mi", reason="was miles")
    assert (await logs(bot_handle, guild, 1))[0]["amount"] == 1_609_344


async def test_fix_log_refusals(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice, dave = guild.admin, guild.members["alice"], other_guild.members["dave"]
    assert admin is not None
    await create(emulator, alice)
    await emulator.invoke(alice, "challenge log", amount="500")
    await emulator.invoke(alice, "challenge log", amount="10")
    await create(emulator, dave)
    await emulator.invoke(dave, "challenge log", amount="700")
    mine = await first_log_id(bot_handle, guild)
    theirs = await first_log_id(bot_handle, other_guild)

    async def fix(expected: str | list[str], **options: Any) -> None:
        await refused(emulator, bot_handle, admin, "admin fix-log", expected, **({"reason": "typo"} | options))

    await fix("no such log in this server", log=theirs, amount="7")
    await fix("no such log in this server", log=theirs, strike=True)
    await fix("no such log in this server", log=999_999, amount="7")
    await fix("either give the corrected amount", log=mine)
    await fix("either give the corrected amount", log=mine, amount="7", strike=True)
    await fix("short reason", log=mine, amount="7", reason="   ")
    await fix("isn't a number", log=mine, amount="nan")
    await fix("more than zero", log=mine, amount="0")
    await fix("more than anyone logs", log=mine, amount="20000")
    await fix(["counts repetitions", "distance"], log=mine, amount="5", unit="km")
    await fix("don't know the unit", log=mine, amount="5", unit="parsecs")
    await emulator.invoke(admin, "admin fix-log", log=mine, strike=True, reason="dup")
    await fix("already struck", log=mine, amount="7")
    await fix("already struck", log=mine, strike=True)
    # Dave's log is untouched.
    assert (await logs(bot_handle, other_guild, 1))[0]["amount"] == 700
    # The picker never offers another server's logs.
    choices = await emulator.autocomplete(admin, "admin fix-log", "log", "", reason="x")
    assert theirs not in [c.value for c in choices]
    choices = await emulator.autocomplete(admin, "admin fix-log", "log", str(theirs), reason="x")
    assert theirs not in [c.value for c in choices]


# =================================================================================================
# export / audit
# =================================================================================================


def _csv_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return rows[0], rows[1:]


def _as_csv(value: object) -> str:
    return "" if value is None else str(value)


async def test_export_attaches_one_csv_per_table_with_only_this_servers_rows(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice, bob, dave = guild.admin, guild.members["alice"], guild.members["bob"], other_guild.members["dave"]
    assert admin is not None
    await create(emulator, alice)
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(alice, "challenge log", amount="500", note='said "hi", then, left')
    await emulator.invoke(bob, "challenge log", amount="42")
    await emulator.invoke(admin, "admin timezone", name="Europe/Berlin")
    await create(emulator, dave, activity="swim", target="1", unit="km")
    await emulator.invoke(dave, "challenge log", amount="0.5")
    assert other_guild.admin is not None
    await emulator.invoke(other_guild.admin, "admin timezone", name="America/New_York")

    res = await emulator.invoke(admin, "admin export", raw=True)
    assert res.ephemeral and "CSV files to open in a spreadsheet" in res.content
    files = {f.filename: f.data for m in res.messages for f in m.attachments}
    readable = {f"{t}.csv" for t in export_tables.TABLES}
    assert set(files) == readable | {f"raw_{t}.csv" for t in admin_service.EXPORT_TABLES}
    assert all(len(m.attachments) <= 10 for m in res.messages)
    db = bot_handle.bot.svc.db
    for table, sql in admin_service.EXPORT_TABLES.items():
        header, rows = _csv_rows(files[f"raw_{table}.csv"])
        async with db.execute(sql, (guild.id,)) as cur:
            expected = [[_as_csv(v) for v in r] for r in await cur.fetchall()]
            assert header == [d[0] for d in cur.description]
        if table == "audit_log":
            expected = expected[:-1]  # the export's own entry is written after the files
        assert rows == expected, table
    _, challenges = _csv_rows(files["raw_challenges.csv"])
    assert len(challenges) == 1 and "swim" not in files["raw_challenges.csv"].decode()
    _, log_rows = _csv_rows(files["raw_logs.csv"])
    assert sorted(r[0] for r in log_rows) == sorted(str(r["id"]) for r in await logs(bot_handle, guild, 1))
    assert 'said "hi", then, left' in [cell for row in log_rows for cell in row]
    for name, data in files.items():
        assert str(other_guild.id).encode() not in data, name
        assert str(dave.id).encode() not in data, name
    assert (await audit_rows(bot_handle, guild))[-1][:2] == (admin.id, "export")


async def test_audit_lists_this_servers_admin_actions_with_reasons(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    admin = guild.admin
    assert admin is not None and other_guild.admin is not None
    res = await emulator.invoke(admin, "admin audit")
    assert res.ephemeral and "No admin actions yet." in res.text
    await create(emulator, guild.members["alice"])
    await emulator.invoke(admin, "admin timezone", name="Asia/Tokyo")
    await emulator.invoke(admin, "admin extend", challenge=1, until="+1h", reason="heat wave")
    await emulator.invoke(admin, "admin cancel", challenge=1, reason="@everyone gym closed")
    await emulator.invoke(other_guild.admin, "admin timezone", name="America/Denver")
    res = await emulator.invoke(admin, "admin audit")
    text = res.text
    assert res.ephemeral
    assert "**timezone** Asia/Tokyo" in text and "**extend** challenge #1" in text and "heat wave" in text
    assert "**cancel** challenge #1 — @everyone gym closed" in text
    assert text.index("**cancel**") < text.index("**extend**") < text.index("**timezone**")  # newest first
    assert "America/Denver" not in text
    assert res.message is not None and not res.message.pings_everyone


async def test_audit_paginates(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    admin = guild.admin
    assert admin is not None
    svc = bot_handle.bot.svc
    zones = ["Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome"]
    for n in range(80):  # through the service: 80 interactions would only slow the test down
        await admin_service.set_timezone(svc, guild.id, admin.id, zones[n % 4])
    res = await emulator.invoke(admin, "admin audit")
    assert res.message is not None
    footer = res.embed["footer"]["text"]
    assert footer.startswith("Page 1 of ")
    await emulator.click(admin, res.message, label="Next ▶")
    assert emulator.message(res.message.id).embeds[0]["footer"]["text"].startswith("Page 2 of ")


async def test_refusals_leave_the_database_as_it_was(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    """A smoke check of the helper itself: a successful admin command does change the snapshot."""
    assert guild.admin is not None
    before = await snapshot(bot_handle)
    await emulator.invoke(guild.admin, "admin timezone", name="Europe/Oslo")
    assert await snapshot(bot_handle) != before


async def test_export_stays_within_a_small_upload_limit_in_zipped_parts(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    guild.upload_limit = 1500  # what the interaction tells the bot; a bigger upload is a violation
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    await create(emulator, alice)
    for n in range(40):
        await emulator.invoke(
            alice, "challenge log", amount=str(n + 1), note=f"set {n}: {n * 7919:x} {'ok ' * (n % 9)}"
        )

    res = await emulator.invoke(admin, "admin export")
    assert res.ephemeral and "zipped to fit this server's upload limit" in res.content
    assert len(res.messages) > 1 and all("CSV files to open in a spreadsheet" in m.content for m in res.messages)
    for message in res.messages:
        assert sum(len(f.data) for f in message.attachments) <= guild.upload_limit
        assert all(f.filename.endswith(".zip") for f in message.attachments)
    export = ExportFiles(
        messages=[[(f.filename, f.data) for f in m.attachments] for m in res.messages], zipped=True, tables=0
    )
    back = unpack(export)
    assert set(back) == set(export_tables.TABLES)
    assert [row[4] for row in back["logs"][1:]] == [str(n + 1) for n in range(40)]  # amounts, in order
