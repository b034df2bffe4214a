"""Coalesced card refreshes and the per-channel edit budget (bot/live.py), on virtual time.

Time is a `VirtualTime`: sleeping registers a wake-up, and the test moves time to the next one only
when every task is waiting, so hundreds of simulated seconds take milliseconds and nothing depends on
how fast the machine is.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.live import ChannelBudget, Coalescer


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self.now + max(0.0, delay), self._seq, future))
        self._seq += 1
        await future

    async def run(self) -> None:
        """Until nothing runs and nothing sleeps."""
        while True:
            for _ in range(30):
                await asyncio.sleep(0)
            live = [(at, seq, f) for at, seq, f in self._heap if not f.done()]
            heapq.heapify(live)
            self._heap = live
            if not self._heap:
                return
            at, _, future = heapq.heappop(self._heap)
            self.now = max(self.now, at)
            future.set_result(None)


@dataclass
class Recorder:
    """A refresh that takes `takes` seconds, edits through `budget`, and notes what it saw."""

    vt: VirtualTime
    touches: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    runs: dict[int, list[tuple[float, float, int]]] = field(default_factory=lambda: defaultdict(list))
    edits: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    budget: ChannelBudget | None = None
    takes: float = 0.3
    channel_of: dict[int, int] = field(default_factory=dict)

    async def refresh(self, key: int) -> None:
        start = self.vt.now
        seen = self.touches[key]  # the state is read first: later touches need another refresh
        if self.budget is not None:
            await self.budget.acquire(self.channel_of.get(key, 0))
        self.edits[self.channel_of.get(key, 0)].append(self.vt.now)
        await self.vt.sleep(self.takes)
        self.runs[key].append((start, self.vt.now, seen))


async def play(script: list[tuple[float, int]], interval: float, recorder: Recorder) -> Coalescer:
    vt = recorder.vt
    coalescer = Coalescer(recorder.refresh, interval, monotonic=vt.monotonic, sleep=vt.sleep)

    async def member_actions() -> None:
        for at, key in sorted(script):
            if at > vt.now:
                await vt.sleep(at - vt.now)
            recorder.touches[key] += 1
            coalescer.touch(key)

    driver = asyncio.ensure_future(member_actions())
    await vt.run()
    await driver
    assert coalescer.pending() == []
    return coalescer


SCRIPTS = st.lists(st.tuples(st.floats(0, 60, allow_nan=False), st.integers(0, 4)), max_size=120)


@settings(max_examples=60, deadline=None)
@given(SCRIPTS, st.floats(0.5, 5))
async def test_each_card_is_refreshed_at_most_once_per_interval_and_always_after_its_last_change(
    script: list[tuple[float, int]], interval: float
) -> None:
    recorder = Recorder(VirtualTime())
    await play(script, interval, recorder)
    for key, count in recorder.touches.items():
        runs = recorder.runs[key]
        assert runs, f"card {key} was changed {count} time(s) but never refreshed"
        assert runs[-1][2] == count, f"card {key}: the last refresh showed {runs[-1][2]} of {count} changes"
        assert len(runs) <= count
        for (_, end, _), (start, _, _) in itertools.pairwise(runs):
            assert start >= end + interval - 1e-9, f"card {key} refreshed {start - end:.2f}s after the last one"


async def test_a_burst_of_changes_becomes_two_refreshes() -> None:
    recorder = Recorder(VirtualTime())
    await play([(i * 0.05, 7) for i in range(40)], 3.0, recorder)
    assert [seen for *_, seen in recorder.runs[7]] == [1, 40]  # the first at once, then the last state


async def test_touching_returns_before_the_refresh_runs() -> None:
    vt = VirtualTime()
    started = asyncio.Event()

    async def refresh(key: int) -> None:
        started.set()

    coalescer = Coalescer(refresh, 3.0, monotonic=vt.monotonic, sleep=vt.sleep)
    coalescer.touch(1)
    assert not started.is_set()  # the member's reply goes out first
    await vt.run()
    assert started.is_set()


@settings(max_examples=40, deadline=None)
@given(SCRIPTS, st.integers(1, 5), st.floats(1, 5))
async def test_edits_in_one_channel_stay_within_its_budget_however_many_cards(
    script: list[tuple[float, int]], limit: int, per: float
) -> None:
    vt = VirtualTime()
    recorder = Recorder(vt, budget=ChannelBudget(limit, per, monotonic=vt.monotonic, sleep=vt.sleep), takes=0.05)
    recorder.channel_of = {key: key % 2 for key in range(5)}  # five cards in two channels
    await play(script, 0.5, recorder)
    for channel, times in recorder.edits.items():
        for i in range(len(times) - limit):
            assert times[i + limit] - times[i] >= per - 1e-9, f"channel {channel}: {limit + 1} edits within {per}s"
    for key, count in recorder.touches.items():
        assert recorder.runs[key][-1][2] == count  # still: the last state shown


async def test_a_failing_refresh_is_logged_and_the_next_change_refreshes_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    vt = VirtualTime()
    calls: list[int] = []

    async def refresh(key: int) -> None:
        calls.append(key)
        if len(calls) == 1:
            raise RuntimeError("Discord said no")

    coalescer = Coalescer(refresh, 1.0, monotonic=vt.monotonic, sleep=vt.sleep)
    coalescer.touch(3)
    await vt.run()
    coalescer.touch(3)
    await vt.run()
    assert calls == [3, 3] and "refreshing fitbet-live 3 failed" in caplog.text


async def test_closing_drops_what_is_pending_and_refuses_new_touches() -> None:
    vt = VirtualTime()
    calls: list[int] = []

    async def refresh(key: int) -> None:
        calls.append(key)

    coalescer = Coalescer(refresh, 5.0, monotonic=vt.monotonic, sleep=vt.sleep)
    coalescer.touch(1)
    for _ in range(5):
        await asyncio.sleep(0)
    coalescer.touch(1)  # waits 5 s for its turn
    await coalescer.close()
    coalescer.touch(2)
    await vt.run()
    assert calls == [1] and coalescer.pending() == []
