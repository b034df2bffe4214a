"""Bad input over every command, table-driven, end to end.

A realistic server is built first (a finished challenge with a settled bet and its penalties, one
verified; a running challenge with logs; a cancelled one; an upcoming one with an open bet; a
voided manual bet; a member who left; and another server with its own challenges, bets and logs,
so its ids exist).
Then each entry of `CORPUS` is sent as the member it names. Every one must get an ephemeral,
specific error — never the apology — and leave the database byte-for-byte as it was (a full SQL
dump is compared) with nothing posted or edited in public.

Text longer than an option's `max_length` (e.g. 5,000 characters) never reaches the bot: Discord's
client refuses it, and so does the emulator. `test_overlong_text_is_stopped_by_the_client` proves
every text option declares a limit; the corpus holds what the bot does see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.challenge_support import APOLOGY
from tests.e2e.harness import BotHandle
from tests.e2e.test_bets import bet_message, log_all, propose, seed_challenge
from tests.emulator import Channel, DiscordEmulator, DriverError, Guild, Member, Permission, Role, User
from tests.engines import ENGINES
from tests.engines import dump as dump_rows

# Every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.parametrize("bot_engine", ENGINES, indirect=True)


@dataclass
class World:
    """The server the corpus runs against, and handles on the ids in it."""

    guild: Guild
    other: Guild
    role: Role
    stranger: User  # in no server of the bot's
    gone: Member  # was a member of this server, then left
    robot: Member
    muted: Channel
    log_id: int = 0  # a log in this server's running challenge
    other_log_id: int = 0  # a log in the other server
    struck_log_id: int = 0
    emulator: DiscordEmulator | None = None  # for files members attach

    def member(self, name: str) -> Member:
        if name in self.guild.members:
            return self.guild.members[name]
        if name == "admin":
            assert self.guild.admin is not None
            return self.guild.admin
        return self.other.members[name]


Value = Any | Callable[[World], Any]


@dataclass(frozen=True)
class Case:
    id: str
    who: str
    command: str
    expected: str | tuple[str, ...]
    options: dict[str, Value] = field(default_factory=dict)


def case(id: str, who: str, command: str, expected: str | tuple[str, ...], **options: Value) -> Case:
    return Case(id, who, command, expected, options)


# ------------------------------------------------------------------------------------------------
# the server the corpus runs against
# ------------------------------------------------------------------------------------------------


async def build_world(emulator: DiscordEmulator, guild: Guild, other: Guild, handle: BotHandle) -> World:
    alice, bob, carol = guild.members["alice"], guild.members["bob"], guild.members["carol"]
    admin = guild.admin
    assert admin is not None
    role = emulator.add_role(guild, "Runners")
    role.mentionable = True
    world = World(
        guild=guild,
        other=other,
        role=role,
        stranger=emulator.create_user("zed"),
        gone=emulator.add_member(guild, "gone"),
        robot=emulator.add_bot(guild, "gymbot"),
        muted=emulator.add_channel(guild, "muted"),
        emulator=emulator,
    )
    emulator.remove_member(guild, world.gone)
    assert guild.bot_member is not None
    world.muted.overwrite(guild.bot_member, deny=Permission.SEND_MESSAGES)
    emulator.update_channel(world.muted)
    db = handle.bot.svc.db

    async def ok(member: Member, command: str, **options: Any) -> None:
        res = await emulator.invoke(member, command, **options)
        assert APOLOGY not in res.text.lower(), res.text
        public = ("challenge create", "challenge join", "challenge log", "bet create")
        assert not (res.ephemeral and command in public), f"/{command}: {res.text}"

    await ok(admin, "admin timezone", name="Europe/Berlin")  # typed times are read in Berlin (DST gaps)
    # #1: the seed story, finished; bet #1 settled; penalty #1 (bob) verified, #2 (carol) owed.
    await seed_challenge(emulator, alice, clock_starts_at_first_log=False)  # a 7 h window that ends for all
    message = bet_message(await propose(emulator, alice, bob, carol))
    await emulator.click(bob, message, label="Accept")
    await emulator.click(carol, message, label="Accept")
    await log_all(emulator, handle, alice)
    await handle.advance(timedelta(hours=4, minutes=1))
    await ok(bob, "penalty submit", penalty=1, amount="5", duration="55:00")
    await ok(alice, "penalty verify", penalty=1)
    # #2: running (2 days), alice and bob log; one of bob's logs struck by an admin.
    await ok(alice, "challenge create", activity="run", target="10", unit="km", duration="2d")
    await ok(bob, "challenge join", challenge=2)
    await ok(alice, "challenge log", amount="3", challenge=2)
    await ok(bob, "challenge log", amount="2", challenge=2)
    await ok(bob, "challenge log", amount="1", challenge=2)
    rows = await db.fetchall(
        "SELECT l.id FROM logs l JOIN challenges c ON c.id = l.challenge_id WHERE c.guild_id = ? AND c.no = 2"
        " ORDER BY l.id",
        (guild.id,),
    )
    world.log_id, world.struck_log_id = rows[0][0], rows[2][0]
    await ok(admin, "admin fix-log", log=world.struck_log_id, strike=True, reason="double entry")
    # #3: cancelled.
    await ok(carol, "challenge create", activity="squats", target="500", unit="reps", duration="1d")
    await ok(carol, "challenge cancel", challenge=3)
    # #4: starts tomorrow; bet #2 on it is open, carol is named.
    await ok(alice, "challenge create", activity="plank", target="10", unit="min", duration="1h", start="in 1d")
    await ok(alice, "bet create", challenge=4, side="for", stake="burpees", amount="20", unit="reps", opponent=carol)
    # Bet #3: a manual bet, voided by an admin.
    await ok(
        bob,
        "bet create",
        side="for",
        stake="pushups",
        amount="50",
        unit="reps",
        opponent=alice,
        description="Bob swims 1 km on Sunday",
        decide_at="in 3d",
    )
    await ok(admin, "admin void", bet=3, reason="pool closed")

    # The other server: six challenges (so its #5 and #6 exist only there), a bet and a log.
    dave, erin = other.members["dave"], other.members["erin"]
    for n in range(6):
        start = {"start": "in 1d"} if n == 5 else {}
        await ok(dave, "challenge create", activity="swim", target="2", unit="km", duration="3d", **start)
    await ok(dave, "challenge log", amount="1", challenge=1)
    for _ in range(4):  # its bet #4 exists only there
        await ok(dave, "bet create", challenge=6, side="for", stake="laps", amount="10", unit="laps", opponent=erin)
    theirs = await db.fetchone(
        "SELECT l.id FROM logs l JOIN challenges c ON c.id = l.challenge_id WHERE c.guild_id = ?", (other.id,)
    )
    assert theirs is not None
    world.other_log_id = theirs[0]
    await emulator.settle()
    return world


# ------------------------------------------------------------------------------------------------
# the corpus
# ------------------------------------------------------------------------------------------------

ZWSP = "\u200b"  # zero-width space
RTL = "\u202e"  # right-to-left override
SQL = "'; DROP TABLE logs;--"
SQL_SHORT = "';DROP TABLE logs--"  # fits a 20-character option
DST_GAP = "2027-03-28 02:30"  # Europe/Berlin skips 02:00-03:00 that night

NUMBERS = {
    "zero": "0",
    "minus-one": "-1",
    "1e308": "1e308",
    "nan": "NaN",
    "inf": "inf",
    "huge": "99999999999999999999999",
    "commas": "2,0,2,0",
    "hex": "0x10",
    "fraction": "1/2",
    "markdown": "**5**",
    "mention": "<@&1>",
    "sql": SQL,
}
NUMBER_ERRORS = {"zero": "more than zero", "minus-one": "more than zero", "huge": "too big"}
NOT_A_NUMBER = "isn't a number"

INVISIBLE = {"blank": "   ", "zero-width": ZWSP * 3, "word-joiner": "\u2060", "bom": "\ufeff"}

TIMES = {
    "past": "2020-01-01 10:00",
    "year-9999": "9999-12-31 23:59",
    "yesterday": "yesterday 10:00",
    "dst-gap": DST_GAP,
    "not-a-date": "2027-02-30 10:00",
    "sql": SQL,
    "day-or-month": "03/04 10:00",
    "bare-hour": "6",
    "midnight-of-a-day": "friday midnight",
    "time-zone-in-text": "18:00 EST",
    "a-week-not-a-day": "tomorrow morning",
}
PAST = ("past", "yesterday")  # "yesterday 10:00" is read, and refused as the past it is
TIME_ERRORS = {
    "year-9999": "too far in the future",
    "dst-gap": ("doesn't exist in Europe/Berlin", "daylight saving"),
    "not-a-date": "isn't a date",
    "sql": "can't read",
    "day-or-month": ("could be 3 Apr or 4 Mar", "month as a word"),
    "bare-hour": ("add minutes", "06:00"),
    "midnight-of-a-day": ("start or the end", "friday 23:59"),
    "time-zone-in-text": ("leave the time zone out", "Europe/Berlin"),
    "a-week-not-a-day": "name a day and a time",
}

DURATIONS = {
    "zero": "0h",
    "negative": "-7h",
    "1e308": "1e308h",
    "nan": "NaN h",
    "huge": "99999999999999999999h",
    "half-of-nothing": "half",
    "separator-either-way": "1,500 min",
}
DURATION_ERRORS = {
    "zero": "too short",
    "negative": "can't read",
    "1e308": "time unit",
    "nan": "can't read",
    "huge": "too long",
    "half-of-nothing": "can't read",
    "separator-either-way": ("could be 1.5 min or 1500 min",),
}

CLOCK_TIMES = {
    "zero": ("0:00", "more than zero"),
    "negative": ("-55:00", "like 55:00"),
    "seconds-99": ("55:99", "up to 59"),
    "1e308": ("1e308", "time unit"),
    "nan": ("NaN", "can't read"),
    "yesterday": ("yesterday", "can't read"),
    "sql": (SQL, "can't read"),
    "huge": ("99999999999999999999:00", "like 55:00"),
}
TIMEZONES = {
    "mars": "Mars/Olympus",
    "offset": "+99:00",
    "sql": SQL,
    "blank": "   ",
    "zero-width": ZWSP,
    "everyone": "@everyone",
    "markdown": "*Europe/Berlin*",
    "rtl-override": f"{RTL}UTC",
}

DIRECTION = "text-direction characters"
NO_CHALLENGE_5 = "no challenge #5 in this server"
NO_BET_4 = "no bet #4 in this server"

CREATE = {"activity": "pushups", "target": "10", "unit": "reps", "duration": "7h"}
BET = {"challenge": 4, "side": "for", "stake": "burpees", "amount": "20", "unit": "reps", "opponent": "carol"}
MANUAL = {"side": "for", "stake": "burpees", "amount": "20", "unit": "reps", "opponent": "carol"}
ABOUT = {"description": "Bob swims 1 km", "decide_at": "in 2d"}
SUBMIT = {"penalty": 2, "amount": "5", "duration": "55:00"}
PNG = b"\x89PNG\r\n\x1a\n a photo"


def attached(filename: str, data: bytes, content_type: str, **extra: Any) -> Callable[[World], Any]:
    """A file the member attaches (made when the case runs)."""

    def make(w: World) -> Any:
        assert w.emulator is not None
        return w.emulator.attachment(filename, data, content_type=content_type, **extra)

    return make


PHOTO = attached("set.png", PNG, "image/png")
NOT_AN_IMAGE = attached("notes.txt", b"trust me", "text/plain")
TOO_BIG = attached("huge.png", PNG + bytes(11 * 1024 * 1024), "image/png")
ONLY_NAMED_PNG = attached("set.png", b"<svg>not a photo</svg>", "image/png")
UNREACHABLE = attached("set.png", PNG, "image/png", download_status=503)


def stranger(w: World) -> User:
    return w.stranger


def gone(w: World) -> User:
    return w.gone.user


def log_id(w: World) -> int:
    return w.log_id


def numbers(prefix: str, who: str, command: str, field: str, base: dict[str, Any]) -> list[Case]:
    return [
        case(f"{prefix}-{k}", who, command, NUMBER_ERRORS.get(k, NOT_A_NUMBER), **(base | {field: v}))
        for k, v in NUMBERS.items()
    ]


def times(prefix: str, who: str, command: str, field: str, base: dict[str, Any], past: str) -> list[Case]:
    return [
        case(f"{prefix}-{k}", who, command, past if k in PAST else TIME_ERRORS[k], **(base | {field: v}))
        for k, v in TIMES.items()
    ]


def durations(prefix: str, who: str, command: str, field: str, base: dict[str, Any], sign: str = "") -> list[Case]:
    return [
        case(f"{prefix}-{k}", who, command, DURATION_ERRORS[k], **(base | {field: sign + v}))
        for k, v in DURATIONS.items()
    ]


def invisible(prefix: str, who: str, command: str, field: str, base: dict[str, Any], empty: str) -> list[Case]:
    cases = [case(f"{prefix}-{k}", who, command, empty, **(base | {field: v})) for k, v in INVISIBLE.items()]
    cases.append(case(f"{prefix}-rtl-override", who, command, DIRECTION, **(base | {field: f"{RTL}x"})))
    return cases


CORPUS: list[Case] = [
    # ---------------------------------------------------------------- /challenge create
    *numbers("create-target", "alice", "challenge create", "target", CREATE),
    case(
        "create-target-fraction-of-reps", "alice", "challenge create", "counted whole", **(CREATE | {"target": "2.5"})
    ),
    case("create-target-comma-fraction", "alice", "challenge create", "enter 1 or 2", **(CREATE | {"target": "1,5"})),
    *invisible("create-activity", "alice", "challenge create", "activity", CREATE, "name the activity"),
    case("create-activity-two-lines", "alice", "challenge create", "one line", **(CREATE | {"activity": "push\nups"})),
    case("create-unit-sql", "alice", "challenge create", "don't know the unit", **(CREATE | {"unit": SQL_SHORT})),
    case(
        "create-unit-everyone", "alice", "challenge create", "don't know the unit", **(CREATE | {"unit": "@everyone"})
    ),
    case("create-unit-zero-width", "alice", "challenge create", "don't know the unit", **(CREATE | {"unit": ZWSP})),
    *times("create-end", "alice", "challenge create", "end", CREATE | {"duration": None}, "end time is in the past"),
    *durations("create-duration", "alice", "challenge create", "duration", CREATE),
    case(
        "create-start-past",
        "alice",
        "challenge create",
        "start time is in the past",
        **(CREATE | {"start": TIMES["past"]}),
    ),
    case("create-start-dst-gap", "alice", "challenge create", "daylight saving", **(CREATE | {"start": DST_GAP})),
    case("create-start-year-9999", "alice", "challenge create", "too far", **(CREATE | {"start": "9999-01-01 10:00"})),
    case(
        "create-latest-start-yesterday",
        "alice",
        "challenge create",
        "before the challenge starts",
        **(CREATE | {"clock_starts_at_first_log": True, "latest_start": "yesterday"}),
    ),
    # ---------------------------------------------------------------- /challenge join, leave, log, undo, status, cancel
    case("join-nonexistent", "carol", "challenge join", "no challenge #99", challenge=99),
    case("join-other-servers", "carol", "challenge join", NO_CHALLENGE_5, challenge=5),
    case("join-cancelled", "bob", "challenge join", "was cancelled", challenge=3),
    case("join-finished", "carol", "challenge join", "is over", challenge=1),
    case("join-twice", "bob", "challenge join", "already in challenge #2", challenge=2),
    case("leave-nonexistent", "bob", "challenge leave", "no challenge #99", challenge=99),
    case("leave-other-servers", "bob", "challenge leave", "no challenge #6", challenge=6),
    case("leave-cancelled", "carol", "challenge leave", "was cancelled", challenge=3),
    case("leave-finished", "alice", "challenge leave", "is over", challenge=1),
    case("leave-not-in-it", "carol", "challenge leave", "not in challenge #2", challenge=2),
    case("leave-in-none", "carol", "challenge leave", "not in any open challenge"),
    *numbers("log-amount", "alice", "challenge log", "amount", {"challenge": 2}),
    case("log-amount-blank", "alice", "challenge log", "enter an amount", amount="   ", challenge=2),
    case("log-amount-absurd", "alice", "challenge log", "more than anyone logs", amount="5000", challenge=2),
    case("log-amount-either-way", "alice", "challenge log", ("1.5 km", "1500 km"), amount="1,500", challenge=2),
    case("log-amount-german-either-way", "alice", "challenge log", ("1.5 km", "1500 km"), amount="1.500", challenge=2),
    case("log-unit-other-kind", "alice", "challenge log", "not a distance", amount="5", unit="reps", challenge=2),
    case("log-unit-sql", "alice", "challenge log", "don't know the unit", amount="5", unit=SQL_SHORT, challenge=2),
    case("log-note-rtl-override", "alice", "challenge log", DIRECTION, amount="5", note=f"{RTL}easy", challenge=2),
    case("log-nonexistent", "alice", "challenge log", "no challenge #99", amount="5", challenge=99),
    case("log-other-servers", "alice", "challenge log", NO_CHALLENGE_5, amount="5", challenge=5),
    case("log-cancelled", "carol", "challenge log", "was cancelled", amount="5", challenge=3),
    case("log-finished", "alice", "challenge log", "is over", amount="5", challenge=1),
    case("log-not-started", "alice", "challenge log", "hasn't started yet", amount="5", challenge=4),
    case("log-not-joined", "carol", "challenge log", "join it first", amount="5", challenge=2),
    case("log-proof-not-an-image", "alice", "challenge log", "must be an image", amount="5", proof=NOT_AN_IMAGE),
    case("log-proof-too-big", "alice", "challenge log", "at most 10 MB", amount="5", challenge=2, proof=TOO_BIG),
    case("log-proof-only-named-png", "alice", "challenge log", "must be an image", amount="5", proof=ONLY_NAMED_PNG),
    case("log-proof-unreachable", "alice", "challenge log", "couldn't fetch", amount="5", proof=UNREACHABLE),
    case("log-proof-finished", "alice", "challenge log", "is over", amount="5", challenge=1, proof=PHOTO),
    case("log-proof-not-joined", "carol", "challenge log", "join it first", amount="5", challenge=2, proof=PHOTO),
    case("undo-finished", "alice", "challenge undo", "isn't running", challenge=1),
    case("undo-cancelled", "carol", "challenge undo", "isn't running", challenge=3),
    case("undo-not-started", "alice", "challenge undo", "isn't running", challenge=4),
    case("undo-other-servers", "alice", "challenge undo", NO_CHALLENGE_5, challenge=5),
    case("undo-nonexistent", "alice", "challenge undo", "no challenge #99", challenge=99),
    case("status-nonexistent", "alice", "challenge status", "no challenge #99", challenge=99),
    case("status-other-servers", "alice", "challenge status", "no challenge #6", challenge=6),
    case("status-ambiguous", "carol", "challenge status", "which challenge"),
    case("cancel-not-creator", "bob", "challenge cancel", "only the creator", challenge=2),
    case("cancel-nonexistent", "alice", "challenge cancel", "no challenge #99", challenge=99),
    case("cancel-other-servers", "alice", "challenge cancel", NO_CHALLENGE_5, challenge=5),
    case("cancel-cancelled", "carol", "challenge cancel", "was cancelled", challenge=3),
    case("cancel-finished", "alice", "challenge cancel", "is over", challenge=1),
    # ---------------------------------------------------------------- /bet
    *numbers("bet-amount", "alice", "bet create", "amount", BET),
    case("bet-amount-fraction-of-reps", "alice", "bet create", "counted whole", **(BET | {"amount": "2.5"})),
    *invisible("bet-stake", "alice", "bet create", "stake", BET, "penalty text is empty"),
    *durations("bet-due", "alice", "bet create", "due", BET),
    case("bet-against-yourself", "alice", "bet create", "against yourself", **(BET | {"opponent": "alice"})),
    case("bet-against-a-bot", "alice", "bet create", "is a bot", **(BET | {"opponent": "gymbot"})),
    case("bet-against-a-stranger", "alice", "bet create", "isn't a member", **(BET | {"opponent": stranger})),
    case("bet-against-one-who-left", "alice", "bet create", "isn't a member", **(BET | {"opponent": gone})),
    case("bet-subject-who-left", "alice", "bet create", "isn't a member", **(BET | {"subject": gone})),
    case("bet-against-other-servers-member", "alice", "bet create", "isn't a member", **(BET | {"opponent": "dave"})),
    case("bet-nobody", "alice", "bet create", "name at least one opponent", **(BET | {"opponent": None})),
    case("bet-half-my-stake", "alice", "bet create", "give all three", **(BET | {"my_stake": "squats"})),
    case("bet-on-other-servers-challenge", "alice", "bet create", NO_CHALLENGE_5, **(BET | {"challenge": 5})),
    case("bet-on-cancelled", "alice", "bet create", "was cancelled", **(BET | {"challenge": 3})),
    case("bet-on-finished", "alice", "bet create", "already over", **(BET | {"challenge": 1})),
    case("bet-on-started", "alice", "bet create", "locked", **(BET | {"challenge": 2})),
    case("bet-on-nonexistent", "alice", "bet create", "no challenge #99", **(BET | {"challenge": 99})),
    case("bet-subject-not-in-it", "alice", "bet create", "isn't taking part", **(BET | {"subject": "bob"})),
    *times("bet-decide-at", "bob", "bet create", "decide_at", MANUAL | ABOUT, "decision time is in the past"),
    case("bet-description-blank", "bob", "bet create", "give a description", **(MANUAL | ABOUT | {"description": " "})),
    *invisible("bet-description", "bob", "bet create", "description", MANUAL | ABOUT, "description is empty")[1:],
    case("bet-show-nonexistent", "alice", "bet show", "no bet #99", bet=99),
    case("bet-show-other-servers", "alice", "bet show", NO_BET_4, bet=4),
    case("bet-accept-own", "alice", "bet accept", "your own bet", bet=2),
    case("bet-accept-not-named", "bob", "bet accept", "not named", bet=2),
    case("bet-accept-settled", "carol", "bet accept", "already been settled", bet=1),
    case("bet-accept-voided", "alice", "bet accept", "called off", bet=3),
    case("bet-accept-other-servers", "carol", "bet accept", NO_BET_4, bet=4),
    case("bet-decline-own", "alice", "bet decline", "your own bet", bet=2),
    case("bet-decline-settled", "bob", "bet decline", "already been settled", bet=1),
    case("bet-decline-nonexistent", "carol", "bet decline", "no bet #99", bet=99),
    case("bet-vote-on-a-challenge-bet", "alice", "bet vote", "settled by its challenge", bet=1, outcome="for"),
    case("bet-vote-voided", "bob", "bet vote", "isn't waiting for a result", bet=3, outcome="for"),
    case("bet-vote-not-in-it", "carol", "bet vote", "only the members in this bet", bet=3, outcome="for"),
    case("bet-vote-other-servers", "alice", "bet vote", NO_BET_4, bet=4, outcome="for"),
    # ---------------------------------------------------------------- /penalty
    *numbers("submit-amount", "carol", "penalty submit", "amount", SUBMIT),
    case("submit-amount-either-way", "carol", "penalty submit", "could be", **(SUBMIT | {"amount": "1.500"})),
    *[
        case(f"submit-duration-{k}", "carol", "penalty submit", error, **(SUBMIT | {"duration": v}))
        for k, (v, error) in CLOCK_TIMES.items()
    ],
    case("submit-unit-other-kind", "carol", "penalty submit", "this penalty counts", **(SUBMIT | {"unit": "reps"})),
    case("submit-someone-elses", "bob", "penalty submit", "isn't yours", **SUBMIT),
    case("submit-done", "bob", "penalty submit", "already done", **(SUBMIT | {"penalty": 1})),
    case("submit-nonexistent", "carol", "penalty submit", "no penalty #99", **(SUBMIT | {"penalty": 99})),
    case("submit-proof-not-an-image", "carol", "penalty submit", "must be an image", **SUBMIT, proof=NOT_AN_IMAGE),
    case("submit-proof-too-big", "carol", "penalty submit", "at most 10 MB", **SUBMIT, proof=TOO_BIG),
    case("submit-proof-unreachable", "carol", "penalty submit", "couldn't fetch", **SUBMIT, proof=UNREACHABLE),
    case("submit-proof-someone-elses", "bob", "penalty submit", "isn't yours", **SUBMIT, proof=PHOTO),
    case("verify-not-submitted", "alice", "penalty verify", "hasn't been submitted", penalty=2),
    case("verify-own", "carol", "penalty verify", "your own penalty", penalty=2),
    case("verify-done", "alice", "penalty verify", "already done", penalty=1),
    case("verify-nonexistent", "alice", "penalty verify", "no penalty #99", penalty=99),
    case("reject-not-submitted", "alice", "penalty reject", "hasn't been submitted", penalty=2),
    case("reject-by-a-loser", "bob", "penalty reject", "only the winners", penalty=2),
    case("reject-reason-rtl-override", "alice", "penalty reject", DIRECTION, penalty=2, reason=f"{RTL}too slow"),
    case("waive-own", "carol", "penalty waive", "your own penalty", penalty=2),
    case("waive-by-a-loser", "bob", "penalty waive", "only the winners", penalty=2),
    case("waive-done", "alice", "penalty waive", "already done", penalty=1),
    case("waive-nonexistent", "alice", "penalty waive", "no penalty #99", penalty=99),
    case("waive-reason-rtl-override", "alice", "penalty waive", DIRECTION, penalty=2, reason=f"{RTL}kind"),
    # ---------------------------------------------------------------- /admin
    *[
        case(f"timezone-{k}", "admin", "admin timezone", "don't know the time zone", name=v)
        for k, v in TIMEZONES.items()
    ],
    case("timezone-names-three-places", "admin", "admin timezone", ("can mean", "Asia/Kolkata"), name="IST"),
    case("timezone-no-fixed-zone", "admin", "admin timezone", ("pick your region", "Asia/Kolkata"), name="UTC+5:30"),
    case("admin-by-a-member", "alice", "admin timezone", "only server admins", name="UTC", permission_override=True),
    case("admin-channel-muted", "admin", "admin channel", "can't post in", options=lambda w: {"channel": w.muted}),
    case("admin-cancel-nonexistent", "admin", "admin cancel", "no challenge #99", challenge=99),
    case("admin-cancel-other-servers", "admin", "admin cancel", "no challenge #6", challenge=6),
    case("admin-cancel-cancelled", "admin", "admin cancel", "was cancelled", challenge=3),
    case("admin-cancel-finished", "admin", "admin cancel", "is over", challenge=1),
    case("admin-cancel-reason-rtl", "admin", "admin cancel", DIRECTION, challenge=2, reason=f"{RTL}rain"),
    *times("extend-until", "admin", "admin extend", "until", {"challenge": 2}, "later than the current one"),
    *durations("extend-by", "admin", "admin extend", "until", {"challenge": 2}, sign="+"),
    case("extend-other-servers", "admin", "admin extend", NO_CHALLENGE_5, challenge=5, until="+1h"),
    case("extend-cancelled", "admin", "admin extend", "is cancelled", challenge=3, until="+1h"),
    case("extend-finished", "admin", "admin extend", "is finished", challenge=1, until="+1h"),
    *numbers("fix-log-amount", "admin", "admin fix-log", "amount", {"log": log_id, "reason": "typo"}),
    case("fix-log-amount-either-way", "admin", "admin fix-log", "could be", log=log_id, reason="typo", amount="1,500"),
    *invisible("fix-log-reason", "admin", "admin fix-log", "reason", {"log": log_id, "strike": True}, "short reason"),
    case(
        "fix-log-other-servers",
        "admin",
        "admin fix-log",
        "no such log",
        log=lambda w: w.other_log_id,
        reason="x",
        strike=True,
    ),
    case("fix-log-nonexistent", "admin", "admin fix-log", "no such log", log=2**53 - 1, reason="typo", strike=True),
    case(
        "fix-log-struck",
        "admin",
        "admin fix-log",
        "already struck",
        log=lambda w: w.struck_log_id,
        reason="x",
        amount="1",
    ),
    case("fix-log-both", "admin", "admin fix-log", "one of the two", log=log_id, reason="x", amount="1", strike=True),
    case("fix-log-neither", "admin", "admin fix-log", "one of the two", log=log_id, reason="typo"),
    case("fix-log-unit", "admin", "admin fix-log", "not a distance", log=log_id, reason="x", amount="1", unit="min"),
    case("settle-challenge-bet", "admin", "admin settle", "settled by its challenge", bet=2, outcome="for"),
    case("settle-settled", "admin", "admin settle", "already been settled", bet=1, outcome="against"),
    case("settle-voided", "admin", "admin settle", "was voided", bet=3, outcome="for"),
    case("settle-other-servers", "admin", "admin settle", NO_BET_4, bet=4, outcome="for"),
    case("void-voided", "admin", "admin void", "already been voided", bet=3),
    case("void-nonexistent", "admin", "admin void", "no bet #99", bet=99),
    case("void-reason-rtl-override", "admin", "admin void", DIRECTION, bet=2, reason=f"{RTL}oops"),
    case("admin-waive-done", "admin", "penalty waive", "already done", penalty=1),
    case("admin-waive-nonexistent", "admin", "penalty waive", "no penalty #3", penalty=3),
    case("admin-verify-not-submitted", "admin", "penalty verify", "hasn't been submitted", penalty=2),
    case("admin-verify-done", "admin", "penalty verify", "already done", penalty=1),
    case("admin-role-everyone", "admin", "admin role", "@everyone can't be", role=lambda w: w.guild.everyone_role),
    case("member-penalty-due", "alice", "admin penalty-due", "only server admins", days=3, permission_override=True),
    # ---------------------------------------------------------------- /stats, /leaderboard
    case("stats-a-stranger", "alice", "stats", "isn't a member of this server", member=stranger),
    case("stats-one-who-left", "alice", "stats", "isn't a member of this server", member=gone),
    case("leaderboard-sql", "alice", "leaderboard", "no challenge for", activity=SQL),
    case("leaderboard-unknown-activity", "alice", "leaderboard", "no challenge for", activity="curling", period="week"),
    case("leaderboard-everyone", "alice", "leaderboard", "no challenge for", activity="@everyone"),
]


async def dump(handle: BotHandle) -> object:
    """Every row of every table, whichever the engine."""
    return await dump_rows(handle.bot.svc.db)


def public_state(emulator: DiscordEmulator) -> list[tuple[Any, ...]]:
    """Every public message as members see it (so an edit shows up too). A "thinking…" placeholder
    withdrawn before it showed anything (a refused command with a photo) is not one."""
    return [
        (m.id, m.content, repr(m.embeds), repr(m.components), m.edited_at, m.deleted)
        for m in emulator.all_messages
        if not m.ephemeral and not m.withdrawn
    ]


USER_OPTIONS = ("opponent", "opponent2", "opponent3", "subject", "member")


def resolve(world: World, name: str, value: Value) -> Any:
    if callable(value):
        return value(world)
    if name in USER_OPTIONS and isinstance(value, str):
        if value == "gymbot":
            return world.robot
        return world.member(value)
    return value


async def run_case(emulator: DiscordEmulator, handle: BotHandle, world: World, c: Case) -> str | None:
    """None when the case was refused properly, else what went wrong."""
    options = {k: resolve(world, k, v) for k, v in c.options.items() if v is not None}
    before, shown = await dump(handle), public_state(emulator)
    try:
        res = await emulator.invoke(world.member(c.who), c.command, **options)
    except DriverError as exc:
        return f"the client refused it, so the bot never saw it: {exc}"
    problems = []
    if not res.ephemeral:
        problems.append("accepted or answered publicly")
    if APOLOGY in res.text.lower():
        problems.append("the apology instead of an explanation")
    wanted = [c.expected] if isinstance(c.expected, str) else list(c.expected)
    missing = [w for w in wanted if w.lower() not in res.text.lower()]
    if missing:
        problems.append(f"{missing} not in the reply")
    if await dump(handle) != before:
        problems.append("the database changed")
    if public_state(emulator) != shown:
        problems.append("something was posted or edited in public")
    return f"{'; '.join(problems)} — reply: {res.text!r}" if problems else None


async def test_every_bad_input_gets_a_clear_ephemeral_error_and_changes_nothing(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    assert len(CORPUS) >= 100
    assert len({c.id for c in CORPUS}) == len(CORPUS), "case ids must be unique"
    world = await build_world(emulator, guild, other_guild, bot_handle)
    failures = []
    for c in CORPUS:
        problem = await run_case(emulator, bot_handle, world, c)
        if problem is not None:
            failures.append(f"{c.id} (/{c.command} {c.options}): {problem}")
    assert not failures, f"{len(failures)} of {len(CORPUS)} bad inputs were mishandled:\n" + "\n".join(failures)


def text_options(emulator: DiscordEmulator, guild: Guild) -> list[tuple[str, dict[str, Any]]]:
    """(command path, option) for every free-text option the bot synced."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(path: str, options: list[dict[str, Any]]) -> None:
        for option in options:
            if option["type"] in (1, 2):  # subcommand, group
                walk(f"{path} {option['name']}", option.get("options", []))
            elif option["type"] == 3 and not option.get("choices"):
                found.append((path, option))

    for command in emulator.commands(guild):
        walk(command["name"], command.get("options", []))
    return found


