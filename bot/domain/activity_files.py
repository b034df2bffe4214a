"""Reading a GPX or FIT file into an `ActivitySummary`, with maintained parsers (gpxpy, fitdecode).

Plain, synchronous and CPU-bound: the bot calls `read_activity` off the event loop (in the chart
workers, or a thread). Whatever is wrong with a file becomes a `UserError` saying what to do;
nothing else escapes. GPX is XML: before gpxpy sees it, defusedxml refuses any DTD or entity, so an
XML bomb (a billion laughs, external entities) is refused without being expanded.
"""

from __future__ import annotations

import io
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree
import fitdecode
import gpxpy
import gpxpy.gpx

from bot.domain.activity import PROFILE_POINTS, ROUTE_POINTS, ActivityKind, ActivitySummary, clean_filename, thin
from bot.errors import UserError

EARTH_RADIUS_M = 6_371_000.0
STOPPED_BELOW_MPS = 1000 / 3600  # slower than 1 km/h counts as a pause (gpxpy's default too)
_SEMICIRCLE = 180 / 2**31


def read_activity(data: bytes, filename: str, kind: ActivityKind) -> ActivitySummary:
    """What the file says: distance, elapsed and moving time, when, and points for a picture."""
    name = clean_filename(filename, kind)
    if kind is ActivityKind.GPX:
        return _read_gpx(data, name)
    return _read_fit(data, name)


# --------------------------------------------------------------------------- GPX


def _read_gpx(data: bytes, name: str) -> ActivitySummary:
    unreadable = UserError(f"{name} isn't a GPX file I can read. Export the activity as GPX again and attach it.")
    try:
        # Refuses DOCTYPEs and entities outright: a GPX file has none, an XML bomb needs them.
        defusedxml.ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (defusedxml.DefusedXmlException, ParseError, ValueError) as exc:
        raise unreadable from exc
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError, ParseError) as exc:
        raise unreadable from exc
    segments = [
        [p for p in segment.points if p.latitude is not None and p.longitude is not None]
        for track in gpx.tracks
        for segment in track.segments
    ]
    segments = [s for s in segments if s]
    if not segments:
        raise UserError(f"{name} has no track in it (no recorded points). Export the recorded activity, not a route.")
    timed: list[list[tuple[datetime, float, float]]] = []
    for segment in segments:
        points = [(_utc(p.time), p.latitude, p.longitude) for p in segment if p.time is not None]
        if points:
            timed.append(points)
    if not timed:
        raise UserError(f"{name} has no timestamps, so it can't show how long the run took. Export it from your watch.")
    summary = _summary(name, ActivityKind.GPX, timed)
    # gpxpy's own figures: its distance skips GPS jumps, its moving time leaves out pauses (< 1 km/h).
    moving = gpx.get_moving_data().moving_time
    return _checked(
        replace(
            summary,
            distance_mm=round(gpx.length_2d() * 1000),
            moving=min(summary.elapsed, timedelta(seconds=moving)) if moving else summary.elapsed,
        )
    )


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


# --------------------------------------------------------------------------- FIT


