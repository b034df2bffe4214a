"""Proof photos everyone can see and that stay viewable (issue 11, point 8), through the emulator.

A photo attached to /challenge log or /penalty submit is downloaded and uploaded again as a file of
the bot's public reply (an embed shows it); the record keeps where that message is, and later views
link to it. Discord's attachment links expire (the emulator's too, after 24 h of its clock); the
bot's message does not. Bad files are refused ephemerally and change nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from tests.e2e.challenge_support import PNG_MAGIC, create, logs, refused, snapshot
from tests.e2e.harness import BotHandle
from tests.e2e.test_penalties import story_until_settled
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Message

PHOTO = PNG_MAGIC + b"\x00\x00\x00\rIHDR a set of pushups"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF a backwards run"


def jump(guild: Guild, message: Message) -> str:
    return f"https://discord.com/channels/{guild.id}/{message.channel_id}/{message.id}"


def proof_message(res: InteractionResult) -> Message:
    """The bot's public reply holding the photo: deferred (copying may take a while), then filled."""
    assert res.response_type == 5, f"a reply with a photo is deferred: {res.response_name}"
    assert not res.ephemeral and res.message is not None and not res.withdrawn, res.text
    assert res.message.author.bot
    return res.message


async def fetch(url: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.read()


async def test_log_with_a_photo_shows_it_on_the_bots_public_reply_and_keeps_where_it_is(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    photo = emulator.attachment("IMG 2041 (1).PNG", PHOTO, content_type="image/png")
    res = await emulator.invoke(alice, "challenge log", amount="100", note="first set", proof=photo)
    message = proof_message(res)
    assert "logged 100 reps" in message.content and "first set" in message.content
    shown = message.embedded_file()
    assert shown is not None, f"the embed shows no file of the message: {message.embeds}"
    assert (shown.filename, shown.data) == ("proof.png", PHOTO)  # the bot's own copy, safely named
    assert [f.filename for f in message.files] == ["proof.png"]
    assert message.pinged_user_ids == set()

    [row] = await logs(bot_handle, guild, 1)
    assert (row["proof_channel_id"], row["proof_message_id"], row["proof_filename"]) == (
        message.channel_id,
        message.id,
        "proof.png",
    )
    assert row["proof_url"] is None  # the member's signed link is not kept: it would die

    await emulator.invoke(alice, "challenge log", amount="50")  # without a photo: answered at once, as before
    status = await emulator.invoke(guild.members["bob"], "challenge status", challenge=1)
    assert f"[📷 proof]({jump(guild, message)})" in status.text
    assert status.text.count("discord.com/channels/") == 1  # only logs with a photo are linked


async def test_the_kept_photo_outlives_the_members_expiring_link(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice, duration="3d")
    photo = emulator.attachment("set.jpg", JPEG, content_type="image/jpeg")
    res = await emulator.invoke(alice, "challenge log", amount="100", proof=photo)
    message = proof_message(res)
    # The link the interaction carried: Discord signs it for about a day.
    members_link = res.payload["data"]["resolved"]["attachments"][str(photo.id)]["url"]
    assert await fetch(members_link) == (200, JPEG)

    await bot_handle.advance(timedelta(hours=25))
    assert (await fetch(members_link))[0] == 404  # storing this link would have left a dead one
    kept = message.embedded_file()
    assert kept is not None and kept.filename == "proof.jpg"
    # The bot's message is still there and hands out a fresh link to its copy whenever it is read.
    assert not message.deleted and await fetch(kept.signed_url()) == (200, JPEG)
    status = await emulator.invoke(alice, "challenge status")
    assert jump(guild, message) in status.text


async def test_penalty_submit_with_a_photo_shows_it_and_the_winners_post_links_to_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, _ = await story_until_settled(emulator, guild, bot_handle)
    photo = emulator.attachment("watch.png", PHOTO, content_type="image/png")
    res = await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00", proof=photo)
    message = proof_message(res)
    assert "submitted penalty #1" in message.content and "11:00 min/km" in message.content
    shown = message.embedded_file()
    assert shown is not None and (shown.filename, shown.data) == ("proof.png", PHOTO)
    assert message.pinged_user_ids == set()  # the post that asks the winners pings them, not this one

    [ask] = [
        m
        for m in emulator.messages(guild.default_channel, include_ephemeral=False)
        if "verify it or reject it" in m.content
    ]
    assert f"[📷 see the photo]({jump(guild, message)})" in ask.content
    assert ask.pinged_user_ids == {sam.id}
    listed = await emulator.invoke(sam, "penalty list", which="submitted")
    assert jump(guild, message) in listed.text

    db = bot_handle.bot.svc.db
    penalty = await db.fetchone(
        "SELECT id, sub_proof_channel_id, sub_proof_message_id, sub_proof_filename, sub_proof_url FROM penalties"
        " WHERE guild_id = ? AND no = 1",
        (guild.id,),
    )
    assert penalty is not None and tuple(penalty)[1:] == (message.channel_id, message.id, "proof.png", None)
    events = await db.fetchall(
        "SELECT proof_channel_id, proof_message_id, proof_filename FROM penalty_events"
        " WHERE penalty_id = ? AND action = 'submit'",
        (penalty["id"],),
    )
    assert [tuple(e) for e in events] == [(message.channel_id, message.id, "proof.png")]

    # Rejected: the penalty is owed again and no longer shows a proof; its history keeps it.
    await emulator.click(sam, ask, label="Reject")
    again = await db.fetchone("SELECT sub_proof_filename FROM penalties WHERE id = ?", (penalty["id"],))
    assert again is not None and again[0] is None
    events = await db.fetchall(
        "SELECT proof_message_id FROM penalty_events WHERE penalty_id = ? AND action = 'submit'", (penalty["id"],)
    )
    assert [e[0] for e in events] == [message.id]
    # A resubmission without a photo is answered privately, as before, and links nothing.
    plain = await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="54:00")
    assert plain.response_type == 4 and plain.ephemeral
    asks = [
        m
        for m in emulator.messages(guild.default_channel, include_ephemeral=False)
        if "verify it or reject it" in m.content
    ]
    assert "discord.com/channels/" not in asks[-1].content


# --------------------------------------------------------------------------- bad files


def _not_an_image(emulator: DiscordEmulator) -> Any:
    return emulator.attachment("notes.txt", b"trust me", content_type="text/plain")


def _claims_png(emulator: DiscordEmulator) -> Any:
    return emulator.attachment("set.png", b"<html>not a picture</html>", content_type="image/png")


def _unreachable(emulator: DiscordEmulator) -> Any:
    return emulator.attachment("set.png", PHOTO, content_type="image/png", download_status=503)


def _heic(emulator: DiscordEmulator) -> Any:
    return emulator.attachment("set.heic", b"....ftypheic", content_type="image/heic")


def _empty(emulator: DiscordEmulator) -> Any:
    return emulator.attachment("set.png", b"", content_type="image/png")


# (case, attachment, what the member is told, answered before any public placeholder?)
BAD_FILES = [
    ("not-an-image", _not_an_image, "must be an image", True),
    ("heic", _heic, "PNG, JPEG, GIF or WebP", True),
    ("empty", _empty, "empty", True),
    ("claims-png-but-is-not", _claims_png, "must be an image", False),
    ("download-fails", _unreachable, "couldn't fetch your photo", False),
]


def assert_no_public_trace(res: InteractionResult, answered_at_once: bool) -> None:
    if answered_at_once:  # checked from what Discord says about the file: nothing was deferred
        assert res.response_type == 4 and not res.withdrawn
    else:  # found out after the download: the public "thinking…" placeholder was taken back
        assert res.response_type == 5 and res.withdrawn
        assert res.original is not None and res.original.deleted and res.original.content == ""


@pytest.mark.parametrize(("case", "make", "expected", "at_once"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
async def test_a_bad_photo_on_a_log_is_refused_ephemerally_and_changes_nothing(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, case: str, make: Any, expected: str, at_once: bool
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    res = await refused(emulator, bot_handle, alice, "challenge log", expected, amount="100", proof=make(emulator))
    assert_no_public_trace(res, at_once)


@pytest.mark.parametrize(("case", "make", "expected", "at_once"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
async def test_a_bad_photo_on_a_penalty_is_refused_ephemerally_and_changes_nothing(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, case: str, make: Any, expected: str, at_once: bool
) -> None:
    _, ana, _ = await story_until_settled(emulator, guild, bot_handle)
    res = await refused(
        emulator,
        bot_handle,
        ana,
        "penalty submit",
        expected,
        penalty=1,
        amount="5",
        duration="55:00",
        proof=make(emulator),
    )
    assert_no_public_trace(res, at_once)


async def test_a_photo_larger_than_this_server_takes_is_refused_before_anything_is_shown(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    emulator.attachment_size_limit = 200 * 1024  # the server's upload limit, sent with each interaction
    big = emulator.attachment("big.png", PHOTO + bytes(200 * 1024), content_type="image/png")
    res = await refused(
        emulator, bot_handle, alice, "challenge log", ["at most 200 kB", "smaller"], amount="9", proof=big
    )
    assert_no_public_trace(res, answered_at_once=True)
    assert not any(r.path.startswith("/attachments/") for r in emulator.requests)  # never downloaded
    fits = emulator.attachment("ok.png", PHOTO + bytes(100 * 1024), content_type="image/png")
    proof_message(await emulator.invoke(alice, "challenge log", amount="9", proof=fits))


async def test_a_refused_log_with_a_photo_takes_its_placeholder_back(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    """The photo is fine but the log is not (not joined): the refusal is private and nothing stays
    in the channel, not even the "thinking…" placeholder."""
    await create(emulator, guild.members["alice"])
    photo = emulator.attachment("set.png", PHOTO, content_type="image/png")
    res = await refused(
        emulator,
        bot_handle,
        guild.members["carol"],
        "challenge log",
        "join it first",
        amount="5",
        challenge=1,
        proof=photo,
    )
    assert_no_public_trace(res, answered_at_once=False)


async def test_a_log_whose_photo_cannot_be_posted_is_kept_and_the_member_is_told(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    emulator.fail_next("PATCH", r"^/webhooks/\d+/[^/]+/messages/@original$", status=413, code=40005)
    photo = emulator.attachment("set.png", PHOTO, content_type="image/png")
    before = await snapshot(bot_handle)
    res = await emulator.invoke(alice, "challenge log", amount="100", proof=photo)
    assert res.withdrawn and res.ephemeral and "It's saved" in res.text, res.text
    assert len(await logs(bot_handle, guild, 1)) == 1 and await snapshot(bot_handle) != before  # counted once
