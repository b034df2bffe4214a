"""The result chart: cumulative progress per participant against the target line (PNG bytes)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.dates as mdates
from matplotlib.figure import Figure


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[datetime, float]]  # (time, cumulative amount), sorted by time


def progress_chart(
    title: str,
    series: Sequence[Series],
    start: datetime,
    end: datetime,
    target: float | None,
    unit: str,
    tz: tzinfo = UTC,
) -> bytes:
    """Render synchronously; call it through asyncio.to_thread so the event loop stays free."""
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
