"""The result chart: cumulative progress per participant against the target line.

Two steps, so that what a chart shows is decided (and tested) in plain Python:

1. `chart_spec(ProgressChart) -> ChartSpec`: every line's points, the axis ranges, the tick
   positions and their label texts, the legend texts, colours and layout. No matplotlib here.
2. `draw(ChartSpec) -> bytes`: paints exactly that with matplotlib (`bot.render.chart_draw`),
   in a worker process (`ChartRenderer`), so the bot's own process never imports matplotlib.

What the x-axis shows:
- a fixed window: local clock time over the challenge's window;
- an attempt clock (each member's clock starts at their first log), each or most mode: time since
  each member's own start, from 0 to the attempt length, so attempts are compared side by side like
  a race instead of being thin lines somewhere in a week-long window;
- an attempt clock in total mode: local time over the span that holds the attempts (the combined
  total grows in real time, whoever's clock it was).
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from bot.domain.challenges import ChallengeRules, Mode
from bot.domain.units import Unit, format_amount, from_base

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# ---------------------------------------------------------------------------------------------
# What the bot knows about a finished challenge


@dataclass(frozen=True)
class Member:
    """One participant's progress, as `bot.domain.challenges.progress_series` gives it."""

    name: str
    points: Sequence[tuple[datetime, int]]  # (window start, 0), then (instant, running total in base units)
    window: tuple[datetime, datetime]  # the [start, end) in which their logs counted
    started: bool = True  # False: an attempt clock that never started


@dataclass(frozen=True)
class ProgressChart:
    title: str
    rules: ChallengeRules
    members: Sequence[Member]
    tz: tzinfo = UTC


# ---------------------------------------------------------------------------------------------
# What the image shows


# Discord shows an embed's image about 400 px wide: 5 inches at 160 dpi is 800 px, shown at half
# size, so 10-point text (what `chart_draw` uses) is about 11 px on screen. Text is not measured
# (that needs matplotlib); widths are estimated per character of 10-point DejaVu Sans.
WIDTH = 5.0  # inches
DPI = 160
CHAR = 0.085  # inches per digit
PLOT_WIDTH = WIDTH - 1.15  # what the x tick labels have, beside the y tick labels
LEGEND_LEFT = 0.15
LEGEND_SAMPLE = 0.6  # inches for the line sample and the gap before the next column
LEGEND_CHAR = 0.081  # legend text is mostly letters, a little narrower than digits
MAX_MEMBERS = 20
MAX_X_TICKS = 9
MAX_Y_TICKS = 7
NAME_CHARS = 24


@dataclass(frozen=True)
class Theme:
    """Discord's dark theme: the chart sits in an embed, whose background is #2B2D31."""

    background: str = "#2B2D31"
    text: str = "#DBDEE1"
    muted: str = "#B5BAC1"
    grid: str = "#3F4147"
    target: str = "#B5BAC1"  # neutral and dashed: never mistaken for a member
    combined: str = "#F2F3F5"
    palette: tuple[str, ...] = (
        "#4FC3F7",  # sky
        "#FFB74D",  # orange
        "#81E6A8",  # mint
        "#F48FB1",  # pink
        "#FFF176",  # yellow
        "#B39DDB",  # lavender
        "#FF8A65",  # coral
        "#4DD0C4",  # teal
        "#C5E1A5",  # lime
        "#90A4FF",  # periwinkle
    )


THEME = Theme()


