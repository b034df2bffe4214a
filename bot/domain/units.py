"""Units and amounts: parsing, integer base units per kind, conversion, sanity caps, display.

Amounts are kept as integers in a base unit per kind: distance in millimetres, duration in
milliseconds, counts (reps, steps, ...) in whole units. `Decimal` only appears at the edges
(what a member typed, what we show).

Numbers are read the English and the German way (babel's strict parsing for `en` and `de`):
`2020`, `5.25`, `2,020`, `1,234.5` and `5,5`, `1.234,5`, `1.500.000`. When only one reading
exists it is taken (`5,5` = 5.5, `1,234.5` = 1234.5, `0,500` = 0.5). When the two differ —
one separator followed by exactly three digits, `1.500` or `1,500` — the number is ambiguous:
- for whole units (reps, steps, laps …) it is a thousands separator: `2,020` and `1.500` are
  2020 and 1500 reps (2.02 or 1.5 reps can't be done, and nobody writes 10 reps as `10,000`);
- for divisible units (km, min …) both are possible, so it is refused showing both readings
  (`1,500 km`: 1.5 km or 1500 km) and never rounded or guessed.
Whole units refuse fractions (`2.5` reps) instead of rounding them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from enum import StrEnum

from bot.domain import words
from bot.errors import UserError


class Kind(StrEnum):
    COUNT = "count"
    DISTANCE = "distance"
    DURATION = "duration"


@dataclass(frozen=True)
class Unit:
    symbol: str
    kind: Kind
    base_per_unit: int
    label: str  # long name for help and choices, e.g. "kilometres"
    singular: str = ""  # shown for exactly 1 of a count unit ("1 rep"); empty means use the symbol

    def display_symbol(self, one: bool = False) -> str:
        return self.singular if one and self.singular else self.symbol


REPS = Unit("reps", Kind.COUNT, 1, "repetitions", "rep")
STEPS = Unit("steps", Kind.COUNT, 1, "steps", "step")
LAPS = Unit("laps", Kind.COUNT, 1, "laps", "lap")
FLOORS = Unit("floors", Kind.COUNT, 1, "floors", "floor")
KCAL = Unit("kcal", Kind.COUNT, 1, "kilocalories")
M = Unit("m", Kind.DISTANCE, 1_000, "metres")
KM = Unit("km", Kind.DISTANCE, 1_000_000, "kilometres")
MI = Unit("mi", Kind.DISTANCE, 1_609_344, "miles")
S = Unit("s", Kind.DURATION, 1_000, "seconds")
MIN = Unit("min", Kind.DURATION, 60_000, "minutes")
H = Unit("h", Kind.DURATION, 3_600_000, "hours")

UNITS: dict[str, Unit] = {u.symbol: u for u in (REPS, STEPS, LAPS, FLOORS, KCAL, M, KM, MI, S, MIN, H)}

_ALIASES: dict[str, Unit] = {
    **{a: REPS for a in ("reps", "rep", "repetition", "repetitions", "x", "times", "count")},
    **{a: STEPS for a in ("steps", "step")},
    **{a: LAPS for a in ("laps", "lap")},
    **{a: FLOORS for a in ("floors", "floor", "storeys", "stories")},
    **{a: KCAL for a in ("kcal", "calories", "calorie", "kilocalories", "kilocalorie")},
    **{a: M for a in ("m", "meter", "meters", "metre", "metres")},
    **{a: KM for a in ("km", "kms", "kilometer", "kilometers", "kilometre", "kilometres")},
    **{a: MI for a in ("mi", "mile", "miles")},
    **{a: S for a in ("s", "sec", "secs", "second", "seconds")},
    **{a: MIN for a in ("min", "mins", "minute", "minutes")},
    **{a: H for a in ("h", "hr", "hrs", "hour", "hours")},
}

_UNIT_HELP = "reps, steps, laps, floors, kcal, m, km, mi, s, min or h"

# Caps keyed by a count unit's symbol, or by the kind for distance and duration.
MAX_PER_LOG: dict[str, int] = {
    "reps": 10_000,
    "steps": 100_000,
    "laps": 1_000,
    "floors": 1_000,
    "kcal": 20_000,
    Kind.DISTANCE.value: 300 * KM.base_per_unit,
    Kind.DURATION.value: 24 * H.base_per_unit,
}
MAX_TARGET: dict[str, int] = {
    "reps": 1_000_000,
    "steps": 10_000_000,
    "laps": 100_000,
    "floors": 100_000,
    "kcal": 1_000_000,
    Kind.DISTANCE.value: 5_000 * KM.base_per_unit,
    Kind.DURATION.value: 366 * 24 * H.base_per_unit,
}

_MAX_AMOUNT_CHARS = 30
_MAX_INT_DIGITS = 12
_MAX_FRACTION_DIGITS = 9
_NUMBER = re.compile(r"[0-9.,]+", re.ASCII)  # ASCII digits and separators only, before babel reads it
_LOCALES = ("en", "de")  # 2,020.5 and 2.020,5


def parse_unit(text: str) -> Unit:
    """A unit from what a member typed: case and spaces don't matter, common names are known."""
    key = re.sub(r"\s+", "", text or "").lower().rstrip(".")
    unit = _ALIASES.get(key)
    if unit is None:
        shown = (text or "").strip()[:20]
        what = f"I don't know the unit “{shown}”." if shown else "Please give a unit."
        raise UserError(f"{what} Use one of: {_UNIT_HELP}.")
    return unit


