"""Runs proven by the watch's own file (GPX or FIT): what the file says, and how typed values must agree.

The file is evidence, not a verdict: the winners still verify a penalty. What the bot takes from it
is the distance, the elapsed time (first to last timestamp), the moving time (pauses left out) and
the pace; a member who types a distance or a time too gets it checked against the file, and a value
that disagrees by more than a small tolerance is refused with both numbers shown. Reading the file
itself is `bot.domain.activity_files`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.pace import format_clock, format_pace, pace_per
from bot.domain.proof import size_text
from bot.domain.units import KM, MI, Kind, Unit, format_amount
from bot.errors import UserError

# A marathon recorded every second is ~4 MB of GPX; a file is held in memory and parsed whole.
MAX_ACTIVITY_BYTES = 8 * 1024 * 1024
# Typed values may differ this much from the file: watches, apps and maps measure a little differently.
DISTANCE_TOLERANCE_SHARE = 0.02  # 2 % ...
DISTANCE_TOLERANCE_MM = 50_000  # ... or 50 m, whichever is larger
TIME_TOLERANCE_SHARE = 0.02  # 2 % ...
TIME_TOLERANCE = timedelta(seconds=30)  # ... or 30 s, whichever is larger
# The file's clock against ours: a watch a few minutes off is not a forgery.
CLOCK_GRACE = timedelta(minutes=5)
ROUTE_POINTS = 400  # points kept for the route picture
PROFILE_POINTS = 400  # (distance, time) points kept for the pace picture
FILENAME_CHARS = 60


class ActivityKind(StrEnum):
    GPX = "gpx"
    FIT = "fit"


@dataclass(frozen=True)
class ActivitySummary:
    """What one GPX or FIT file says about one effort."""

    filename: str  # the member's file name, made safe to show and to upload again
    kind: ActivityKind
    distance_mm: int  # base units of distance
    elapsed: timedelta  # first to last timestamp
    moving: timedelta  # without the pauses
    started_at: datetime
    ended_at: datetime
    route: tuple[tuple[float, float], ...] = ()  # (latitude, longitude), at most ROUTE_POINTS
    profile: tuple[tuple[float, float], ...] = ()  # (metres so far, seconds so far), at most PROFILE_POINTS


def activity_kind(filename: str | None, content_type: str | None) -> ActivityKind | None:
    """GPX or FIT when the attachment says it is one (by its name's extension), else None."""
    name = (filename or "").strip().lower()
    for kind in ActivityKind:
        if name.endswith("." + kind.value):
            return kind
    kind_type = (content_type or "").split(";")[0].strip().lower()
    if kind_type == "application/gpx+xml":
        return ActivityKind.GPX
    if kind_type == "application/vnd.ant.fit":
        return ActivityKind.FIT
    return None


def activity_limit(upload_limit: int) -> int:
    """The largest activity file taken: it is uploaded again as the kept proof, so the server's limit too."""
    return min(upload_limit, MAX_ACTIVITY_BYTES)


def check_activity_file(kind: ActivityKind, size: int, upload_limit: int) -> None:
    """Checked from what Discord says about the file, before anything is answered or downloaded."""
    if size <= 0:
        raise UserError(f"That {kind.value.upper()} file is empty; export the activity again and attach it.")
    limit = activity_limit(upload_limit)
    if size > limit:
        raise UserError(
            f"That {kind.value.upper()} file is {size_text(size, round_up=True)}; an activity file can be at most "
            f"{size_text(limit)} here. Export just this activity (not a whole history), or attach a screenshot."
        )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_filename(name: str | None, kind: ActivityKind) -> str:
    """`Morning Run (1).GPX` → `Morning_Run_1.gpx`: safe to show (no markdown, no mentions) and to upload."""
    stem = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if stem.lower().endswith("." + kind.value):
        stem = stem[: -len(kind.value) - 1]
    stem = _UNSAFE.sub("_", stem).strip("._-") or "activity"
    return f"{stem[: FILENAME_CHARS - len(kind.value) - 1]}.{kind.value}"


def check_distance_activity(unit: Unit, what: str) -> None:
    """A GPX or FIT file proves a distance: refused for a count or a duration."""
    if unit.kind is not Kind.DISTANCE:
        raise UserError(
            f"A GPX or FIT file proves a distance, but this {what} counts {unit.symbol}. "
            "Attach a photo or a screenshot instead."
        )


def distance_tolerance(file_mm: int) -> int:
    return max(DISTANCE_TOLERANCE_MM, int(file_mm * DISTANCE_TOLERANCE_SHARE))


def reconcile_distance(typed_mm: int | None, activity: ActivitySummary, unit: Unit) -> int:
    """The distance to record: the file's. A typed one must agree with it within the tolerance."""
    if typed_mm is not None and abs(typed_mm - activity.distance_mm) > distance_tolerance(activity.distance_mm):
        raise UserError(
            f"You typed {format_amount(typed_mm, unit)}, but {activity.filename} says "
            f"{format_amount(activity.distance_mm, unit)}. Leave the amount out to use the file's, "
            "or attach the file of this run."
        )
    return activity.distance_mm


def time_tolerance(file_time: timedelta) -> timedelta:
    return max(TIME_TOLERANCE, file_time * TIME_TOLERANCE_SHARE)


def reconcile_time(typed: timedelta | None, activity: ActivitySummary) -> timedelta:
    """The time to record: the file's elapsed time, or its moving time when that is what was typed.

    A typed time must agree with one of the two within the tolerance.
    """
    if typed is None:
        return activity.elapsed
    nearest = min((activity.elapsed, activity.moving), key=lambda t: abs(t - typed))
    if abs(nearest - typed) > time_tolerance(nearest):
        moving = "" if activity.moving == activity.elapsed else f" (moving {format_clock(activity.moving)})"
        raise UserError(
            f"You typed {format_clock(typed)}, but {activity.filename} says {format_clock(activity.elapsed)}"
            f"{moving}. Leave the time out to use the file's, or attach the file of this run."
        )
    return nearest


def check_activity_time(activity: ActivitySummary, not_before: datetime, now: datetime, since: str) -> None:
    """The effort happened after `not_before` (what it proves began) and not in the future."""
    if activity.started_at < not_before - CLOCK_GRACE:
        raise UserError(f"{activity.filename} was recorded before {since}; attach the file of the run you did for it.")
    if activity.ended_at > now + CLOCK_GRACE:
        raise UserError(
            f"{activity.filename} ends in the future — check your watch's date and time, then export it again."
        )


def pace_unit(unit: Unit) -> Unit:
    return MI if unit.symbol == MI.symbol else KM


def figures_text(activity: ActivitySummary, unit: Unit, elapsed: timedelta | None = None) -> str:
    """`5.02 km in 55:10, 10:59 min/km, from run.gpx` (and the moving time when pauses count)."""
    took = activity.elapsed if elapsed is None else elapsed
    shown_unit = unit if unit.kind is Kind.DISTANCE else KM
    text = f"{format_amount(activity.distance_mm, shown_unit)} in {format_clock(took)}"
    if activity.moving + timedelta(seconds=30) < took:
        text += f" (moving {format_clock(activity.moving)})"
    if activity.distance_mm > 0 and took > timedelta(0):
        per = pace_unit(shown_unit)
        text += f", {format_pace(pace_per(activity.distance_mm, took, per), per)}"
    return f"{text}, from {activity.filename}"


def thin(points: list[tuple[float, float]], most: int) -> tuple[tuple[float, float], ...]:
    """At most `most` points, evenly spread, always keeping the first and the last."""
    if len(points) <= most:
        return tuple(points)
    step = (len(points) - 1) / (most - 1)
    return tuple(points[round(i * step)] for i in range(most))
