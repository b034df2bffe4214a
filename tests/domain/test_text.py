"""Free text the bot repeats: invisible-only text counts as empty, text-direction overrides are refused."""

from __future__ import annotations

import pytest

from bot.domain.bets import build_stake
from bot.domain.challenges import clean_activity
from bot.domain.text import check_direction, is_blank, optional_text
from bot.domain.units import KM
from bot.errors import UserError


@pytest.mark.parametrize("text", ["", "   ", "\u200b", "\u200b \u2060", "\ufeff", "\u200d\u200c"])
def test_invisible_text_is_blank(text: str) -> None:
    assert is_blank(text)


@pytest.mark.parametrize("text", ["a", "👨\u200d👩\u200d👧", "تمرين", "\u200bx", "**", "'; DROP TABLE logs;--"])
def test_visible_text_is_not_blank(text: str) -> None:
    assert not is_blank(text)


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_direction_controls_are_refused(control: str) -> None:
    with pytest.raises(UserError, match="text-direction"):
        check_direction(f"run{control}backwards", "penalty text")


def test_right_to_left_letters_and_marks_are_fine() -> None:
    check_direction("تمرين الضغط \u200f", "activity")


def test_optional_text_collapses_spaces_and_drops_invisible_text() -> None:
    assert optional_text("  good   sport ", "reason", 200) == "good sport"
    assert optional_text("\u200b\u200b", "reason", 200) is None
    assert optional_text(None, "reason", 200) is None
    with pytest.raises(UserError, match="200 characters"):
        optional_text("x " * 150, "reason", 200)


def test_activity_and_stake_refuse_invisible_and_direction_tricks() -> None:
    with pytest.raises(UserError, match="Name the activity"):
        clean_activity("\u200b\u2060")
    with pytest.raises(UserError, match="text-direction"):
        clean_activity("\u202epushups")
    with pytest.raises(UserError, match="empty"):
        build_stake("\ufeff", "5", KM)
    with pytest.raises(UserError, match="text-direction"):
        build_stake("run \u202ebackwards", "5", KM)
    assert clean_activity("push\u200bups") == "push\u200bups"  # visible text around it: kept as typed
