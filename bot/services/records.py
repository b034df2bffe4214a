"""Member records (/stats) and the server leaderboard, computed from what is stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiosqlite

from bot.domain import challenges as rules_mod
from bot.domain.text import is_blank
from bot.domain.units import KM, MI, MIN, Kind, Unit, parse_unit
from bot.errors import UserError
from bot.services.context import Services
from bot.store import records
from bot.store.codec import from_db, opt_from_db

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


def _totals(rows: Sequence[aiosqlite.Row], distance_unit: str) -> dict[int, list[Total]]:
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


async def _records(
    svc: Services, guild_id: int, since: datetime | None, activity: str | None, user_id: int | None = None
) -> dict[int, Record]:
    """Everyone's records in the server, or only `user_id`'s."""
    settings = await svc.guild_settings(guild_id)
    recs: dict[int, Record] = {}

    def rec(uid: int) -> Record:
        return recs.setdefault(uid, Record(uid))

    for uid, (won, lost) in (await records.bet_counts(svc.db, guild_id, since, user_id)).items():
        rec(uid).bets_won, rec(uid).bets_lost = won, lost
    for uid, (done, failed) in (await records.challenge_counts(svc.db, guild_id, since, user_id)).items():
        rec(uid).challenges_completed, rec(uid).challenges_failed = done, failed
    for uid, (owed, done, overdue) in (
        await records.penalty_counts(svc.db, guild_id, svc.now(), since, user_id)
    ).items():
        r = rec(uid)
        r.penalties_owed, r.penalties_done, r.penalties_overdue = owed, done, overdue
    rows = await records.activity_totals(svc.db, guild_id, since, user_id=user_id, activity=activity)
    for uid, totals in _totals(rows, settings.distance_unit).items():
        rec(uid).totals = totals
    return recs


async def stats(svc: Services, guild_id: int, user_id: int) -> Record:
    rec = (await _records(svc, guild_id, None, None, user_id)).get(user_id, Record(user_id))
    rec.bests = await personal_bests(svc, guild_id, user_id)
    return rec


async def personal_bests(svc: Services, guild_id: int, user_id: int, limit: int = 5) -> list[Best]:
    """Fastest time to each distinct target (e.g. '2,020 pushups in 6 h 41 min')."""
    best: dict[tuple[str, int, str], Best] = {}
    for r in await records.successes(svc.db, guild_id, user_id):
        reached = from_db(r["reached_at"])
        first = opt_from_db(r["first_log"])
        start = first if r["attempt_ms"] is not None and first is not None else from_db(r["starts_at"])
        elapsed = reached - start
        rules = rules_mod.ChallengeRules(
            activity=r["activity"],
            unit=parse_unit(r["unit"]),
            target=r["target"],
            mode=rules_mod.Mode(r["mode"]),
            starts_at=from_db(r["starts_at"]),
            ends_at=from_db(r["ends_at"]),
            attempt=None if r["attempt_ms"] is None else timedelta(milliseconds=r["attempt_ms"]),
            latest_start=opt_from_db(r["latest_start"]),
        )
        key = (r["activity"].lower(), r["target"], r["unit"])
        if key not in best or elapsed < best[key].elapsed:
            best[key] = Best(rules_mod.target_phrase(rules), elapsed)
    return sorted(best.values(), key=lambda b: b.elapsed)[:limit]


async def leaderboard(svc: Services, guild_id: int, activity: str | None, period: str) -> list[Record]:
    since = _since(svc, period)
    act = " ".join(activity.split()).lower() if activity and not is_blank(activity) else None
    if act is not None and not await records.has_activity(svc.db, guild_id, act):
        raise UserError(
            f"There's no challenge for “{act[:50]}” in this server. Start typing in the activity option "
            "to pick one, or leave it empty for the overall board."
        )
    recs = await _records(svc, guild_id, since, act)
    rows = list(recs.values())
    if act is not None:
        rows = [r for r in rows if r.totals]
        rows.sort(key=lambda r: (-max(t.amount for t in r.totals), r.user_id))
    else:
        rows.sort(key=lambda r: (*(-x for x in r.score), r.user_id))
    return rows


async def activity_choices(svc: Services, guild_id: int, prefix: str) -> list[str]:
    return await records.activities(svc.db, guild_id, prefix.strip())
