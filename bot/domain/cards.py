"""The live challenge card's rules: which quick amounts its buttons offer.

Quick amounts fit the challenge: a few taps should get through a real session of it, and no tap is
absurd. Counts grow with the target (2,020 pushups: +25 / +50 / +100; 100 burpees: +1 / +2 / +5);
distances are offered in km (mi when the challenge counts miles), durations in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.units import KM, MI, MIN, Kind, Unit, format_amount, from_base, to_base

# (the triples, the share of the target the middle button may be at most, the triple without a target)
_COUNT = ((1, 2, 5), (5, 10, 20), (10, 25, 50), (25, 50, 100), (50, 100, 250), (100, 250, 500), (250, 500, 1000),
          (500, 1000, 2500), (1000, 2500, 5000))  # fmt: skip
_TENTH, _FIFTH, _HALF = Decimal("0.1"), Decimal("0.2"), Decimal("0.5")
_DISTANCE = ((_TENTH, _FIFTH, _HALF), (_HALF, 1, 2), (1, 2, 5), (1, 5, 10), (5, 10, 20))
_DURATION = ((1, 2, 5), (1, 5, 10), (5, 10, 15), (5, 15, 30), (15, 30, 60))
_RULES: dict[Kind, tuple[tuple[tuple[Decimal | int, ...], ...], Decimal, int]] = {
    Kind.COUNT: (_COUNT, Decimal("0.025"), 2),
    Kind.DISTANCE: (_DISTANCE, Decimal("0.2"), 2),
    Kind.DURATION: (_DURATION, Decimal("0.1"), 1),
}


@dataclass(frozen=True)
class QuickAmount:
    base: int  # base units of the challenge's kind
    unit: Unit  # how the button shows it and how it is logged

    @property
    def label(self) -> str:
        return "+" + format_amount(self.base, self.unit)

    @property
    def amount_text(self) -> str:
        """What the tap logs, as a member would type it: `25`, `0.5`."""
        return format(from_base(self.base, self.unit).normalize(), "f")


def shown_unit(unit: Unit) -> Unit:
    """The unit the buttons use: the challenge's for counts, km or mi for distances, minutes for durations."""
    if unit.kind is Kind.DISTANCE:
        return MI if unit.symbol == MI.symbol else KM
    if unit.kind is Kind.DURATION:
        return MIN
    return unit


def quick_amounts(unit: Unit, target: int | None) -> tuple[QuickAmount, ...]:
    """Three quick amounts, smallest first: the largest set whose middle is at most a share of the target."""
    triples, share, default = _RULES[unit.kind]
    shown = shown_unit(unit)
    chosen = triples[default]
    if target is not None:
        room = from_base(target, shown) * share
        fitting = [t for t in triples if Decimal(t[1]) <= room]
        chosen = fitting[-1] if fitting else triples[0]
    return tuple(QuickAmount(to_base(Decimal(v), shown), shown) for v in chosen)
