"""The runnable demo (`python -m tests.demo`) plays the whole seed story; this keeps it honest."""

from __future__ import annotations

import io

from tests.demo import play


async def test_demo_plays_the_seed_story_from_challenge_to_verified_penalties() -> None:
    out = io.StringIO()
    emulator = await play(out)
    transcript = out.getvalue()
    assert "2,020 pushups in under 7 hours" in transcript
    assert "/challenge create pushups 2020 reps 7h\n" in transcript  # default options
    assert "locks at @sam's first log" in transcript
    assert "Target reached in 3 h 30 min" in transcript
    assert "@sam made it: 2,020 reps in 3 h 30 min" in transcript
    assert "Lost: @ana and @ben" in transcript
    assert transcript.count("5 km in 55 min · 11:00 min/km") >= 4  # two submissions, two verifications
    assert transcript.count("Debt paid!") == 2
    assert "Tip:" in transcript and "calves" in transcript
    assert "📎 challenge-1-" in transcript  # his result's chart
    assert "is over." in transcript and "📎 challenge-1.png" in transcript  # and everyone's, at the end
    # The live card: the reply to /challenge create, kept up to date, with buttons to log.
    assert "[+25 reps] [+50 reps] [+100 reps] [Log…] [Undo my last]" in transcript
    assert transcript.count("fitbet (updated): New challenge by @sam") >= 6
    assert "@sam ▰▰▰▰▰▰▰▰▰▰▰▰ 2,020 reps (100%)" in transcript and "✅ @sam made it — [result](" in transcript
    assert "(only you) ✅ Logged 100 reps" in transcript
    assert "🏆 [See the result post](" in transcript and "[+25 reps (disabled)]" in transcript  # once it's over
    assert "@sam makes it vs @ana and @ben · 🔒 locked" in transcript
    # Ana's run, proven by her watch's GPX file: the figures, the file and a picture of the route.
    assert "📍 5 km in 55:00, 11:00 min/km, from backwards-5k.gpx" in transcript
    assert "📎 backwards-5k.gpx" in transcript and "📎 route.png" in transcript
    assert "[📍 see the run's file](" in transcript
    assert emulator.violations == []
