from __future__ import annotations

import pytest

from bot.domain.proof import check_proof
from bot.errors import UserError


@pytest.mark.parametrize("content_type", ["image/png", "image/jpeg", "IMAGE/WEBP"])
def test_images_are_proof(content_type: str) -> None:
    check_proof(content_type)


@pytest.mark.parametrize("content_type", [None, "", "application/pdf", "text/plain", "video/mp4"])
def test_anything_else_is_refused(content_type: str | None) -> None:
    with pytest.raises(UserError, match="must be an image"):
        check_proof(content_type)
