"""Posting the queued announcements: once each, retried on a schedule, never held back by a chart.

The rows in `announcements` are the truth (bot/store/announcements.py); this module renders them
with the renderer registered for their kind, sends them, and records what happened:

- a renderer returns None, or the announcement no longer matters (bot/domain/announcements.py):
  it is recorded as done without a post;
- one posted late says when it happened (bot/render/announcements.py);
- a failed try waits (`next_attempt_at`, a growing delay) and a sleeper wakes up for it, so no
  command has to come along; after the last try, or when no channel takes it, it is given up as
  undeliverable: logged once and listed in `/admin audit`;
- a message with a deferred image (a result's chart) never waits for it: the image is drawn while
  the message ahead of it in its channel is sent and goes with it if drawn by then; otherwise it is
  added by editing the message once drawn, recorded on the row (`image_pending`) so a restart
  finishes it. An image that cannot be drawn leaves the message as is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot import faults
from bot.domain import announcements as rules
from bot.render.announcements import posted_late
from bot.render.message import DeferredImage, Outgoing
from bot.store import announcements as store
from bot.store.announcements import AnnouncementRow
from bot.store.db import Claim

if TYPE_CHECKING:
    from bot.app import FitbetBot

log = logging.getLogger(__name__)

Announcer = Callable[[AnnouncementRow], Awaitable[Outgoing | None]]
Drawing = asyncio.Task[bytes | None]  # an image being drawn; None when it cannot be (logged where it failed)
Prepared = tuple[Outgoing | None, Drawing | None]  # a message, and its image being drawn

IMAGE_TIMEOUT = 120.0  # an image not drawn by then is given up: the message stays without it
# Names of the outbox's working tasks (the tests wait for tasks with this prefix); the sleeper
# waiting for the next retry has another name.
TASK_PREFIX = "fitbet-post"
# An announcement another process had claimed is looked at again after this (it is posted by then,
# unless that process died on the way).
ELSEWHERE_RECHECK = timedelta(seconds=30)


class Undeliverable(Exception):
    """No channel takes this announcement (deleted, no permission): trying again won't help."""


