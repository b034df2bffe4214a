"""Result charts: drawn in a worker process (as `python -m bot` does by default) or in a thread."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.render.chart import ChartRenderer, ProgressChart, Series

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=7)
SERIES = [Series("sam", [(START + timedelta(hours=1), 300.0), (END - timedelta(minutes=19), 2020.0)])]


async def _chart(renderer: ChartRenderer) -> bytes:
    chart = ProgressChart("2,020 pushups in under 7 hours", SERIES, START, END, 2020, "reps", ZoneInfo("Europe/Berlin"))
    return await renderer.render(chart)


async def test_a_worker_process_draws_the_png_and_a_dead_worker_falls_back_to_a_thread() -> None:
    renderer = ChartRenderer(1)
    try:
        png = await _chart(renderer)
        assert png.startswith(b"\x89PNG")
        assert renderer._pool is not None
        workers = list(renderer._pool._processes)  # the worker it started for that chart
        assert workers and all(pid != os.getpid() for pid in workers)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        again = await _chart(renderer)
        assert again.startswith(b"\x89PNG")
        assert renderer._pool is None  # from now on in a thread
    finally:
        renderer.close()


async def test_without_workers_charts_are_drawn_in_a_thread() -> None:
    renderer = ChartRenderer(0)
    png = await _chart(renderer)
    assert png.startswith(b"\x89PNG")
    renderer.close()
