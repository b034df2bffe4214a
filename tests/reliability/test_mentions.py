"""User text the bot repeats never pings; the pings the bot means still reach exactly their members.

Every free-text field a member can fill in — activity, note, stake (both sides), bet description,
and the reasons of rejects, waivers, voids, cancellations, extensions and log fixes — carries
`@everyone`, `@here`, a mentionable role and the mention of a bystander who takes part in nothing.
The seed story and a manual bet then run to the end (results, settlements, penalties, reminders,
overdue notices, votes, voids), and every message the emulator recorded is checked in every
version it had (first post, each edit, each follow-up), from the `allowed_mentions` the bot sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from tests.e2e.harness import BotHandle
from tests.e2e.test_bets import bet_message
from tests.emulator import DiscordEmulator, Guild, Member, Message, Role


def versions(message: Message) -> Iterator[Message]:
    """The message as it was after each request that wrote it (create, edits), in order."""
    if not message.raw_requests:
        yield message
        return
    content, allowed = "", None
    for payload in message.raw_requests:
        if "content" in payload:
            content = payload["content"] or ""
        if "allowed_mentions" in payload:
            allowed = payload["allowed_mentions"]
        yield dataclasses.replace(message, content=content, allowed_mentions=allowed, raw_requests=[])


def unsafe_payloads(message: Message) -> list[dict[str, Any]]:
    """Requests that set content with a mention in it but said nothing about allowed_mentions."""
    return [
        p
        for p in message.raw_requests
        if "<@" in (p.get("content") or "")
        or "@everyone" in (p.get("content") or "")
        or "@here" in (p.get("content") or "")
        if "allowed_mentions" not in p
    ]


class Hostile:
    """Mention bait in a field's text, tagged so the test can find where it was shown."""

    def __init__(self, role: Role, bystander: Member) -> None:
        self.role = role
        self.bystander = bystander

    def text(self, tag: str, limit: int = 200) -> str:
        full = f"{tag} @everyone @here {self.role.mention} {self.bystander.mention}"
        if len(full) <= limit:
            return full
        short = f"{tag} @everyone {self.role.mention}"  # activity (50): the other half goes elsewhere
        assert len(short) <= limit, short
        return short


def posts(emulator: DiscordEmulator, guild: Guild, contains: str) -> list[Message]:
    return [m for m in emulator.messages(guild.default_channel, include_ephemeral=False) if contains in m.content]


def one(emulator: DiscordEmulator, guild: Guild, contains: str) -> Message:
    found = posts(emulator, guild, contains)
    assert len(found) == 1, f"{len(found)} posts contain {contains!r}: {[m.content[:80] for m in found]}"
    return found[0]


BaitText = Callable[[str, int], str]  # (tag, the field's length limit) -> the text typed


