"""/bet through the Discord emulator: the seed story, buttons (also after a restart), bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Member, Message

STAKE = {"stake": "run 5 km backwards", "amount": "5", "unit": "km"}


async def seed_challenge(emulator: DiscordEmulator, sam: Member) -> InteractionResult:
    res = await emulator.invoke(
        sam,
        "challenge create",
        activity="pushups",
        target="2020",
        unit="reps",
        duration="7h",
        clock_starts_at_first_log=True,
    )
    assert not res.ephemeral, res.content
    return res


async def propose(emulator: DiscordEmulator, sam: Member, *opponents: Member, **extra: Any) -> InteractionResult:
    named = {name: m for name, m in zip(("opponent", "opponent2", "opponent3"), opponents, strict=False)}
    options: dict[str, Any] = {"challenge": 1, "side": "for", **STAKE, **named, **extra}
    return await emulator.invoke(sam, "bet create", **options)


def bet_message(res: InteractionResult) -> Message:
    assert not res.ephemeral, res.content
    assert res.message is not None
    return res.message


async def error_of(res: InteractionResult) -> str:
    assert res.ephemeral, f"expected an ephemeral refusal, got {res.content!r}"
    return res.content


def channel_text(emulator: DiscordEmulator, guild: Guild) -> str:
    return "\n".join(m.text for m in emulator.messages(guild.default_channel, include_ephemeral=False))


async def test_seed_story_through_discord(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    await seed_challenge(emulator, sam)
    created = await propose(emulator, sam, ana, ben)
    message = bet_message(created)
    assert created.message is not None
    assert message.pinged_user_ids == {ana.id, ben.id}
    assert message.custom_ids == [f"fitbet:bet:1:accept", f"fitbet:bet:1:decline"]  # noqa: F541

    first = await emulator.click(ana, message, label="Accept")
    assert first.ephemeral is False or first.response_type == 7
    assert "✅" in message.embed_text() and str(ana.id) in message.embed_text()
    await emulator.click(ben, message, label="Accept")

    for chunk in ("500", "600", "520", "400"):
        bot_handle.clock.advance(timedelta(hours=1))
        res = await emulator.invoke(sam, "challenge log", amount=chunk)
        assert not res.ephemeral, res.content
    buttons = message.buttons
    assert all(b.get("disabled") for b in buttons)  # locked at the first log

    await bot_handle.advance(timedelta(hours=4, minutes=1))
    settled = [m for m in emulator.messages(guild.default_channel) if "is settled" in m.content]
    assert len(settled) == 1
    post = settled[0]
    assert post.pinged_user_ids == {sam.id, ana.id, ben.id}
    assert "run 5 km backwards" in post.content and "Tip" in post.content


async def test_accept_button_works_after_a_restart(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana = guild.members["alice"], guild.members["bob"]
    await seed_challenge(emulator, sam)
    message = bet_message(await propose(emulator, sam, ana))
    await bot_handle.restart()
    res = await emulator.click(ana, message, label="Accept")
    assert res.response_type == 7
    assert "✅" in message.embed_text()
