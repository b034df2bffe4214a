"""What counts as proof (a photo or a screenshot Discord can show) and where a kept proof lives.

A member's attachment link is signed by Discord and stops working after a while, so the bot keeps
its own copy: the photo is uploaded again as a file of the bot's public reply, and the proof is
found later by that message (`ProofRef`), whose link never expires.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.errors import UserError

# The image types Discord shows inline in an embed (the kept file is named after what it really is).
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp"})
# Whatever the server's upload limit, one proof is held in memory while it is copied: keep it sane.
MAX_PROOF_BYTES = 10 * 1024 * 1024
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"))
_NOT_AN_IMAGE = "Proof must be an image (a photo or a screenshot: PNG, JPEG, GIF or WebP)."


@dataclass(frozen=True)
class ProofRef:
    """A proof photo kept as the file `filename` on the bot's message `message_id` in `channel_id`."""

    channel_id: int
    message_id: int
    filename: str


def size_text(size: int, *, round_up: bool = False) -> str:
    """Sizes as Discord shows them (1 MB = 1,048,576 bytes); a file's size is rounded up and a limit
    down, so a file just over the limit never reads as the same size."""
    step = math.ceil if round_up else math.floor
    if size < 1024 * 1024:
        return f"{max(1, step(size / 1024))} kB"
    return f"{step(size * 10 / (1024 * 1024)) / 10:.1f}".removesuffix(".0") + " MB"


def proof_limit(upload_limit: int) -> int:
    """The largest proof the bot can copy: what it may upload here, and never more than the cap."""
    return min(upload_limit, MAX_PROOF_BYTES)


def check_proof(content_type: str | None, size: int, upload_limit: int) -> None:
    """UserError unless the attachment is an image the bot can show and upload again here.

    Checked before anything is answered or downloaded, from what Discord says about the file.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in IMAGE_TYPES:
        raise UserError(_NOT_AN_IMAGE)
    if size <= 0:
        raise UserError("That file is empty; attach the photo again.")
    limit = proof_limit(upload_limit)
    if size > limit:
        raise UserError(
            f"That photo is {size_text(size, round_up=True)}; proof can be at most {size_text(limit)} here. "
            "Send a smaller one (a screenshot, or the photo shared at a lower quality)."
        )


def proof_filename(data: bytes, upload_limit: int) -> str:
    """The name the kept copy gets (`proof.png` …), from what the downloaded bytes really are.

    A file whose name or type claims an image but whose content is not one is refused, as is one
    that turned out larger than Discord announced.
    """
    if len(data) > proof_limit(upload_limit):
        raise UserError(f"That photo is larger than {size_text(proof_limit(upload_limit))}; send a smaller one.")
    for magic, extension in _SIGNATURES:
        if data.startswith(magic):
            return f"proof.{extension}"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "proof.webp"
    raise UserError(_NOT_AN_IMAGE)
