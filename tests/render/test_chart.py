"""Result charts are drawn in worker processes started with the bot (as `python -m bot` does by
default) or in a thread; the bot's own process never imports matplotlib."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.challenges import ChallengeRules, Mode
from bot.domain.units import REPS
from bot.render import chart as chart_module
from bot.render.chart import ChartRenderer, ChartSpec, Member, ProgressChart

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=7)
RULES = ChallengeRules("pushups", REPS, 2020, Mode.EACH, START, END)
SAM = Member("sam", [(START, 0), (START + timedelta(hours=1), 300), (END - timedelta(minutes=19), 2020)], (START, END))
CHART = ProgressChart("2,020 pushups in under 7 hours", RULES, [SAM], ZoneInfo("Europe/Berlin"))
REPO = Path(__file__).resolve().parents[2]


async def test_a_worker_process_draws_the_png_and_a_dead_worker_falls_back_to_a_thread() -> None:
    renderer = ChartRenderer(1)
    try:
        png = await renderer.render(CHART)
        assert png is not None and png.startswith(b"\x89PNG")
        assert renderer._pool is not None
        workers = list(renderer._pool._processes)
        assert workers and all(pid != os.getpid() for pid in workers)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        again = await renderer.render(CHART)
        assert again is not None and again.startswith(b"\x89PNG")
        assert renderer._pool is None  # from now on in a thread
    finally:
        renderer.close()


async def test_start_spawns_every_worker_before_the_first_chart() -> None:
    renderer = ChartRenderer(2)
    try:
        assert renderer._pool is not None and not renderer._pool._processes  # nothing runs before start()
        renderer.start()
        assert len(renderer._pool._processes) == 2  # spawned now, not when the first result is due
        png = await renderer.render(CHART)
        assert png is not None and png.startswith(b"\x89PNG")
    finally:
        renderer.close()


async def test_without_workers_charts_are_drawn_in_a_thread() -> None:
    renderer = ChartRenderer(0)
    renderer.start()  # nothing to start
    png = await renderer.render(CHART)
    assert png is not None and png.startswith(b"\x89PNG")
    renderer.close()


async def test_a_chart_that_cannot_be_drawn_is_none_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(spec: ChartSpec) -> bytes:
        raise ValueError("no fonts")

    monkeypatch.setattr(chart_module, "draw", broken)
    renderer = ChartRenderer(0)
    assert await renderer.render(CHART) is None
    assert "could not draw the chart" in caplog.text and "no fonts" in caplog.text


def test_the_bot_process_never_imports_matplotlib() -> None:
    """Importing the bot and its cogs, and drawing a chart through a worker, leaves matplotlib out."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        import bot.app, bot.__main__
        from bot.app import EXTENSIONS
        import importlib
        for name in EXTENSIONS:
            importlib.import_module(name)
        assert "matplotlib" not in sys.modules, "importing the bot imported matplotlib"
        from tests.render.test_chart import CHART
        from bot.render.chart import ChartRenderer

        async def main():
            renderer = ChartRenderer(1)
            renderer.start()
            png = await renderer.render(CHART)
            renderer.close()
            return png

        png = asyncio.run(main())
        assert png is not None and png.startswith(b"\\x89PNG")
        assert "matplotlib" not in sys.modules, "drawing in a worker imported matplotlib in the bot"
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


async def test_chart_workers_run_at_a_lower_priority_than_the_bot() -> None:
    """Charts can wait; the bot posting results and answering members must not wait for them."""
    renderer = ChartRenderer(1)
    try:
        renderer.start()
        await renderer.render(CHART)
        assert renderer._pool is not None
        (pid,) = renderer._pool._processes
        assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, os.getpid())
    finally:
        renderer.close()