@dataclass(frozen=True)
class Line:
    """A polyline in chart coordinates; with `fill_from`, the band between that and `ys`."""

    label: str  # legend text; "" keeps it out of the legend
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    color: str
    width: float = 2.0
    dashed: bool = False
    end_marker: bool = False  # a dot on the last point (a line at 0 stays visible)
    fill_from: tuple[float, ...] | None = None
    zorder: float = 2.0


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Layout:
    """Figure size in inches and the plot area's margins as fractions of it."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    legend_columns: int
    legend_left: float
    legend_top: float  # where the legend's top edge sits, as a fraction of the figure's height


@dataclass(frozen=True)
class ChartSpec:
    title: str
    x: Axis
    y: Axis
    lines: tuple[Line, ...]  # legend order; `zorder` decides what is painted on top
    layout: Layout
    theme: Theme = field(default_factory=Theme)
    dpi: int = DPI

    def line(self, label_start: str) -> Line:
        """The line whose legend text starts with `label_start` (tests and spies read them)."""
        return next(line for line in self.lines if line.label.startswith(label_start))

    @property
    def legend(self) -> tuple[str, ...]:
        return tuple(line.label for line in self.lines if line.label)


_Path = tuple[tuple[float, ...], tuple[int, ...]]  # a step path: x in seconds, running totals in base units


def chart_spec(chart: ProgressChart) -> ChartSpec:
    """Everything the image shows, computed from the challenge's rules and progress."""
    rules, unit = chart.rules, chart.rules.unit
    members = list(chart.members)[:MAX_MEMBERS]
    if rules.attempt is not None and rules.mode is not Mode.TOTAL:
        own = [_seconds(m.window[1] - m.window[0]) if m.started else None for m in members]
        length = max([_seconds(rules.attempt)] + [s for s in own if s is not None])
        x = _elapsed_axis(length)
        paths = [
            _step_path(m.points, m.window[0], length if s is None else s) for m, s in zip(members, own, strict=True)
        ]
    else:
        start, end = _span(rules, members)
        x = _clock_axis(start, end, chart.tz)
        paths = [_step_path(m.points, start, _seconds(end - start)) for m in members]

    lines: list[Line] = []
    if rules.target is not None:
        level = float(from_base(rules.target, unit))
        lines.append(
            Line(
                f"target {format_amount(rules.target, unit)}",
                (x.low, x.high),
                (level, level),
                THEME.target,
                width=1.6,
                dashed=True,
                zorder=3,
            )
        )
    colors = THEME.palette
    if rules.mode is Mode.TOTAL and members:
        xs, stacked = _stack(paths)
        bands: list[Line] = []
        below: tuple[int, ...] = tuple(0 for _ in xs)
        for i, (member, top) in enumerate(zip(members, stacked, strict=True)):
            bands.append(
                Line(
                    _legend(member, unit),
                    xs,
                    _display(top, unit),
                    colors[i % len(colors)],
                    width=1.0,
                    fill_from=_display(below, unit),
                    zorder=1,
                )
            )
            below = top
        together = f"together — {format_amount(below[-1], unit)}"
        lines.append(Line(together, xs, _display(below, unit), THEME.combined, width=2.8, end_marker=True, zorder=4))
        lines.extend(bands)
    else:
        for i, (member, (xs, ys)) in enumerate(zip(members, paths, strict=True)):
            lines.append(
                Line(
                    _legend(member, unit),
                    xs,
                    _display(ys, unit),
                    colors[i % len(colors)],
                    width=2.2,
                    end_marker=True,
                    zorder=4,
                )
            )
    values = [v for line in lines for v in line.ys]
    y = _value_axis(min(values, default=0.0), max(values, default=0.0), unit.symbol, fractional=unit.base_per_unit > 1)
    fitted, columns = _fit_legend(lines)
    return ChartSpec(
        chart.title[:80], x, y, tuple(fitted), _layout(x, y, [ln.label for ln in fitted if ln.label], columns)
    )


# --- lines ------------------------------------------------------------------------------------


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()


def _span(rules: ChallengeRules, members: Sequence[Member]) -> tuple[datetime, datetime]:
    """A fixed window, or (attempt clocks in total mode) the span that holds the attempts."""
    started = [m for m in members if m.started]
    if rules.attempt is None or not started:
        return rules.starts_at, rules.ends_at
    return min(m.window[0] for m in started), max(m.window[1] for m in started)


def _step_path(points: Sequence[tuple[datetime, int]], origin: datetime, end: float) -> _Path:
    """Running totals as a staircase from `origin` (x = 0), held flat until `end`."""
    xs: list[float] = []
    ys: list[int] = []
    for at, total in points:
        x = _seconds(at - origin)
        if ys:
            xs.append(x)
            ys.append(ys[-1])
        xs.append(x)
        ys.append(total)
    if not ys:
        xs, ys = [0.0], [0]
    if xs[-1] < end:
        xs.append(end)
        ys.append(ys[-1])
    return tuple(xs), tuple(ys)


def _value_at(path: _Path, x: float) -> int:
    """A step path's value just after `x` (0 before it starts)."""
    xs, ys = path
    value = 0
    for px, py in zip(xs, ys, strict=True):
        if px > x:
            break
        value = py
    return value


def _stack(paths: Sequence[_Path]) -> tuple[tuple[float, ...], list[tuple[int, ...]]]:
    """The members' staircases stacked on one shared x grid: [first, first + second, …]."""
    events = sorted({x for xs, _ in paths for x in xs})
    xs: list[float] = []
    for i, x in enumerate(events):
        xs.extend([x] if i == 0 else [x, x])
    stacked: list[tuple[int, ...]] = []
    running = [0] * len(events)
    for path in paths:
        running = [r + _value_at(path, x) for r, x in zip(running, events, strict=True)]
        ys: list[int] = []
        for i, value in enumerate(running):
            ys.extend([value] if i == 0 else [running[i - 1], value])
        stacked.append(tuple(ys))
    return tuple(xs), stacked


