"""Server settings an admin sets: the bounds the database also holds."""

from __future__ import annotations

import pytest

from bot.domain.guild_settings import check_distance_unit, check_penalty_due_days
from bot.errors import UserError


@pytest.mark.parametrize("days", [1, 7, 90])
def test_a_penalty_window_of_whole_days_up_to_90_is_taken(days: int) -> None:
    assert check_penalty_due_days(days) == days


@pytest.mark.parametrize("days", [0, -1, 91, 10_000])
def test_a_penalty_window_outside_1_to_90_days_is_refused(days: int) -> None:
    with pytest.raises(UserError, match="from 1 to 90"):
        check_penalty_due_days(days)


def test_the_distance_unit_is_km_or_mi() -> None:
    assert check_distance_unit(" MI ") == "mi"
    assert check_distance_unit("km") == "km"
    with pytest.raises(UserError, match="km or mi"):
        check_distance_unit("furlongs")
