from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.scheduling import Timers
from bot.services import challenges as challenge_service
from bot.services.context import Services
from bot.settings import load_settings
from tests.engines import TestEngine

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GUILD = 111
OTHER_GUILD = 222
CHANNEL = 10
SAM = 1001  # the challenger of the seed story


def manual_clock(svc: Services) -> ManualClock:
    """The clock the `svc` fixture runs on, to move by hand."""
    assert isinstance(svc.clock, ManualClock)
    return svc.clock


async def seed_pushups(
    svc: Services, guild_id: int = GUILD, *, creator_id: int = SAM, **options: object
) -> challenge_service.ChallengeView:
    """The seed challenge, "2,020 pushups in under 7 hours", created by Sam; `options` override.

    A fixed 7 h window from now unless `clock_starts_at_first_log` says otherwise."""
    values: dict[str, object] = {
        "activity": "pushups",
        "target": "2020",
        "unit": "reps",
        "duration": "7h",
        "clock_starts_at_first_log": False,
    }
    values.update(options)
    return await challenge_service.create(
        svc,
        guild_id=guild_id,
        channel_id=CHANNEL,
        creator_id=creator_id,
        **values,  # type: ignore[arg-type]
    )


@pytest.fixture
async def svc(engine: TestEngine) -> AsyncIterator[Services]:
    """The service layer on a real database — a SQLite file, then PostgreSQL (`engine`) — migrated as
    in production, time stopped."""
    db = await engine.open()
    clock = ManualClock(T0)
    settings = load_settings(require_token=False, _env_file=None, **await engine.settings())
    services = Services(db=db, clock=clock, settings=settings, timers=Timers(db, clock))
    yield services
    await db.close()


@pytest.fixture
async def bet_svc(svc: Services) -> Services:
    """`svc` with bets hooked into challenges and every deadline handler registered, as the bot does."""
    from bot.services.wiring import wire

    wire(svc)
    return svc
