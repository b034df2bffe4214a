"""The picture beside a run proven by a GPX or FIT file: its route and its pace along the way.

Like the result chart (`bot.render.chart`), in two steps: `activity_picture` decides in plain Python
what is drawn (the route in metres from the start, the pace over each stretch of at least
`PACE_STRETCH_M`), and `draw_activity` paints it with matplotlib (`bot.render.activity_draw`) in
whichever process draws, never in the bot's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.domain.activity import ActivitySummary, pace_unit
from bot.domain.units import Kind, Unit
from bot.render.chart import THEME, Theme

PACE_STRETCH_M = 200.0  # pace over shorter stretches is GPS noise
FASTEST_SHOWN = 2.0  # min per km or mi: the pace axis is clipped to this …
SLOWEST_SHOWN = 30.0  # … and this, so one stop doesn't flatten the rest
EARTH_RADIUS_M = 6_371_000.0
MIN_PACE_SPAN = 2.0  # minutes: an even pace reads as even, not as seconds of GPS jitter blown up


@dataclass(frozen=True)
class ActivityPicture:
    title: str
    route_x: tuple[float, ...]  # metres east of the start
    route_y: tuple[float, ...]  # metres north of the start
    distance: tuple[float, ...]  # km (or mi) so far, for the pace line
    pace: tuple[float, ...]  # minutes per km (or mi)
    per: str  # "km" or "mi"
    theme: Theme = THEME

    @property
    def pace_range(self) -> tuple[float, float]:
        """The pace axis (slowest, fastest in minutes): at least `MIN_PACE_SPAN` wide around the run's paces."""
        if not self.pace:
            return (0.0, 0.0)
        low, high = min(self.pace), max(self.pace)
        if high - low < MIN_PACE_SPAN:
            middle = (low + high) / 2
            low, high = middle - MIN_PACE_SPAN / 2, middle + MIN_PACE_SPAN / 2
        return (high, low)


def activity_picture(activity: ActivitySummary, unit: Unit) -> ActivityPicture | None:
    """What to draw; None when the file has neither a route nor enough points for a pace line."""
    per = pace_unit(unit if unit.kind is Kind.DISTANCE else pace_unit(unit))
    metres_per = per.base_per_unit / 1000
    route_x: list[float] = []
    route_y: list[float] = []
    if len(activity.route) >= 2:
        lat0, lon0 = activity.route[0]
        for lat, lon in activity.route:
            route_x.append(math.radians(lon - lon0) * EARTH_RADIUS_M * math.cos(math.radians(lat0)))
            route_y.append(math.radians(lat - lat0) * EARTH_RADIUS_M)
    distance: list[float] = []
    pace: list[float] = []
    points = activity.profile
    back = 0
    for metres, seconds in points:
        while back + 1 < len(points) and metres - points[back + 1][0] >= PACE_STRETCH_M:
            back += 1
        stretch = metres - points[back][0]
        if stretch >= PACE_STRETCH_M:
            minutes = (seconds - points[back][1]) / 60 / (stretch / metres_per)
            distance.append(metres / metres_per)
            pace.append(min(SLOWEST_SHOWN, max(FASTEST_SHOWN, minutes)))
    if not route_x and len(pace) < 2:
        return None
    return ActivityPicture(activity.filename, tuple(route_x), tuple(route_y), tuple(distance), tuple(pace), per.symbol)


def draw_activity(picture: ActivityPicture) -> bytes:
    """The PNG of `picture`. matplotlib is imported here, by whichever process draws."""
    from bot.render import activity_draw

    return activity_draw.png(picture)
