"""Many members at once: 50 participants log in concurrent waves (≥ 1,000 logs), interleaved with
/challenge status and /challenge undo (one member double-taps undo in every wave). Afterwards the
stored totals are exactly what the bot accepted minus what it undid, no log is lost or doubled,
every milestone is announced at most once, and no interaction went unacknowledged past 3 s (the
emulator records that as a violation, which fails the test at teardown).

What "accepted" means is read from the replies alone: a log the bot accepted is a public reply
("📝 … logged N reps …") carrying the log's unique note; an undo it performed is an ephemeral
"↩️ Undid your log of N reps". Anything else must be a clear refusal, never the apology.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.services import challenges as challenge_service
from bot.store import challenges as challenge_store
from tests.e2e.challenge_support import APOLOGY, public_messages
from tests.e2e.harness import BotHandle
from tests.emulator import DiscordEmulator, Guild, InteractionResult, Member
from tests.engines import ENGINES

# Every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.parametrize("bot_engine", ENGINES, indirect=True)


PARTICIPANTS = 50  # the bot's cap per challenge (challenge_service.MAX_PARTICIPANTS)
ACK_WINDOW = 3.0

LOGGED = re.compile(r"^📝 <@(\d+)> logged ([\d,]+) reps? in \*\*")
UNDID = re.compile(r"^↩️ Undid your log of ([\d,]+) reps? in \*\*")
NOTE = re.compile(r"^> (m\d+w\d+)$", re.MULTILINE)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


@dataclass
class Tally:
    """What the replies say happened, per member."""

    accepted: dict[int, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))  # (note, amount)
    undone: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # amounts
    refused: Counter[str] = field(default_factory=Counter)
    statuses: int = 0
    slowest: float = 0.0

    @property
    def logs(self) -> int:
        return sum(len(v) for v in self.accepted.values())

    @property
    def undos(self) -> int:
        return sum(len(v) for v in self.undone.values())


async def timed(tally: Tally, call: Any) -> InteractionResult:
    """Run one interaction; the time until `invoke` returns bounds the time to its acknowledgement."""
    started = time.monotonic()
    res: InteractionResult = await call
    tally.slowest = max(tally.slowest, time.monotonic() - started)
    return res


def record_log(tally: Tally, member: Member, note: str, amount: int, res: InteractionResult) -> None:
    assert APOLOGY not in res.text.lower(), f"log {note}: {res.text!r}"
    if res.ephemeral:  # refused: must say why, and it must not be one we expect to succeed
        tally.refused[res.content] += 1
        return
    match = LOGGED.match(res.content)
    assert match is not None, f"log {note}: unexpected public reply {res.content!r}"
    assert int(match[1]) == member.id and _int(match[2]) == amount, res.content
    notes = NOTE.findall(res.content)
    assert notes == [note], f"log {note}: the reply shows {notes}"
    tally.accepted[member.id].append((note, amount))


def record_undo(tally: Tally, member: Member, res: InteractionResult) -> None:
    assert res.ephemeral, f"undo replies are ephemeral: {res.content!r}"
    assert APOLOGY not in res.text.lower(), res.text
    match = UNDID.match(res.content)
    if match is None:
        assert "no log to undo" in res.content, f"undo: unexpected reply {res.content!r}"
        tally.refused[res.content] += 1
        return
    tally.undone[member.id].append(_int(match[1]))


def record_status(tally: Tally, res: InteractionResult) -> None:
    assert not res.ephemeral and APOLOGY not in res.text.lower(), res.text
    assert res.embeds, res.content
    tally.statuses += 1


async def gather_all(calls: list[Any]) -> list[InteractionResult]:
    """Start every interaction at once; all of them must come back (no exception swallowed)."""
    return list(await asyncio.gather(*calls))


async def burst(
    emulator: DiscordEmulator, guild: Guild, handle: BotHandle, *, waves: int, seed: int
) -> tuple[Tally, list[Member]]:
    rng = random.Random(seed)
    creator = guild.members["alice"]
    # Half-way is crossed (milestones race), the target never is: a member with a result could no longer undo.
    most = waves * 16 + waves * (waves - 1) // 2  # the most one member can log: amounts are 10 + wave + i % 7
    target = most * 3 // 2
    res = await emulator.invoke(
        creator, "challenge create", activity="pushups", target=str(target), unit="reps", duration="2d"
    )
    assert not res.ephemeral, res.text
    others = [emulator.add_member(guild, f"m{n:02d}") for n in range(PARTICIPANTS)]  # one more than fits
    await emulator.settle()

    # Everyone joins at once: 49 places left for 50 members, so exactly one is told it's full.
    joins = await gather_all([emulator.invoke(m, "challenge join", challenge=1, settle=False) for m in others])
    full = [m for m, r in zip(others, joins, strict=True) if r.ephemeral]
    assert [r.content for r in joins if r.ephemeral] == [f"Challenge #1 is full ({PARTICIPANTS} participants)."]
    members = [creator, *(m for m in others if m not in full)]
    assert len(members) == PARTICIPANTS

    tally = Tally()
    index = {m.id: i for i, m in enumerate(members)}
    for wave in range(waves):
        calls: list[Any] = []
        kinds: list[tuple[str, Member, str, int]] = []
        for member in members:
            i = index[member.id]
            note, amount = f"m{i}w{wave}", 10 + wave + i % 7  # unique note; amounts differ per wave
            calls.append(
                emulator.invoke(member, "challenge log", amount=str(amount), note=note, challenge=1, settle=False)
            )
            kinds.append(("log", member, note, amount))
        undoers = rng.sample(members, 6)
        for member in [*undoers, undoers[0]]:  # one member double-taps: two undos at once take two logs
            calls.append(emulator.invoke(member, "challenge undo", challenge=1, settle=False))
            kinds.append(("undo", member, "", 0))
        for member in rng.sample(members, 4):
            calls.append(emulator.invoke(member, "challenge status", challenge=1, settle=False))
            kinds.append(("status", member, "", 0))
        order = list(range(len(calls)))
        rng.shuffle(order)  # undo and status land among the logs, not after them
        results = await gather_all([timed(tally, calls[k]) for k in order])
        for k, res in zip(order, results, strict=True):
            kind, member, note, amount = kinds[k]
            if kind == "log":
                record_log(tally, member, note, amount, res)
            elif kind == "undo":
                record_undo(tally, member, res)
            else:
                record_status(tally, res)
    await emulator.settle()
    return tally, members


async def check_books(emulator: DiscordEmulator, guild: Guild, handle: BotHandle, tally: Tally) -> None:
    svc = handle.bot.svc
    row = await challenge_store.get_by_no(svc.db, guild.id, 1)
    assert row is not None
    rows = await svc.db.fetchall(
        "SELECT l.id, l.user_id, l.amount, l.note, l.struck_at,"
        " (SELECT group_concat(c.action || ':' || c.actor_id) FROM log_corrections c WHERE c.log_id = l.id) AS fixes"
        " FROM logs l WHERE l.challenge_id = ? ORDER BY l.id",
        (row.id,),
    )
    # No log lost or doubled: one row per accepted reply, with the amount that reply showed.
    stored = Counter((r["user_id"], r["note"], r["amount"]) for r in rows)
    replied = Counter((uid, note, amount) for uid, items in tally.accepted.items() for note, amount in items)
    assert stored == replied, f"rows without a reply: {stored - replied}; replies without a row: {replied - stored}"
    # Exactly the undone logs are struck (each once, by its owner's undo), with the amounts the undo replies named.
    struck: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        if r["struck_at"] is not None:
            assert r["fixes"] == f"undo:{r['user_id']}", dict(r)
            struck[r["user_id"]].append(r["amount"])
        else:
            assert r["fixes"] is None, dict(r)
    assert {u: sorted(a) for u, a in struck.items()} == {u: sorted(a) for u, a in tally.undone.items() if a}
    expected = {uid: sum(a for _, a in items) - sum(tally.undone.get(uid, [])) for uid, items in tally.accepted.items()}
    # The stored totals (what status, results and bets read) equal accepted minus undone.
    view = await challenge_service.view(svc, row)
    assert {s.user_id: s.total for s in view.standings.rows} == expected
    summed = await svc.db.fetchall(
        "SELECT user_id, SUM(amount) AS total FROM logs WHERE challenge_id = ? AND struck_at IS NULL GROUP BY user_id",
        (row.id,),
    )
    assert {r["user_id"]: r["total"] for r in summed} == {u: t for u, t in expected.items() if t}
    # The running totals kept by triggers agree too.
    kept = await svc.db.fetchall("SELECT user_id, total FROM log_totals WHERE challenge_id = ?", (row.id,))
    assert {r["user_id"]: r["total"] for r in kept if r["total"]} == {u: t for u, t in expected.items() if t}
    # /challenge status agrees, for a few members picked from the standings.
    final = await emulator.invoke(guild.members["alice"], "challenge status", challenge=1)
    assert not final.ephemeral and APOLOGY not in final.text.lower()
    # Announcements: every queued one posted, none twice (a milestone per member and mark at most once).
    announced = await svc.db.fetchall(
        "SELECT kind, ref_id, posted_at FROM announcements WHERE guild_id = ?", (guild.id,)
    )
    assert all(a["posted_at"] is not None for a in announced), [dict(a) for a in announced]
    posts = [m for m in public_messages(emulator) if "% of the way" in m.content or "reached the target" in m.content]
    assert len(posts) == len([a for a in announced if a["kind"].startswith("challenge_milestone_")])
    keys = Counter((next(iter(m.pinged_user_ids)), "50" if "50%" in m.content else "100") for m in posts)
    assert all(n == 1 for n in keys.values()), keys


@pytest.mark.parametrize(
    "waves",
    [pytest.param(21, id="1050-logs"), pytest.param(60, id="3000-logs", marks=pytest.mark.slow)],
)
async def test_fifty_members_logging_at_once_keep_exact_totals(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle, waves: int
) -> None:
    tally, members = await burst(emulator, guild, bot_handle, waves=waves, seed=waves)
    assert len(members) >= 50
    assert tally.logs == waves * PARTICIPANTS >= 1_000, tally.refused  # every log was in the window: all accepted
    assert tally.undos > 0 and tally.statuses == waves * 4
    assert tally.slowest < ACK_WINDOW, f"an interaction took {tally.slowest:.2f}s to be answered"
    await check_books(emulator, guild, bot_handle, tally)
