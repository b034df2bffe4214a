"""Crash points for the reliability tests. Off unless the TEST_CRASH_AT setting names one.

`TEST_CRASH_AT=post:after_send:2` ends the process abruptly (no cleanup, like a power cut for
the process) the second time it reaches the point `post:after_send`. Never set in production.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

POINTS = (
    "finish:before",  # a deadline is due, nothing written yet
    "finish:after_commit",  # challenge finished and bets settled, timer not yet marked done
    "post:before_send",  # an announcement is about to be posted
    "post:after_send",  # posted to Discord, not yet recorded as posted
    "post:after_mark",  # recorded as posted, the next one not yet sent
    "admin:before_audit",  # an admin action's change is written, its audit line not yet (same transaction)
)
EXIT_CODE = 70

_armed: tuple[str, int] | None = None
_hits: dict[str, int] = {}


def parse(spec: str) -> tuple[str, int]:
    """`name` or `name:N` → (name, N); ValueError for an unknown point."""
    name, _, count = spec.rpartition(":") if spec.rsplit(":", 1)[-1].isdigit() else (spec, "", "1")
    if name not in POINTS or int(count) < 1:
        raise ValueError(f"unknown crash point {spec!r}; known: {', '.join(POINTS)} (optionally :N)")
    return name, int(count)


def arm(spec: str | None) -> None:
    """Arm one crash point from `name` or `name:N` (the Nth time it is reached)."""
    global _armed
    _hits.clear()
    _armed = parse(spec) if spec else None
    if _armed is not None:
        log.warning("crash point armed: %s (hit %s) — test use only", *_armed)


def point(name: str) -> None:
    if _armed is None or _armed[0] != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == _armed[1]:
        logging.shutdown()
        os._exit(EXIT_CODE)