def _read_fit(data: bytes, name: str) -> ActivitySummary:
    records: list[tuple[datetime, float | None, float | None, float | None]] = []
    session: dict[str, object] = {}
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as fit:
            for frame in fit:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "record":
                    when = frame.get_value("timestamp", fallback=None)
                    if isinstance(when, datetime):
                        records.append(
                            (
                                _utc(when),
                                _degrees(frame.get_value("position_lat", fallback=None)),
                                _degrees(frame.get_value("position_long", fallback=None)),
                                _number(frame.get_value("distance", fallback=None)),
                            )
                        )
                elif frame.name == "session" and not session:
                    for key in ("start_time", "total_distance", "total_elapsed_time", "total_timer_time"):
                        session[key] = frame.get_value(key, fallback=None)
    except (fitdecode.FitError, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise UserError(f"{name} isn't a FIT file I can read. Export the activity as FIT again and attach it.") from exc
    if not records and not session:
        raise UserError(f"{name} has no recorded activity in it. Export the recorded run from your watch.")
    start = session.get("start_time")
    elapsed_s = _number(session.get("total_elapsed_time"))
    if not records and (not isinstance(start, datetime) or not elapsed_s):
        raise UserError(f"{name} has no timestamps, so it can't show how long the run took. Export it from your watch.")
    positioned = [(t, lat, lon) for t, lat, lon, _ in records if lat is not None and lon is not None]
    summary = _summary(name, ActivityKind.FIT, [positioned]) if len(positioned) >= 2 else None
    # The watch's own totals win: it measured with its own sensors (a treadmill has no positions at all).
    distance_m = _number(session.get("total_distance")) or max((d or 0.0 for *_, d in records), default=0.0)
    if not distance_m and summary is not None:
        distance_m = summary.distance_mm / 1000
    started = _utc(start) if isinstance(start, datetime) else records[0][0]
    if not elapsed_s:
        elapsed_s = (max(t for t, *_ in records) - min(t for t, *_ in records)).total_seconds()
    moving_s = _number(session.get("total_timer_time"))
    if not moving_s:
        moving_s = summary.moving.total_seconds() if summary is not None else elapsed_s
    profile = [((d or 0.0), (t - started).total_seconds()) for t, _, _, d in records if d is not None]
    return _checked(
        ActivitySummary(
            filename=name,
            kind=ActivityKind.FIT,
            distance_mm=round(distance_m * 1000),
            elapsed=timedelta(seconds=elapsed_s),
            moving=timedelta(seconds=min(moving_s, elapsed_s)),
            started_at=started,
            ended_at=started + timedelta(seconds=elapsed_s),
            route=summary.route if summary is not None else (),
            profile=thin(profile, PROFILE_POINTS) if profile else (summary.profile if summary is not None else ()),
        )
    )


def _degrees(value: object) -> float | None:
    """FIT positions are semicircles (a signed 32-bit integer per 180°); some decoders give degrees."""
    number = _number(value)
    if number is None:
        return None
    degrees = number * _SEMICIRCLE if isinstance(value, int) else number
    return degrees if -90.0 <= degrees <= 180.0 else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


# --------------------------------------------------------------------------- both


def _summary(name: str, kind: ActivityKind, segments: list[list[tuple[datetime, float, float]]]) -> ActivitySummary:
    """Distance along the points (great circle), elapsed first to last, moving without the pauses (not
    yet checked: see `_checked`)."""
    distance = 0.0
    moving = 0.0
    route: list[tuple[float, float]] = []
    profile: list[tuple[float, float]] = []
    times = [t for segment in segments for t, _, _ in segment]
    started, ended = min(times), max(times)
    for segment in segments:
        segment = sorted(segment, key=lambda p: p[0])
        previous: tuple[datetime, float, float] | None = None
        for point in segment:
            when, lat, lon = point
            if previous is not None:
                step = _metres(previous[1], previous[2], lat, lon)
                seconds = (when - previous[0]).total_seconds()
                distance += step
                if seconds > 0 and step / seconds >= STOPPED_BELOW_MPS:
                    moving += seconds
            route.append((lat, lon))
            profile.append((distance, (when - started).total_seconds()))
            previous = point
    return ActivitySummary(
        filename=name,
        kind=kind,
        distance_mm=round(distance * 1000),
        elapsed=ended - started,
        moving=timedelta(seconds=moving),
        started_at=started,
        ended_at=ended,
        route=thin(route, ROUTE_POINTS),
        profile=thin(profile, PROFILE_POINTS),
    )


def _checked(summary: ActivitySummary) -> ActivitySummary:
    if summary.elapsed <= timedelta(0):
        raise UserError(
            f"{summary.filename} has no time span (every point at the same moment), so it can't show how long "
            "the run took. Export the recorded activity from your watch."
        )
    if summary.distance_mm <= 0:
        raise UserError(f"{summary.filename} shows no distance covered. Export the recorded run from your watch.")
    return summary


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
