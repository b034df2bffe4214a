"""The Bot subclass: start-up, wiring and clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot import faults, startup
from bot.clock import Clock, SystemClock
from bot.domain import datewords
from bot.health import Heartbeat
from bot.outbox import Announcer, Outbox
from bot.render.chart import ChartRenderer
from bot.render.commands import CommandMentions
from bot.scheduling import Timers
from bot.services.context import Services
from bot.services.wiring import wire
from bot.settings import DISCORD_API_BASE, Settings
from bot.shutdown import InteractionGate
from bot.store.announcements import AnnouncementRow
from bot.store.db import Database

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.errors",
    "cogs.names",
    "cogs.help",
    "cogs.challenge",
    "cogs.admin",
    "cogs.records",
    "cogs.bet",
    "cogs.penalty",
    "cogs.card",
)


class FitbetBot(commands.AutoShardedBot):
    """One code path for one process or many: without SHARD_COUNT it runs shard 0 of 1 (every server);
    with it, the shards SHARD_IDS names (all by default), each on its own gateway connection."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        shards = settings.shards
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=shards.count,
            shard_ids=shards.sorted_ids,
        )
        self.settings = settings
        self.shards_owned = shards
        """The shards this process runs: `shards_owned.owns(guild_id)` for the servers it answers for."""
        self.clock: Clock = clock or SystemClock()
        self.outbox = Outbox(self)
        self._svc: Services | None = None
        self._db: Database | None = None
        self.interactions = InteractionGate(self._connection)
        self._catch_up_task: asyncio.Task[None] | None = None
        self.catch_up_done = asyncio.Event()
        self.charts = ChartRenderer(settings.chart_processes)
        self.command_ids: dict[int | None, dict[str, int]] = {}  # per server (None: global) → name → id
        beat_file = settings.heartbeat_file  # for `python -m bot health` (bot/health.py)
        self.heartbeat = None if beat_file is None else Heartbeat(beat_file, settings.heartbeat_max_age_seconds)
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._logged_in = False  # discord.py's sharded close() needs what login() set up

    @property
    def svc(self) -> Services:
        if self._svc is None:
            raise RuntimeError("services are available after setup_hook")
        return self._svc

    @property
    def timers(self) -> Timers:
        return self.svc.timers

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        # Where Discord's REST API lives (tests point it at the emulator).
        discord.http.Route.BASE = self.settings.discord_api_base
        # Local faults first, each as one line (bot.startup): the database, then whether Discord answers.
        self._db, applied = await startup.prepare_database(self.settings)
        if applied:
            log.info("database migrated: %s", ", ".join(applied))
        await startup.wait_for_discord(self.settings.discord_api_base, self.settings.discord_connect_retry_seconds)
        await self.login(token)
        log.info("running %s", self.shards_owned)
        if self.settings.discord_api_base != DISCORD_API_BASE:
            # discord.py dials Discord's gateway directly; elsewhere, ask the API where it is.
            _, url, _ = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await self.connect(reconnect=reconnect)

    async def login(self, token: str) -> None:
        self._logged_in = True
        await super().login(token)

    async def setup_hook(self) -> None:
        faults.arm(self.settings.test_crash_at)
        self.charts.start()  # the chart workers load matplotlib now, not when the first result is due
        await asyncio.to_thread(datewords.warm_up)  # ~0.1 s once, in a thread: not in the first member's command
        if self._db is None:
            raise RuntimeError("start() opens the database before setup_hook")
        db = self._db
        timers = Timers(db, self.clock, shards=self.shards_owned)  # runs its own servers' deadlines
        timers.after_run(self.post_announcements)
        timers.after_each(self.outbox.kick)
        self._svc = Services(db=db, clock=self.clock, settings=self.settings, timers=timers)
        wire(self._svc)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()
        self._catch_up_task = asyncio.get_running_loop().create_task(self._catch_up(), name="fitbet-catch-up")
        if self.heartbeat is not None:
            self.add_listener(self.heartbeat.beat_now, "on_ready")
            self.add_listener(self.heartbeat.beat_now, "on_resumed")
            self._heartbeat_task = asyncio.get_running_loop().create_task(
                self.heartbeat.keep(self.gateway_open), name="fitbet-heartbeat"
            )

    def gateway_open(self) -> bool:
        """Whether every gateway connection of this process (one per shard) is up: a shard that is down
        leaves its servers unanswered. discord.py closes a connection that heard nothing for 60 s."""
        if not self.is_ready() or self.is_closed():
            return False
        connected = self.shards
        return set(connected) == self.shards_owned.ids and not any(s.is_closed() for s in connected.values())

    async def sync_commands(self) -> None:
        if self.settings.dev_guild_ids:
            for guild_id in self.settings.dev_guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                self.command_ids[guild_id] = {command.name: command.id for command in synced}
                log.info("synced %d command(s) to server %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            self.command_ids[None] = {command.name: command.id for command in synced}
            log.info("synced %d global command(s)", len(synced))

    def command_mentions(self, guild_id: int | None) -> CommandMentions:
        """Clickable mentions of the commands as synced for this server (or globally)."""
        return CommandMentions({**self.command_ids.get(None, {}), **self.command_ids.get(guild_id, {})})

    async def _catch_up(self) -> None:
        """Once ready, start the timers (bot.scheduling): their first pass settles what passed while
        we were down and posts the outbox; then they sleep until the next pending row."""
        await self.wait_until_ready()
        try:
            self.timers.start()
            log.info("scheduler started with %d pending timer(s)", await self.timers.pending())
            ran = await self.timers.caught_up()
            log.info("start-up catch-up done: %d overdue timer(s) handled", ran)
        except Exception:
            log.exception("catch-up failed")
        finally:
            self.catch_up_done.set()

    def announcer(self, kind: str, render: Announcer) -> None:
        """Register how to render one kind of queued announcement."""
        self.outbox.register(kind, render)

    def after_post(self, listener: Callable[[AnnouncementRow], None]) -> None:
        """Told of each announcement once it is handled (posted or not): e.g. a live card shows it."""
        self.outbox.after_post(listener)

    async def post_announcements(self) -> int:
        """Post what the outbox holds (bot/outbox.py): each once, retried on a schedule, never held back by a chart."""
        return await self.outbox.post()

    async def close(self) -> None:
        if self._heartbeat_task is not None:  # stopping is not healthy: the health check says so at once
            self._heartbeat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat_task
        if self.heartbeat is not None:
            self.heartbeat.clear()
        # Members first: refuse new interactions, let those in flight answer, then close the rest.
        await self.interactions.close(self.settings.shutdown_grace_seconds)
        await self.outbox.close()  # what it had not finished is recorded: the next start does it
        if self._catch_up_task is not None and not self._catch_up_task.done():
            # Whatever it had not finished is still due in the database: the next start does it.
            self._catch_up_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catch_up_task
        if self._svc is not None:
            await self._svc.timers.stop()
        if self._logged_in:  # before login (a start-up fault) nothing of Discord's is open
            await super().close()
        self.charts.close()
        db, self._db, self._svc = self._db, None, None
        if db is not None:
            await db.close()
