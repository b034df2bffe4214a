"""The one place where use cases are wired together: which handler runs each kind of timer, and
how bets hook into the challenge lifecycle. The bot calls `wire` once at start-up; tests call it
on their own `Services` so they run exactly what production runs."""

from __future__ import annotations

import functools

from bot.services import bets, challenges, penalties
from bot.services.context import Services


def wire(svc: Services) -> None:
    """Register every timer handler and lifecycle hook on `svc` (idempotent)."""
    bets.register(svc)
    handlers = {
        challenges.TIMER_START: challenges.on_start_timer,
        challenges.TIMER_REMINDER: challenges.on_reminder_timer,
        challenges.TIMER_END: challenges.on_end_timer,
        challenges.TIMER_CLOCK_END: challenges.on_clock_end_timer,
        challenges.TIMER_CLOCK_REMINDER: challenges.on_clock_reminder_timer,
        bets.TIMER_DECIDE: bets.on_decide_timer,
        bets.TIMER_PENALTY_REMINDER: penalties.on_reminder_timer,
        bets.TIMER_PENALTY_DUE: penalties.on_due_timer,
    }
    for kind, handler in handlers.items():
        svc.timers.handle(kind, functools.partial(handler, svc))
