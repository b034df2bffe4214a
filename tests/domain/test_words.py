"""Numbers, counts, percentages and spoken durations read the way the reader's language writes them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.words import count, number, percent, spoken_duration


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 bets"), (1, "1 bet"), (2, "2 bets"), (2020, "2,020 bets"), (1_000_000, "1,000,000 bets")],
)
def test_counts_take_the_form_their_number_needs(n: int, text: str) -> None:
    assert count(n, "bet", "bets") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("2020"), "2,020"), (Decimal("5.25"), "5.25"), (Decimal("5.50"), "5.5"), (20833, "20,833")],
)
def test_numbers_use_the_locales_separators(value: int | Decimal, text: str) -> None:
    assert number(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(54.0, "54%"), (54.9, "54%"), (99.99, "99%"), (100.0, "100%"), (0.0, "0%"), (250.0, "250%")]
)
def test_percentages_are_written_as_english_writes_them_and_never_round_up_to_done(value: float, text: str) -> None:
    assert percent(value) == text


@pytest.mark.parametrize(
    ("td", "text", "exact"),
    [
        (timedelta(hours=7), "7 hours", True),
        (timedelta(minutes=90), "90 minutes", True),
        (timedelta(days=4, hours=8, minutes=16), "4 days 8 hours", False),
        (timedelta(days=2, hours=12), "2 days 12 hours", True),
        (timedelta(days=1), "1 day", True),
    ],
)
def test_durations_are_said_in_at_most_two_units(td: timedelta, text: str, exact: bool) -> None:
    words, said = spoken_duration(td)
    assert words == text
    assert (said == td) is exact


@given(st.integers(min_value=1, max_value=366 * 86_400))
def test_a_spoken_duration_is_within_half_its_smaller_unit(seconds: int) -> None:
    words, said = spoken_duration(timedelta(seconds=seconds))
    assert len(words.split()) <= 4
    assert abs(said.total_seconds() - seconds) <= 43_200  # half a day at most (days + hours)
    if seconds < 86_400 * 2:
        assert abs(said.total_seconds() - seconds) <= 1_800  # hours + minutes: half an hour at most
