"""Paints a `ChartSpec` with matplotlib. Imported only where charts are drawn: in the chart worker
processes (or, with CHART_PROCESSES=0, lazily by the thread that draws), never at the bot's start."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import matplotlib

matplotlib.use("Agg")  # no display; must precede any other matplotlib import

from matplotlib.artist import Artist
from matplotlib.figure import Figure

from bot.domain.challenges import ChallengeRules, Mode
from bot.domain.units import REPS
from bot.render.chart import ChartSpec, Member, ProgressChart, chart_spec

FONT = 10  # points; the layout in `bot.render.chart` assumes this size


def png(spec: ChartSpec) -> bytes:
    buffer = io.BytesIO()
    figure(spec).savefig(buffer, format="png", facecolor=spec.theme.background)
    return buffer.getvalue()


def figure(spec: ChartSpec) -> Figure:
    """The matplotlib figure of `spec`: every line, tick and legend entry as the spec says."""
    theme, layout = spec.theme, spec.layout
    fig = Figure(figsize=(layout.width, layout.height), dpi=spec.dpi, facecolor=theme.background)
    # Margins from the spec: tight_layout would measure every label and cost more than the drawing.
    fig.subplots_adjust(left=layout.left, right=layout.right, top=layout.top, bottom=layout.bottom)
    ax = fig.add_subplot(facecolor=theme.background)
    handles: list[Artist] = []
    labels: list[str] = []
    for line in spec.lines:
        if line.fill_from is not None:
            handle: Artist = ax.fill_between(
                line.xs, line.fill_from, line.ys, color=line.color, alpha=0.55, linewidth=0, zorder=line.zorder
            )
            ax.plot(line.xs, line.ys, color=line.color, linewidth=line.width, zorder=line.zorder)
        else:
            (handle,) = ax.plot(
                line.xs,
                line.ys,
                color=line.color,
                linewidth=line.width,
                linestyle="--" if line.dashed else "-",
                zorder=line.zorder,
                solid_capstyle="butt",
            )
        if line.label:
            # Handles and labels given explicitly: matplotlib would leave out a name starting with "_".
            handles.append(handle)
            labels.append(_plain(line.label))
        if line.end_marker:
            ax.plot(
                line.xs[-1:],
                line.ys[-1:],
                marker="o",
                markersize=5.5,
                color=line.color,
                markeredgecolor=theme.background,
                markeredgewidth=1.2,
                zorder=line.zorder + 0.5,
                clip_on=False,
            )

    ax.set_xlim(spec.x.low, spec.x.high)
    ax.set_ylim(spec.y.low, spec.y.high)
    ax.set_xticks(spec.x.ticks, spec.x.labels)
    ax.set_yticks(spec.y.ticks, spec.y.labels)
    ax.set_xlabel(spec.x.title, color=theme.muted, fontsize=FONT)
    ax.set_ylabel(spec.y.title, color=theme.muted, fontsize=FONT)
    ax.set_title(_plain(spec.title), color=theme.text, fontsize=FONT + 1, fontweight="bold", loc="left", pad=8)
    ax.tick_params(colors=theme.muted, labelsize=FONT, length=0, pad=5)
    ax.grid(True, color=theme.grid, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(theme.grid)
    if handles:
        legend = fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(layout.legend_left, layout.legend_top),
            ncols=layout.legend_columns,
            frameon=False,
            fontsize=FONT,
            labelcolor=theme.text,
            handlelength=1.8,
            columnspacing=1.6,
            borderaxespad=0,
            borderpad=0,
        )
        legend.set_zorder(10)
    return fig


def _plain(text: str) -> str:
    """Text shown as typed: a `$` in a member's name must not start matplotlib's math mode."""
    return text.replace("$", r"\$")


def warm_up() -> None:
    """Draw a small chart once: loads the fonts and caches the first real chart would wait for."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(hours=1)
    rules = ChallengeRules("warm-up", REPS, 10, Mode.TOTAL, start, end)
    members = [
        Member(name, [(start, 0), (start + timedelta(minutes=n), n)], (start, end)) for n, name in ((5, "a"), (9, "b"))
    ]
    png(chart_spec(ProgressChart("warm-up", rules, members)))
