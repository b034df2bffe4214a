"""Member records (/stats) and the server leaderboard, computed from what is stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain import challenges as rules_mod
from bot.domain.text import is_blank
from bot.domain.units import KM, MI, MIN, Kind, Unit, parse_unit
from bot.errors import UserError
from bot.services.challenges import rules_of
from bot.services.context import Services
from bot.store import records
from bot.store.challenges import challenge_from_row
from bot.store.codec import from_db, opt_from_db
from bot.store.db import Row

PERIODS: dict[str, timedelta | None] = {
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
    "all": None,
}


@dataclass(frozen=True)
class Total:
    activity: str
    unit: Unit
    amount: int  # base units


@dataclass(frozen=True)
class Best:
    what: str  # "2,020 pushups"
    elapsed: timedelta


@dataclass
class Record:
    user_id: int
    bets_won: int = 0
    bets_lost: int = 0
    challenges_completed: int = 0
    challenges_failed: int = 0
    penalties_owed: int = 0
    penalties_done: int = 0
    penalties_overdue: int = 0
    totals: list[Total] = field(default_factory=list)
    bests: list[Best] = field(default_factory=list)

    @property
    def score(self) -> tuple[int, ...]:
        return (self.bets_won, self.challenges_completed, self.penalties_done, -self.penalties_overdue)


def _since(svc: Services, period: str) -> datetime | None:
    if period not in PERIODS:
        raise UserError("Period must be week, month, year or all.")
    span = PERIODS[period]
    return None if span is None else svc.now() - span


def _display_unit(unit: Unit, distance_unit: str) -> Unit:
    """Totals across challenges: distances in the server's unit, durations in minutes."""
    if unit.kind is Kind.DISTANCE:
        return MI if distance_unit == "mi" else KM
    if unit.kind is Kind.DURATION:
        return MIN
    return unit


def _totals(rows: Sequence[Row], distance_unit: str) -> dict[int, list[Total]]:
    merged: dict[tuple[int, str, str], int] = defaultdict(int)
    units: dict[str, Unit] = {}
    for r in rows:
        unit = _display_unit(parse_unit(r["unit"]), distance_unit)
        units[unit.symbol] = unit
        merged[(r["user_id"], r["activity"], unit.symbol)] += r["total"]
    out: dict[int, list[Total]] = defaultdict(list)
    for (user_id, activity, symbol), amount in sorted(merged.items()):
        out[user_id].append(Total(activity, units[symbol], amount))
    return out


async def stats(svc: Services, guild_id: int, user_id: int) -> Record:
    settings = await svc.guild_settings(guild_id)
    rec = Record(user_id)
    rec.bets_won, rec.bets_lost = await records.bet_counts(svc.db, guild_id, user_id)
    rec.challenges_completed, rec.challenges_failed = await records.challenge_counts(svc.db, guild_id, user_id)
    rec.penalties_owed, rec.penalties_done, rec.penalties_overdue = await records.penalty_counts(
        svc.db, guild_id, user_id, svc.now()
    )
    rows = await records.activity_totals(svc.db, guild_id, None, user_id=user_id)
    rec.totals = _totals(rows, settings.distance_unit).get(user_id, [])
    rec.bests = await personal_bests(svc, guild_id, user_id)
    return rec


async def personal_bests(svc: Services, guild_id: int, user_id: int, limit: int = 5) -> list[Best]:
    """Fastest time to each distinct target the member reached alone (e.g. '2,020 pushups in 6 h 41 min');
    a team's total is not anyone's personal best."""
    best: dict[tuple[str, int, str], Best] = {}
    for r in await records.successes(svc.db, guild_id, user_id):
        if not rules_mod.counts_as_personal_best(rules_mod.Mode(r["mode"])):
            continue
        reached = from_db(r["reached_at"])
        first = opt_from_db(r["first_log"])
        start = first if r["attempt_ms"] is not None and first is not None else from_db(r["starts_at"])
        elapsed = reached - start
        rules = rules_of(challenge_from_row(r))
        key = (r["activity"].lower(), r["target"], r["unit"])
        if key not in best or elapsed < best[key].elapsed:
            best[key] = Best(rules_mod.target_phrase(rules), elapsed)
    return sorted(best.values(), key=lambda b: b.elapsed)[:limit]


LEADERBOARD_TOP = 100  # members a board shows (pages of 20); the viewer's own place is shown besides


@dataclass(frozen=True)
class Board:
    rows: list[Record]  # the top of the board, best first
    size: int  # how many members are on it
    viewer: tuple[int, Record] | None = None  # (place, record) of the member asking, when below `rows`


async def leaderboard(
    svc: Services,
    guild_id: int,
    activity: str | None,
    period: str,
    *,
    viewer_id: int | None = None,
    top: int = LEADERBOARD_TOP,
) -> Board:
    since = _since(svc, period)
    act = " ".join(activity.split()).lower() if activity and not is_blank(activity) else None
    if act is None:
        found, size = await records.ranked(svc.db, guild_id, svc.now(), since, top, viewer_id)
        best = sorted((_counted(r) for r in found if r["part"] == "top"), key=_overall_key)
        me = next((r for r in found if r["part"] == "viewer"), None)
        below = me is not None and all(r.user_id != viewer_id for r in best)
        return Board(rows=best, size=size, viewer=(me["above"] + 1, _counted(me)) if below and me else None)
    if not await records.has_activity(svc.db, guild_id, act):
        raise UserError(
            f"There's no challenge for “{act[:50]}” in this server. Start typing in the activity option "
            "to pick one, or leave it empty for the overall board."
        )
    settings = await svc.guild_settings(guild_id)
    totals_rows = await records.activity_totals(svc.db, guild_id, since, activity=act)
    ranked_by_total = sorted(
        (Record(uid, totals=t) for uid, t in _totals(totals_rows, settings.distance_unit).items() if t),
        key=lambda r: (-max(t.amount for t in r.totals), r.user_id),
    )
    place = next((i for i, r in enumerate(ranked_by_total, start=1) if r.user_id == viewer_id), None)
    viewer = (place, ranked_by_total[place - 1]) if place is not None and place > top else None
    return Board(rows=ranked_by_total[:top], size=len(ranked_by_total), viewer=viewer)


def _overall_key(r: Record) -> tuple[int, ...]:
    return (*(-x for x in r.score), r.user_id)


def _counted(r: Row) -> Record:
    return Record(
        r["user_id"],
        bets_won=r["won"],
        bets_lost=r["lost"],
        challenges_completed=r["done"],
        challenges_failed=r["failed"],
        penalties_owed=r["owed"],
        penalties_done=r["paid"],
        penalties_overdue=r["overdue"],
    )


async def activity_choices(svc: Services, guild_id: int, prefix: str) -> list[str]:
    return await records.activities(svc.db, guild_id, prefix.strip())
