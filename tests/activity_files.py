"""Small GPX and FIT files the tests build themselves (no sample files are downloaded).

GPX is plain XML. FIT is written byte by byte after the FIT SDK's description of the format: a
14-byte header with its CRC, definition messages, data messages and the file's CRC. fitdecode (what
the bot reads with) checks both CRCs, so a file written wrong here fails loudly in the tests.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

# gpxpy measures short steps on a flat earth of radius 6,378,137 m: a degree of latitude is ~111.3 km.
GPX_METRES_PER_DEGREE = 2 * math.pi * 6_378_137 / 360
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
START_LAT, START_LON = 52.5, 13.4


@dataclass(frozen=True)
class Point:
    at: datetime | None
    lat: float
    lon: float
    metres: float  # along the track so far


def straight_run(
    start: datetime,
    metres: float = 5020,
    took: timedelta = timedelta(minutes=55, seconds=10),
    *,
    points: int = 120,
    pause: timedelta = timedelta(0),
) -> list[Point]:
    """A run due north at an even pace; with `pause`, standing still half way for that long
    (the elapsed time stays `took`, the moving time is `took - pause`)."""
    moving = took - pause
    out: list[Point] = []
    for i in range(points):
        share = i / (points - 1)
        at = start + moving * share
        if pause and share > 0.5:
            at += pause
        out.append(Point(at, START_LAT + metres * share / GPX_METRES_PER_DEGREE, START_LON, metres * share))
    if pause:  # the pause itself: a point at the same place when it ends
        middle = next(i for i, p in enumerate(out) if p.metres / metres > 0.5) - 1
        halt = out[middle]
        out.insert(middle + 1, Point(halt.at + pause if halt.at else None, halt.lat, halt.lon, halt.metres))
    return out


def gpx(points: Sequence[Point], *, name: str = "Morning run", doctype: str = "") -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        doctype,
        '<gpx version="1.1" creator="fitbet tests" xmlns="http://www.topografix.com/GPX/1/1">',
        f"<trk><name>{escape(name)}</name><trkseg>",
    ]
    for p in points:
        when = f"<time>{p.at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</time>" if p.at is not None else ""
        lines.append(f'<trkpt lat="{p.lat:.7f}" lon="{p.lon:.7f}"><ele>34.0</ele>{when}</trkpt>')
    lines.append("</trkseg></trk></gpx>")
    return "\n".join(line for line in lines if line).encode()


def billion_laughs() -> bytes:
    """An XML bomb: ten levels of ten entities each, a gigabyte when expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE gpx [\n" + "\n".join(entities) + "\n]>"
    body = (
        '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
        "<trk><name>&lol9;</name><trkseg>"
        '<trkpt lat="52.5" lon="13.4"><time>2026-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>'
    )
    return ('<?xml version="1.0"?>\n' + doctype + "\n" + body).encode()


# --------------------------------------------------------------------------- FIT

_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip

ENUM, UINT16, SINT32, UINT32 = 0x00, 0x84, 0x85, 0x86
_FORMATS = {ENUM: "B", UINT16: "H", SINT32: "i", UINT32: "I"}


def fit_crc(data: bytes, crc: int = 0) -> int:
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ _CRC_TABLE[nibble]
    return crc


def _fit_time(when: datetime) -> int:
    return int((when - FIT_EPOCH).total_seconds())


class FitWriter:
    """Definition and data messages, little-endian, one local message number per global one."""

    def __init__(self) -> None:
        self.body = bytearray()
        self._local: dict[int, tuple[int, tuple[tuple[int, int], ...]]] = {}

    def message(self, global_num: int, fields: Sequence[tuple[int, int, int]]) -> None:
        """`fields`: (field number, base type, value)."""
        layout = tuple((num, base) for num, base, _ in fields)
        known = self._local.get(global_num)
        if known is None or known[1] != layout:
            local = known[0] if known is not None else len(self._local)
            self._local[global_num] = (local, layout)
            self.body += bytes([0x40 | local, 0, 0]) + struct.pack("<HB", global_num, len(fields))
            for num, base in layout:
                self.body += bytes([num, struct.calcsize(_FORMATS[base]), base])
        local = self._local[global_num][0]
        self.body += bytes([local]) + b"".join(struct.pack("<" + _FORMATS[base], v) for _, base, v in fields)

    def file(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", fit_crc(header))
        data = header + bytes(self.body)
        return data + struct.pack("<H", fit_crc(data))


def fit(
    points: Sequence[Point],
    *,
    session: bool = True,
    positions: bool = True,
    total_distance: float | None = None,
    elapsed: timedelta | None = None,
    timer: timedelta | None = None,
) -> bytes:
    """An activity file: file_id, one record per point, and (with `session`) the watch's totals."""
    writer = FitWriter()
    timed = [p for p in points if p.at is not None]
    first = timed[0].at if timed else datetime(2026, 1, 1, tzinfo=UTC)
    assert first is not None
    writer.message(0, [(0, ENUM, 4), (1, UINT16, 255), (4, UINT32, _fit_time(first))])  # file_id: an activity
    for p in timed:
        assert p.at is not None
        fields = [(253, UINT32, _fit_time(p.at))]
        if positions:
            fields += [(0, SINT32, round(p.lat / 180 * 2**31)), (1, SINT32, round(p.lon / 180 * 2**31))]
        fields.append((5, UINT32, round(p.metres * 100)))  # distance in cm
        writer.message(20, fields)  # record
    if session and timed:
        last = timed[-1].at
        assert last is not None
        took = elapsed if elapsed is not None else last - first
        writer.message(
            18,  # session
            [
                (253, UINT32, _fit_time(last)),
                (2, UINT32, _fit_time(first)),
                (7, UINT32, round(took.total_seconds() * 1000)),
                (8, UINT32, round((timer if timer is not None else took).total_seconds() * 1000)),
                (9, UINT32, round((total_distance if total_distance is not None else timed[-1].metres) * 100)),
                (5, ENUM, 1),  # running
            ],
        )
    return writer.file()
