"""The live challenge card and one-tap logging (issue 14, points 1 and 2), through the emulator.

The public reply to /challenge create is the card: it is edited as logs arrive (coalesced, within the
channel's edit rate), shows the bets on the challenge, and once it is over the result with a link to
the result post and greyed-out buttons. Its buttons log exactly like /challenge log, once per
interaction, also after a restart; a member who isn't in the challenge is offered to join.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

from tests.e2e.challenge_support import create, is_card, logs, posts, snapshot
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Member, Message

QUICK = ["+25 reps", "+50 reps", "+100 reps"]


def card_of(res: InteractionResult) -> Message:
    assert res.message is not None and is_card(res.message), f"not a live card: {res.text}"
    return res.message


def labels(message: Message) -> list[str]:
    return [str(b.get("label")) for b in message.buttons]


def enabled(message: Message) -> list[str]:
    return [str(b.get("label")) for b in message.buttons if not b.get("disabled")]


async def card_row(handle: BotHandle, guild: Guild, no: int = 1) -> tuple[int | None, int | None]:
    row = await handle.bot.svc.db.fetchone(
        "SELECT card_channel_id, card_message_id FROM challenges WHERE guild_id = ? AND no = ?", (guild.id, no)
    )
    assert row is not None
    return row[0], row[1]


async def tap(emulator: DiscordEmulator, member: Member, card: Message, label: str) -> InteractionResult:
    res = await emulator.click(member, card, label=label)
    assert res.ephemeral, f"a tap is answered privately: {res.text}"
    return res


# --------------------------------------------------------------------------- the card


async def test_the_create_reply_is_a_live_card_with_buttons_that_fit_the_challenge(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    res = await create(emulator, guild.members["alice"])  # 2,020 pushups in 7 hours
    card = card_of(res)
    assert labels(card) == [*QUICK, "Log…", "Undo my last"]
    assert "2,020 pushups" in card.text and "Tap a button below to log" in card.content
    assert await card_row(bot_handle, guild) == (card.channel_id, card.id)

    run = await create(emulator, guild.members["bob"], activity="run", target="5", unit="km", duration="2d")
    assert labels(card_of(run))[:3] == ["+0.5 km", "+1 km", "+2 km"]
    plank = await create(emulator, guild.members["bob"], activity="plank", target="60", unit="min", duration="1d")
    assert labels(card_of(plank))[:3] == ["+1 min", "+5 min", "+10 min"]


async def test_a_log_edits_the_card_with_the_new_totals_and_pace(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice))
    bot_handle.clock.advance(timedelta(minutes=30))
    await emulator.invoke(alice, "challenge log", amount="500")
    assert card.edited_at is not None and "500 reps (24%)" in card.text
    assert "pace 1,000 reps/h" in card.text and "on track to finish" in card.text
    bot_handle.clock.advance(timedelta(minutes=30))
    await emulator.invoke(alice, "challenge undo")
    assert "0 reps (0%)" in card.text and "1 log undone or corrected" in card.text


async def test_the_card_shows_the_bets_on_it_who_took_them_and_when_they_lock(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    card = card_of(await create(emulator, alice))
    bet = await emulator.invoke(
        alice, "bet create", challenge=1, side="for", stake="run 5 km backwards", amount="5", unit="km", open=True
    )
    assert bet.message is not None
    assert f"#1** {alice.mention}: {alice.mention} makes it vs anyone · 🟡 open" in card.text
    await emulator.invoke(bob, "bet accept", bet=1)  # by command ...
    assert f"makes it vs {bob.mention} · 🟡 open" in card.text
    await emulator.click(carol, bet.message, label="Accept")  # ... and by button
    assert f"makes it vs {bob.mention} and {carol.mention} · 🟡 open" in card.text
    await emulator.invoke(alice, "challenge log", amount="10")  # the first log locks the bet
    assert "· 🔒 locked" in card.text


async def test_a_finished_card_shows_the_result_links_to_its_post_and_greys_out_its_buttons(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice, target="100", duration="1h"))
    await emulator.invoke(alice, "challenge log", amount="40")
    await bot_handle.advance(timedelta(hours=1))
    [result] = posts(emulator, guild, "general", "is over")
    assert (
        f"[See the result post](https://discord.com/channels/{guild.id}/{result.channel_id}/{result.id})" in card.text
    )
    assert "Final standings" in card.content and "❌ didn't make it" in card.text
    assert enabled(card) == [] and len(labels(card)) == 5


async def test_a_member_judged_early_gets_a_link_to_their_result_while_the_others_keep_going(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    card = card_of(await create(emulator, alice, target="100", duration="1h", clock_starts_at_first_log=True))
    await emulator.invoke(bob, "challenge join", challenge=1)
    await emulator.invoke(alice, "challenge log", amount="100")  # alice made it: her result is decided now
    [mine] = posts(emulator, guild, "general", "made it")
    assert f"✅ {alice.mention} made it — [result](https://discord.com/channels/{guild.id}/" in card.text
    assert str(mine.id) in card.text
    assert enabled(card) == labels(card)  # bob still logs with them


async def test_a_deleted_card_is_posted_again_at_the_next_change(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice))
    emulator.delete_message(card)
    res = await emulator.invoke(alice, "challenge log", amount="300")
    assert not res.ephemeral and "logged 300 reps" in res.content  # the member's log never fails for it
    [again] = [m for m in emulator.messages(guild.channels["general"], include_ephemeral=False) if is_card(m)]
    assert again.id != card.id and "300 reps (14%)" in again.text
    assert await card_row(bot_handle, guild) == (again.channel_id, again.id)
    await emulator.click(alice, again, label="+25 reps")  # and it works like the first
    assert "325 reps" in again.text


async def test_a_deleted_card_is_posted_again_on_challenge_status(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    bob = guild.members["bob"]
    card = card_of(await create(emulator, guild.members["alice"]))
    emulator.delete_message(card)
    await emulator.invoke(bob, "challenge status", challenge=1)
    cards = [m for m in emulator.messages(guild.channels["general"], include_ephemeral=False) if is_card(m)]
    assert len(cards) == 1 and cards[0].id != card.id
    await emulator.invoke(bob, "challenge status", challenge=1)  # it exists now: only edited
    assert len([m for m in emulator.messages(guild.channels["general"]) if is_card(m)]) == 1


async def test_a_burst_of_logs_on_many_cards_stays_within_the_channels_edit_rate(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    # The bot's card budget in tests is 4 edits per 0.5 s per channel; Discord's shape, sped up.
    emulator.set_channel_rate_limit(5, 0.5, edits=True)
    members = [guild.members[n] for n in ("alice", "bob", "carol")]
    cards = [card_of(await create(emulator, m, target="100000")) for m in members]
    before = len(emulator.requests)
    taps = [
        emulator.invoke(m, "challenge log", amount=str(n + 1), challenge=i + 1, settle=False)
        for n in range(12)
        for i, m in enumerate(members)
    ]
    await asyncio.gather(*taps)
    await emulator.settle()
    edits = [
        r for r in emulator.requests[before:] if r.method == "PATCH" and re.search(r"/channels/\d+/messages/", r.path)
    ]
    assert [r.status for r in edits if r.status == 429] == [], "card edits went over the channel's rate limit"
    assert len(edits) < 36, "each log became its own edit; they should be coalesced"
    for card in cards:
        assert "78 reps" in card.text  # 1 + 2 + … + 12: the last state is shown


# --------------------------------------------------------------------------- one-tap logging


async def test_a_tap_logs_like_challenge_log_and_answers_privately(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice))
    await emulator.invoke(alice, "challenge log", amount="1000")
    res = await tap(emulator, alice, card, "+25 reps")
    assert "Logged 25 reps" in res.content and "you're at 1,025 reps (50%)" in res.content
    assert [r["amount"] for r in await logs(bot_handle, guild, 1)] == [1000, 25]
    assert [r["interaction_id"] for r in await logs(bot_handle, guild, 1)][1] == res.id
    [milestone] = posts(emulator, guild, "general", "50% of the way")  # the same milestones
    assert alice.mention in milestone.content
    assert "1,025 reps (50%)" in card.text


async def test_the_log_modal_takes_an_amount_with_a_unit_and_a_note(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice, activity="run", target="10", unit="km", duration="2d"))
    opened = await emulator.click(alice, card, label="Log…")
    assert opened.modal is not None
    res = await emulator.submit_modal(alice, opened.modal, {"amount": "1.5 mi", "note": "easy loop"})
    assert res.ephemeral and "Logged 2.41 km" in res.content and "easy loop" in res.content
    [row] = await logs(bot_handle, guild, 1)
    assert (row["entered_amount"], row["entered_unit"], row["note"]) == ("1.5", "mi", "easy loop")
    again = await emulator.click(alice, card, label="Log…")
    assert again.modal is not None
    bad = await emulator.submit_modal(alice, again.modal, {"amount": "lots"})
    assert bad.ephemeral and "isn't a number I understand" in bad.content
    assert len(await logs(bot_handle, guild, 1)) == 1


async def test_undo_my_last_is_answered_privately_and_kept_on_record(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice))
    await tap(emulator, alice, card, "+50 reps")
    res = await tap(emulator, alice, card, "Undo my last")
    assert "Undid your log of 50 reps" in res.content and "You're at 0 reps" in res.content
    [row] = await logs(bot_handle, guild, 1)
    assert row["struck_at"] is not None
    assert "0 reps (0%)" in card.text


async def test_a_non_participant_is_offered_to_join_and_then_logs(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    card = card_of(await create(emulator, alice))
    before = await snapshot(bot_handle)
    offer = await tap(emulator, bob, card, "+25 reps")
    assert "not in challenge #1 yet" in offer.content and enabled(offer.message) == ["Join #1"]  # type: ignore[arg-type]
    assert await snapshot(bot_handle) == before  # nothing logged
    assert offer.message is not None
    joined = await emulator.click(bob, offer.message, label="Join #1")
    assert "You're in" in joined.content and joined.message is not None and joined.message.buttons == []
    assert bob.mention in card.text
    await tap(emulator, bob, card, "+25 reps")
    assert [r["user_id"] for r in await logs(bot_handle, guild, 1)] == [bob.id]


async def test_a_non_participant_who_cant_join_is_told_why(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    card = card_of(
        await create(emulator, alice, target="100", duration="2h", clock_starts_at_first_log=True, latest_start="in 1h")
    )
    await emulator.invoke(alice, "challenge log", amount="10")
    bot_handle.clock.advance(timedelta(minutes=90))  # the latest start has passed; alice's clock still runs
    await bot_handle.timers_idle()  # her clock reminder is due now: the bot posts it by itself first
    before = await snapshot(bot_handle)
    res = await tap(emulator, bob, card, "Log…")
    assert "you're not one" in res.content and "latest start" in res.content and res.modal is None
    assert await snapshot(bot_handle) == before


async def test_the_buttons_and_an_open_modal_keep_working_after_a_restart(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice))
    opened = await emulator.click(alice, card, label="Log…")
    assert opened.modal is not None
    await bot_handle.restart()
    await tap(emulator, alice, card, "+100 reps")
    res = await emulator.submit_modal(alice, opened.modal, {"amount": "7", "note": "after the restart"})
    assert res.ephemeral and "Logged 7 reps" in res.content
    assert [r["amount"] for r in await logs(bot_handle, guild, 1)] == [100, 7]
    assert "107 reps" in card.text


async def test_a_repeated_delivery_never_logs_twice_while_two_real_taps_log_twice(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice))
    first = await tap(emulator, alice, card, "+25 reps")
    await emulator.redeliver(first)
    assert [r["amount"] for r in await logs(bot_handle, guild, 1)] == [25]
    await tap(emulator, alice, card, "+25 reps")  # a second real tap is a second log
    assert [r["amount"] for r in await logs(bot_handle, guild, 1)] == [25, 25]

    opened = await emulator.click(alice, card, label="Log…")
    assert opened.modal is not None
    submitted = await emulator.submit_modal(alice, opened.modal, {"amount": "10"})
    await emulator.redeliver(submitted)
    command = await emulator.invoke(alice, "challenge log", amount="5")
    await emulator.redeliver(command)
    assert [r["amount"] for r in await logs(bot_handle, guild, 1)] == [25, 25, 10, 5]

    undo = await tap(emulator, alice, card, "Undo my last")
    await emulator.redeliver(undo)
    struck = [r["amount"] for r in await logs(bot_handle, guild, 1) if r["struck_at"] is not None]
    assert struck == [5], "a repeated undo took away a second log"
    # (the emulator fails the test if the bot answered any repeated delivery a second time)


async def test_a_button_naming_another_servers_challenge_changes_nothing(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    theirs = card_of(await create(emulator, other_guild.members["dave"]))
    mine = card_of(await create(emulator, guild.members["alice"]))
    # A forged custom_id: the card of this server's challenge, pointing at the other server's id.
    forged = mine.component(f"fitbet:card:{_challenge_id(mine)}:q0")
    assert forged is not None
    forged["custom_id"] = f"fitbet:card:{_challenge_id(theirs)}:q0"
    before = await snapshot(bot_handle)
    res = await emulator.click(guild.members["alice"], mine, forged["custom_id"])
    assert res.ephemeral and "isn't in this server" in res.content
    assert await snapshot(bot_handle) == before


def _challenge_id(card: Message) -> int:
    found: Any = re.search(r"fitbet:card:(\d+):", " ".join(card.custom_ids))
    assert found is not None
    return int(found[1])


async def test_an_admins_correction_and_extension_show_on_the_card(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = card_of(await create(emulator, alice))
    await emulator.invoke(alice, "challenge log", amount="500")
    [row] = await logs(bot_handle, guild, 1)
    await emulator.invoke(guild.admin, "admin fix-log", log=row["id"], reason="typo", amount="50")
    assert "50 reps (2%)" in card.text
    await emulator.invoke(guild.admin, "admin extend", challenge=1, until="+2h")
    ends = await bot_handle.bot.svc.db.fetchone("SELECT ends_at FROM challenges WHERE guild_id = ?", (guild.id,))
    assert ends is not None
    assert f"<t:{int(datetime.fromisoformat(ends[0]).timestamp())}:R>" in card.text
