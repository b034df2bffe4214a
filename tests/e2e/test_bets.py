"""/bet through the Discord emulator: the seed story, buttons (also after a restart), expiry, voiding,
manual bets, settlement exactly once across a restart, and every bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.challenge_support import APOLOGY, public_messages, refused, snapshot
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, DriverError, Guild, InteractionResult, Member, Message
from tests.engines import ENGINES

STAKE = {"stake": "run 5 km backwards", "amount": "5", "unit": "km"}


async def seed_challenge(emulator: DiscordEmulator, sam: Member, **extra: Any) -> InteractionResult:
    """The seed's challenge with default options: in each mode, Sam's 7 h count from his first log."""
    options: dict[str, Any] = {"activity": "pushups", "target": "2020", "unit": "reps", "duration": "7h"} | extra
    res = await emulator.invoke(sam, "challenge create", **options)
    assert not res.ephemeral, res.content
    return res


async def propose(emulator: DiscordEmulator, sam: Member, *opponents: Member, **extra: Any) -> InteractionResult:
    named = dict(zip(("opponent", "opponent2", "opponent3"), opponents, strict=False))
    options: dict[str, Any] = {"challenge": 1, "side": "for", **STAKE, **named, **extra}
    return await emulator.invoke(sam, "bet create", **options)


def bet_message(res: InteractionResult) -> Message:
    assert not res.ephemeral, res.content
    assert res.message is not None
    return res.message


async def click_refused(
    emulator: DiscordEmulator, handle: BotHandle, member: Member, message: Message, label: str, expected: str
) -> InteractionResult:
    """A button press that must be refused: ephemeral, specific, nothing changed or posted."""
    before = await snapshot(handle)
    posted = len(public_messages(emulator))
    shown = (message.content, message.embed_text(), [b.get("disabled") for b in message.buttons])
    res = await emulator.click(member, message, label=label)
    assert res.ephemeral, f"{label} by {member.name}: the refusal must be ephemeral: {res.text!r}"
    assert APOLOGY not in res.text.lower(), res.text
    assert expected.lower() in res.text.lower(), f"{expected!r} not in {res.text!r}"
    assert await snapshot(handle) == before
    assert len(public_messages(emulator)) == posted
    assert (message.content, message.embed_text(), [b.get("disabled") for b in message.buttons]) == shown
    return res


async def bet_row(handle: BotHandle, guild: Guild, no: int = 1) -> Any:
    row = await handle.bot.svc.db.fetchone("SELECT * FROM bets WHERE guild_id = ? AND no = ?", (guild.id, no))
    assert row is not None
    return row


def channel_posts(emulator: DiscordEmulator, guild: Guild, contains: str) -> list[Message]:
    return [m for m in emulator.messages(guild.default_channel, include_ephemeral=False) if contains in m.content]


async def log_all(emulator: DiscordEmulator, handle: BotHandle, sam: Member) -> None:
    for chunk in ("500", "600", "520", "400"):
        handle.clock.advance(timedelta(hours=1))
        res = await emulator.invoke(sam, "challenge log", amount=chunk)
        assert not res.ephemeral, res.content


# --------------------------------------------------------------------------- the story


@pytest.mark.parametrize("bot_engine", ENGINES, indirect=True)  # the seed story on SQLite and on PostgreSQL
async def test_seed_story_through_discord(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    created = await propose(emulator, sam, ana, ben)
    message = bet_message(created)
    assert message.pinged_user_ids == {ana.id, ben.id}  # the named opponents, nobody else
    assert message.custom_ids == ["fitbet:bet:1:accept", "fitbet:bet:1:decline"]
    assert "run 5 km backwards" in message.embed_text()

    first = await emulator.click(ana, message, label="Accept")
    assert first.response_type == 7  # the bet message itself was updated
    assert f"✅ <@{ana.id}>" in message.embed_text() and f"⏳ <@{ben.id}>" in message.embed_text()
    await emulator.click(ben, message, label="Accept")
    assert f"✅ <@{ben.id}>" in message.embed_text()

    assert f"locks at <@{sam.id}>'s first log" in message.embed_text()  # the moment everyone can see
    bot_handle.clock.advance(timedelta(hours=1))
    await emulator.invoke(sam, "challenge log", amount="500")
    assert all(b.get("disabled") for b in message.buttons)  # locked at his first log: his clock started
    assert "locked" in message.embed_text()
    for chunk in ("600", "520"):
        bot_handle.clock.advance(timedelta(hours=1))
        await emulator.invoke(sam, "challenge log", amount=chunk)
    assert channel_posts(emulator, guild, "is settled") == []

    bot_handle.clock.advance(timedelta(hours=1))
    await emulator.invoke(sam, "challenge log", amount="400")  # 2,020 in 3 h: decided now, not at +7 h
    await bot_handle.run_due()
    [post] = channel_posts(emulator, guild, "is settled")
    assert post.pinged_user_ids == {sam.id, ana.id, ben.id}
    assert f"Won: <@{sam.id}>" in post.content and f"Lost: <@{ana.id}> and <@{ben.id}>" in post.content
    assert "run 5 km backwards" in post.content and "💡 Tip" in post.content and "calves" in post.content
    assert "settled" in message.embed_text() and "Penalties" in message.embed_text()
    row = await bet_row(bot_handle, guild)
    assert (row["status"], row["winning_side"]) == ("settled", "for")


async def test_open_bet_anyone_but_the_proposer_takes_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, carol = guild.members["alice"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, open=True))
    assert message.pinged_user_ids == set()
    await click_refused(emulator, bot_handle, sam, message, "Accept", "your own bet")
    res = await emulator.click(carol, message, label="Accept")
    assert res.response_type == 7 and f"<@{carol.id}>" in message.embed_text()


async def test_accept_and_decline_commands(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana, ben))
    res = await emulator.invoke(ana, "bet accept", bet=1)
    assert res.ephemeral and "You're in bet #1" in res.content
    assert f"✅ <@{ana.id}>" in message.embed_text()  # the bet message follows
    res = await emulator.invoke(ben, "bet decline", bet=1)
    assert res.ephemeral and "declined" in res.content
    assert f"❌ <@{ben.id}>" in message.embed_text()
    await refused(emulator, bot_handle, ben, "bet decline", "already declined", bet=1)
    await refused(emulator, bot_handle, ana, "bet decline", "a deal is a deal", bet=1)
    await refused(emulator, bot_handle, ana, "bet accept", "no bet #7", bet=7)


async def test_buttons_refuse_the_wrong_people(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    sam, ana, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana))
    await click_refused(emulator, bot_handle, sam, message, "Accept", "your own bet")
    await click_refused(emulator, bot_handle, carol, message, "Accept", "not named")
    await click_refused(emulator, bot_handle, carol, message, "Decline", "not named")
    await emulator.click(ana, message, label="Accept")
    await click_refused(emulator, bot_handle, ana, message, "Accept", "already accepted")
    await click_refused(emulator, bot_handle, ana, message, "Decline", "a deal is a deal")


async def test_buttons_work_after_a_restart(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    sam, ana, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana))
    await bot_handle.restart()
    await click_refused(emulator, bot_handle, carol, message, "Accept", "not named")
    res = await emulator.click(ana, message, label="Accept")
    assert res.response_type == 7 and f"✅ <@{ana.id}>" in message.embed_text()


async def test_settlement_happens_exactly_once_across_a_restart(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    await emulator.click(ana, bet_message(await propose(emulator, sam, ana)), label="Accept")
    await emulator.invoke(sam, "challenge log", amount="2020")
    await bot_handle.stop()
    bot_handle.clock.advance(timedelta(hours=9))  # the deadline passes while the bot is down
    await bot_handle.start()  # catches up: finishes the challenge and settles the bet
    assert len(channel_posts(emulator, guild, "is settled")) == 1
    await bot_handle.restart()
    await bot_handle.run_due()
    assert len(channel_posts(emulator, guild, "is settled")) == 1
    count = await bot_handle.bot.svc.db.fetchone("SELECT COUNT(*) FROM penalties")
    assert count is not None and count[0] == 1


async def test_unaccepted_bet_expires_and_is_announced(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana))
    await emulator.invoke(sam, "challenge log", amount="10")
    [post] = channel_posts(emulator, guild, "expired")
    assert post.pinged_user_ids == {sam.id}
    assert all(b.get("disabled") for b in message.buttons) and "expired" in message.embed_text()
    with pytest.raises(DriverError):  # a disabled button can't be pressed
        await emulator.click(ana, message, label="Accept")
    await refused(emulator, bot_handle, ana, "bet accept", "expired", bet=1)


async def test_cancelling_the_challenge_voids_the_bet(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana))
    await emulator.click(ana, message, label="Accept")
    res = await emulator.invoke(sam, "challenge cancel", challenge=1)
    assert res.ephemeral and "Cancelled" in res.content
    [post] = channel_posts(emulator, guild, "was voided")
    assert post.pinged_user_ids == {sam.id, ana.id}
    assert "voided" in message.embed_text() and all(b.get("disabled") for b in message.buttons)
    assert (await bet_row(bot_handle, guild))["status"] == "voided"


async def test_list_show_and_autocomplete(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    await propose(emulator, sam, ana)
    listed = await emulator.invoke(ana, "bet list")
    assert listed.ephemeral and "#1" in listed.text and "pushups" in listed.text
    shown = await emulator.invoke(ana, "bet show", bet=1)
    assert shown.ephemeral and "run 5 km backwards" in shown.text and "open" in shown.text
    choices = await emulator.autocomplete(ana, "bet show", "bet", "push")
    assert [c.value for c in choices] == [1] and choices[0].name.startswith("#1 ")
    challenge_choices = await emulator.autocomplete(sam, "bet create", "challenge", "")
    assert [c.value for c in challenge_choices] == [1] and "2,020 pushups" in challenge_choices[0].name
    # Nothing of it shows up in another server.
    dave = other_guild.members["dave"]
    assert await emulator.autocomplete(dave, "bet show", "bet", "") == []
    elsewhere = await emulator.invoke(dave, "bet list", which="all")
    assert "#1" not in elsewhere.text
    await refused(emulator, bot_handle, dave, "bet show", "no bet #1", bet=1)
    await refused(emulator, bot_handle, dave, "bet accept", "no bet #1", bet=1)


# --------------------------------------------------------------------------- manual bets


async def test_manual_bet_settled_by_agreement_with_buttons_that_survive_a_restart(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    decide = (bot_handle.clock.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    res = await emulator.invoke(
        sam,
        "bet create",
        side="for",
        stake="burpees",
        amount="50",
        unit="reps",
        opponent=ana,
        description="Sam runs the Sunday park run under 25 minutes",
        decide_at=decide,
    )
    message = bet_message(res)
    assert "park run" in message.embed_text()
    await emulator.click(ana, message, label="Accept")
    await bot_handle.advance(timedelta(days=2, minutes=1))
    [ask] = channel_posts(emulator, guild, "Time to decide")
    assert ask.pinged_user_ids == {sam.id, ana.id}
    await click_refused(emulator, bot_handle, carol, ask, "It happened", "Only the members in this bet")
    first = await emulator.click(sam, ask, label="It happened")
    assert first.followups and "Waiting for the other side" in first.followups[0].content
    await bot_handle.restart()
    await emulator.click(ana, ask, label="It happened")
    [post] = channel_posts(emulator, guild, "is settled")
    assert post.pinged_user_ids == {sam.id, ana.id} and "burpees 50 reps" in post.content
    assert all(b.get("disabled") for b in ask.buttons)


# --------------------------------------------------------------------------- bad input


async def test_bad_proposals_are_refused_and_change_nothing(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    robot = emulator.add_bot(guild, "gymbot")
    stranger = emulator.create_user("zed")
    await seed_challenge(emulator, sam)

    async def bad(expected: str, **options: Any) -> None:
        base: dict[str, Any] = {"challenge": 1, "side": "for", **STAKE, "opponent": ana}
        await refused(emulator, bot_handle, sam, "bet create", expected, **(base | options))

    await bad("can't bet against yourself", opponent=sam)
    await bad("is a bot", opponent=robot)
    await bad("isn't a member of this server", opponent=stranger)
    await bad("same opponent twice", opponent2=ana)
    await bad("not both", open=True)
    await bad("more than anyone should owe", amount="100000")
    await bad("more than zero", amount="0")
    await bad("number", amount="lots")
    await bad("unit", unit="furlongs")
    await bad("failing your own challenge", side="against")
    await bad("no challenge #5", challenge=5)
    await bad("isn't taking part", subject=ben)
    await bad("too short", due="5m")
    await bad("all three", my_stake="burpees")
    await bad("in the past", challenge=None, description="rain tomorrow", decide_at="2020-01-01 10:00")
    # Another server's challenge #1 is not this server's.
    dave, erin = other_guild.members["dave"], other_guild.members["erin"]
    await refused(
        emulator, bot_handle, dave, "bet create", "no challenge #1", challenge=1, side="for", **STAKE, opponent=erin
    )


async def test_betting_on_a_closed_or_started_challenge_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)  # #1: started by a log
    await emulator.invoke(sam, "challenge log", amount="10", challenge=1)
    await refused(emulator, bot_handle, sam, "bet create", "locked", challenge=1, side="for", **STAKE, opponent=ana)
    await seed_challenge(emulator, sam)  # #2: cancelled
    await emulator.invoke(sam, "challenge cancel", challenge=2)
    await refused(emulator, bot_handle, sam, "bet create", "cancelled", challenge=2, side="for", **STAKE, opponent=ana)
    await seed_challenge(emulator, sam, clock_starts_at_first_log=False, duration="1h")  # #3: finished
    await bot_handle.advance(timedelta(hours=1, minutes=1))
    await refused(
        emulator, bot_handle, sam, "bet create", "already over", challenge=3, side="for", **STAKE, opponent=ana
    )


async def test_forged_button_ids_from_another_server_are_refused(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    """A custom_id is client data: one pointing at another server's bet finds nothing."""
    dave, erin = other_guild.members["dave"], other_guild.members["erin"]
    await seed_challenge(emulator, dave)
    theirs = bet_message(await propose(emulator, dave, erin))  # bet row 1, in the other server
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    mine = bet_message(await propose(emulator, sam, ana))  # bet row 2, here
    assert mine.custom_ids == ["fitbet:bet:2:accept", "fitbet:bet:2:decline"]
    for row in mine.components:
        for button in row.get("components", []):
            button["custom_id"] = button["custom_id"].replace(":2:", ":1:")
    await click_refused(emulator, bot_handle, ana, mine, "Accept", "doesn't exist in this server")
    assert f"⏳ <@{erin.id}>" in theirs.embed_text()  # the other server's bet is untouched


