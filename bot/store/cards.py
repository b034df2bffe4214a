"""SQL for the live challenge cards: where each card message is, and which challenges have one."""

from __future__ import annotations

from bot.store.db import Conn, Database, fetchone


async def card_of(db: Database | Conn, challenge_id: int) -> tuple[int, int] | None:
    """(channel id, message id) of the challenge's card, if it has one."""
    row = await fetchone(db, "SELECT card_channel_id, card_message_id FROM challenges WHERE id = ?", (challenge_id,))
    if row is None or row["card_message_id"] is None:
        return None
    return int(row["card_channel_id"]), int(row["card_message_id"])


async def set_card(db: Database, challenge_id: int, channel_id: int, message_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE challenges SET card_channel_id = ?, card_message_id = ? WHERE id = ?",
            (channel_id, message_id, challenge_id),
        )
