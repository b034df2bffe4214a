"""What every use case needs: the database, the clock, the settings and the timers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.domain.guild_settings import GuildSettings
from bot.scheduling import Timers
from bot.settings import Settings
from bot.store import guilds
from bot.store.db import Conn, Database

# (conn, challenge row, {user_id: ParticipantResult} or None when cancelled, now)
ChallengeClosedHook = Callable[[Conn, Any, dict[int, Any] | None, datetime], Awaitable[None]]

# (conn, challenge row, now, the member whose clock started, or None when the whole challenge did)
ChallengeStartedHook = Callable[[Conn, Any, datetime, int | None], Awaitable[None]]

# (conn, challenge row, ParticipantResult of one member judged before the end, now)
MemberJudgedHook = Callable[[Conn, Any, Any, datetime], Awaitable[None]]


# (conn, challenge row, the member about to leave, now): raise UserError to refuse
MemberLeavesHook = Callable[[Conn, Any, int, datetime], Awaitable[None]]

# (conn, challenge row, actor id, actor is an admin, now): raise UserError to refuse
CancelCheckHook = Callable[[Conn, Any, int, bool, datetime], Awaitable[None]]


@dataclass
class Services:
    db: Database
    clock: Clock
    settings: Settings
    timers: Timers
    # Run inside the transaction that finishes (results) or cancels (None) a challenge: bets hook in here.
    on_challenge_closed: list[ChallengeClosedHook] = field(default_factory=list)
    # Run inside the transaction in which bets lock (see bot.domain.bets.lock_trigger): a start time
    # given in advance, the challenge's first log, or (attempt clocks) one member's first log.
    on_challenge_started: list[ChallengeStartedHook] = field(default_factory=list)
    # Run inside the transaction that decides one member's result before the challenge ends (each mode).
    on_member_judged: list[MemberJudgedHook] = field(default_factory=list)
    # Run inside the transaction of a leave / a cancel before anything changes: bets refuse escape hatches.
    before_member_leaves: list[MemberLeavesHook] = field(default_factory=list)
    before_challenge_cancelled: list[CancelCheckHook] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock.now()

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        return await guilds.get(self.db, guild_id, self.settings.default_timezone)
