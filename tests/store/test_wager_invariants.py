"""For any order of joins, logs, leaves, cancels and voids, every bet that locked ends settled, or voided
by an admin who isn't part of it — never silently called off (issue #11). Real SQLite, the real services."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.errors import UserError
from bot.scheduling import Timers
from bot.services import bets as bet_service
from bot.services import challenges as challenge_service
from bot.services.bets import OpponentInfo
from bot.services.context import Services
from bot.services.wiring import wire
from bot.settings import load_settings
from tests.engines import TestEngine
from tests.pg import PgServer
from tests.store.conftest import CHANNEL, GUILD, T0

SAM, ANA, BEN, MOD = 1001, 1002, 1003, 1009
ADMINS = {BEN, MOD}  # Ben is an admin who also bets; Mod never does
PEOPLE = [SAM, ANA, BEN]

actions = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.sampled_from(PEOPLE)),
        st.tuples(st.just("log"), st.sampled_from(PEOPLE), st.integers(min_value=1, max_value=80)),
        st.tuples(st.just("leave"), st.sampled_from(PEOPLE)),
        st.tuples(st.just("bet"), st.sampled_from(PEOPLE), st.sampled_from(PEOPLE)),
        st.tuples(st.just("accept"), st.sampled_from(PEOPLE), st.integers(min_value=1, max_value=3)),
        st.tuples(st.just("cancel"), st.sampled_from([*PEOPLE, MOD])),
        st.tuples(st.just("void"), st.sampled_from([*PEOPLE, MOD]), st.integers(min_value=1, max_value=3)),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=90)),
    ),
    max_size=14,
)


async def play(
    steps: list[tuple[object, ...]], folder: Path, pg: PgServer | None = None
) -> list[tuple[int, str, int | None, set[int]]]:
    """Play `steps` on a fresh database: a SQLite file in `folder`, or (with `pg`) a PostgreSQL one."""
    engine = TestEngine("postgres" if pg is not None else "sqlite", folder, pg)
    try:
        return await _play(steps, engine)
    finally:
        await engine.close()


async def _play(steps: list[tuple[object, ...]], engine: TestEngine) -> list[tuple[int, str, int | None, set[int]]]:
    db = await engine.open()
    clock = ManualClock(T0)
    config = load_settings(require_token=False, _env_file=None, **await engine.settings())
    svc = Services(db=db, clock=clock, settings=config, timers=Timers(db, clock))
    wire(svc)
    try:
        view = await challenge_service.create(
            svc, guild_id=GUILD, channel_id=CHANNEL, creator_id=SAM, activity="pushups", target="100", unit="reps",
            duration="1h",
        )  # fmt: skip
        no = view.row.no
        for step in steps:
            kind = step[0]
            try:
                if kind == "join":
                    await challenge_service.join(svc, GUILD, no, int(step[1]))  # type: ignore[call-overload]
                elif kind == "log":
                    await challenge_service.log(svc, GUILD, no, int(step[1]), str(step[2]))  # type: ignore[call-overload]
                elif kind == "leave":
                    await challenge_service.leave(svc, GUILD, no, int(step[1]))  # type: ignore[call-overload]
                elif kind == "bet":
                    proposer, subject = int(step[1]), int(step[2])  # type: ignore[call-overload]
                    opponent = next(p for p in PEOPLE if p not in (proposer, subject))
                    await bet_service.create_bet(
                        svc, guild_id=GUILD, channel_id=CHANNEL, proposer_id=proposer, side="for",
                        stake="burpees", amount="10", unit="reps", challenge_no=no, subject_id=subject,
                        opponents=[OpponentInfo(opponent, False, True)],
                    )  # fmt: skip
                elif kind == "accept":
                    await bet_service.accept(svc, GUILD, int(step[2]), int(step[1]))  # type: ignore[call-overload]
                elif kind == "cancel":
                    actor = int(step[1])  # type: ignore[call-overload]
                    await challenge_service.cancel(svc, GUILD, no, actor, is_admin=actor in ADMINS)
                elif kind == "void":
                    actor = int(step[1])  # type: ignore[call-overload]
                    await bet_service.void_bet(svc, GUILD, int(step[2]), actor, actor in ADMINS)  # type: ignore[call-overload]
                else:
                    clock.advance(timedelta(minutes=int(step[1])))  # type: ignore[call-overload]
                    await svc.timers.run_due()
            except UserError:
                pass  # refused, and a refusal changes nothing (the corpus tests prove that part)
        clock.advance(timedelta(days=10))  # every clock and the latest start are long past
        await svc.timers.run_due()
        out = []
        for row in await db.fetchall("SELECT id, status, voided_by, locked_at, proposer_id FROM bets"):
            if row["locked_at"] is None:
                continue
            members = {row["proposer_id"]} | {
                r[0]
                for r in await db.fetchall(
                    "SELECT user_id FROM bet_opponents WHERE bet_id = ? AND response = 'accepted'", (row["id"],)
                )
            }
            out.append((row["id"], row["status"], row["voided_by"], members))
        return out
    finally:
        await db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=actions)
def test_every_locked_bet_ends_settled_or_voided_by_an_admin_outside_it(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bets = asyncio.run(play(steps, Path(folder)))
    check(bets, steps)


@pytest.mark.postgres
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(steps=actions)
def test_every_locked_bet_ends_settled_or_voided_by_an_admin_outside_it_on_postgresql(
    steps: list[tuple[object, ...]], pg_server: PgServer
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bets = asyncio.run(play(steps, Path(folder), pg_server))
    check(bets, steps)


def check(bets: list[tuple[int, str, int | None, set[int]]], steps: list[tuple[object, ...]]) -> None:
    for bet_id, status, voided_by, members in bets:
        assert status in ("settled", "voided", "expired"), (bet_id, status, steps)
        if status == "expired":  # its lock moment came with nobody on the other side: nothing was at stake
            assert len(members) == 1, (bet_id, members, steps)
        if status == "voided":
            assert voided_by in ADMINS and voided_by not in members, (bet_id, voided_by, members, steps)
