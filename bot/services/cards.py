"""The live challenge card: everything it shows at one moment, and where it is.

The card is the public message `/challenge create` posted. It shows the challenge as `/challenge
status` does, the bets on it and whether they are locked, and once a result is decided, links to the
post announcing it. Its buttons log for the member who taps (see `cogs/card.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.cards import QuickAmount, quick_amounts
from bot.services import bets as bet_service
from bot.services import challenges as challenge_service
from bot.services.bets import BetView
from bot.services.challenges import ChallengeView
from bot.services.context import Services
from bot.store import announcements, cards
from bot.store import bets as bet_store
from bot.store import challenges as challenge_store

OPEN = ("scheduled", "active")
SHOWN_BETS = ("open", "locked", "settled")
MAX_BETS = 10

# Announcements about a challenge: their ref is the challenge's id ...
_BY_CHALLENGE = (
    challenge_service.ANN_CREATED,
    challenge_service.ANN_STARTED,
    challenge_service.ANN_REMINDER,
    challenge_service.ANN_RESULT,
    challenge_service.ANN_CANCELLED,
    *(challenge_service.ANN_TOTAL_MILESTONE.format(mark=m) for m in (50, 100)),
)
# ... a participant's id ...
_BY_PARTICIPANT = (
    challenge_service.ANN_MEMBER_RESULT,
    *(challenge_service.ANN_MILESTONE.format(mark=m) for m in (50, 100)),
)
# ... or a bet's id.
_BY_BET = (bet_service.ANN_LOCKED, bet_service.ANN_EXPIRED, bet_service.ANN_SETTLED, bet_service.ANN_VOIDED)


@dataclass(frozen=True)
class CardView:
    challenge: ChallengeView
    bets: tuple[BetView, ...]
    quick: tuple[QuickAmount, ...]
    where: tuple[int, int] | None  # (channel id, message id) of the card, if it has one
    result_post: tuple[int, int] | None = None  # the post announcing the result
    member_posts: dict[int, tuple[int, int]] = field(default_factory=dict)  # each mode: one member's result

    @property
    def open(self) -> bool:
        """Whether its buttons log (a finished or cancelled challenge's card keeps them, greyed out)."""
        return self.challenge.row.status in OPEN


async def card(svc: Services, challenge_id: int) -> CardView | None:
    row = await challenge_store.get(svc.db, challenge_id)
    if row is None:
        return None
    view = await challenge_service.view(svc, row)
    bet_rows = await bet_store.for_challenge(svc.db, row.id, SHOWN_BETS)
    posts: dict[int, tuple[int, int]] = {}
    for person in view.participants:
        if person.result is not None:
            where = await announcements.message_id_for(svc.db, challenge_service.ANN_MEMBER_RESULT, person.id)
            if where is not None:
                posts[person.user_id] = where
    return CardView(
        challenge=view,
        bets=tuple([await bet_service.view(svc, b) for b in bet_rows[:MAX_BETS]]),
        quick=quick_amounts(view.rules.unit, view.rules.target),
        where=await cards.card_of(svc.db, row.id),
        result_post=await announcements.message_id_for(svc.db, challenge_service.ANN_RESULT, row.id),
        member_posts=posts,
    )


async def set_card(svc: Services, challenge_id: int, channel_id: int, message_id: int) -> None:
    await cards.set_card(svc.db, challenge_id, channel_id, message_id)


async def challenge_of_announcement(svc: Services, kind: str, ref_id: int) -> int | None:
    """The challenge whose card an announcement changes, if any."""
    if kind in _BY_CHALLENGE:
        return ref_id
    if kind in _BY_PARTICIPANT:
        person = await challenge_store.participant_by_id(svc.db, ref_id)
        return None if person is None else person.challenge_id
    if kind in _BY_BET:
        bet = await bet_store.get(svc.db, ref_id)
        return None if bet is None else bet.challenge_id
    return None