async def play_every_text_field(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, vic: Member, text: BaitText
) -> None:
    """The seed story, a manual bet and a corrected, cancelled challenge, with `text(TAG, limit)` typed
    into every free-text field (TAGS), and every list and card that repeats them asked for once.
    `vic` takes part in nothing: a bystander who reads."""
    sam, ana, ben = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    admin = guild.admin
    assert admin is not None

    def bait_text(tag: str, limit: int = 200) -> str:
        return text(tag, limit)

    async def ok(who: Member, command: str, /, **options: Any) -> Any:
        res = await emulator.invoke(who, command, **options)
        assert not res.errors and "something went wrong" not in res.text.lower(), res.text
        return res

    # ---- #1: the seed story with bait in every text field
    await ok(
        sam,
        "challenge create",
        activity=bait_text("ACTIVITY", 50),
        target="2020",
        unit="reps",
        duration="7h",
    )
    created = await ok(
        sam,
        "bet create",
        challenge=1,
        side="for",
        stake=bait_text("STAKE", 100),
        amount="5",
        unit="km",
        opponent=ana,
        opponent2=ben,
        my_stake=bait_text("MYSTAKE", 100),
        my_amount="100",
        my_unit="reps",
    )
    bet = bet_message(created)
    assert bet.pinged_user_ids == {ana.id, ben.id}
    await emulator.click(ana, bet, label="Accept")
    await ok(ben, "bet accept", bet=1)
    for chunk in ("500", "600", "520", "400"):
        bot_handle.clock.advance(timedelta(hours=1))
        res = await ok(sam, "challenge log", amount=chunk, note=bait_text("NOTE"))
        assert res.message is not None and res.message.pinged_user_ids == set()
    assert one(emulator, guild, "is 50% of the way").pinged_user_ids == {sam.id}
    await ok(vic, "challenge status", challenge=1)
    await bot_handle.run_due()
    assert one(emulator, guild, "made it:").pinged_user_ids == {sam.id}
    assert one(emulator, guild, "is settled").pinged_user_ids == {sam.id, ana.id, ben.id}

    # Penalties: #1 Ana (submitted, rejected with bait, resubmitted, verified), #2 Ben (reminded, overdue, waived).
    await ok(ana, "penalty submit", penalty=1, amount="5", duration="55:00")
    assert one(emulator, guild, "submitted penalty #1").pinged_user_ids == {sam.id}
    rejected = await ok(sam, "penalty reject", penalty=1, reason=bait_text("REJECT"))
    assert rejected.message is not None and rejected.message.pinged_user_ids == {ana.id}
    await ok(ana, "penalty submit", penalty=1, amount="5", duration="54:00")
    second = posts(emulator, guild, "submitted penalty #1")[-1]
    await emulator.click(sam, second, label="Verify")
    assert one(emulator, guild, "✅ Penalty #1").pinged_user_ids == {ana.id}
    await bot_handle.advance(timedelta(days=6, hours=1))
    assert one(emulator, guild, "is due").pinged_user_ids == {ben.id}
    await bot_handle.advance(timedelta(days=1))
    assert one(emulator, guild, "is overdue").pinged_user_ids == {ben.id}
    await ok(sam, "penalty waive", penalty=2, reason=bait_text("WAIVE"))
    assert one(emulator, guild, "was waived").pinged_user_ids == {ben.id}

    # ---- a manual bet described with bait, decided by both sides' votes, then voided with bait
    manual = await ok(
        ana,
        "bet create",
        side="for",
        stake="burpees",
        amount="20",
        unit="reps",
        opponent=ben,
        description=bait_text("DESCRIPTION"),
        decide_at="in 2d",
    )
    assert bet_message(manual).pinged_user_ids == {ben.id}
    await emulator.click(ben, bet_message(manual), label="Accept")
    await bot_handle.advance(timedelta(days=2, minutes=1))
    ask = one(emulator, guild, "Time to decide")
    assert ask.pinged_user_ids == {ana.id, ben.id}
    await emulator.click(ana, ask, label="It happened")
    await emulator.click(ben, ask, label="It happened")
    assert len(posts(emulator, guild, "is settled")) == 2
    assert posts(emulator, guild, "is settled")[-1].pinged_user_ids == {ana.id, ben.id}
    await ok(admin, "admin void", bet=2, reason=bait_text("VOID"))
    assert one(emulator, guild, "was voided").pinged_user_ids == {ana.id, ben.id}

    # ---- #2: bait in the other half of an activity; extended, a log fixed and cancelled, with bait reasons
    act2 = bait_text("ACT2", 50)
    await ok(ana, "challenge create", activity=act2, target="10", unit="km", duration="2d")
    await ok(ben, "challenge join", challenge=2)
    await ok(ben, "challenge log", amount="2", challenge=2)
    await ok(admin, "admin extend", challenge=2, until="+1h", reason=bait_text("EXTEND"))
    log_row = await bot_handle.bot.svc.db.fetchone("SELECT MAX(id) FROM logs")
    assert log_row is not None
    await ok(admin, "admin fix-log", log=log_row[0], amount="1", reason=bait_text("FIX"))
    await ok(vic, "leaderboard", activity=act2)
    await ok(vic, "stats", member=ana)
    await ok(admin, "admin cancel", challenge=2, reason=bait_text("CANCEL"))
    cancelled = one(emulator, guild, "was cancelled")
    assert vic.id not in cancelled.pinged_user_ids and cancelled.pinged_user_ids <= {ana.id, ben.id}
    await ok(admin, "admin audit")
    # Lists and cards repeat the same texts.
    for command, options in [
        ("challenge list", {}),
        ("challenge status", {"challenge": 2}),
        ("bet list", {"which": "all"}),
        ("bet show", {"bet": 1}),
        ("bet show", {"bet": 2}),
        ("penalty list", {"which": "all"}),
    ]:
        await ok(vic, command, **options)
    await ok(vic, "stats")
    await emulator.settle()


async def test_repeated_member_text_never_pings_and_intended_pings_stay_exact(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    ana = guild.members["bob"]
    vic = emulator.add_member(guild, "vic")  # takes part in nothing: must never be pinged
    role = emulator.add_role(guild, "Runners")
    role.mentionable = True
    emulator.give_role(ana, role)
    await emulator.settle()
    bait = Hostile(role, vic)

    def text(tag: str, limit: int) -> str:  # the activity's other half: the rest of the bait
        return f"ACT2 @here {vic.mention}" if tag == "ACT2" else bait.text(tag, limit)

    await play_every_text_field(emulator, guild, bot_handle, vic, text)

    # ---- every message, every version: no mass ping, no role ping, the bystander never pinged
    shown: set[str] = set()
    problems: list[str] = []
    for message in emulator.all_messages:
        for version in versions(message):
            where = f"message {message.id} {version.content[:60]!r}"
            if version.pings_everyone:
                problems.append(f"{where} pings @everyone/@here")
            if version.pinged_role_ids:
                problems.append(f"{where} pings roles {version.pinged_role_ids}")
            if vic.id in version.pinged_user_ids:
                problems.append(f"{where} pings the bystander")
            shown |= {tag for tag in TAGS if tag in version.content or tag in version.embed_text()}
        if unsafe_payloads(message):
            problems.append(f"message {message.id}: content with mentions sent without allowed_mentions")
    assert not problems, "\n".join(problems)
    # The bait was really shown back (so the checks above had something to catch); a waiver's reason
    # is only kept on record.
    assert shown == set(TAGS) - {"WAIVE"}, f"never shown: {set(TAGS) - shown}"


TAGS = (
    "ACTIVITY",
    "STAKE",
    "MYSTAKE",
    "NOTE",
    "REJECT",
    "WAIVE",
    "DESCRIPTION",
    "VOID",
    "ACT2",
    "EXTEND",
    "FIX",
    "CANCEL",
)
