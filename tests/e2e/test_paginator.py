"""Paginated replies: only the member who asked turns the pages, long lists jump to the first and last
page, and the buttons go grey when the view times out."""

from __future__ import annotations

import pytest

from bot.services import challenges as challenge_service
from cogs import paginator
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, Message


async def board_of(emulator: DiscordEmulator, guild: Guild, handle: BotHandle, members: int) -> None:
    """`members` runners in one challenge, so the run leaderboard has members / 20 pages."""
    svc = handle.bot.svc
    runners = [emulator.add_member(guild, f"runner{i:02d}") for i in range(members)]
    await emulator.settle()
    view = await challenge_service.create(
        svc, guild_id=guild.id, channel_id=guild.channels["general"].id, creator_id=runners[0].id,
        activity="run", target="5", unit="km", duration="1d", mode="most",
    )  # fmt: skip
    for i, runner in enumerate(runners):
        if i:
            await challenge_service.join(svc, guild.id, view.row.no, runner.id)
        await challenge_service.log(svc, guild.id, view.row.no, runner.id, str(1 + i % 9))


def page(message: Message) -> str:
    return str(message.embeds[0]["footer"]["text"])


def labels(message: Message) -> dict[str, bool]:
    return {str(b["label"]): bool(b.get("disabled")) for b in message.buttons}


async def test_only_the_member_who_asked_turns_the_pages_and_long_lists_jump_to_either_end(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await board_of(emulator, guild, bot_handle, 45)
    alice, bob = guild.members["alice"], guild.members["bob"]
    res = await emulator.invoke(alice, "leaderboard", activity="run")
    message = res.message
    assert message is not None and not message.ephemeral  # the board is public: anyone sees the buttons
    assert labels(message) == {"⏮ First": True, "◀ Previous": True, "Next ▶": False, "Last ⏭": False}
    assert page(message).endswith("Page 1 of 3")

    other = await emulator.click(bob, message, label="Next ▶")
    assert other.ephemeral and "to turn" in other.text and alice.mention in other.text
    assert other.message is not None and other.message.pinged_user_ids == set()
    assert page(message).endswith("Page 1 of 3") and len(message.history) == 0  # untouched

    await emulator.click(alice, message, label="Last ⏭")
    assert page(message).endswith("Page 3 of 3")
    assert labels(message) == {"⏮ First": False, "◀ Previous": False, "Next ▶": True, "Last ⏭": True}
    await emulator.click(alice, message, label="◀ Previous")
    assert page(message).endswith("Page 2 of 3")
    await emulator.click(alice, message, label="⏮ First")
    assert page(message).endswith("Page 1 of 3")


async def test_two_pages_need_no_first_and_last_buttons(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    await board_of(emulator, guild, bot_handle, 25)
    res = await emulator.invoke(guild.members["alice"], "leaderboard", activity="run")
    assert res.message is not None and list(labels(res.message)) == ["◀ Previous", "Next ▶"]


async def test_the_buttons_go_grey_when_the_view_times_out(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # discord.py times views out on the event loop's own clock, not the bot's: a short timeout, then wait.
    monkeypatch.setattr(paginator, "TIMEOUT_SECONDS", 0.05)
    await board_of(emulator, guild, bot_handle, 45)
    res = await emulator.invoke(guild.members["alice"], "leaderboard", activity="run")
    message = res.message
    assert message is not None
    await emulator.wait_until(lambda: all(labels(message).values()), 10, "the page buttons to be disabled")
    assert page(message).endswith("Page 1 of 3")  # the page stays as it was
