"""The outbox's rows: what is due, what waits for its next try, what was given up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.domain.shards import ShardSet
from bot.services.context import Services
from bot.store import announcements
from bot.store.db import MIGRATIONS_DIR, Database
from tests.store.conftest import CHANNEL, GUILD, OTHER_GUILD, T0


async def queue(svc: Services, kind: str, ref_id: int, guild_id: int = GUILD, channel_id: int = CHANNEL) -> int:
    async with svc.db.transaction() as conn:
        assert await announcements.queue(conn, guild_id, kind, ref_id, channel_id, T0)
    row = await svc.db.fetchone("SELECT id FROM announcements WHERE kind = ? AND ref_id = ?", (kind, ref_id))
    assert row is not None
    return int(row["id"])


async def due_ids(svc: Services, when: timedelta = timedelta(0), channel_id: int | None = None) -> list[int]:
    return [a.id for a in await announcements.due(svc.db, T0 + when, channel_id)]


async def test_an_announcement_waiting_for_its_next_try_is_not_due_until_then(svc: Services) -> None:
    first, second = await queue(svc, "a", 1), await queue(svc, "b", 2)
    await announcements.mark_failed(svc.db, first, 1, T0 + timedelta(seconds=30), "DiscordServerError: 503")
    assert await due_ids(svc) == [second]
    assert await due_ids(svc, timedelta(seconds=29)) == [second]
    assert await due_ids(svc, timedelta(seconds=30)) == [first, second]
    assert [a.id for a in await announcements.unposted(svc.db)] == [first, second]  # still to do
    assert await announcements.next_attempt_at(svc.db) == T0 + timedelta(seconds=30)
    row = await announcements.get(svc.db, first)
    assert row is not None and row.attempts == 1


async def test_a_posted_announcement_is_due_again_only_for_its_missing_image(svc: Services) -> None:
    plain, with_chart = await queue(svc, "a", 1), await queue(svc, "b", 2)
    assert await announcements.mark_posted(svc.db, plain, (CHANNEL, 500), T0)
    assert await announcements.mark_posted(svc.db, with_chart, (77, 501), T0, image_pending=True)
    (pending,) = await announcements.due(svc.db, T0)
    assert pending.id == with_chart and pending.posted and (pending.message_channel_id, pending.message_id) == (77, 501)
    assert await announcements.unposted(svc.db) == []
    assert await announcements.message_id_for(svc.db, "b", 2) == (77, 501)  # where it went (a fallback channel)
    await announcements.mark_failed(svc.db, with_chart, 1, T0 + timedelta(minutes=2), "edit failed")
    assert await due_ids(svc) == [] and await announcements.next_attempt_at(svc.db) == T0 + timedelta(minutes=2)
    await announcements.mark_image_done(svc.db, with_chart)
    assert await due_ids(svc, timedelta(hours=1)) == [] and await announcements.next_attempt_at(svc.db) is None


async def test_posting_is_recorded_once_and_a_given_up_announcement_is_never_due_again(svc: Services) -> None:
    posted, given_up = await queue(svc, "a", 1), await queue(svc, "b", 2)
    assert await announcements.mark_posted(svc.db, posted, (CHANNEL, 500), T0)
    assert not await announcements.mark_posted(svc.db, posted, (CHANNEL, 600), T0)
    assert await announcements.mark_undeliverable(svc.db, given_up, 7, T0 + timedelta(hours=4), "503")
    assert not await announcements.mark_undeliverable(svc.db, given_up, 8, T0 + timedelta(hours=5), "again")
    assert not await announcements.mark_posted(svc.db, given_up, (CHANNEL, 700), T0)
    assert await due_ids(svc, timedelta(days=30)) == [] and await announcements.unposted(svc.db) == []
    (item,) = await announcements.undeliverable(svc.db, GUILD)
    assert (item.kind, item.attempts, item.error, item.given_up_at) == ("b", 7, "503", T0 + timedelta(hours=4))


async def test_undeliverable_announcements_are_listed_per_server(svc: Services) -> None:
    ours, theirs = await queue(svc, "a", 1), await queue(svc, "b", 2, guild_id=OTHER_GUILD)
    for ann_id in (ours, theirs):
        await announcements.mark_undeliverable(svc.db, ann_id, 1, T0, "Forbidden" * 100)
    (item,) = await announcements.undeliverable(svc.db, GUILD)
    assert item.kind == "a" and item.error is not None and len(item.error) == announcements.ERROR_MAX


async def test_due_in_one_channel_keeps_to_that_channel(svc: Services) -> None:
    here, there = await queue(svc, "a", 1), await queue(svc, "b", 2, channel_id=99)
    assert await due_ids(svc, channel_id=CHANNEL) == [here]
    assert await due_ids(svc, channel_id=99) == [there]


async def test_the_outbox_migration_keeps_queued_and_posted_rows(tmp_path: Path) -> None:
    """An existing database: rows queued or posted before 0006 stay what they were."""
    db = await Database.open(tmp_path / "fitbet.db")
    try:
        older = tmp_path / "older"
        older.mkdir()
        for path in MIGRATIONS_DIR.glob("*.sql"):
            if path.name < "0006":
                (older / path.name).write_text(path.read_text())
        await db.migrate(older)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO announcements (guild_id, kind, ref_id, channel_id, created_at, posted_at, message_id)"
                " VALUES (1, 'a', 1, 10, ?, ?, 5), (1, 'b', 2, 10, ?, NULL, NULL)",
                (T0.isoformat(), T0.isoformat(), T0.isoformat()),
            )
        await db.migrate()
        (queued,) = await announcements.due(db, T0)
        assert (queued.kind, queued.attempts, queued.posted) == ("b", 0, False)
        assert await announcements.message_id_for(db, "a", 1) == (10, 5)
    finally:
        await db.close()


async def test_a_shard_process_finds_only_its_own_servers_announcements(svc: Services) -> None:
    """Two processes, shard 0 and shard 1 of 2: each posts (and wakes up for) its own servers' only."""
    first, second = 10 << 22, 11 << 22  # servers on shard 0 and on shard 1 of 2
    ours = await queue(svc, "a", 1, guild_id=first, channel_id=1)
    theirs = await queue(svc, "b", 2, guild_id=second, channel_id=2)
    shard0, shard1 = ShardSet(2, frozenset({0})), ShardSet(2, frozenset({1}))
    assert [r.id for r in await announcements.due(svc.db, T0, shards=shard0)] == [ours]
    assert [r.id for r in await announcements.due(svc.db, T0, 2, shards=shard0)] == []
    assert await announcements.due_channels(svc.db, T0, shard0) == [1]
    assert await announcements.due_channels(svc.db, T0, shard1) == [2]
    assert {r.id for r in await announcements.due(svc.db, T0)} == {ours, theirs}  # one process: every server
    await announcements.mark_failed(svc.db, theirs, 1, T0 + timedelta(minutes=5), "503")
    assert await announcements.next_attempt_at(svc.db, shard0) is None  # the other shard's retry is not ours
    assert await announcements.next_attempt_at(svc.db, shard1) == T0 + timedelta(minutes=5)
