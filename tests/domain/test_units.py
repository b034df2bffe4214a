from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.units import (
    FLOORS,
    KCAL,
    KM,
    LAPS,
    MAX_PER_LOG,
    MI,
    MIN,
    REPS,
    STEPS,
    UNITS,
    H,
    Kind,
    M,
    S,
    base_for,
    check_log_amount,
    check_target,
    convert,
    format_amount,
    from_base,
    parse_amount,
    parse_unit,
    to_base,
    unit_choices,
)
from bot.errors import UserError


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("km", KM),
        (" KM ", KM),
        ("Kilometres", KM),
        ("kilometer", KM),
        ("mi", MI),
        ("Miles", MI),
        ("m", M),
        ("metres", M),
        ("meter", M),
        ("s", S),
        ("sec", S),
        ("seconds", S),
        ("min", MIN),
        ("Minutes", MIN),
        ("h", H),
        ("hr", H),
        ("hours", H),
        ("reps", REPS),
        ("rep", REPS),
        ("Repetitions", REPS),
        ("steps", STEPS),
        ("floors", FLOORS),
        ("k m", KM),
    ],
)
def test_unit_names_and_aliases_are_understood(text: str, unit: object) -> None:
    assert parse_unit(text) == unit


@pytest.mark.parametrize("text", ["", "   ", "parsecs", "k", "kmh", "x" * 500])
def test_unknown_unit_is_refused_with_the_accepted_list(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_unit(text)
    assert "km" in err.value.message and "reps" in err.value.message
    assert len(err.value.message) < 200


def test_unit_choices_fit_discord_and_point_at_known_units() -> None:
    choices = unit_choices()
    assert 0 < len(choices) <= 25
    assert all(value in UNITS for _, value in choices)
    assert all(len(name) <= 100 for name, _ in choices)
    assert ("km (kilometres)", "km") in choices
    assert next(v for _, v in unit_choices("mi")) == "mi"
    assert [v for _, v in unit_choices("kilo")] == ["kcal", "km"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020", Decimal(2020)),
        ("1,000,000", Decimal(1_000_000)),
        ("1.000.000", Decimal(1_000_000)),
        ("1,234.5", Decimal("1234.5")),
        ("1.234,5", Decimal("1234.5")),
        ("5.5", Decimal("5.5")),
        ("5,5", Decimal("5.5")),
        ("1,25", Decimal("1.25")),
        ("0,500", Decimal("0.5")),
        ("0.500", Decimal("0.5")),
        (" 42 ", Decimal(42)),
        ("+3", Decimal(3)),
        (".5", Decimal("0.5")),
    ],
)
def test_amounts_are_read_the_english_and_the_german_way(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected
    assert parse_amount(text, KM) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2,020", 2020), ("5,500", 5500), ("1.500", 1500), ("10,000", 10_000), ("5.000", 5000), ("1.500.000", 1_500_000)],
)
def test_for_whole_units_one_separator_before_three_digits_groups_thousands(text: str, expected: int) -> None:
    # 2.02 or 1.5 reps can't be done, and nobody writes 10 reps as "10,000".
    assert parse_amount(text, REPS) == expected
    assert parse_amount(text, STEPS) == expected


@pytest.mark.parametrize(
    ("text", "unit", "readings"),
    [
        ("1,500", KM, ("1.5 km", "1500 km")),
        ("1.500", KM, ("1.5 km", "1500 km")),
        ("2,020", M, ("2.02 m", "2020 m")),
        ("5.000", MIN, ("5 min", "5000 min")),
        ("1,500", None, ("1.5", "1500")),
    ],
)
def test_a_number_that_reads_two_ways_is_refused_showing_both(
    text: str, unit: object, readings: tuple[str, str]
) -> None:
    with pytest.raises(UserError) as refused:
        parse_amount(text, unit)  # type: ignore[arg-type]
    assert all(r in refused.value.message for r in readings)


@pytest.mark.parametrize(
    ("text", "whole"), [("2.5", "2 or 3"), ("1,5", "1 or 2"), ("0.4", "1"), ("1.234,5", "1234 or 1235")]
)
def test_whole_units_refuse_fractions_instead_of_rounding(text: str, whole: str) -> None:
    amount = parse_amount(text, REPS)
    with pytest.raises(UserError, match=f"counted whole: enter {whole}"):
        to_base(amount, REPS)
    with pytest.raises(UserError, match="counted whole"):
        base_for(amount, REPS, REPS)


@given(
    whole=st.integers(1, 999),
    part=st.integers(0, 999),
    separator=st.sampled_from([",", "."]),
    unit=st.sampled_from([KM, M, MI, MIN, H, S]),
)
def test_an_ambiguous_separator_is_never_silently_accepted_for_divisible_units(
    whole: int, part: int, separator: str, unit: object
) -> None:
    text = f"{whole}{separator}{part:03d}"
    with pytest.raises(UserError, match="could be"):
        parse_amount(text, unit)  # type: ignore[arg-type]


@given(st.integers(1, 10**9), st.sampled_from([REPS, STEPS, LAPS, FLOORS, KCAL]))
def test_a_whole_count_as_we_show_it_reads_back_as_the_same_count(count: int, unit: object) -> None:
    shown = f"{count:,}"  # format_number's English grouping: 2,020
    assert parse_amount(shown, unit) == count  # type: ignore[arg-type]
    assert parse_amount(shown.replace(",", "."), unit) == count  # type: ignore[arg-type]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2), st.sampled_from([REPS, STEPS]))
def test_an_accepted_count_is_always_whole(amount: Decimal, unit: object) -> None:
    try:
        base = to_base(parse_amount(str(amount), unit), unit)  # type: ignore[arg-type]
    except UserError:
        assert amount != amount.to_integral_value()
        return
    assert base == amount


