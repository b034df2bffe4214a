"""Paints an `ActivityPicture` with matplotlib: the route on the left, the pace along it on the right.
Imported only where pictures are drawn (the chart workers, or a thread with CHART_PROCESSES=0)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede any other matplotlib import

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.render.activity_chart import ActivityPicture

FONT = 9
WIDTH, HEIGHT, DPI = 5.0, 2.4, 160  # shown about 400 px wide in an embed, like the result chart


def png(picture: ActivityPicture) -> bytes:
    theme = picture.theme
    panels = [p for p in ("route", "pace") if (picture.route_x if p == "route" else picture.pace)]
    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=theme.background)
    fig.subplots_adjust(left=0.06, right=0.97, top=0.84, bottom=0.2, wspace=0.35)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels, strict=True):
        ax.set_facecolor(theme.background)
        ax.tick_params(colors=theme.muted, labelsize=FONT, length=0, pad=3)
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        if panel == "route":
            ax.plot(picture.route_x, picture.route_y, color=theme.palette[0], linewidth=2, solid_capstyle="round")
            ax.plot(picture.route_x[:1], picture.route_y[:1], "o", color=theme.palette[2], markersize=6)
            ax.plot(picture.route_x[-1:], picture.route_y[-1:], "s", color=theme.palette[1], markersize=6)
            ax.set_aspect("equal", adjustable="datalim")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title("route (● start, ■ finish)", color=theme.muted, fontsize=FONT, loc="left")
        else:
            ax.plot(picture.distance, picture.pace, color=theme.palette[1], linewidth=1.6)
            ax.set_ylim(*picture.pace_range)  # slowest at the bottom: faster is higher
            ax.yaxis.set_major_formatter(FuncFormatter(_clock))
            ax.grid(True, color=theme.grid, linewidth=0.8)
            ax.set_xlabel(picture.per, color=theme.muted, fontsize=FONT)
            ax.set_title(f"pace, min/{picture.per}", color=theme.muted, fontsize=FONT, loc="left")
    fig.suptitle(picture.title.replace("$", r"\$"), color=theme.text, fontsize=FONT + 1, x=0.06, ha="left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=theme.background)
    return buffer.getvalue()


def _clock(minutes: float, _position: object) -> str:
    """10.5 → `10:30`."""
    whole = int(minutes)
    return f"{whole}:{round((minutes - whole) * 60):02d}"