async def test_unit_options_offer_units(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    sam = guild.members["alice"]
    choices = await emulator.autocomplete(sam, "bet create", "unit", "k")
    assert "km" in [c.value for c in choices]
    mine = await emulator.autocomplete(sam, "bet create", "my_unit", "rep")
    assert [c.value for c in mine] == ["reps"]


async def test_bet_on_a_scheduled_challenge_locks_when_it_starts(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    start = (bot_handle.clock.now() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    await seed_challenge(emulator, sam, clock_starts_at_first_log=False, start=start)
    message = bet_message(await propose(emulator, sam, ana, ben))
    assert "locks <t:" in message.embed_text()
    await emulator.click(ana, message, label="Accept")
    await bot_handle.advance(timedelta(hours=2, minutes=1))
    assert all(b.get("disabled") for b in message.buttons) and "locked" in message.embed_text()
    await refused(emulator, bot_handle, ben, "bet accept", "locked", bet=1)
    await refused(emulator, bot_handle, sam, "bet create", "locked", challenge=1, side="for", **STAKE, opponent=ben)
    assert (await bet_row(bot_handle, guild))["status"] == "locked"


async def test_vote_command_settles_a_manual_bet_and_refuses_outsiders(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    decide = (bot_handle.clock.now() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    message = bet_message(
        await emulator.invoke(
            sam,
            "bet create",
            side="against",
            stake="plank",
            amount="5",
            unit="min",
            opponent=ana,
            description="It rains on Saturday",
            decide_at=decide,
        )
    )
    await refused(emulator, bot_handle, sam, "bet vote", "isn't waiting for a result", bet=1, outcome="for")
    await emulator.click(ana, message, label="Accept")
    await bot_handle.advance(timedelta(hours=3, minutes=1))
    await refused(emulator, bot_handle, carol, "bet vote", "Only the members in this bet", bet=1, outcome="for")
    first = await emulator.invoke(sam, "bet vote", bet=1, outcome="against")
    assert first.ephemeral and "Waiting for the other side" in first.content
    second = await emulator.invoke(ana, "bet vote", bet=1, outcome="against")
    assert second.ephemeral and "settled" in second.content
    [post] = channel_posts(emulator, guild, "is settled")
    assert post.pinged_user_ids == {sam.id, ana.id} and "plank 5 min" in post.content
    assert "settled" in message.embed_text()
    [ask] = channel_posts(emulator, guild, "Time to decide")
    assert all(b.get("disabled") for b in ask.buttons)  # settled by command: the vote buttons go grey
