"""/admin settings and the setters: every server setting shown, each one changed, audited and in effect,
and the admin role counted as admin when commands run."""

from __future__ import annotations

from typing import Any

from tests.e2e.challenge_support import create, refused
from tests.e2e.harness import BotHandle
from tests.e2e.test_bets import propose, seed_challenge
from tests.emulator import DiscordEmulator, Guild

NOT_ADMIN = "only server admins"


def fields(res: Any) -> dict[str, str]:
    return {f["name"]: f["value"] for f in res.embed["fields"]}


def command_id(emulator: DiscordEmulator, guild: Guild, name: str) -> int:
    return int(next(c["id"] for c in emulator.commands(guild) if c["name"] == name))


async def audit_actions(handle: BotHandle, guild: Guild) -> list[tuple[str, str]]:
    rows = await handle.bot.svc.db.fetchall(
        "SELECT action, target FROM audit_log WHERE guild_id = ? ORDER BY id", (guild.id,)
    )
    return [(r["action"], r["target"]) for r in rows]


async def test_settings_show_every_setting_with_its_default_and_the_command_that_changes_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    assert guild.admin is not None
    res = await emulator.invoke(guild.admin, "admin settings")
    assert res.ephemeral
    shown = fields(res)
    assert list(shown) == [
        "📣 Announcements",
        "🕒 Time zone",
        "🛡️ Admin role",
        "⏳ Penalty window",
        "📏 Distance unit",
        "⏰ Reminder before a challenge ends",
    ]
    assert "not set" in shown["📣 Announcements"]
    assert "**UTC**" in shown["🕒 Time zone"] and "UTC+00:00" in shown["🕒 Time zone"]
    assert "none" in shown["🛡️ Admin role"]
    assert "**7 days**" in shown["⏳ Penalty window"]
    assert "**km**" in shown["📏 Distance unit"]
    assert "**1 hour**" in shown["⏰ Reminder before a challenge ends"]
    admin_id = command_id(emulator, guild, "admin")
    for name, sub in [
        ("📣 Announcements", "channel"),
        ("🕒 Time zone", "timezone"),
        ("🛡️ Admin role", "role"),
        ("⏳ Penalty window", "penalty-due"),
        ("📏 Distance unit", "distance-unit"),
    ]:
        assert f"Change: </admin {sub}:{admin_id}>" in shown[name]  # clickable, from the synced id


async def test_each_setting_changed_is_shown_audited_and_in_effect(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, alice, bob = guild.admin, guild.members["alice"], guild.members["bob"]
    assert admin is not None
    coaches = emulator.add_role(guild, "Coaches")
    await emulator.settle()
    announcements = guild.channels["announcements"]
    await emulator.invoke(admin, "admin channel", options={"channel": announcements})
    await emulator.invoke(admin, "admin timezone", name="Asia/Kolkata")
    res = await emulator.invoke(admin, "admin role", role=coaches)
    assert res.ephemeral and coaches.mention in res.content
    res = await emulator.invoke(admin, "admin penalty-due", days=3)
    assert res.ephemeral and "3 days" in res.content
    res = await emulator.invoke(admin, "admin distance-unit", unit="mi")
    assert res.ephemeral and "in mi" in res.content

    shown = fields(await emulator.invoke(admin, "admin settings"))
    assert f"<#{announcements.id}>" in shown["📣 Announcements"]
    assert "**Asia/Kolkata**" in shown["🕒 Time zone"] and "UTC+05:30" in shown["🕒 Time zone"]
    assert coaches.mention in shown["🛡️ Admin role"]
    assert "**3 days**" in shown["⏳ Penalty window"]
    assert "**mi**" in shown["📏 Distance unit"]
    assert await audit_actions(bot_handle, guild) == [
        ("channel", f"<#{announcements.id}>"),
        ("timezone", "Asia/Kolkata"),
        ("admin-role", f"<@&{coaches.id}>"),
        ("penalty-due", "3 days"),
        ("distance-unit", "mi"),
    ]
    # In effect: a new bet's stake is due within the server's window; distances total in miles.
    await seed_challenge(emulator, alice)
    bet = await propose(emulator, alice, bob)
    assert "within 3 days" in bet.text
    await create(emulator, bob, activity="run", target="10", unit="km", duration="2d")
    await emulator.invoke(bob, "challenge log", amount="8.04672", challenge=2)
    assert "run: 5 mi" in (await emulator.invoke(bob, "stats")).text
    # Cleared again.
    await emulator.invoke(admin, "admin role")
    assert "none" in fields(await emulator.invoke(admin, "admin settings"))["🛡️ Admin role"]
    assert (await audit_actions(bot_handle, guild))[-1] == ("admin-role", "none")


async def test_the_admin_role_counts_as_admin_when_a_command_runs(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    """Discord shows /admin to Manage Server only, unless a server allows the role (permission_override
    acts as that server); the bot's own check then lets the role's members in, and only them."""
    admin, alice, bob = guild.admin, guild.members["alice"], guild.members["bob"]
    assert admin is not None
    coaches = emulator.add_role(guild, "Coaches")
    emulator.give_role(alice, coaches)
    await emulator.settle()
    await create(emulator, bob)
    await refused(emulator, bot_handle, alice, "admin settings", NOT_ADMIN, permission_override=True)
    await refused(emulator, bot_handle, alice, "challenge cancel", "only the creator", challenge=1)

    await emulator.invoke(admin, "admin role", role=coaches)
    res = await emulator.invoke(alice, "admin settings", permission_override=True)
    assert res.ephemeral and coaches.mention in fields(res)["🛡️ Admin role"]
    res = await emulator.invoke(alice, "challenge cancel", challenge=1)  # bob's challenge: as an admin
    assert "Cancelled challenge #1" in res.content
    await refused(emulator, bot_handle, bob, "admin settings", NOT_ADMIN, permission_override=True)

    await emulator.invoke(admin, "admin role")
    await refused(emulator, bot_handle, alice, "admin penalty-due", NOT_ADMIN, days=3, permission_override=True)


async def test_settings_refusals_change_nothing(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    admin, alice = guild.admin, guild.members["alice"]
    assert admin is not None
    await refused(emulator, bot_handle, admin, "admin role", "@everyone can't be", role=guild.everyone_role)
    for command, options in [
        ("admin settings", {}),
        ("admin role", {"role": guild.roles["Admins"]}),
        ("admin penalty-due", {"days": 3}),
        ("admin distance-unit", {"unit": "mi"}),
    ]:
        await refused(emulator, bot_handle, alice, command, NOT_ADMIN, permission_override=True, **options)