def _display(values: Sequence[int], unit: Unit) -> tuple[float, ...]:
    return tuple(float(from_base(v, unit)) for v in values)


def _legend(member: Member, unit: Unit) -> str:
    name = member.name if len(member.name) <= NAME_CHARS else member.name[: NAME_CHARS - 1] + "…"
    if not member.started:
        return f"{name} — didn't start"
    return f"{name} — {format_amount(member.points[-1][1] if member.points else 0, unit)}"


# --- the x-axis -------------------------------------------------------------------------------

_ELAPSED_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
_DAY = 86_400
_DAY_STEPS = (1, 2, 3, 5, 7, 14, 30, 60)
_MONTH_STEPS = (1, 2, 3, 6)


def _fits(labels: Sequence[str]) -> bool:
    """Whether these tick labels fit side by side under the plot, with a gap between them."""
    widest = max((len(line) for label in labels for line in label.split("\n")), default=0)
    return len(labels) <= MAX_X_TICKS and len(labels) * (widest * CHAR + 0.2) <= PLOT_WIDTH


def _elapsed_axis(length: float) -> Axis:
    """0 … `length` seconds since each member's own start."""
    steps = [*_ELAPSED_STEPS, *(d * _DAY for d in (*_DAY_STEPS, 90, 180))]
    axis = Axis(0.0, length, (), (), "")
    for step in steps:
        if length // step + 1 > MAX_X_TICKS:
            continue
        axis = _elapsed_ticks(length, step)
        if _fits(axis.labels):
            break
    return axis