async def test_overlong_text_is_stopped_by_the_client(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    """5,000 characters never reach the bot: every text option declares a max_length, which Discord
    (and the emulator) enforce before sending the interaction."""
    options = text_options(emulator, guild)
    assert len(options) >= 30
    unbounded = [f"/{path} {o['name']}" for path, o in options if not 1 <= int(o.get("max_length", 6001)) <= 200]
    assert unbounded == [], f"text options without a sensible max_length: {unbounded}"
    alice = guild.members["alice"]
    await emulator.invoke(alice, "challenge create", **CREATE)
    seen = len(emulator.all_messages)
    for command, name, base in [
        ("challenge log", "note", {"amount": "5"}),
        ("challenge create", "activity", CREATE),
        ("bet create", "stake", BET | {"challenge": 1, "opponent": guild.members["bob"]}),
        ("leaderboard", "activity", {}),
    ]:
        with pytest.raises(DriverError, match="characters"):
            await emulator.invoke(alice, command, **(base | {name: "x" * 5_000}))
    assert len(emulator.all_messages) == seen  # the bot was never asked


async def test_odd_but_valid_text_is_kept_exactly_as_typed(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    """What the corpus leaves out on purpose: text that looks like SQL or markdown, emoji (also joined
    with zero-width joiners) and right-to-left letters are fine, and stored verbatim."""
    alice, bob = guild.members["alice"], guild.members["bob"]
    family = "👨\u200d👩\u200d👧"
    res = await emulator.invoke(alice, "challenge create", **(CREATE | {"activity": "تمرين الضغط", "start": "in 1h"}))
    assert not res.ephemeral and "تمرين الضغط" in res.text, res.text
    res = await emulator.invoke(
        alice, "bet create", **(BET | {"challenge": 1, "opponent": bob, "stake": f"{SQL} **burpees**"})
    )
    assert not res.ephemeral, res.text
    res = await emulator.invoke(alice, "challenge create", **(CREATE | {"activity": SQL}))
    assert not res.ephemeral, res.text
    res = await emulator.invoke(alice, "challenge log", amount="5", challenge=2, note=f"{family} _easy_ {SQL}")
    assert not res.ephemeral and family in res.text, res.text
    db = bot_handle.bot.svc.db
    assert [r[0] for r in await db.fetchall("SELECT activity FROM challenges ORDER BY id")] == ["تمرين الضغط", SQL]
    assert [r[0] for r in await db.fetchall("SELECT note FROM logs")] == [f"{family} _easy_ {SQL}"]
    stakes = await db.fetchall("SELECT * FROM bets")
    assert f"{SQL} **burpees**" in [v for row in stakes for v in tuple(row)]


AUTOCOMPLETED = [
    ("challenge join", "challenge", {}),
    ("challenge status", "challenge", {}),
    ("challenge create", "unit", {}),
    ("bet show", "bet", {}),
    ("penalty submit", "penalty", {}),
    ("leaderboard", "activity", {}),
    ("admin timezone", "name", {}),
    ("admin fix-log", "log", {"reason": "typo"}),
]
TYPED = ["", " ", ZWSP, RTL, SQL, "%", "_", "#", "#-1", "#99999999999999999999", "@everyone", "<@&1>", "**", "é" * 20]


async def test_autocomplete_answers_any_typed_text_and_changes_nothing(
    emulator: DiscordEmulator, guild: Guild, other_guild: Guild, bot_handle: BotHandle
) -> None:
    """Whatever is typed into an autocompleted option, the bot offers (possibly no) choices in time,
    never another server's, and writes nothing."""
    world = await build_world(emulator, guild, other_guild, bot_handle)
    before = await dump(bot_handle)
    admin = world.member("admin")
    for command, option, others in AUTOCOMPLETED:
        for typed in TYPED:
            choices = await emulator.autocomplete(admin, command, option, typed, **others)
            assert len(choices) <= 25, (command, option, typed)
            if option == "log":
                assert world.other_log_id not in [c.value for c in choices], typed
    assert await dump(bot_handle) == before
