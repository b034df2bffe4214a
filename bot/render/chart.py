"""The result chart: cumulative progress per participant against the target line (PNG bytes)."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.dates as mdates
from matplotlib.figure import Figure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[datetime, float]]  # (time, cumulative amount), sorted by time


@dataclass(frozen=True)
class ProgressChart:
    """What a result chart shows (picklable: it travels to a worker process)."""

    title: str
    series: Sequence[Series]
    start: datetime
    end: datetime
    target: float | None
    unit: str
    tz: tzinfo = UTC


def progress_chart(chart: ProgressChart) -> bytes:
    """Render synchronously (~60 ms); the bot calls it through `ChartRenderer`, off the event loop."""
    title, series, start, end, target, unit, tz = (
        chart.title, chart.series, chart.start, chart.end, chart.target, chart.unit, chart.tz,
    )  # fmt: skip
    fig = Figure(figsize=(8, 4.5), dpi=100)
    # Fixed margins: tight_layout would measure every label and costs more than the drawing itself.
    fig.subplots_adjust(left=0.09, right=0.95, top=0.92, bottom=0.2)
    ax = fig.add_subplot()
    for line in series[:20]:
        times = [start] + [t for t, _ in line.points]
        ys = [0.0] + [v for _, v in line.points]
        if times[-1] < end:  # hold the last total flat until the deadline
            times.append(end)
            ys.append(ys[-1])
        ax.step(mdates.date2num(times), ys, where="post", label=line.label[:40], linewidth=2)
    if target is not None:
        ax.axhline(target, color="#d9480f", linestyle="--", linewidth=1.5, label=f"target {target:g} {unit}")
    ax.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(end)))
    ax.set_ylim(bottom=0)
    ax.set_title(title[:80])
    ax.set_ylabel(unit)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(tz=tz))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M", tz=tz))
    ax.set_xlabel(f"time ({getattr(tz, 'key', None) or tz.tzname(start) or 'UTC'})", fontsize="small")
    ax.tick_params(axis="x", labelrotation=30, labelsize="small")
    ax.grid(True, alpha=0.3)
    if series or target is not None:
        ax.legend(loc="upper left", fontsize="small")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class ChartRenderer:
    """Renders result charts off the event loop: in worker processes, or in a thread with 0 workers.

    A chart is ~60 ms of CPU under the GIL; in a thread, 500 results due at once rendered one after
    the other on one core. Worker processes use the other cores (docs/benchmarks.md, measurement 5).
    Workers start with the first chart (spawned, not forked: the bot has threads by then), ignore
    Ctrl-C, which the bot itself handles, and exit when the bot's process ends, even if it was
    killed. If a worker dies, charts are drawn in a thread from then on.
    """

    def __init__(self, processes: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0:
            self._pool = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
            )

    async def render(self, chart: ProgressChart) -> bytes:
        if self._pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(self._pool, progress_chart, chart)
            except BrokenProcessPool:
                log.exception("the chart worker process died; drawing charts in a thread from now on")
                self.close()
        return await asyncio.to_thread(progress_chart, chart)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _start_worker() -> None:
    """In each worker: leave Ctrl-C to the bot, and end with the bot however it ends (even SIGKILL)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="exit-with-bot", daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])  # ready when the bot's process has ended
    os._exit(0)
