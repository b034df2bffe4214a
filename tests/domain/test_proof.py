from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.proof import IMAGE_TYPES, MAX_PROOF_BYTES, check_proof, proof_filename, size_text
from bot.errors import UserError

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"rest"


@pytest.mark.parametrize("content_type", ["image/png", "image/jpeg", "IMAGE/WEBP", "image/gif", "image/png; x=1"])
def test_images_discord_shows_are_proof(content_type: str) -> None:
    check_proof(content_type, 2 * MB, 10 * MB)


@pytest.mark.parametrize(
    "content_type", [None, "", "application/pdf", "text/plain", "video/mp4", "image/heic", "image/svg+xml"]
)
def test_anything_else_is_refused(content_type: str | None) -> None:
    with pytest.raises(UserError, match="must be an image"):
        check_proof(content_type, 2 * MB, 10 * MB)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(UserError, match="empty"):
        check_proof("image/png", 0, 10 * MB)


def test_a_photo_over_the_servers_upload_limit_is_refused_with_both_sizes() -> None:
    with pytest.raises(UserError, match=r"That photo is 8\.1 MB; proof can be at most 8 MB here"):
        check_proof("image/png", 8 * MB + 50_000, 8 * MB)
    check_proof("image/png", 8 * MB, 8 * MB)


def test_a_boosted_servers_larger_limit_is_still_capped() -> None:
    """A server may take 100 MB uploads; one proof is held in memory while it is copied."""
    check_proof("image/jpeg", MAX_PROOF_BYTES, 100 * MB)
    with pytest.raises(UserError, match="at most 10 MB"):
        check_proof("image/jpeg", MAX_PROOF_BYTES + 1, 100 * MB)


@given(
    content_type=st.sampled_from([*sorted(IMAGE_TYPES), "text/plain", "image/heic", "video/mp4"]),
    size=st.integers(min_value=-1, max_value=3 * MAX_PROOF_BYTES),
    limit=st.integers(min_value=1, max_value=5 * MAX_PROOF_BYTES),
)
def test_a_proof_is_accepted_exactly_when_it_is_a_shown_image_that_fits(
    content_type: str, size: int, limit: int
) -> None:
    fits = content_type in IMAGE_TYPES and 0 < size <= min(limit, MAX_PROOF_BYTES)
    try:
        check_proof(content_type, size, limit)
    except UserError:
        assert not fits
    else:
        assert fits


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (PNG, "proof.png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "proof.jpg"),
        (b"GIF89a....", "proof.gif"),
        (b"GIF87a....", "proof.gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "proof.webp"),
    ],
)
def test_the_kept_copy_is_named_after_what_the_file_really_is(data: bytes, name: str) -> None:
    assert proof_filename(data, 10 * MB) == name


@pytest.mark.parametrize("data", [b"<html>hi</html>", b"", b"RIFF\x10\x00\x00\x00WAVEfmt ", b"\x89PNG"])
def test_a_file_that_only_claims_to_be_an_image_is_refused(data: bytes) -> None:
    with pytest.raises(UserError, match="must be an image"):
        proof_filename(data, 10 * MB)


def test_a_download_larger_than_announced_is_refused() -> None:
    with pytest.raises(UserError, match="larger than 1 kB"):
        proof_filename(PNG + bytes(1024), 1024)


@pytest.mark.parametrize(
    ("size", "up", "text"),
    [(500, False, "1 kB"), (200 * 1024, False, "200 kB"), (200 * 1024 + 1, True, "201 kB"), (10 * MB, False, "10 MB")],
)
def test_sizes_read_as_discord_shows_them(size: int, up: bool, text: str) -> None:
    assert size_text(size, round_up=up) == text
