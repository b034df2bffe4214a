"""Shutdown never leaves a member without an answer: stop taking interactions, let those in flight finish.

A command that committed (a log, a bet) and was then cut off by the closing HTTP session leaves its
member with "did not respond", so they do it again and it counts twice. So on shutdown the bot first
closes this gate: every interaction that arrives from then on is answered "restarting, nothing was
done" without running, and those already running get a bounded time to answer before anything closes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.state import ConnectionState

log = logging.getLogger(__name__)

RESTARTING = "fitbet is restarting, so nothing was done. Try again in a minute."

_AUTOCOMPLETE = 4  # Discord's interaction type: answered with no choices rather than a message


class InteractionGate:
    """Wraps discord.py's INTERACTION_CREATE handler to know which tasks each interaction started."""

    def __init__(self, state: ConnectionState[Any]) -> None:
        self._state = state
        self._dispatch = state.parsers["INTERACTION_CREATE"]
        state.parsers["INTERACTION_CREATE"] = self._on_interaction
        self._in_flight: set[asyncio.Task[Any]] = set()
        self.closed = False

    def _on_interaction(self, data: Any) -> None:
        if self.closed:
            self._track({asyncio.get_running_loop().create_task(self._refuse(data), name="fitbet-refuse")})
            return
        # discord.py starts the handler tasks (command, button, modal, listeners) synchronously here.
        before = asyncio.all_tasks()
        self._dispatch(data)
        self._track(asyncio.all_tasks() - before)

    def _track(self, tasks: set[asyncio.Task[Any]]) -> None:
        for task in tasks:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _refuse(self, data: Any) -> None:
        try:
            interaction: discord.Interaction[Any] = discord.Interaction(data=data, state=self._state)
            if int(data.get("type", 0)) == _AUTOCOMPLETE:
                await interaction.response.autocomplete([])
            else:
                await interaction.response.send_message(RESTARTING, ephemeral=True)
        except Exception as exc:  # best effort: the connection may close under it, and nothing was done
            log.debug("could not tell interaction %s that we are restarting: %r", data.get("id"), exc)

    async def close(self, grace: float) -> None:
        """Take no new interactions; wait up to `grace` seconds for the running ones to finish."""
        self.closed = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        current = asyncio.current_task()
        announced = False
        while pending := {t for t in self._in_flight if not t.done() and t is not current}:
            remaining = deadline - loop.time()
            if remaining <= 0:
                log.warning("shutting down with %d interaction(s) still running after %g s", len(pending), grace)
                return
            if not announced:
                log.info("waiting up to %g s for %d interaction(s) in flight", grace, len(pending))
                announced = True
            await asyncio.wait(pending, timeout=remaining)
