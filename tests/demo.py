"""The seed story, played through the Discord emulator by the real bot; prints the channel.

    python -m tests.demo        (or: make demo)

Sam bets he can do 2,020 pushups in under 7 hours; Ana and Ben bet he can't. All with default
options: his 7 hours start at his first log, so the bet is made and accepted first and locks when
he starts. The challenge's live card follows him (he logs by command, by a tap and through the
card's Log… form). He makes it, so both owe a 5 km backwards run; each runs it in 55:00 (Ana proves
hers with her watch's GPX file) and Sam verifies. No network, no token: the bot talks to a local
emulator and time is moved by hand.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import textwrap
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import ManualClock
from tests.activity_files import gpx, straight_run
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Member, Message

START = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::[tTdDfFR])?>")


class Transcript:
    def __init__(self, emulator: DiscordEmulator, guild: Guild, clock: ManualClock, out: Any = sys.stdout) -> None:
        self.emulator = emulator
        self.guild = guild
        self.clock = clock
        self.out = out
        self.shown: dict[int, str] = {}

    def name(self, user_id: int) -> str:
        member = self.guild.member(user_id)
        return member.name if member is not None else str(user_id)

    def readable(self, text: str) -> str:
        """Mentions as @names and Discord timestamps as UTC times, as a reader would see them."""
        for member in self.guild.members.values():
            text = text.replace(f"<@{member.id}>", f"@{member.name}")
        return _TIMESTAMP.sub(lambda m: f"{datetime.fromtimestamp(int(m[1]), UTC):%a %d %b %H:%M} UTC", text)

    def say(self, line: str) -> None:
        print(line, file=self.out)

    def action(self, member: Member, what: str) -> None:
        self.say(f"\n[{self.clock.now():%a %H:%M}] {member.name} › {what}")

    def show(self, messages: Iterable[Message]) -> None:
        for message in messages:
            state = message.text + repr(message.buttons)
            if message.ephemeral or self.shown.get(message.id) == state:
                continue
            edited = " (updated)" if message.id in self.shown else ""
            self.shown[message.id] = state
            self.say(f"  fitbet{edited}: {self.readable(message.content)}".rstrip())
            for embed in message.embeds:
                if embed.get("title"):
                    self.say(f"    ┃ {self.readable(str(embed['title']))}")
                for line in str(embed.get("description") or "").splitlines():
                    self.say(f"    ┃ {self.readable(line)}")
                for field in embed.get("fields") or []:
                    self.say(f"    ┃ {field['name']}: {self.readable(str(field['value']))}")
            for attachment in message.attachments:
                self.say(f"    📎 {attachment.filename} ({len(attachment.data):,} bytes)")
            labels = [str(b.get("label")) + (" (disabled)" if b.get("disabled") else "") for b in message.buttons]
            if labels:
                self.say("    [" + "] [".join(labels) + "]")

    def channel(self) -> None:
        self.show(self.emulator.messages(self.guild.default_channel, include_ephemeral=False))

    def reply(self, res: InteractionResult) -> None:
        if res.ephemeral:
            self.say("  (only you) " + textwrap.shorten(self.readable(res.text), 300))
        self.channel()


async def play(out: Any = sys.stdout) -> DiscordEmulator:
    clock = ManualClock(START)
    async with DiscordEmulator() as emulator:
        guild = emulator.create_guild("Friends", member_names=["sam", "ana", "ben"])
        sam, ana, ben = (guild.members[n] for n in ("sam", "ana", "ben"))
        t = Transcript(emulator, guild, clock, out)
        with tempfile.TemporaryDirectory() as folder:
            handle = BotHandle(emulator, Path(folder) / "fitbet.db", clock=clock)
            await handle.start()
            try:
                t.action(sam, "/challenge create pushups 2020 reps 7h")
                t.reply(
                    await emulator.invoke(
                        sam, "challenge create", activity="pushups", target="2020", unit="reps", duration="7h"
                    )
                )
                t.action(sam, "/bet create on #1: I make it; @ana and @ben owe “run 5 km backwards”")
                bet = await emulator.invoke(
                    sam,
                    "bet create",
                    challenge=1,
                    side="for",
                    stake="run 5 km backwards",
                    amount="5",
                    unit="km",
                    opponent=ana,
                    opponent2=ben,
                )
                t.reply(bet)
                assert bet.message is not None
                for member in (ana, ben):
                    t.action(member, "presses Accept")
                    t.reply(await emulator.click(member, bet.message, label="Accept"))
                clock.advance(timedelta(minutes=30))
                card = emulator.messages(guild.default_channel, include_ephemeral=False)[0]
                for chunk in ("500", "600", "420", "+100 reps", "Log… 400"):
                    if chunk.startswith("+"):
                        t.action(sam, f"taps {chunk} on the card")
                        t.reply(await emulator.click(sam, card, label=chunk))
                        continue
                    if chunk.startswith("Log…"):
                        t.action(sam, f"taps Log… on the card and enters {chunk.split()[1]}")
                        opened = await emulator.click(sam, card, label="Log…")
                        assert opened.modal is not None
                        t.reply(await emulator.submit_modal(sam, opened.modal, {"amount": chunk.split()[1]}))
                        continue
                    t.action(sam, f"/challenge log {chunk}")
                    t.reply(await emulator.invoke(sam, "challenge log", amount=chunk))
                    clock.advance(timedelta(minutes=70))
                await handle.run_due()
                t.channel()
                clock.advance(timedelta(days=1))
                t.action(ana, "/penalty submit #1 with her watch's file backwards-5k.gpx (nothing typed)")
                run = straight_run(clock.now() - timedelta(hours=2), 5000, timedelta(minutes=55))
                gpx_file = emulator.attachment("backwards-5k.gpx", gpx(run, name="5 km backwards"))
                t.reply(await emulator.invoke(ana, "penalty submit", penalty=1, proof=gpx_file))
                clock.advance(timedelta(days=1))
                t.action(ben, "/penalty submit #2 5 km in 55:00")
                t.reply(await emulator.invoke(ben, "penalty submit", penalty=2, amount="5", duration="55:00"))
                for message in emulator.messages(guild.default_channel, include_ephemeral=False):
                    if any(b.get("label") == "Verify" and not b.get("disabled") for b in message.buttons):
                        t.action(sam, "presses Verify")
                        t.reply(await emulator.click(sam, message, label="Verify"))
                t.action(sam, "/penalty list")
                t.reply(await emulator.invoke(sam, "penalty list"))
                # Nobody else took it on before the latest start: at the challenge's end, everyone's result.
                clock.advance(timedelta(days=6))
                t.say(f"\n[{clock.now():%a %H:%M}] … the week to take the challenge on is over")
                await handle.run_due()
                t.channel()
            finally:
                await handle.stop()
        return emulator


def main() -> int:
    asyncio.run(play())
    return 0


if __name__ == "__main__":
    sys.exit(main())
