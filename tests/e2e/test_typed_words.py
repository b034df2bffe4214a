"""What members type (issue 13), end to end: natural dates and the timestamp that shows what was
understood, whole units refusing fractions, numbers that read two ways, and time zones as members
mean them (`/admin timezone GMT+1` is UTC+01:00) with an autocomplete that shows each offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.challenge_support import challenge_row, create, logs, refused
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = datetime(2026, 11, 29, 19, 48, tzinfo=UTC)  # Sunday 20:48 in Berlin


def stamp(when: datetime) -> str:
    """Discord timestamp markup without the style: `<t:1767225600:`."""
    return f"<t:{int(when.timestamp())}:"


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


async def in_berlin(emulator: DiscordEmulator, guild: Guild, handle: BotHandle) -> None:
    handle.clock.set(SUNDAY)
    assert guild.admin is not None
    res = await emulator.invoke(guild.admin, "admin timezone", name="Europe/Berlin")
    assert "Time zone set to **Europe/Berlin**" in res.content


async def test_create_with_next_friday_shows_the_understood_end_as_a_timestamp(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await in_berlin(emulator, guild, bot_handle)
    res = await create(emulator, guild.members["alice"], duration=None, end="next friday 18:00")
    friday = berlin(date(2026, 12, 4), 18)
    row = await challenge_row(bot_handle, guild, 1)
    assert datetime.fromisoformat(row["ends_at"]) == friday
    assert stamp(friday) in res.text  # the member sees at once what was understood


async def test_dates_in_words_and_in_german_are_understood(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await in_berlin(emulator, guild, bot_handle)
    alice = guild.members["alice"]
    res = await create(emulator, alice, duration=None, end="Samstag 18:00")
    assert stamp(berlin(date(2026, 12, 5), 18)) in res.text
    res = await create(emulator, alice, duration=None, end="Dec 24 18:00")
    assert stamp(berlin(date(2026, 12, 24), 18)) in res.text
    res = await create(emulator, alice, duration=None, end="monday")  # a day alone: until its last minute
    assert stamp(berlin(date(2026, 11, 30), 23, 59)) in res.text
    res = await create(emulator, alice, duration="1d", start="tomorrow")  # a start: its first minute
    row = await challenge_row(bot_handle, guild, 4)
    assert datetime.fromisoformat(row["starts_at"]) == berlin(date(2026, 11, 30), 0)
    assert stamp(berlin(date(2026, 11, 30), 0)) in res.text


async def test_ambiguous_dates_are_refused_with_an_example_and_change_nothing(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await in_berlin(emulator, guild, bot_handle)
    alice = guild.members["alice"]
    base = {"activity": "pushups", "target": "100", "unit": "reps"}
    await refused(emulator, bot_handle, alice, "challenge create", ("3 Apr", "4 Mar"), **base, end="03/04 10:00")
    await refused(emulator, bot_handle, alice, "challenge create", ("add minutes", "06:00"), **base, end="6")
    await refused(emulator, bot_handle, alice, "challenge create", "start or the end", **base, end="friday midnight")


async def test_extend_and_a_manual_bet_show_the_understood_time(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await in_berlin(emulator, guild, bot_handle)
    alice, bob = guild.members["alice"], guild.members["bob"]
    assert guild.admin is not None
    await create(emulator, alice)
    res = await emulator.invoke(guild.admin, "admin extend", challenge=1, until="next friday 18:00")
    assert stamp(berlin(date(2026, 12, 4), 18)) in res.text
    res = await emulator.invoke(
        alice,
        "bet create",
        side="for",
        stake="burpees",
        amount="20",
        unit="reps",
        opponent=bob,
        description="It snows on Saturday",
        decide_at="übermorgen 7am",
    )
    assert not res.ephemeral, res.text
    assert stamp(berlin(date(2026, 12, 1), 7)) in res.text


async def test_a_fraction_of_reps_is_refused_not_rounded(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, target="20,200")  # not reached by the logs below, so they stay correctable
    assert (await challenge_row(bot_handle, guild, 1))["target"] == 20_200
    for amount, whole in (("2.5", "enter 2 or 3"), ("1,5", "enter 1 or 2")):
        await refused(
            emulator, bot_handle, alice, "challenge log", ("counted whole", whole), amount=amount, challenge=1
        )
    assert await logs(bot_handle, guild, 1) == []
    # One separator before three digits is a thousands separator for reps, English or German.
    for amount in ("2,020", "1.500"):
        res = await emulator.invoke(alice, "challenge log", amount=amount, challenge=1)
        assert not res.ephemeral, res.text
    assert [row["amount"] for row in await logs(bot_handle, guild, 1)] == [2020, 1500]
    first = (await logs(bot_handle, guild, 1))[0]["id"]
    assert guild.admin is not None
    res = await emulator.invoke(guild.admin, "admin fix-log", log=first, amount="1.000", reason="typo")
    assert "corrected" in res.text, res.text
    assert [row["amount"] for row in await logs(bot_handle, guild, 1)] == [1000, 1500]


async def test_a_distance_whose_separator_reads_two_ways_is_refused_showing_both(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, activity="run", target="10", unit="km")
    for amount in ("1,500", "1.500"):
        await refused(emulator, bot_handle, alice, "challenge log", ("1.5 km", "1500 km"), amount=amount, challenge=1)
    res = await emulator.invoke(alice, "challenge log", amount="1,5", challenge=1)
    assert not res.ephemeral, res.text
    assert [row["amount"] for row in await logs(bot_handle, guild, 1)] == [1_500_000]  # 1.5 km in mm


async def test_admin_timezone_gmt_plus_one_is_utc_plus_one(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    bot_handle.clock.set(SUNDAY)
    assert guild.admin is not None
    res = await emulator.invoke(guild.admin, "admin timezone", name="GMT+1")
    assert res.ephemeral and "**Etc/GMT-1**" in res.content and "UTC+01:00 all year" in res.content
    assert "Europe/Berlin" in res.content  # suggests a region in case the clocks change there
    assert (await bot_handle.bot.svc.guild_settings(guild.id)).timezone == "Etc/GMT-1"
    await create(emulator, guild.members["alice"], duration=None, end="2026-12-01 18:00")
    row = await challenge_row(bot_handle, guild, 1)
    assert datetime.fromisoformat(row["ends_at"]) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


async def test_admin_timezone_abbreviation_picks_the_region_with_daylight_saving(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    bot_handle.clock.set(SUNDAY)
    assert guild.admin is not None
    res = await emulator.invoke(guild.admin, "admin timezone", name="EST")
    assert "**America/New_York**" in res.content and "clocks change" in res.content
    await refused(emulator, bot_handle, guild.admin, "admin timezone", ("can mean", "Europe/Dublin"), name="IST")
    assert (await bot_handle.bot.svc.guild_settings(guild.id)).timezone == "America/New_York"


async def test_timezone_autocomplete_offers_iana_names_labelled_with_their_offset(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    bot_handle.clock.set(SUNDAY)
    assert guild.admin is not None
    choices = await emulator.autocomplete(guild.admin, "admin timezone", "name", "GMT+1")
    assert choices[0].value == "Etc/GMT-1" and "UTC+01:00 all year" in choices[0].name
    assert "Europe/Berlin" in [c.value for c in choices]
    assert "Etc/GMT+1" not in [c.value for c in choices]
    choices = await emulator.autocomplete(guild.admin, "admin timezone", "name", "EST")
    assert choices[0].value == "America/New_York" and choices[0].name == "America/New_York (UTC-05:00 now)"
    choices = await emulator.autocomplete(guild.admin, "admin timezone", "name", "etc/gmt+1")
    assert {c.value: c.name for c in choices}["Etc/GMT+1"] == "Etc/GMT+1 (UTC-01:00 all year)"
    choices = await emulator.autocomplete(guild.admin, "admin timezone", "name", "")
    assert 0 < len(choices) <= 25 and all("UTC" in c.name for c in choices)


async def test_durations_in_words_are_understood(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, duration="half an hour")
    await create(emulator, alice, duration="a week")
    for no, length in ((1, timedelta(minutes=30)), (2, timedelta(days=7))):
        row = await challenge_row(bot_handle, guild, no)
        assert datetime.fromisoformat(row["ends_at"]) - datetime.fromisoformat(row["starts_at"]) == length
