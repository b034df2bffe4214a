"""/stats and /leaderboard end to end: what members see after real play, pages, and bad input."""

from __future__ import annotations

from datetime import timedelta

from bot.services import challenges as challenge_service
from tests.e2e.challenge_support import refused
from tests.e2e.harness import BotHandle
from tests.e2e.test_penalties import story_until_settled
from tests.emulator import DiscordEmulator, Guild


async def test_stats_show_bets_challenges_penalties_totals_and_personal_best(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, _ben = await story_until_settled(emulator, guild, bot_handle)
    mine = await emulator.invoke(sam, "stats")
    assert not mine.ephemeral
    text = mine.text
    assert "1 won · 0 lost" in text and "1 completed · 0 failed" in text
    assert "pushups: 2,020 reps" in text
    assert "2,020 pushups in 3 h" in text  # fastest time to the target
    theirs = await emulator.invoke(sam, "stats", member=ana)
    assert "0 won · 1 lost" in theirs.text and "1 owed" in theirs.text
    bot_handle.clock.advance(timedelta(days=8))
    await bot_handle.run_due()
    overdue = await emulator.invoke(sam, "stats", member=ana)
    assert "1 overdue" in overdue.text


async def test_leaderboard_ranks_members_and_filters_by_activity(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, ben = await story_until_settled(emulator, guild, bot_handle)
    board = await emulator.invoke(ana, "leaderboard")
    assert not board.ephemeral
    how, _, *lines = board.embed["description"].splitlines()
    assert how == "_Ranked by bets won, then challenges completed, then penalties done, then fewest overdue._"
    assert sam.mention in lines[0] and "1 bet won · 1 challenge completed · 0 penalties done · 0 overdue" in lines[0]
    pushups = await emulator.invoke(ana, "leaderboard", activity="pushups", period="week")
    assert sam.mention in pushups.text and "2,020 reps" in pushups.text
    assert pushups.embed["title"] == "Leaderboard — pushups · last 7 days"
    assert pushups.embed["description"].startswith("_Ranked by the total of pushups each member logged (last 7 days)._")
    assert ana.mention not in pushups.text  # she logged no pushups
    choices = await emulator.autocomplete(ana, "leaderboard", "activity", "pu")
    assert [c.value for c in choices] == ["pushups"]
    await refused(emulator, bot_handle, ben, "leaderboard", "no challenge for “yoga”", activity="yoga")


async def test_leaderboard_pages_past_one_embed(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    members = [emulator.add_member(guild, f"runner{i:02d}") for i in range(45)]
    await emulator.settle()
    creator = guild.members["alice"]
    await emulator.invoke(
        creator, "challenge create", activity="run", target="5", unit="km", duration="1d", mode="most"
    )
    for i, member in enumerate(members):
        await emulator.invoke(member, "challenge join", challenge=1)
        await emulator.invoke(member, "challenge log", amount=str(1 + i % 9))
    board = await emulator.invoke(creator, "leaderboard", activity="run")
    message = board.message
    assert message is not None and "Page 1 of" in message.embeds[0]["footer"]["text"]
    first = message.embeds[0]["description"]
    await emulator.click(creator, message, label="Next ▶")
    assert "Page 2 of 3" in message.embeds[0]["footer"]["text"] and message.embeds[0]["description"] != first
    assert message.embeds[0]["description"].splitlines()[2].startswith("**21.**")


async def test_stats_of_someone_outside_the_server_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    stranger = emulator.create_user("stranger")
    await refused(emulator, bot_handle, guild.members["alice"], "stats", "isn't a member", options={"member": stranger})


async def test_a_big_board_shows_the_top_100_and_the_members_own_place(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    svc = bot_handle.bot.svc
    members = [emulator.add_member(guild, f"athlete{i:03d}") for i in range(105)]
    await emulator.settle()
    # Through the service for speed (105 members × join and log): 100 complete a challenge, 5 fail one.
    for first in (0, 50, 100):
        group = members[first : first + 50]
        view = await challenge_service.create(
            svc, guild_id=guild.id, channel_id=guild.channels["general"].id, creator_id=group[0].id,
            activity="pushups", target="10", unit="reps", duration="1h",
        )  # fmt: skip
        for m in group:
            if m is not group[0]:
                await challenge_service.join(svc, guild.id, view.row.no, m.id)
            await challenge_service.log(svc, guild.id, view.row.no, m.id, "10" if first < 100 else "1")
    bot_handle.clock.advance(timedelta(hours=2))
    await bot_handle.run_due()

    last = members[-1]
    board = await emulator.invoke(last, "leaderboard")
    message = board.message
    assert message is not None
    embed = message.embeds[0]
    assert embed["footer"]["text"] == "Top 100 of 105 members · Page 1 of 5"
    assert embed["description"].splitlines()[2].startswith("🥇")
    [place] = embed["fields"]
    assert place["name"] == "Your place" and place["value"].startswith("**10") and last.mention in place["value"]
    assert "0 challenges completed" in place["value"]
    await emulator.click(last, message, label="Next ▶")
    assert message.embeds[0]["footer"]["text"] == "Top 100 of 105 members · Page 2 of 5"
    assert message.embeds[0]["fields"][0]["name"] == "Your place"
    # A member in the top sees no separate place.
    top = await emulator.invoke(members[0], "leaderboard")
    assert top.message is not None and not top.message.embeds[0].get("fields")
