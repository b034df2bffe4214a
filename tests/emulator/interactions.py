# ruff: noqa: ASYNC109  (driver calls take `timeout=` like the rest of the test API)
"""One interaction the driver created, and what the bot answered to it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.emulator.models import JSON, Channel, Choice, Guild, Member, Message, Modal, StoredAttachment

INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

RESPONSE_PONG = 1
RESPONSE_CHANNEL_MESSAGE = 4
RESPONSE_DEFERRED_CHANNEL_MESSAGE = 5
RESPONSE_DEFERRED_UPDATE_MESSAGE = 6
RESPONSE_UPDATE_MESSAGE = 7
RESPONSE_AUTOCOMPLETE_RESULT = 8
RESPONSE_MODAL = 9

RESPONSE_NAMES = {
    RESPONSE_PONG: "PONG",
    RESPONSE_CHANNEL_MESSAGE: "CHANNEL_MESSAGE_WITH_SOURCE",
    RESPONSE_DEFERRED_CHANNEL_MESSAGE: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
    RESPONSE_DEFERRED_UPDATE_MESSAGE: "DEFERRED_UPDATE_MESSAGE",
    RESPONSE_UPDATE_MESSAGE: "UPDATE_MESSAGE",
    RESPONSE_AUTOCOMPLETE_RESULT: "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT",
    RESPONSE_MODAL: "MODAL",
}

if TYPE_CHECKING:
    from tests.emulator.gateway import GatewaySession

TOKEN_LIFETIME_S = 15 * 60


@dataclass(eq=False)
class InteractionResult:
    """An interaction and the bot's answer to it.

    - `response_type`: the callback type the bot used (4 message, 5 deferred, 6 deferred update,
      7 update message, 8 autocomplete, 9 modal); `None` if it never answered.
    - `message`: the original response — the message created by type 4, the deferred message
      once edited or filled by the first follow-up (type 5), or the component's message for
      types 6/7. A deferred response withdrawn while still "thinking…" (deleted: it never showed
      anything) is replaced by the first follow-up, which is then what the member got.
      `content`, `embeds`, `components`, `files`, `ephemeral` read from it.
    - `followups`: later follow-up messages (not the one that filled a deferred response).
    - `choices` (autocomplete) and `modal` (type 9).
    - `delivered_to`: which gateway session(s) got it (`.shard` says which shard); `callbacks`: how
      many times the bot answered it (exactly once, whatever the number of processes).
    """

    id: int
    token: str
    type: int
    guild: Guild | None
    channel: Channel
    member: Member | None
    payload: JSON
    created_at: datetime
    command: str | None = None
    source_message: Message | None = None
    response_type: int | None = None
    callback_body: JSON | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    choices: list[Choice] | None = None
    modal: Modal | None = None
    ack_expired: bool = False
    ack_seconds: float | None = None
    """Real seconds between dispatching the interaction and the bot's acknowledgement."""
    original_filled: bool = False
    errors: list[str] = field(default_factory=list)
    delivered_to: list[GatewaySession] = field(default_factory=list)
    """The gateway session(s) INTERACTION_CREATE went to (its shard's; again on `redeliver`)."""
    callbacks: int = 0
    """How many times the bot called the interaction callback (refused second answers included)."""
    _created_mono: float = field(default_factory=time.monotonic)
    _deadline_handle: asyncio.TimerHandle | None = None
    _wait: Callable[..., Any] | None = None

    # ---- answer -------------------------------------------------------------------------------

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def response_name(self) -> str | None:
        return RESPONSE_NAMES.get(self.response_type or 0)

    @property
    def deferred(self) -> bool:
        return self.response_type in (RESPONSE_DEFERRED_CHANNEL_MESSAGE, RESPONSE_DEFERRED_UPDATE_MESSAGE)

    @property
    def message(self) -> Message | None:
        if self.original is not None and self.original.withdrawn:
            return self.followups[0] if self.followups else None
        return self.original

    @property
    def withdrawn(self) -> bool:
        """The bot deferred in public, then deleted the placeholder before it showed anything."""
        return self.original is not None and self.original.withdrawn

    @property
    def messages(self) -> list[Message]:
        """The original response (if any) followed by every follow-up."""
        return ([self.original] if self.original else []) + list(self.followups)

    @property
    def ephemeral(self) -> bool:
        return bool(self.message and self.message.ephemeral)

    @property
    def content(self) -> str:
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[JSON]:
        return self.message.embeds if self.message else []

    @property
    def embed(self) -> JSON:
        """The first embed of the response (raises if there is none)."""
        if not self.embeds:
            raise LookupError(f"the response has no embed (content: {self.content!r})")
        return self.embeds[0]

    @property
    def components(self) -> list[JSON]:
        return self.message.components if self.message else []

    @property
    def files(self) -> list[StoredAttachment]:
        return self.message.attachments if self.message else []

    @property
    def text(self) -> str:
        """Content and embed text of the response (`message`)."""
        return self.message.text if self.message else ""

    @property
    def all_text(self) -> str:
        """Content and embed text of the response and every follow-up."""
        return "\n".join(m.text for m in self.messages)

    async def wait_for_followups(self, count: int = 1, timeout: float = 10.0) -> list[Message]:
        """Wait until at least `count` follow-ups were posted; returns them."""
        assert self._wait is not None
        await self._wait(lambda: len(self.followups) >= count, timeout, f"{count} follow-up(s) to {self}")
        return list(self.followups)

    def __repr__(self) -> str:
        what = self.command or f"type {self.type}"
        return f"<InteractionResult {what!r} id={self.id} response={self.response_name}>"
