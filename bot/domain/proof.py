"""What counts as proof: a photo or a screenshot."""

from __future__ import annotations

from bot.errors import UserError

PROOF_TYPES = ("image/",)


def check_proof(content_type: str | None) -> None:
    """UserError unless the attachment is an image."""
    if not (content_type or "").lower().startswith(PROOF_TYPES):
        raise UserError("Proof must be an image (a photo or a screenshot).")
