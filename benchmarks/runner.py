"""The entry point of one measurement group, importable by a spawned worker process."""

from __future__ import annotations

import logging
from pathlib import Path

from benchmarks.report import Section


def measure(group: str, workdir: Path, quick: bool, profile: Path | None) -> list[Section]:
    """One measurement group; `python -m benchmarks` runs each in a fresh process."""
    logging.basicConfig(level=logging.ERROR)
    if group == "interactions":
        from benchmarks import interactions

        return interactions.run(workdir, quick=quick, profile=profile)
    if group == "scale":
        from benchmarks import scale

        return [scale.run(workdir, quick=quick)]
    if group == "startup":
        from benchmarks import startup

        return [startup.run(workdir, quick=quick)]
    if group == "first_result":
        from benchmarks import first_result

        return [first_result.run(workdir, quick=quick)]
    if group == "engines":
        from benchmarks import engines

        return [engines.run(workdir, quick=quick)]
    from benchmarks import deadlines

    return [deadlines.run(workdir, quick=quick)]