def unit_choices(prefix: str = "") -> list[tuple[str, str]]:
    """(name, value) pairs for a unit option's choices or autocomplete; at most 25."""
    p = prefix.strip().lower()
    out: list[tuple[str, str]] = []
    for u in UNITS.values():
        name = u.symbol if u.label == u.symbol else f"{u.symbol} ({u.label})"
        if not p or u.symbol.startswith(p) or u.label.startswith(p) or p in name.lower():
            out.append((name, u.symbol))
    return out[:25]


def _too_big() -> UserError:
    return UserError("That number is too big. Enter the amount you actually did, e.g. 2020 or 5.5.")


def parse_amount(value: str | float | int | Decimal, unit: Unit | None = None) -> Decimal:
    """A positive, finite amount of `unit`. See the module docstring for the accepted number syntax.

    Without a unit, a number with two readings is always refused (both shown).
    """
    if isinstance(value, bool):
        raise UserError("Please enter a number, e.g. 2020 or 5.5.")
    if isinstance(value, int):
        if value <= 0:
            raise UserError("The amount must be more than zero.")
        if value >= 10**_MAX_INT_DIGITS:
            raise _too_big()
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise UserError("Please enter a real number, e.g. 2020 or 5.5.")
        return _check_decimal(Decimal(repr(value)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise UserError("Please enter a real number, e.g. 2020 or 5.5.")
        return _check_decimal(value)
    text = (value or "").strip()
    if not text:
        raise UserError("Please enter an amount, e.g. 2020 or 5.5.")
    if len(text) > _MAX_AMOUNT_CHARS:
        raise _too_big()
    negative = text.startswith("-")
    body = text.lstrip("+-").strip()
    readings = _readings(body) if body and _NUMBER.fullmatch(body) and any(c.isdigit() for c in body) else []
    if not readings:
        raise UserError(f"“{text[:20]}” isn't a number I understand. Enter digits, e.g. 2020 or 5.5.")
    if negative:
        raise UserError("The amount must be more than zero.")
    if len(readings) > 1 and unit is not None and unit.kind is Kind.COUNT:
        # One separator before three digits: a decimal or a thousands separator. Whole units can't be
        # 2.02 or 1.5, and nobody counts 10 reps as "10,000": it is a thousands separator (the larger reading).
        readings = [max(readings)]
    if len(readings) > 1:
        symbol = f" {unit.symbol}" if unit is not None else ""
        one, other = (f"{plain_number(r)}{symbol}" for r in sorted(readings))
        raise UserError(
            f"“{text[:20]}” could be {one} or {other}. Type {one.removesuffix(symbol)} or "
            f"{other.removesuffix(symbol)}, without the separator you don't mean."
        )
    return _check_decimal(readings[0])


def _readings(body: str) -> list[Decimal]:
    """The different values `body` has read the English way and the German way (none, one or two)."""
    from babel.numbers import NumberFormatError, parse_decimal

    found: list[Decimal] = []
    for locale in _LOCALES:
        try:
            value = parse_decimal(body, locale=locale, strict=True)
        except (NumberFormatError, InvalidOperation, ValueError):
            continue
        if value.is_finite() and value not in found:
            found.append(value)
    return found


def plain_number(value: Decimal) -> str:
    """`1.5`, `1500`: no grouping, no trailing zeros — a number that reads the same in every language."""
    return format(value.normalize(), "f")


def _check_decimal(amount: Decimal) -> Decimal:
    if amount <= 0:
        raise UserError("The amount must be more than zero.")
    if amount >= Decimal(10) ** _MAX_INT_DIGITS:
        raise _too_big()
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MAX_FRACTION_DIGITS:
        raise UserError("That's more decimal places than I can use. Round it a little, e.g. 5.25.")
    return amount


def to_base(amount: Decimal, unit: Unit) -> int:
    """Whole base units (mm, ms, or counts) in `amount` of `unit`, rounded half to even.

    A fraction of a whole unit (2.5 reps) is refused, never rounded.
    """
    if not amount.is_finite() or amount <= 0:
        raise UserError("The amount must be more than zero.")
    if unit.kind is Kind.COUNT and amount != amount.to_integral_value():
        lower, upper = int(amount), int(amount) + 1
        choices = f"{lower} or {upper}" if lower else f"{upper}"
        raise UserError(f"{unit.symbol.capitalize()} are counted whole: enter {choices}, not {plain_number(amount)}.")
    with localcontext() as ctx:
        ctx.prec = 60
        base = int((amount * unit.base_per_unit).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    if base == 0:
        raise UserError(f"That's too small to count. Enter at least 1 {unit.display_symbol(one=True)}.")
    return base


def from_base(base: int, unit: Unit) -> Decimal:
    """The amount of `unit` in `base` base units (exact up to 28 significant digits)."""
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(base) / Decimal(unit.base_per_unit)


def check_compatible(entered: Unit, wanted: Unit, what: str = "challenge") -> None:
    """UserError unless an amount in `entered` can be counted towards `wanted` (of a challenge or a penalty)."""
    if entered.kind != wanted.kind:
        raise UserError(
            f"This {what} counts {wanted.label} ({wanted.symbol}); {entered.symbol} is a "
            f"{entered.kind.value}, not a {wanted.kind.value}. Give it in {wanted.symbol}."
        )
    if entered.kind is Kind.COUNT and entered.symbol != wanted.symbol:
        raise UserError(f"This {what} counts {wanted.symbol}, not {entered.symbol}. Give it in {wanted.symbol}.")


def convert(amount: Decimal, src: Unit, dst: Unit) -> Decimal:
    """`amount` of `src` expressed in `dst` (same kind; count units don't mix)."""
    check_compatible(src, dst)
    with localcontext() as ctx:
        ctx.prec = 28
        return amount * Decimal(src.base_per_unit) / Decimal(dst.base_per_unit)


def base_for(amount: Decimal, entered_unit: Unit, challenge_unit: Unit, what: str = "challenge") -> int:
    """Base units for an amount entered in `entered_unit` on a challenge (or penalty) counted in `challenge_unit`."""
    check_compatible(entered_unit, challenge_unit, what)
    return to_base(amount, entered_unit)


def _cap_key(unit: Unit) -> str:
    return unit.symbol if unit.kind is Kind.COUNT else unit.kind.value


def check_log_amount(base: int, unit: Unit) -> None:
    """UserError for a non-positive entry or one larger than anyone logs at once."""
    if base <= 0:
        raise UserError("The amount must be more than zero.")
    cap = MAX_PER_LOG[_cap_key(unit)]
    if base > cap:
        raise UserError(
            f"That's more than anyone logs in one entry (at most {format_amount(cap, unit)}). "
            "Check the number and unit, or log it in parts."
        )


def check_target(base: int, unit: Unit) -> None:
    """UserError for a non-positive challenge target or an absurd one."""
    if base <= 0:
        raise UserError("The target must be more than zero.")
    cap = MAX_TARGET[_cap_key(unit)]
    if base > cap:
        raise UserError(
            f"That target is more than anyone could do (at most {format_amount(cap, unit)}). Pick a smaller one."
        )


_CENT = Decimal("0.01")


def format_number(value: Decimal) -> str:
    """`2,020`, `5.25`, `5.5`: thousands separators, at most 2 decimals, no trailing zeros (in the
    reader's locale, bot.domain.words)."""
    with localcontext() as ctx:
        ctx.prec = 60
        q = value.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    return words.number(q)


def format_amount(base: int, unit: Unit) -> str:
    """`2,020 reps`, `1 rep`, `5 km`, `5.25 km`, `90 min`."""
    value = from_base(base, unit)
    number = format_number(value)
    if number in ("0", "-0") and base != 0:
        number = "<0.01" if base > 0 else "-<0.01"
    return f"{number} {unit.display_symbol(one=value == 1)}"
