"""Runs proven by the watch's own file (issue 14, point 3), through the emulator.

A GPX or FIT file on /penalty submit or /challenge log is read for its distance and times (the member
need not type them), shown with its figures and a route/pace picture, and kept on the bot's message
for the verifiers. Typed values that disagree with the file, and bad files, are refused ephemerally
and change nothing. The files are built by the tests themselves (tests/activity_files.py).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.activity_files import Point, billion_laughs, fit, gpx, straight_run
from tests.e2e.challenge_support import PNG_MAGIC, create, logs, refused
from tests.e2e.harness import BotHandle
from tests.e2e.test_penalties import posts, story_until_settled
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Member

FIGURES = "5.02 km in 55:10, 10:59 min/km"


async def owed_penalty(emulator: DiscordEmulator, guild: Guild, handle: BotHandle) -> tuple[Member, Member, datetime]:
    """The seed story until Ana (bob) owes her 5 km backwards run; a day later. (sam, ana, now)"""
    sam, ana, _ben = await story_until_settled(emulator, guild, handle)
    handle.clock.advance(timedelta(days=1))
    return sam, ana, handle.clock.now()


def run_started(now: datetime, hours: float = 2) -> list[Point]:
    return straight_run(now - timedelta(hours=hours))


async def penalty_row(handle: BotHandle, guild: Guild, no: int = 1) -> Any:
    row = await handle.bot.svc.db.fetchone("SELECT * FROM penalties WHERE guild_id = ? AND no = ?", (guild.id, no))
    assert row is not None
    return row


def public_reply(res: InteractionResult) -> Any:
    assert res.response_type == 5 and not res.ephemeral and not res.withdrawn, res.text
    assert res.message is not None
    return res.message


async def test_a_gpx_file_proves_a_penalty_run_without_typing_anything(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    sam, ana, now = await owed_penalty(emulator, guild, bot_handle)
    run = emulator.attachment("run.gpx", gpx(run_started(now)))
    res = await emulator.invoke(ana, "penalty submit", penalty=1, proof=run)
    reply = public_reply(res)
    assert f"{FIGURES}, from run.gpx" in reply.text
    assert [f.filename for f in reply.files] == ["run.gpx", "route.png"]
    assert reply.files[0].data == run.data  # the file itself, kept for the verifiers
    picture = reply.embedded_file()
    assert picture is not None and picture.filename == "route.png" and picture.data.startswith(PNG_MAGIC)
    assert reply.pinged_user_ids == set()

    row = await penalty_row(bot_handle, guild)
    assert (row["status"], row["sub_elapsed_ms"]) == ("submitted", 3_310_000)
    assert abs(row["sub_amount"] - 5_020_000) < 10  # mm: the file's coordinates have 7 decimals
    assert (row["sub_proof_message_id"], row["sub_proof_filename"]) == (reply.id, "run.gpx")
    [ask] = posts(emulator, guild, "verify it or reject it")
    assert "5.02 km in 55 min 10 s · 10:59 min/km" in ask.content
    link = f"https://discord.com/channels/{guild.id}/{reply.channel_id}/{reply.id}"
    assert f"[📍 see the run's file]({link})" in ask.content
    await emulator.click(sam, ask, label="Verify")  # the file is evidence; the winner decides
    assert (await penalty_row(bot_handle, guild))["status"] == "verified"


async def test_a_fit_file_with_agreeing_typed_values_is_taken_at_the_files_figures(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    _sam, ana, now = await owed_penalty(emulator, guild, bot_handle)
    run = emulator.attachment("Garmin 123.FIT", fit(run_started(now)))
    res = await emulator.invoke(ana, "penalty submit", penalty=1, amount="5", duration="55:00", proof=run)
    reply = public_reply(res)
    assert f"{FIGURES}, from Garmin\\_123.fit" in reply.text  # the kept name, Markdown-escaped
    row = await penalty_row(bot_handle, guild)
    assert (row["sub_amount"], row["sub_elapsed_ms"]) == (5_020_000, 3_310_000)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"amount": "4"}, ["You typed 4 km", "run.gpx says 5.02 km"]),
        ({"amount": "3", "unit": "mi"}, ["You typed 4.83 km", "5.02 km"]),
        ({"duration": "45:00"}, ["You typed 45:00", "run.gpx says 55:10"]),
    ],
    ids=["distance", "distance-in-miles", "time"],
)
async def test_typed_values_that_disagree_with_the_file_are_refused_with_both_numbers(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, options: dict[str, str], expected: list[str]
) -> None:
    _sam, ana, now = await owed_penalty(emulator, guild, bot_handle)
    run = emulator.attachment("run.gpx", gpx(run_started(now)))
    await refused(emulator, bot_handle, ana, "penalty submit", expected, penalty=1, proof=run, **options)


async def test_a_run_recorded_before_the_penalty_was_owed_is_refused(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    _sam, ana, now = await owed_penalty(emulator, guild, bot_handle)
    old = emulator.attachment("run.gpx", gpx(run_started(now, hours=48)))
    expected = "recorded before you owed penalty #1"
    await refused(emulator, bot_handle, ana, "penalty submit", expected, penalty=1, proof=old)


def _text(emulator: DiscordEmulator, now: datetime) -> Any:
    return emulator.attachment("run.gpx", b"I ran, promise")


def _bomb(emulator: DiscordEmulator, now: datetime) -> Any:
    return emulator.attachment("run.gpx", billion_laughs())


def _empty_track(emulator: DiscordEmulator, now: datetime) -> Any:
    return emulator.attachment("run.gpx", gpx([]))


def _no_timestamps(emulator: DiscordEmulator, now: datetime) -> Any:
    return emulator.attachment("run.gpx", gpx([Point(None, p.lat, p.lon, p.metres) for p in run_started(now)]))


def _broken_fit(emulator: DiscordEmulator, now: datetime) -> Any:
    return emulator.attachment("run.fit", fit(run_started(now))[:-2] + b"\x00\x00")


def _empty_file(emulator: DiscordEmulator, now: datetime) -> Any:
    return emulator.attachment("run.fit", b"")


def _too_big(emulator: DiscordEmulator, now: datetime) -> Any:
    return emulator.attachment("run.gpx", gpx(straight_run(now - timedelta(hours=2), points=40_000)))


# (case, attachment, what the member is told, answered before any public placeholder?)
BAD_FILES = [
    ("not-gpx", _text, "isn't a GPX file I can read", False),
    ("xml-bomb", _bomb, "isn't a GPX file I can read", False),
    ("empty-track", _empty_track, "has no track in it", False),
    ("no-timestamps", _no_timestamps, "has no timestamps", False),
    ("broken-fit", _broken_fit, "isn't a FIT file I can read", False),
    ("empty-file", _empty_file, "is empty", True),
    ("over-the-limit", _too_big, "an activity file can be at most 1 kB", True),
]


@pytest.mark.parametrize(("case", "make", "expected", "at_once"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
async def test_a_bad_activity_file_is_refused_ephemerally_and_changes_nothing(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, case: str, make: Any, expected: str, at_once: bool
) -> None:
    _sam, ana, now = await owed_penalty(emulator, guild, bot_handle)
    if case == "over-the-limit":
        guild.upload_limit = 2000  # the server's upload limit: the file is uploaded again as proof
    res = await refused(emulator, bot_handle, ana, "penalty submit", expected, penalty=1, proof=make(emulator, now))
    if at_once:
        assert res.response_type == 4 and not res.withdrawn
    else:  # read after the download: the public "thinking…" placeholder was taken back
        assert res.response_type == 5 and res.withdrawn


async def test_a_gpx_file_logs_its_distance_on_a_running_challenge_and_the_card_shows_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    card = (await create(emulator, alice, activity="run", target="20", unit="km", duration="7d")).message
    assert card is not None
    bot_handle.clock.advance(timedelta(hours=3))
    run = emulator.attachment("Evening run.gpx", gpx(run_started(bot_handle.clock.now())))
    res = await emulator.invoke(alice, "challenge log", proof=run, note="backwards, mostly")
    reply = public_reply(res)
    assert "logged 5.02 km" in reply.content and f"{FIGURES}, from Evening\\_run.gpx" in reply.text
    [row] = await logs(bot_handle, guild, 1)
    assert (row["entered_unit"], row["proof_filename"]) == ("km", "Evening_run.gpx")  # the file's own figure
    assert abs(row["amount"] - 5_020_000) < 10
    assert "5.02 km (25%)" in card.text


async def test_a_gpx_file_is_refused_for_a_challenge_that_counts_reps(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    alice = guild.members["alice"]
    await create(emulator, alice)
    bot_handle.clock.advance(timedelta(hours=3))
    run = emulator.attachment("run.gpx", gpx(run_started(bot_handle.clock.now())))
    await refused(emulator, bot_handle, alice, "challenge log", "counts reps", proof=run)


async def test_the_file_is_read_and_drawn_off_the_event_loop(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cogs.proof
    from bot.domain.activity_files import read_activity
    from bot.render.activity_chart import draw_activity

    loop_thread = threading.get_ident()
    seen: list[str] = []

    def reading(*args: Any) -> Any:
        seen.append("read" if threading.get_ident() != loop_thread else "read on the loop")
        return read_activity(*args)

    def drawing(*args: Any) -> Any:
        seen.append("draw" if threading.get_ident() != loop_thread else "draw on the loop")
        return draw_activity(*args)

    monkeypatch.setattr(cogs.proof, "read_activity", reading)
    monkeypatch.setattr(cogs.proof, "draw_activity", drawing)
    _sam, ana, now = await owed_penalty(emulator, guild, bot_handle)
    await emulator.invoke(ana, "penalty submit", penalty=1, proof=emulator.attachment("run.gpx", gpx(run_started(now))))
    assert seen == ["read", "draw"]