def _elapsed_ticks(length: float, step: int) -> Axis:
    """Ticks every `step` seconds; the unit is named once, in the axis title."""
    seconds = [i * step for i in range(int(length // step) + 1)]
    since = "since each member's first log"
    if step % _DAY == 0 and length >= 3 * _DAY:
        labels, title = [str(t // _DAY) for t in seconds], f"days {since}"
    elif step % 3600 == 0:
        labels, title = [str(t // 3600) for t in seconds], f"hours {since}"
    elif step % 60 == 0 and length > 3600:
        labels, title = [f"{t // 3600}:{t % 3600 // 60:02d}" for t in seconds], f"time {since} (h:mm)"
    elif step % 60 == 0:
        labels, title = [str(t // 60) for t in seconds], f"minutes {since}"
    elif length > 60:
        labels, title = [f"{t // 60}:{t % 60:02d}" for t in seconds], f"time {since} (min:s)"
    else:
        labels, title = [str(t) for t in seconds], f"seconds {since}"
    return Axis(0.0, length, tuple(float(t) for t in seconds), tuple(labels), title)


def _clock_axis(start: datetime, end: datetime, tz: tzinfo) -> Axis:
    """Local clock time over [start, end]: x is seconds since `start`; labels never repeat."""
    zone = getattr(tz, "key", None) or start.astimezone(tz).tzname() or "UTC"
    candidates: list[tuple[str, int]] = [
        *(("s", s) for s in _ELAPSED_STEPS),
        *(("d", d) for d in _DAY_STEPS[:6]),
        *(("m", m) for m in _MONTH_STEPS),
    ]
    axis = Axis(0.0, _seconds(end - start), (), (), "")
    for kind, step in candidates:
        ticks = _clock_ticks(start, end, tz, kind, step)
        if len(ticks) <= MAX_X_TICKS:
            axis = _clock_labels(start, end, tz, kind, step, ticks, zone)
            if _fits(axis.labels):
                break
    return axis


def _clock_labels(
    start: datetime,
    end: datetime,
    tz: tzinfo,
    kind: str,
    step: int,
    ticks: list[datetime],
    zone: str,
) -> Axis:
    local = [t.astimezone(tz) for t in ticks]
    if kind == "s":
        clock = "%H:%M:%S" if step < 60 else "%H:%M"
        if len({t.date() for t in local}) > 1:  # the same time on two days: say which day
            labels = [f"{t.strftime(clock)}\n{t.day} {t:%b}" for t in local]
            title = f"time ({zone})"
        else:
            labels = [t.strftime(clock) for t in local]
            day = local[0] if local else start.astimezone(tz)
            title = f"{day:%a} {day.day} {day:%b %Y} ({zone})"
    elif kind == "d":
        labels = [f"{t.day} {t:%b}" for t in local]
        title = f"date ({zone})"
    else:
        labels = [f"{t:%b %Y}" for t in local]
        title = f"date ({zone})"
    xs = tuple(_seconds(t - start) for t in ticks)
    return Axis(0.0, _seconds(end - start), xs, tuple(labels), title)


def _clock_ticks(start: datetime, end: datetime, tz: tzinfo, kind: str, step: int) -> list[datetime]:
    """Instants in [start, end] whose local wall time is a round multiple of the step.

    Walks wall-clock times and keeps those that exist (a DST gap skips some) once each (a repeated
    hour is kept at its first occurrence), so no two ticks show the same text.
    """
    local_start = start.astimezone(tz).replace(tzinfo=None)
    local_end = end.astimezone(tz).replace(tzinfo=None) + timedelta(hours=3)  # DST shifts wall time
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    walls: list[datetime] = []
    if kind == "s":
        first = math.ceil(_seconds(local_start - midnight) / step) * step
        wall = midnight + timedelta(seconds=first)
        while wall <= local_end and len(walls) <= 4 * MAX_X_TICKS:
            walls.append(wall)
            wall += timedelta(seconds=step)
    elif kind == "d":
        wall = midnight
        while wall <= local_end and len(walls) <= 4 * MAX_X_TICKS:
            walls.append(wall)
            wall += timedelta(days=step)
    else:
        year, month = midnight.year, midnight.month
        while len(walls) <= 4 * MAX_X_TICKS:
            wall = datetime(year, month, 1)  # noqa: DTZ001 - a wall-clock time, placed in `tz` below
            if wall > local_end:
                break
            if (month - 1) % step == 0:
                walls.append(wall)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    ticks: list[datetime] = []
    for wall in walls:
        instant = wall.replace(tzinfo=tz).astimezone(UTC)  # via UTC: astimezone(tz) on a tz time is a no-op
        if instant.astimezone(tz).replace(tzinfo=None) != wall:
            continue  # in a DST gap: that wall time does not exist
        if start <= instant <= end and instant not in ticks:
            ticks.append(instant)
        if len(ticks) > MAX_X_TICKS:
            break
    return ticks


# --- the y-axis -------------------------------------------------------------------------------


def _value_axis(low: float, high: float, unit_symbol: str, *, fractional: bool) -> Axis:
    """Round ticks from (at most) 0 to just above the highest value; numbers in plain words.

    The axis starts a little below 0, so a member's line at 0 floats above the frame.
    """
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1
    top = high + (high - low) * 0.06
    span = Decimal(repr(top - low))
    step = Decimal(1)
    exponent = span.adjusted() - 2
    for power in range(exponent, exponent + 4):
        for mantissa in (1, 2, Decimal("2.5"), 5):
            candidate = Decimal(mantissa).scaleb(power)
            if not fractional and candidate < 1:
                continue
            n_low = math.floor(Decimal(repr(low)) / candidate)
            n_high = math.ceil(Decimal(repr(top)) / candidate)
            if n_high - n_low + 1 <= MAX_Y_TICKS:
                step = candidate
                break
        else:
            continue
        break
    n_low = math.floor(Decimal(repr(low)) / step)
    n_high = math.ceil(Decimal(repr(top)) / step)
    values = [step * i for i in range(n_low, n_high + 1)]
    labels = _number_labels(values)
    first, last = float(values[0]), float(values[-1])
    margin = (last - first) * 0.04
    return Axis(first - margin, last, tuple(float(v) for v in values), labels, unit_symbol)


def _number_labels(values: Sequence[Decimal]) -> tuple[str, ...]:
    """`2,500`, `0.25`; from 100,000 on `250k`, `1.25M` (never `1e6`)."""
    if max(abs(v) for v in values) < 100_000:
        return tuple(_plain(v) for v in values)
    labels: list[str] = []
    for v in values:
        if abs(v) >= 1_000_000:
            labels.append(f"{_plain(v / 1_000_000)}M")
        elif abs(v) >= 1_000:
            labels.append(f"{_plain(v / 1_000)}k")
        else:
            labels.append(_plain(v))
    return tuple(labels)


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():,f}"
    return "0" if text in ("-0", "0") else text


# --- layout -----------------------------------------------------------------------------------


def _fit_legend(lines: Sequence[Line]) -> tuple[list[Line], int]:
    """The legend in as many columns (up to 3) as fit; with more than 4 entries, long names are
    shortened (to 8 characters at least) rather than stacking them all in one tall column."""
    entries = sum(1 for line in lines if line.label)
    for shorten in (False, True):
        if shorten and entries <= 4:
            break
        for columns in (3, 2):
            if entries < columns:
                continue
            room = int(((WIDTH - 2 * LEGEND_LEFT) / columns - LEGEND_SAMPLE) / LEGEND_CHAR)
            labels = [_shorten(line.label, room if shorten else len(line.label) + 1) for line in lines]
            labels = [label if label is not None and len(label) <= room else None for label in labels]
            if all(label is not None for label in labels):
                return [replace(line, label=label or "") for line, label in zip(lines, labels, strict=True)], columns
    return list(lines), 1


def _shorten(label: str, room: int) -> str | None:
    """`label` in `room` characters by shortening the name before " — ", or None if it can't be."""
    if len(label) <= room:
        return label
    name, separator, rest = label.rpartition(" — ")
    keep = room - len(separator) - len(rest) - 1
    if not separator or keep < 8:
        return None
    return name[:keep] + "…" + separator + rest


def _layout(x: Axis, y: Axis, legend: Sequence[str], columns: int) -> Layout:
    plot_height = 2.0
    title = 0.42
    x_lines = max((label.count("\n") + 1 for label in x.labels), default=1)
    x_labels = 0.1 + 0.19 * x_lines
    x_title = 0.26
    left = 0.42 + CHAR * max((len(label) for label in y.labels), default=1)
    right = 0.32
    rows = math.ceil(len(legend) / columns) if legend else 0
    legend_height = 0.06 + 0.21 * rows if rows else 0.0
    height = title + plot_height + x_labels + x_title + legend_height + 0.08
    return Layout(
        width=WIDTH,
        height=round(height, 2),
        left=left / WIDTH,
        right=1 - right / WIDTH,
        top=1 - title / height,
        bottom=(x_labels + x_title + legend_height + 0.08) / height,
        legend_columns=columns,
        legend_left=LEGEND_LEFT / WIDTH,
        legend_top=(legend_height + 0.08) / height,
    )


# ---------------------------------------------------------------------------------------------
# Drawing, off the event loop


def draw(spec: ChartSpec) -> bytes:
    """The PNG of `spec` (~60 ms of CPU). matplotlib is imported here, by whichever process draws."""
    from bot.render import chart_draw

    return chart_draw.png(spec)


class ChartRenderer:
    """Draws result charts off the event loop: in worker processes, or in a thread with 0 workers.

    A chart is ~60 ms of CPU under the GIL; in a thread, 500 results due at once rendered one after
    the other on one core. Worker processes use the other cores (docs/benchmarks.md, measurement 5)
    and keep matplotlib out of the bot's own process. `start()` spawns them (spawned, not forked:
    the bot has threads by then) at start-up, and each loads matplotlib and draws once before its
    first chart, so the first result does not wait for them. They ignore Ctrl-C, which the bot
    itself handles, and exit when the bot's process ends, even if it was killed. If a worker dies,
    charts are drawn in a thread from then on. A chart that can't be drawn is None: the result is
    posted without it.
    """

    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0:
            self._pool = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
            )

    def start(self) -> None:
        """Spawn every worker now (returns at once; each warms up in its own process)."""
        if self._pool is None:
            return
        # The pool spawns a worker for each task that finds none idle: one task per worker.
        for _ in range(self._processes):
            self._pool.submit(_ready).add_done_callback(_log_start_failure)

    async def render(self, chart: ProgressChart) -> bytes | None:
        try:
            spec = chart_spec(chart)
            if self._pool is not None:
                try:
                    return await asyncio.get_running_loop().run_in_executor(self._pool, draw, spec)
                except BrokenProcessPool:
                    log.exception("the chart worker process died; drawing charts in a thread from now on")
                    self.close()
            return await asyncio.to_thread(draw, spec)
        except Exception:
            log.exception("could not draw the chart of %r; the result goes out without it", chart.title)
            return None

    async def call(self, fn: Callable[..., _T], *args: Any) -> _T:
        """`fn(*args)` in a worker process (in a thread without workers); what it raises propagates.

        For other CPU work that must stay off the event loop: reading an activity file, drawing its picture.
        """
        if self._pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
            except BrokenProcessPool:
                log.exception("a chart worker process died; working in a thread from now on")
                self.close()
        return await asyncio.to_thread(fn, *args)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _ready() -> None:
    """A task that does nothing: submitting it makes the pool spawn a worker."""


def _log_start_failure(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("a chart worker did not start: %r", future.exception())


def _start_worker() -> None:
    """In each worker: leave Ctrl-C to the bot, end with the bot however it ends (even SIGKILL),
    and draw once, so that imports and font loading are done before the first chart."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(10)  # charts may wait; the bot's own process (posting, answering) goes first
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="exit-with-bot", daemon=True).start()
    from bot.render import chart_draw

    chart_draw.warm_up()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])  # ready when the bot's process has ended
    os._exit(0)
