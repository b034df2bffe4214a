"""`python -m benchmarks [--quick] [--only N,…]`: run the measurements of issue #7, print a table
and write docs/benchmarks.md. Asserts nothing about time; targets are reported as met or not."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.machine import describe, load_average
from benchmarks.report import Section, Table
from benchmarks.runner import measure

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
FINDINGS = Path(__file__).with_name("findings.md")
NAMES = {1: "latency", 2: "throughput", 3: "scale", 4: "startup", 5: "deadlines", 6: "first_result", 7: "engines"}


def _run(only: set[int], workdir: Path, quick: bool, profile: Path | None = None) -> list[Section]:
    """Each group in its own fresh Python process: what one measurement leaves on the heap (an
    emulator's thousands of messages, say) would slow the next through the garbage collector, as
    it did (the leaderboard at 110-190 ms instead of 78 ms)."""
    groups = [
        ("interactions", only & {1, 2}),
        ("scale", only & {3}),
        ("startup", only & {4}),
        ("deadlines", only & {5}),
        ("first_result", only & {6}),
        ("engines", only & {7}),
    ]
    sections: list[Section] = []
    context = multiprocessing.get_context("spawn")
    for group, numbers in groups:
        if not numbers:
            continue
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            done = pool.submit(measure, group, workdir, quick, profile).result()
        wanted = {NAMES[i] for i in numbers}
        done = [s for s in done if s.key in wanted]
        _progress(done)
        sections += done
    return sections


def _progress(sections: list[Section]) -> None:
    for s in sections:
        print(s.text() + "\n", flush=True)


def _summary(sections: list[Section]) -> Table:
    t = Table(["#", "target (issue #7)", "measured", "met"])
    for s in sections:
        for what, measured, met in s.targets:
            t.add(s.title.split(".", 1)[0], what, measured, met)
    return t


def _markdown(
    sections: list[Section], quick: bool, started: datetime, seconds: float, argv: list[str], loads: tuple[str, str]
) -> str:
    machine = Table(["", ""])
    for k, v in describe():
        machine.add(k, v)
    machine.add("load average 1/5/15 min, start → end of run", f"{loads[0]} → {loads[1]}")
    command = "make bench" if not argv else "python -m benchmarks " + " ".join(argv)
    out = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (`make bench`; `make bench ARGS=--quick` for the quick variant). "
        "Benchmarks live in `benchmarks/`, outside the test suite, and assert nothing about time: each "
        "target of issue #7 is reported as met or not, with the floor it is compared to measured in the same run.",
        "",
        f"Run: `{command}` — {'**quick** variant (data scale at 1/10, fewer samples)' if quick else 'full variant'}, "
        f"{started:%Y-%m-%d %H:%M} UTC, {seconds / 60:.1f} min.",
        "",
        "## Machine",
        "",
        machine.markdown(),
        "",
        "## Summary",
        "",
        _summary(sections).markdown(),
        "",
    ]
    out += [s.markdown() for s in sections]
    if FINDINGS.exists():
        out += [FINDINGS.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(out)


def merge(doc: str, sections: list[Section], stamp: str = "") -> str:
    """The report `doc` with these sections put in place of their old text (or before the hand-written
    findings, or at the end) and their summary rows replaced; everything else is kept as it was."""
    for s in sections:
        block = s.markdown() + (f"\n_{stamp}_\n" if stamp else "")
        start = doc.find(f"## {s.title.split('.', 1)[0]}. ")
        if start >= 0:
            end = doc.find("\n## ", start + 1)
            doc = doc[:start] + block + (doc[end + 1 :] if end >= 0 else "")
        else:
            at = doc.find("## Profiling and fixes")
            doc = doc[:at] + block + "\n" + doc[at:] if at >= 0 else doc.rstrip("\n") + "\n\n" + block
        number = s.title.split(".", 1)[0]
        rows = Table(["#", "", "", ""])
        for what, measured, met in s.targets:
            rows.add(number, what, measured, met)
        new_rows = rows.markdown().splitlines()[2:]
        lines = doc.split("\n")
        try:
            head = lines.index("## Summary")
        except ValueError:
            continue
        table = [i for i in range(head, len(lines)) if lines[i].startswith("|")]
        first, last = table[0], table[0]
        while last + 1 < len(lines) and lines[last + 1].startswith("|"):
            last += 1
        kept = [row for row in lines[first + 2 : last + 1] if not row.startswith(f"| {number} |")]
        lines[first + 2 : last + 1] = kept + new_rows
        doc = "\n".join(lines)
    return doc


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="data scale at 1/10, fewer samples (a few minutes)")
    parser.add_argument("--only", default="1,2,3,4,5,6,7", help="which measurements, e.g. 3 or 1,2 (default: all)")
    parser.add_argument("--output", type=Path, default=DOC, help="Markdown report (default: docs/benchmarks.md)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave the report alone")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="replace (or add) only the measured sections and their summary rows in the existing report",
    )
    parser.add_argument(
        "--profile", type=Path, help="cProfile the bot process of measurements 1-2 into this .pstats file"
    )
    args = parser.parse_args(args_list)
    only = {int(x) for x in args.only.split(",") if x.strip()}
    if not only or not only <= set(NAMES):
        parser.error(f"--only takes numbers from 1 to {max(NAMES)}")
    logging.basicConfig(level=logging.ERROR)  # the emulator's expected 429/ack warnings stay quiet
    started = datetime.now(UTC)
    load_start = load_average()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fitbet-bench-") as tmp:
        sections = _run(only, Path(tmp), args.quick, args.profile.resolve() if args.profile else None)
    seconds = time.perf_counter() - t0
    summary = _summary(sections)
    summary.rows = [[c.replace("**", "") for c in row] for row in summary.rows]
    print(summary.text())
    if not args.no_write:
        loads = (load_start, load_average())
        if args.merge and args.output.exists():
            command = "python -m benchmarks " + " ".join(args_list)
            stamp = f"Measured on its own by `{command}`, {started:%Y-%m-%d %H:%M} UTC, and merged into this report."
            text = merge(args.output.read_text(encoding="utf-8"), sections, stamp)
        else:
            text = _markdown(sections, args.quick, started, seconds, args_list, loads)
        args.output.write_text(text, encoding="utf-8")
        print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
