"""`python -m benchmarks --merge`: only the measured sections (and their summary rows) change in the report."""

from __future__ import annotations

from benchmarks.__main__ import merge
from benchmarks.report import Section

DOC = """# Benchmarks

## Summary

| # | target (issue #7) | measured | met |
| --- | --- | --- | --- |
| 1 | one | 1 | yes |
| 7 | old seven | 0 | **no** |

## 1. First

kept text one

## 7. Seven

old seven text

## Profiling and fixes (before → after)

hand-written
"""


def section(number: int, text: str) -> Section:
    sec = Section(key=f"k{number}", title=f"{number}. Title {number}", method=text)
    sec.target(f"target {number}", "measured", True)
    return sec


def test_a_measured_section_replaces_its_old_text_and_summary_rows_and_keeps_the_rest() -> None:
    out = merge(DOC, [section(7, "new seven text")])
    assert "old seven" not in out
    assert "new seven text" in out and "kept text one" in out and "hand-written" in out
    assert "| 1 | one | 1 | yes |" in out and "| 7 | target 7 | measured | yes |" in out
    assert out.index("## 1. First") < out.index("## 7. Title 7") < out.index("## Profiling and fixes")


def test_a_new_section_goes_before_the_findings_and_its_rows_join_the_summary() -> None:
    out = merge(DOC, [section(8, "eight text")])
    assert "old seven text" in out
    assert out.index("## 7. Seven") < out.index("## 8. Title 8") < out.index("## Profiling and fixes")
    summary = out[out.index("## Summary") : out.index("## 1. First")]
    assert summary.index("| 7 | old seven") < summary.index("| 8 | target 8")
