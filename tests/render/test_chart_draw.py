"""The drawing paints exactly the spec: the matplotlib figure's lines, ticks, legend and colours."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
from matplotlib.colors import to_hex
from matplotlib.image import imread

from bot.domain.challenges import ChallengeRules, Mode
from bot.domain.units import KM, STEPS
from bot.render.chart import ChartSpec, Member, ProgressChart, chart_spec, draw
from bot.render.chart_draw import figure

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def steps_spec(names: tuple[str, str, str] = ("alice", "bob", "carol")) -> ChartSpec:
    rules = ChallengeRules("steps", STEPS, 1_000_000, Mode.EACH, T0, T0 + 30 * 24 * H)
    window = (rules.starts_at, rules.ends_at)
    members = [
        Member(names[0], [(T0, 0), (T0 + 24 * H, 600_000), (T0 + 48 * H, 1_080_000)], window),
        Member(names[1], [(T0, 0), (T0 + 72 * H, 300_000)], window),
        Member(names[2], [(T0, 0)], window),
    ]
    return chart_spec(ProgressChart("1,000,000 steps in under 30 days", rules, members))


def test_the_figure_draws_exactly_the_spec() -> None:
    spec = steps_spec()
    ax = figure(spec).axes[0]
    drawn = [
        (tuple(line.get_xdata()), tuple(line.get_ydata()), to_hex(line.get_color()).upper(), line.get_linestyle())
        for line in ax.get_lines()
    ]
    for expected in spec.lines:
        style = "--" if expected.dashed else "-"
        assert (expected.xs, expected.ys, expected.color.upper(), style) in drawn
    assert ax.get_xlim() == (spec.x.low, spec.x.high) and ax.get_ylim() == (spec.y.low, spec.y.high)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(spec.x.labels)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(spec.y.labels)
    assert "1M" in spec.y.labels and not any("e" in t.get_text() for t in ax.get_yticklabels())
    legend = ax.figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == list(spec.legend)
    assert list(spec.legend) == [
        "target 1,000,000 steps",
        "alice — 1,080,000 steps",
        "bob — 300,000 steps",
        "carol — 0 steps",
    ]


def test_the_total_mode_figure_fills_each_members_band_under_the_combined_line() -> None:
    rules = ChallengeRules("run", KM, 10_000_000, Mode.TOTAL, T0, T0 + 5 * H)
    window = (rules.starts_at, rules.ends_at)
    members = [
        Member("a", [(T0, 0), (T0 + H, 4_000_000)], window),
        Member("b", [(T0, 0), (T0 + 2 * H, 7_000_000)], window),
    ]
    spec = chart_spec(ProgressChart("t", rules, members))
    ax = figure(spec).axes[0]
    assert len(ax.collections) == 2  # one filled band per member
    together = spec.line("together")
    assert any(
        tuple(line.get_ydata()) == together.ys and line.get_linewidth() == together.width for line in ax.get_lines()
    )
    assert together.ys[-1] == 11


def test_the_png_is_dark_with_no_white_box() -> None:
    pixels = imread(io.BytesIO(draw(steps_spec())), format="png")[..., :3]
    background = np.array([0x2B, 0x2D, 0x31]) / 255
    assert np.allclose(pixels[0, 0], background, atol=1 / 255)  # the corner: Discord's embed colour
    assert np.allclose(pixels[-1, -1], background, atol=1 / 255)
    near_white = (pixels.min(axis=2) > 0.94).mean()
    assert near_white < 0.01  # text and lines only, no white plot area
    assert (np.abs(pixels - background).max(axis=2) < 2 / 255).mean() > 0.6  # mostly background


def test_names_are_drawn_as_typed_even_with_dollars_and_underscores() -> None:
    spec = steps_spec(("$5 on sam$", "_kim_", "a$b"))
    fig = figure(spec)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == [
        r"target 1,000,000 steps",
        r"\$5 on sam\$ — 1,080,000 steps",
        "_kim_ — 300,000 steps",
        r"a\$b — 0 steps",
    ]
    assert draw(spec).startswith(b"\x89PNG")  # no math mode, no error