class Outbox:
    def __init__(self, bot: FitbetBot) -> None:
        self.bot = bot
        self._renderers: dict[str, Announcer] = {}
        self._channel_locks: dict[int, asyncio.Lock] = {}  # one queue per channel
        self._images: dict[int, asyncio.Task[None]] = {}  # announcement id → adding its image
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sleeper: asyncio.Task[None] | None = None
        self._kicked: asyncio.Task[int] | None = None
        self._wake_at: datetime | None = None
        self._recheck_at: datetime | None = None  # set when a due announcement was claimed by another process
        self._closing = False
        self._listeners: list[Callable[[AnnouncementRow], None]] = []

    def register(self, kind: str, render: Announcer) -> None:
        self._renderers[kind] = render

    def after_post(self, listener: Callable[[AnnouncementRow], None]) -> None:
        """Told of each announcement once it is handled: posted, found posted, or not needed any more."""
        self._listeners.append(listener)

    def _handled(self, row: AnnouncementRow) -> None:
        for listener in self._listeners:
            try:
                listener(row)
            except Exception:
                log.exception("after-post listener failed for announcement %s", row.id)

    # ------------------------------------------------------------------ draining

    async def post(self) -> int:
        """Post everything due: oldest first in each channel, the channels side by side.

        Each channel drains under its own lock, so one channel's rate limit (5 messages per 5 s)
        holds up that channel only. A second call for a channel waits for the first and then finds
        what is still to do, so nothing is posted twice. Returns how many messages were sent.
        """
        if self._closing:
            return 0
        channels = await store.due_channels(self.bot.svc.db, self.bot.clock.now(), self.bot.settings.shards)
        counts = await asyncio.gather(*(self._drain(channel_id) for channel_id in channels))
        await self._arm()
        return sum(counts)

    def kick(self) -> None:
        """Start posting what is due without waiting for it (one such post at a time); whoever needs
        it posted when they go on awaits `post()` instead."""
        if self._kicked is None or self._kicked.done():
            self._kicked = self._spawn(self.post(), f"{TASK_PREFIX}-kick")

    async def _drain(self, channel_id: int) -> int:
        lock = self._channel_locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            posted = 0
            rows = await store.due(self.bot.svc.db, self.bot.clock.now(), channel_id, self.bot.settings.shards)
            to_post = [row for row in rows if not row.posted]
            position = {row.id: index for index, row in enumerate(to_post)}
            # Each message is prepared (rendered, its image being drawn) while the one before it is sent,
            # often waiting for the channel's rate limit: its image is then ready to go with it.
            ahead = {row.id: self._prepare_soon(row) for row in to_post[:1]}
            for row in rows:
                if self._closing:
                    break
                if row.posted:
                    await self._resume_image(row)
                    continue
                index = position[row.id]
                preparing = ahead.pop(row.id, None) or self._prepare_soon(row)
                if index + 1 < len(to_post):
                    following = to_post[index + 1]
                    ahead[following.id] = self._prepare_soon(following)
                posted += await self._post_one(row, preparing)
            for preparing in ahead.values():
                preparing.cancel()
            return posted

    def _prepare_soon(self, row: AnnouncementRow) -> asyncio.Task[Prepared]:
        return self._spawn(self._prepare(row), f"{TASK_PREFIX}-prepare-{row.id}")

    async def _prepare(self, row: AnnouncementRow) -> Prepared:
        message = await self._render(row)
        if message is None or message.image is None:
            return message, None
        return message, self._draw(message.image, row)

    async def _post_one(self, row: AnnouncementRow, preparing: asyncio.Task[Prepared]) -> bool:
        """Send and record one announcement (`preparing` gives its message); False when nothing was sent.

        The message never waits for its image: the image goes with it if already drawn, else it is
        added by an edit once drawn.
        """
        try:
            message, drawing = await preparing
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            return False  # its preparation was stopped: the bot is stopping
        except Undeliverable as exc:
            await self._give_up(row, row.attempts + 1, str(exc))
            return False
        except Exception as exc:
            await self._try_failed(row, exc)
            return False
        # Another process may be posting the same row (a re-shard, one that hung and came back): the
        # claim lets one post it, and once claimed it must still be unposted.
        async with self.bot.svc.db.claim(Claim.ANNOUNCEMENT, row.id) as mine:
            db = self.bot.svc.db
            if not mine:
                # Left to the process posting it; looked at again later, in case that one dies first.
                self._recheck_at = self.bot.clock.now() + ELSEWHERE_RECHECK
                _cancel(drawing)
                return False
            if db.shared and not await store.still_to_post(db, row.id):
                _cancel(drawing)
                return False
            return await self._post_claimed(row, message, drawing)

    async def _post_claimed(self, row: AnnouncementRow, message: Outgoing | None, drawing: Drawing | None) -> bool:
        db, now = self.bot.svc.db, self.bot.clock.now()
        if message is None:
            await store.mark_posted(db, row.id, None, now, guild_id=row.guild_id)
            self._handled(row)
            return False
        on_time = message
        if rules.is_late(row.created_at, now):
            message = posted_late(message, row.created_at)
        channel = self.bot.get_partial_messageable(row.channel_id, guild_id=row.guild_id)
        if row.attempted_at is not None:
            # A previous run may have crashed between sending and recording it.
            earlier = await self._find_posted(channel, [message, on_time])
            if earlier is not None:
                pending = drawing is not None and not earlier.attachments
                await store.mark_posted(
                    db, row.id, (earlier.channel.id, earlier.id), now, image_pending=pending, guild_id=row.guild_id
                )
                if pending and drawing is not None:
                    self._add_image_later(row.id, earlier.channel.id, earlier.id, message, drawing)
                else:
                    _cancel(drawing)
                self._handled(row)
                return False
        image, drawn = self._drawn(drawing, row)
        try:
            await store.mark_attempted(db, row.id, now, row.guild_id)
            faults.point("post:before_send")
            sent = await self._send_or_fall_back(channel, message, image, row)
        except Undeliverable as exc:
            _cancel(drawing)
            await self._give_up(row, row.attempts + 1, str(exc))
            return False
        except Exception as exc:
            _cancel(drawing)
            await self._try_failed(row, exc)
            return False
        faults.point("post:after_send")
        later = drawing is not None and not drawn  # else it went with the message, or there is none
        await store.mark_posted(
            db, row.id, (sent.channel.id, sent.id), self.bot.clock.now(), image_pending=later, guild_id=row.guild_id
        )
        faults.point("post:after_mark")
        self._handled(row)
        if later and drawing is not None:
            self._add_image_later(row.id, sent.channel.id, sent.id, message, drawing)
        return True

    async def _render(self, row: AnnouncementRow) -> Outgoing | None:
        render = self._renderers.get(row.kind)
        if render is None:
            raise Undeliverable(f"no renderer for announcement kind {row.kind!r}")
        return await render(row)

    async def _send_or_fall_back(
        self, channel: discord.PartialMessageable, message: Outgoing, image: bytes | None, row: AnnouncementRow
    ) -> discord.Message:
        """Send; if the channel refuses us for good (deleted, no permission), use the fallback channel.

        Raises Undeliverable when no channel takes it; other errors propagate (the try failed).
        """
        try:
            return await channel.send(**message.send_kwargs(image))
        except (discord.Forbidden, discord.NotFound) as exc:
            fallback = message.fallback_channel_id
            if fallback is None or fallback == row.channel_id:
                raise Undeliverable(f"channel {row.channel_id}: {exc}") from exc
            log.warning("channel %s refused announcement %s (%s); posting in %s", row.channel_id, row.id, exc, fallback)
        other = self.bot.get_partial_messageable(fallback, guild_id=row.guild_id)
        try:
            return await other.send(**message.send_kwargs(image))
        except (discord.Forbidden, discord.NotFound) as exc:
            raise Undeliverable(f"channels {row.channel_id} and {fallback}: {exc}") from exc

    async def _find_posted(
        self, channel: discord.PartialMessageable, candidates: list[Outgoing]
    ) -> discord.Message | None:
        """A recent message of ours with the content of one of `candidates`, if the channel shows one."""
        user = self.bot.user
        contents = {m.content for m in candidates if m.content is not None}
        if user is None or not contents:
            return None
        try:
            async for earlier in channel.history(limit=50):
                if earlier.author.id == user.id and earlier.content in contents:
                    return earlier
        except discord.HTTPException:
            log.warning("could not read channel %s to check for an earlier post", channel.id)
        return None

    # ------------------------------------------------------------------ failures and retries

    async def _try_failed(self, row: AnnouncementRow, exc: BaseException) -> None:
        if self._closing:
            return  # stopped under it: not the announcement's fault; the next start tries again
        attempts = row.attempts + 1
        retry_at = rules.next_attempt(attempts, self.bot.clock.now())
        error = _describe(exc)
        if retry_at is None:
            await self._give_up(row, attempts, error)
            return
        log.warning(
            "announcement %s (%s:%s) failed (try %d of %d), next try at %s: %s",
            row.id, row.kind, row.ref_id, attempts, rules.MAX_ATTEMPTS, retry_at.isoformat(timespec="seconds"), error,
        )  # fmt: skip
        await store.mark_failed(self.bot.svc.db, row.id, attempts, retry_at, error)

    async def _give_up(self, row: AnnouncementRow, attempts: int, error: str) -> None:
        if await store.mark_undeliverable(self.bot.svc.db, row.id, attempts, self.bot.clock.now(), error):
            log.error(
                "announcement %s (%s:%s) undeliverable after %d tr%s, given up: %s",
                row.id, row.kind, row.ref_id, attempts, "y" if attempts == 1 else "ies", error,
            )  # fmt: skip

    async def _arm(self) -> None:
        """Make sure something wakes up for the earliest announcement waiting for its next try."""
        when = await store.next_attempt_at(self.bot.svc.db, self.bot.settings.shards)
        if self._recheck_at is not None:  # something another process was posting: look again then
            when = self._recheck_at if when is None else min(when, self._recheck_at)
            self._recheck_at = None
        if when is None or self._closing:
            return
        if self._sleeper is not None and not self._sleeper.done() and self._wake_at is not None:
            if self._wake_at <= when:
                return
            self._sleeper.cancel()
        self._wake_at = when
        self._sleeper = asyncio.get_running_loop().create_task(self._sleep_until(when), name="fitbet-outbox-sleeper")

    async def _sleep_until(self, when: datetime) -> None:
        await self.bot.clock.sleep_until(when)
        self._sleeper, self._wake_at = None, None
        self._spawn(self.post(), f"{TASK_PREFIX}-retry")

    # ------------------------------------------------------------------ images

    def _draw(self, image: DeferredImage, row: AnnouncementRow) -> Drawing:
        return self._spawn(asyncio.wait_for(image.draw(), IMAGE_TIMEOUT), f"{TASK_PREFIX}-draw-{row.id}")

    def _drawn(self, drawing: Drawing | None, row: AnnouncementRow) -> tuple[bytes | None, bool]:
        """(the image, whether its drawing is over), never waiting: a drawing still going on is added
        by an edit later; one that failed or drew nothing leaves the message without it."""
        if drawing is None or not drawing.done():
            return None, False
        if drawing.cancelled():
            return None, True
        try:
            return drawing.result(), True
        except Exception:
            log.exception("the image of announcement %s (%s:%s) could not be drawn", row.id, row.kind, row.ref_id)
            return None, True

    def _add_image_later(
        self, ann_id: int, channel_id: int, message_id: int, message: Outgoing, drawing: Drawing
    ) -> None:
        if ann_id in self._images:
            return
        work = self._edit_in_image(ann_id, channel_id, message_id, message, drawing)
        task = self._spawn(work, f"{TASK_PREFIX}-image-{ann_id}")
        self._images[ann_id] = task
        task.add_done_callback(lambda _: self._images.pop(ann_id, None))

    async def _resume_image(self, row: AnnouncementRow) -> None:
        """A message posted without its image (in an earlier run, or the edit failed): add it now."""
        if row.id in self._images:
            return
        if row.message_id is None or row.message_channel_id is None:
            await store.mark_image_done(self.bot.svc.db, row.id)
            return
        try:
            message = await self._render(row)
        except Exception as exc:
            await self._image_failed(row, exc)
            return
        if message is None or message.image is None:
            await store.mark_image_done(self.bot.svc.db, row.id)
            return
        drawing = self._draw(message.image, row)
        self._add_image_later(row.id, row.message_channel_id, row.message_id, message, drawing)

    async def _edit_in_image(
        self, ann_id: int, channel_id: int, message_id: int, message: Outgoing, drawing: Drawing
    ) -> None:
        db = self.bot.svc.db
        try:
            image = await drawing
        except Exception:
            log.exception("the image of announcement %s could not be drawn", ann_id)
            image = None
        if image is None:  # never holds the message back, never retried: the message stays without it
            await store.mark_image_done(db, ann_id)
            return
        partial = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await partial.edit(**message.image_edit_kwargs(image))
        except (discord.Forbidden, discord.NotFound) as exc:
            log.warning("could not add the image to announcement %s (message %s): %s", ann_id, message_id, exc)
        except Exception as exc:
            row = await store.get(db, ann_id)
            if row is not None:
                await self._image_failed(row, exc)
            return
        await store.mark_image_done(db, ann_id)

    async def _image_failed(self, row: AnnouncementRow, exc: BaseException) -> None:
        if self._closing:
            return
        attempts = row.attempts + 1
        retry_at = rules.next_attempt(attempts, self.bot.clock.now())
        error = _describe(exc)
        if retry_at is None:
            log.error("gave up adding the image to announcement %s after %d tries: %s", row.id, attempts, error)
            await store.mark_image_done(self.bot.svc.db, row.id)
            return
        log.warning("adding the image to announcement %s failed (try %d): %s", row.id, attempts, error)
        await store.mark_failed(self.bot.svc.db, row.id, attempts, retry_at, error)
        await self._arm()

    # ------------------------------------------------------------------ tasks

    def _spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(_forget)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Stop waking up and stop adding images; what was not finished is recorded and done at the next start."""
        self._closing = True
        pending = [t for t in (self._sleeper, *self._tasks) if t is not None and not t.done()]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _forget(task: asyncio.Task[Any]) -> None:
    """Whoever awaited it has seen its error; one nobody awaited (left at a stop) ends quietly."""
    if not task.cancelled():
        task.exception()


def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None:
        task.cancel()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
