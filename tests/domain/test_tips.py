from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import tips
from bot.domain.tips import MAX_TIP_CHARS, tip_for

BACKWARDS = tip_for("run backwards")


def test_running_backwards_gets_the_backwards_tip() -> None:
    assert BACKWARDS is not None
    for words in ("start slow", "flat route", "track", "spot", "calves", "knees", "quads"):
        assert words in BACKWARDS.lower()


@pytest.mark.parametrize(
    "text",
    ["run 5 km backwards", "backwards run", "backward running", "RUN BACKWARDS", "Backward jog 2 km", "reverse run"],
)
def test_backwards_wording_hits_the_backwards_tip_before_the_running_one(text: str) -> None:
    assert tip_for(text) == BACKWARDS


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("run 5 km", "pace"),
        ("Jogging", "pace"),
        ("100 burpees", "burpee"),
        ("50 push-ups", "pushup"),
        ("pushups", "pushup"),
        ("press ups", "pushup"),
        ("plank 5 min", "hips"),
        ("200 squats", "heels"),
        ("cycle 20 km", "helmet"),
        ("bike ride", "helmet"),
        ("swim 1 km", "lifeguard"),
        ("walk 10 km", "shoes"),
        ("20,000 steps", "shoes"),
        ("300 jumping jacks", "rhythm"),
        ("climb the stairs 20 times", "handrail"),
        ("100 sit-ups", "neck"),
        ("30 pull ups", "hang"),
        ("100 lunges", "knee"),
        ("jump rope 10 min", "rope"),
    ],
)
def test_common_penalties_get_a_matching_tip(text: str, keyword: str) -> None:
    tip = tip_for(text)
    assert tip is not None
    assert keyword in tip.lower()


@pytest.mark.parametrize("text", ["", "buy everyone coffee", "sing karaoke", "wear a tutu to work"])
def test_no_tip_when_nothing_fits(text: str) -> None:
    assert tip_for(text) is None


def test_words_that_merely_contain_a_keyword_do_not_match() -> None:
    assert tip_for("brunch for the winners") is None  # contains "run"
    assert tip_for("a prune smoothie") is None


def test_every_tip_is_short() -> None:
    for _pattern, tip in tips._TIPS:
        assert 0 < len(tip) <= MAX_TIP_CHARS


@given(st.text(max_size=200))
def test_tip_for_any_text_is_none_or_a_known_short_tip(text: str) -> None:
    tip = tip_for(text)
    assert tip is None or tip in {t for _p, t in tips._TIPS}