def test_amounts_of_other_types_are_accepted() -> None:
    assert parse_amount(5) == 5
    assert parse_amount(5.5) == Decimal("5.5")
    assert parse_amount(Decimal("0.1")) == Decimal("0.1")


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "0.0",
        "-1",
        "-0.5",
        "abc",
        "",
        "   ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e308",
        "1E5",
        "5" * 5000,
        "1" * 25,
        "12,34,567",
        "1.2.3",
        "5 km",
        "0x10",
        "1_000",
        "٣",  # non-ASCII digit
        "1.0000000001",
        0,
        -1,
        10**40,
        2**53,
        float("nan"),
        float("inf"),
        float("-inf"),
        1e308,
        0.0,
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-3"),
        True,
    ],
)
def test_bad_amounts_are_refused(value: object) -> None:
    with pytest.raises(UserError):
        parse_amount(value)  # type: ignore[arg-type]


def test_base_units_per_kind() -> None:
    assert to_base(Decimal(5), KM) == 5_000_000
    assert to_base(Decimal(1), MI) == 1_609_344
    assert to_base(Decimal(400), M) == 400_000
    assert to_base(Decimal(90), MIN) == 5_400_000
    assert to_base(Decimal("1.5"), H) == 5_400_000
    assert to_base(Decimal(2020), REPS) == 2020


def test_rounding_to_base_is_half_even() -> None:
    assert to_base(Decimal("0.0015"), M) == 2
    assert to_base(Decimal("0.0025"), M) == 2
    assert to_base(Decimal("0.0035"), M) == 4


def test_an_amount_too_small_to_count_is_refused() -> None:
    with pytest.raises(UserError, match="too small"):
        to_base(Decimal("0.0004"), M)


def test_miles_convert_to_kilometres() -> None:
    assert convert(Decimal(1), MI, KM) == Decimal("1.609344")
    assert convert(Decimal(5), KM, M) == 5000
    assert convert(Decimal(90), MIN, H) == Decimal("1.5")


def test_different_kinds_do_not_mix() -> None:
    with pytest.raises(UserError, match="km"):
        convert(Decimal(5), KM, MIN)
    with pytest.raises(UserError):
        base_for(Decimal(5), REPS, KM)


def test_different_count_units_do_not_mix() -> None:
    with pytest.raises(UserError, match="steps"):
        base_for(Decimal(100), REPS, STEPS)
    assert base_for(Decimal(100), REPS, REPS) == 100


def test_a_log_in_miles_counts_towards_a_km_challenge() -> None:
    assert base_for(Decimal(1), MI, KM) == 1_609_344
    assert format_amount(base_for(Decimal(1), MI, KM), KM) == "1.61 km"


@given(st.integers(min_value=1, max_value=10**15), st.sampled_from(list(UNITS.values())))
def test_base_round_trips_through_any_unit(base: int, unit: object) -> None:
    assert to_base(from_base(base, unit), unit) == base  # type: ignore[arg-type]


@given(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**6), places=3),
    st.sampled_from([KM, MI, M]),
    st.sampled_from([KM, MI, M]),
)
def test_conversion_keeps_the_distance(amount: Decimal, src: object, dst: object) -> None:
    there = convert(amount, src, dst)  # type: ignore[arg-type]
    back = convert(there, dst, src)  # type: ignore[arg-type]
    assert abs(back - amount) < Decimal("1e-15")


@pytest.mark.parametrize(
    ("base", "unit"),
    [(10_001, REPS), (100_001, STEPS), (300_000_001, KM), (24 * 3_600_000 + 1, H), (10**18, MI)],
)
def test_more_than_one_entry_can_hold_is_refused(base: int, unit: object) -> None:
    with pytest.raises(UserError, match="more than anyone logs in one entry"):
        check_log_amount(base, unit)  # type: ignore[arg-type]


def test_entries_up_to_the_cap_are_fine() -> None:
    check_log_amount(10_000, REPS)
    check_log_amount(MAX_PER_LOG[Kind.DISTANCE.value], MI)
    check_log_amount(1, S)
    with pytest.raises(UserError):
        check_log_amount(0, REPS)


def test_the_per_entry_cap_is_shown_in_the_unit_used() -> None:
    with pytest.raises(UserError, match=r"186\.41 mi"):
        check_log_amount(10**12, MI)


def test_absurd_targets_are_refused() -> None:
    check_target(2020, REPS)
    check_target(5_000_000_000, KM)
    with pytest.raises(UserError):
        check_target(1_000_001, REPS)
    with pytest.raises(UserError):
        check_target(5_000_000_001, KM)
    with pytest.raises(UserError):
        check_target(367 * 24 * 3_600_000, H)
    with pytest.raises(UserError):
        check_target(-5, REPS)


@pytest.mark.parametrize(
    ("base", "unit", "text"),
    [
        (2020, REPS, "2,020 reps"),
        (1, REPS, "1 rep"),
        (1, STEPS, "1 step"),
        (5_000_000, KM, "5 km"),
        (5_250_000, KM, "5.25 km"),
        (5_500_000, KM, "5.5 km"),
        (5_255_000, KM, "5.26 km"),
        (1_234_567_000, M, "1,234,567 m"),
        (1_000_000_000, KM, "1,000 km"),
        (5_400_000, MIN, "90 min"),
        (5_400_000, H, "1.5 h"),
        (1, KM, "<0.01 km"),
        (1_609_344, MI, "1 mi"),
    ],
)
def test_amounts_are_shown_with_separators_and_at_most_two_decimals(base: int, unit: object, text: str) -> None:
    assert format_amount(base, unit) == text  # type: ignore[arg-type]
