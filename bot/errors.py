"""Errors the member caused and can fix. Raised anywhere; turned into ephemeral replies in one place."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a request the rules refuse. The message is shown to the member as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    """An id that does not exist in this server."""


class NotAllowed(UserError):
    """The member may not do this (not theirs, not an admin, ...)."""


class RepeatedInteraction(Exception):
    """The same Discord interaction delivered again, after it was already handled: nothing is done
    twice, and nothing is answered (the first delivery answers)."""

    def __init__(self, interaction_id: int) -> None:
        super().__init__(f"interaction {interaction_id} was already handled")
        self.interaction_id = interaction_id
