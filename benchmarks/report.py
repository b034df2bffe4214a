"""Numbers → tables: percentiles, one Section per measurement, console and Markdown output."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ms(seconds: float) -> str:
    """Seconds → a millisecond string with sensible precision."""
    if math.isnan(seconds):
        return "—"
    value = seconds * 1000
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def secs(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds:.2f} s"


def ratio(value: float, floor: float) -> str:
    return "—" if not floor or math.isnan(value) or math.isnan(floor) else f"{value / floor:.2f}×"


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 1024 / 1024:,.1f} MiB"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |", "|" + "|".join(" --- " for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)

    def text(self) -> str:
        widths = [
            max(len(h), *(len(r[i]) for r in self.rows)) if self.rows else len(h) for i, h in enumerate(self.headers)
        ]
        out = ["  ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True))]
        out.append("  ".join("-" * w for w in widths))
        out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in self.rows]
        return "\n".join(out)


@dataclass
class Section:
    """One measurement: a title, what was measured, tables, targets and free-form details."""

    key: str
    title: str
    method: str = ""
    tables: list[Table] = field(default_factory=list)
    targets: list[tuple[str, str, str]] = field(default_factory=list)  # (target, measured, met?)
    notes: list[str] = field(default_factory=list)
    details: str = ""  # extra Markdown (query plans …), docs only
    seconds: float = 0.0

    def target(self, what: str, measured: str, met: bool | None) -> None:
        self.targets.append((what, measured, "—" if met is None else ("yes" if met else "**no**")))

    def text(self) -> str:
        out = [f"== {self.title} ({self.seconds:.0f} s)"]
        out += [t.text() + "\n" for t in self.tables]
        if self.targets:
            t = Table(["target", "measured", "met"])
            for row in self.targets:
                t.add(*(c.replace("**", "") for c in row))
            out.append(t.text())
        out += [f"  · {n}" for n in self.notes]
        return "\n".join(out)

    def markdown(self) -> str:
        out = [f"## {self.title}", ""]
        if self.method:
            out += [self.method, ""]
        for t in self.tables:
            out += [t.markdown(), ""]
        if self.targets:
            t = Table(["target (issue #7)", "measured", "met"])
            for row in self.targets:
                t.add(*row)
            out += [t.markdown(), ""]
        out += [f"- {n}" for n in self.notes]
        if self.notes:
            out.append("")
        if self.details:
            out += [self.details.rstrip(), ""]
        out.append(f"_Section run time: {self.seconds:.0f} s._")
        out.append("")
        return "\n".join(out)
