"""One short, practical tip for a penalty, picked by keywords in its text. Our own words."""

from __future__ import annotations

import re

MAX_TIP_CHARS = 300

# First match wins, so specific activities come before the general ones they contain
# ("run backwards" before "run", "jumping jacks" before "jump rope", "stairs" before "walk").
_TIPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), tip)
    for pattern, tip in (
        (
            r"backwards?|\breverse\b|\bretro[ -]?(run|walk)",
            "Start slower than feels necessary, on a clear, flat route or a track, and bring a friend "
            "to spot for you. Expect sore calves tomorrow — it's kinder on the knees and works the "
            "quads hard.",
        ),
        (
            r"burpees?",
            "Pace burpees in small sets (say 10, then a breather) rather than going all out. Land "
            "softly and keep your back straight; step back instead of jumping if your form slips.",
        ),
        (
            r"push[ -]?ups?|press[ -]?ups?",
            "Break pushups into sets well short of failure. Keep your body in one straight line, hands "
            "under your shoulders; drop to your knees to finish with good form rather than sag.",
        ),
        (
            r"\bplanks?\b|\bplanking\b",
            "Elbows under your shoulders, squeeze your glutes and keep your hips level. Breathe "
            "steadily; several shorter holds add up just as well as one heroic one.",
        ),
        (
            r"\bsquats?\b|\bsquatting\b",
            "Feet about shoulder-width, weight in your heels, knees tracking over your toes. Go only "
            "as deep as you can with a straight back, and split the total into sets.",
        ),
        (
            r"\blunges?\b",
            "Take a long enough step that your front knee stays over your ankle, and lower the back "
            "knee gently. Alternate legs and rest between sets so your balance holds up.",
        ),
        (
            r"sit[ -]?ups?|crunch(es)?",
            "Keep your feet anchored and your chin off your chest; let your abs do the work, not a "
            "yank on your neck. Slow reps count more than fast, floppy ones.",
        ),
        (
            r"pull[ -]?ups?|chin[ -]?ups?",
            "Start each rep from a dead hang with your shoulders pulled down. If you stall, switch to "
            "slow negatives or a band — short sets with rest get you to the total.",
        ),
        (
            r"jumping[ -]?jacks?|star[ -]?jumps?",
            "Stay light on the balls of your feet and find a steady rhythm. Good shoes and a soft "
            "floor save your shins; a song or two per set makes the count fly by.",
        ),
        (
            r"jump(ing)?[ -]?rope|\bskipping\b",
            "Keep the jumps small and your elbows close; turn the rope with your wrists. A smooth "
            "floor and short rounds with breaks beat one long, tangled session.",
        ),
        (
            r"\bstairs?\b|stair[ -]?climb|\bflights?\b",
            "Take one step at a time with your whole foot on each stair, and use the handrail on the "
            "way down — going down is where knees and ankles get hurt.",
        ),
        (
            r"\b(cycl\w*|bike|biking|bicycle|ride|riding)\b",
            "Check your tyres and brakes, wear a helmet and something bright. Set the saddle so your "
            "knee is almost straight at the bottom, and spin easy gears rather than grinding.",
        ),
        (
            r"\bswim\w*\b",
            "Swim where there's a lifeguard or a friend watching. Warm up with a few easy lengths and "
            "rest at the wall whenever you need — steady breathing matters more than speed.",
        ),
        (
            r"\b(row|rowing|rower)\b",
            "On a rowing machine the power comes from the legs first, then the back, then the arms. "
            "Keep a moderate stroke rate and a straight back; damper around the middle.",
        ),
        (
            r"\b(run|runs|running|ran|jog|jogs|jogging|sprint\w*|marathon|5k|10k)\b",
            "Start slower than you think you should and keep a pace you could talk at. Good shoes, "
            "a familiar route and some water; walk breaks are fine — finishing is the point.",
        ),
        (
            r"\b(walk\w*|hike|hiking|steps)\b",
            "Wear comfortable shoes, pick a safe route with pavement or a path, and take water. "
            "Splitting the distance into two or three walks over the day works just as well.",
        ),
    )
)


def tip_for(stake_text: str) -> str | None:
    """A short tip for a penalty such as 'run 5 km backwards', or None if none fits."""
    for pattern, tip in _TIPS:
        if pattern.search(stake_text):
            return tip
    return None
