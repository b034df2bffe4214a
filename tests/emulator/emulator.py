# ruff: noqa: ASYNC109  (driver calls take `timeout=` like the rest of the test API)
"""`DiscordEmulator`: a local Discord (REST v10 + gateway) for the real discord.py bot, and the
driver API tests use to act as members (slash commands, autocomplete, buttons, modals).

Typical use::

    async with DiscordEmulator() as emu:
        guild = emu.create_guild("Gym", member_names=["alice", "bob"])
        ...  # start the bot against emu.api_base with token emu.token
        await emu.wait_for_commands_synced([guild])
        res = await emu.invoke(guild.members["alice"], "challenge create", activity="pushups")
        assert not res.ephemeral and "pushups" in res.text
        assert emu.violations == []
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

from aiohttp import BodyPartReader, web

from tests.emulator import limits
from tests.emulator.gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    GatewaySession,
    supported_compressions,
)
from tests.emulator.interactions import (
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    RESPONSE_AUTOCOMPLETE_RESULT,
    RESPONSE_CHANNEL_MESSAGE,
    RESPONSE_DEFERRED_CHANNEL_MESSAGE,
    RESPONSE_DEFERRED_UPDATE_MESSAGE,
    RESPONSE_MODAL,
    RESPONSE_UPDATE_MESSAGE,
    TOKEN_LIFETIME_S,
    InteractionResult,
)
from tests.emulator.models import (
    ADMINS_PERMISSIONS,
    BOT_ROLE_PERMISSIONS,
    EVERYONE_PERMISSIONS,
    JSON,
    Channel,
    Choice,
    Guild,
    Member,
    Message,
    Modal,
    Permission,
    Role,
    StoredAttachment,
    User,
    Violation,
)
from tests.emulator.openapi import OpenApiValidator, get_validator
from tests.emulator.snowflake import next_id, shard_of

log = logging.getLogger("emulator")

API_PREFIX = "/api/v10"
DEFAULT_TOKEN = "emulator-test-token"  # not a real Discord token, never was


class EmulatorError(Exception):
    """Base class of the emulator's own errors."""


class DriverError(EmulatorError):
    """The test asked for something a real Discord client could not do (unknown command, bad option…)."""


class UnknownCommandError(DriverError):
    """The command, subcommand or option was never synced by the bot."""


class BotNotConnectedError(DriverError):
    """No bot is connected to the gateway."""


class EmulatorTimeoutError(EmulatorError, TimeoutError):
    """Waiting for the bot took too long."""


class InteractionNotAcknowledgedError(EmulatorTimeoutError):
    """The bot did not answer an interaction within Discord's 3-second window."""


class InteractionRejectedError(EmulatorError):
    """The bot answered an interaction with something Discord refuses (see `violations`)."""


@dataclass
class RequestRecord:
    """One HTTP request the bot made."""

    method: str
    path: str
    status: int = 0
    body: Any = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Upload:
    index: int
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]
    auth: bool
    openapi_path: str | None


class _ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors


_ROUTE: web.RequestKey[_Route] = web.RequestKey("emulator_route", _Route)
_RECORD: web.RequestKey[RequestRecord] = web.RequestKey("emulator_record", RequestRecord)


def _json_response(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json" (no charset): discord.py compares the header verbatim.
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _snowflake(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise _ApiError(404, 10003, "Unknown Channel") from None


class DiscordEmulator:
    """A local Discord: an aiohttp server on 127.0.0.1 plus the driver API for tests.

    State (guilds, users, messages, synced commands) lives on this object and survives bots
    disconnecting and reconnecting. Everything the bot sends that real Discord would reject,
    or that breaks a documented limit, is recorded in `violations` (and answered with the
    error Discord would give). Routes the emulator does not know land in `unhandled_routes`.
    """

    created: ClassVar[list[DiscordEmulator]] = []
    """Every emulator created (strong references): the e2e conftest checks and clears them per test."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "fitbet",
        ack_deadline: float = 3.0,
        timeout: float = 10.0,
        openapi: bool | Path = True,
        now: Callable[[], datetime] | None = None,
        shards: int = 1,
        require_sharding: bool = False,
    ) -> None:
        """
        :param token: the bot token the emulator accepts (anything else gets 401 / close 4004).
        :param ack_deadline: seconds (real time) the bot has to acknowledge an interaction.
        :param timeout: default seconds the driver waits for the bot before raising.
        :param openapi: validate request bodies against Discord's OpenAPI file when it exists;
            `False` turns that layer off, a `Path` points at another copy of the file.
        :param now: the clock for message timestamps and interaction-token expiry (15 min);
            the harness passes the bot's ManualClock so moved time is seen by the emulator too.
        :param shards: the shard count `GET /gateway/bot` recommends, and the count
            `create_guild(shard=…)` places guilds by.
        :param require_sharding: close a session identifying with fewer than `shards` shards
            (or none) with 4011 "Sharding required", as Discord does for a bot in too many guilds.
        """
        if shards < 1:
            raise ValueError("shards must be at least 1")
        self.shards = shards
        self.require_sharding = require_sharding
        self.token = token
        self.ack_deadline = ack_deadline
        self.timeout = timeout
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.bot_user = User(id=next_id(), username=bot_name, global_name=None, bot=True)
        self.application_id = self.bot_user.id
        self.application_flags = 1 << 23  # GATEWAY_MESSAGE_CONTENT_LIMITED
        self.guilds: list[Guild] = []
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.dm_channels: dict[int, Channel] = {}
        self.violations: list[Violation] = []
        self.unhandled_routes: list[str] = []
        self.requests: list[RequestRecord] = []
        self.rejections: list[RequestRecord] = []
        """Requests answered with a legitimate 4xx (missing permissions, unknown message…)."""
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        self.sync_log: list[tuple[int | None, float]] = []
        """(guild id or None for global, monotonic time) of every command bulk overwrite."""
        self.idle_probe: Callable[[], Awaitable[None]] | None = None
        """Set by an in-process harness: waits until the bot's handler tasks are done."""
        self.quiet_period = 0.15
        """Without an idle probe, `settle()` waits for this long without any request."""
        self.attachment_size_limit = 10 * 1024 * 1024
        """Bytes per uploaded file (sent to the bot as the interactions' `attachment_size_limit`;
        a larger upload is a violation answered with 413). Lower it to test the bot's checks."""
        self.attachment_url_ttl = timedelta(hours=24)
        """How long a signed attachment link works (by `now`), like Discord's CDN links."""
        self._url_key = secrets.token_bytes(16)

        self._messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[Message]] = {}
        self._attachments: dict[int, StoredAttachment] = {}
        self._interactions: dict[int, InteractionResult] = {}
        self._interactions_by_token: dict[str, InteractionResult] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._sessions: list[GatewaySession] = []
        self._closed_sessions: list[GatewaySession] = []
        self.refused_sessions: list[GatewaySession] = []
        """Sessions whose IDENTIFY was refused (4010 invalid shard, 4011 sharding required)."""
        self._inflight = 0
        self._request_seq = 0
        self._changed = asyncio.Event()
        self._background: set[asyncio.Task[Any]] = set()
        self._forced_429: dict[int, list[float]] = {}
        self._channel_rate: tuple[int, float] | None = None
        self._channel_hits: dict[int, list[float]] = {}
        self._limit_edits = False
        self._edit_hits: dict[int, list[float]] = {}
        self._injected: list[tuple[str, re.Pattern[str], int, int, str]] = []
        self._limit_edits = False
        self._edit_hits: dict[int, list[float]] = {}
        self._routes: list[_Route] = []
        self._openapi: OpenApiValidator | None = None
        self._openapi_setting = openapi
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._register_routes()
        DiscordEmulator.created.append(self)

    # =============================================================================================
    # lifecycle
    # =============================================================================================

    async def start(self) -> str:
        """Start the server on a free port; returns the REST base URL (`…/api/v10`)."""
        if self._openapi_setting:
            spec = self._openapi_setting if isinstance(self._openapi_setting, Path) else None
            self._openapi = await asyncio.to_thread(get_validator, spec)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_get("/attachments/{id}/{filename}", self._attachment_handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api_handler)
        app.router.add_route("*", "/{tail:.*}", self._unknown_handler)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and isinstance(server, asyncio.base_events.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self.api_base

    async def stop(self) -> None:
        """Close every gateway connection and the server."""
        for rec in self._interactions.values():
            if rec._deadline_handle:
                rec._deadline_handle.cancel()
        for session in list(self._sessions):
            with contextlib.suppress(Exception):
                await session.ws.close(code=1001, message=b"emulator stopping")
        for task in list(self._background):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What the bot sets as `discord.http.Route.BASE` (setting DISCORD_API_BASE)."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def openapi_enabled(self) -> bool:
        return self._openapi is not None

    # =============================================================================================
    # world building (driver)
    # =============================================================================================

    def create_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> User:
        """A Discord user (not a member of any guild until `add_member`)."""
        user = User(id=next_id(), username=name.lower(), global_name=global_name or name, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str,
        member_names: Iterable[str] = ("alice", "bob", "carol"),
        *,
        channel_names: Iterable[str] = ("general", "announcements"),
        admin_name: str = "admin",
        owner_name: str = "owner",
        shard: int | None = None,
    ) -> Guild:
        """A server with text channels, roles (@everyone, Admins, the bot's role), an owner, an admin
        (a member with the Admins role: Manage Server), the given members and the bot itself.

        `guild.members` is keyed by name (`guild.members["alice"]`); `guild.channels["general"]`.
        `shard`: an id that Discord routes to this shard of `emulator.shards` (default: any).
        """
        guild = Guild(id=next_id(shard=None if shard is None else (shard, self.shards)), name=name)
        everyone = Role(id=guild.id, guild_id=guild.id, name="@everyone", permissions=EVERYONE_PERMISSIONS)
        guild.roles["@everyone"] = everyone
        guild.add_role("Admins", ADMINS_PERMISSIONS)
        bot_role = guild.add_role(self.bot_user.username, BOT_ROLE_PERMISSIONS, managed=True)
        for channel_name in channel_names:
            guild.add_channel(channel_name)
        if not guild.channels:
            guild.add_channel("general")
        owner = self._new_member(guild, self.create_user(owner_name))
        guild.owner_id = owner.id
        guild.owner = owner
        guild.admin = self._new_member(guild, self.create_user(admin_name), [guild.admins_role])
        for member_name in member_names:
            self._new_member(guild, self.create_user(member_name))
        guild.bot_member = self._new_member(guild, self.bot_user, [bot_role])
        self.guilds.append(guild)
        self.guild_commands.setdefault(guild.id, [])
        for session in self._sessions_for(guild.id):
            payload = guild.to_payload(all_members=bool(session.intents & INTENT_GUILD_MEMBERS))
            self._spawn(session.dispatch("GUILD_CREATE", payload))
        return guild

    def _new_member(self, guild: Guild, user: User, roles: Sequence[Role] = ()) -> Member:
        member = Member(user=user, guild=guild, roles=list(roles), joined_at=self.now())
        key = user.username
        while key in guild.members:
            key += "_"
        guild.members[key] = member
        return member

    def add_member(self, guild: Guild, user: User | str, *, roles: Sequence[Role] = ()) -> Member:
        """Add a user (or a new user with this name) to a guild."""
        if isinstance(user, str):
            user = self.create_user(user)
        existing = guild.member(user)
        if existing is not None:
            return existing
        member = self._new_member(guild, user, roles)
        self._broadcast(
            "GUILD_MEMBER_ADD", member.to_payload() | {"guild_id": str(guild.id)}, intent=INTENT_GUILD_MEMBERS
        )
        return member

    def add_bot(self, guild: Guild, name: str = "otherbot") -> Member:
        """Another bot account in the guild (e.g. to check the bot refuses bots as opponents)."""
        return self.add_member(guild, self.create_user(name, bot=True))

    def remove_member(self, guild: Guild, member: Member) -> None:
        for key, value in list(guild.members.items()):
            if value is member:
                del guild.members[key]
        self._broadcast(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild.id), "user": member.user.to_payload()},
            intent=INTENT_GUILD_MEMBERS,
        )

    def add_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        channel = guild.add_channel(name, topic=topic)
        self._broadcast("CHANNEL_CREATE", channel.to_payload())
        return channel

    def update_channel(self, channel: Channel) -> None:
        """Tell the bot a channel changed (e.g. after `channel.overwrite(...)`)."""
        self._broadcast("CHANNEL_UPDATE", channel.to_payload())

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        role = guild.add_role(name, permissions)
        self._broadcast("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_payload()})
        return role

    def give_role(self, member: Member, role: Role) -> None:
        if role not in member.roles:
            member.roles.append(role)
        self._broadcast(
            "GUILD_MEMBER_UPDATE",
            member.to_payload() | {"guild_id": str(member.guild.id)},
            intent=INTENT_GUILD_MEMBERS,
        )

    def delete_message(self, message: Message | int) -> None:
        """Someone (its author or a moderator) deletes a message: later fetches and edits get 404."""
        target = message if isinstance(message, Message) else self._messages[message]
        if target.deleted:
            raise DriverError(f"message {target.id} is already deleted")
        self._delete(target)

    def post_message(self, member: Member, channel: Channel | None = None, content: str = "") -> Message:
        """A member writes a plain message (MESSAGE_CREATE reaches bots with the GUILD_MESSAGES
        intent; the content only with MESSAGE_CONTENT or when the bot is mentioned)."""
        channel = channel or member.guild.default_channel
        message = Message(
            id=next_id(),
            channel_id=channel.id,
            guild_id=member.guild.id,
            author=member.user,
            content=content,
            created_at=self.now(),
        )
        self._messages[message.id] = message
        self._channel_messages.setdefault(channel.id, []).append(message)
        channel.last_message_id = message.id
        for session in self._sessions_for(member.guild.id):
            if not session.intents & INTENT_GUILD_MESSAGES:
                continue
            payload = message.to_payload() | {"member": member.to_payload(with_user=False)}
            mentioned = self.bot_user.mention in content or f"<@!{self.bot_user.id}>" in content
            if not session.intents & INTENT_MESSAGE_CONTENT and not mentioned:
                payload |= {"content": "", "embeds": [], "attachments": [], "components": []}
            self._spawn(session.dispatch("MESSAGE_CREATE", payload))
        self._notify()
        return message

    def attachment(
        self,
        filename: str,
        data: bytes = b"proof",
        *,
        content_type: str | None = None,
        download_status: int | None = None,
    ) -> StoredAttachment:
        """A file a member uploads, for attachment options (`proof=emu.attachment("run.png", png)`).

        The bot gets a signed link that works for `attachment_url_ttl`; with `download_status`
        (e.g. 503) every download of it fails with that status."""
        att_id = next_id()
        att = StoredAttachment(
            id=att_id,
            filename=filename,
            data=data,
            content_type=content_type or _guess_type(filename),
            url=f"{self.base_url}/attachments/{att_id}/{filename}",
            ephemeral=True,
            download_status=download_status,
            signer=self._sign_url,
        )
        self._attachments[att_id] = att
        return att

    def _signature(self, att_id: int, expires: str, issued: str) -> str:
        return hmac.new(self._url_key, f"{att_id}:{expires}:{issued}".encode(), hashlib.sha256).hexdigest()[:32]

    def _sign_url(self, att: StoredAttachment) -> str:
        """A link to the file as Discord's CDN gives it: `?ex=<expiry>&is=<issued>&hm=<signature>` (hex)."""
        issued = self.now()
        ex, is_ = f"{int((issued + self.attachment_url_ttl).timestamp()):x}", f"{int(issued.timestamp()):x}"
        return f"{att.url}?ex={ex}&is={is_}&hm={self._signature(att.id, ex, is_)}&"

    def guild_by_id(self, guild_id: int) -> Guild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def channel_by_id(self, channel_id: int) -> Channel | None:
        for guild in self.guilds:
            channel = guild.channel_by_id(channel_id)
            if channel is not None:
                return channel
        return self.dm_channels.get(channel_id)

    def _guild_of_channel(self, channel: Channel) -> Guild | None:
        return self.guild_by_id(channel.guild_id) if channel.guild_id else None

    # =============================================================================================
    # reading what the bot did (driver)
    # =============================================================================================

    def messages(self, channel: Channel | int, *, include_ephemeral: bool = True) -> list[Message]:
        """Messages in a channel, oldest first (deleted ones left out)."""
        channel_id = channel if isinstance(channel, int) else channel.id
        return [
            m
            for m in self._channel_messages.get(channel_id, [])
            if not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    def last_message(self, channel: Channel | int, *, include_ephemeral: bool = False) -> Message | None:
        """The newest message in a channel (by default the newest one everybody can see)."""
        found = self.messages(channel, include_ephemeral=include_ephemeral)
        return found[-1] if found else None

    def dm_messages(self, user: User | Member) -> list[Message]:
        """Direct messages the bot sent to `user`, oldest first."""
        uid = user.id
        channels = [c for c in self.dm_channels.values() if c.recipients and c.recipients[0].id == uid]
        return [m for c in channels for m in self.messages(c)]

    def message(self, message_id: int) -> Message:
        return self._messages[message_id]

    @property
    def all_messages(self) -> list[Message]:
        return sorted(self._messages.values(), key=lambda m: m.id)

    def commands(self, guild: Guild | None = None) -> list[JSON]:
        """The commands a member of `guild` sees (guild commands, then global), as synced."""
        out = list(self.guild_commands.get(guild.id, [])) if guild else []
        names = {(c.get("type", 1), c["name"]) for c in out}
        out += [c for c in self.global_commands if (c.get("type", 1), c["name"]) not in names]
        return out

    def command_names(self, guild: Guild | None = None) -> list[str]:
        """Every invocable slash command path, e.g. ["challenge create", "help"]."""
        paths: list[str] = []
        for cmd in self.commands(guild):
            if cmd.get("type", 1) != 1:
                continue
            subs = [o for o in cmd.get("options") or [] if o.get("type") in (1, 2)]
            if not subs:
                paths.append(cmd["name"])
            for sub in subs:
                if sub["type"] == 1:
                    paths.append(f"{cmd['name']} {sub['name']}")
                else:
                    paths += [f"{cmd['name']} {sub['name']} {s['name']}" for s in sub.get("options") or []]
        return paths

    def take_violations(self) -> list[Violation]:
        """Return and clear the recorded violations (for tests that provoke one on purpose)."""
        found = list(self.violations)
        self.violations.clear()
        return found

    async def drop_connection(self, code: int = 4000, *, shard: int | None = None) -> None:
        """Close the bot's gateway connection like a network hiccup (4000: discord.py reconnects
        and RESUMEs; 4004 etc. are fatal). Wait for the comeback with `wait_for_connection()`.
        `shard`: only the session(s) running this shard id (default: every session)."""
        for session in self._live_sessions():
            if shard is not None and (session.shard or (0, 1))[0] != shard:
                continue
            await session.ws.close(code=code, message=b"emulator dropped the connection")
            await session.closed.wait()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes the connection and RESUMEs on a new one."""
        for session in self._live_sessions():
            await session.send(7, None)

    @property
    def connected(self) -> bool:
        return any(s.identified.is_set() and not s.closed.is_set() for s in self._sessions)

    @property
    def sessions(self) -> list[GatewaySession]:
        return list(self._sessions)

    def shard_of(self, guild: Guild | int | None, shard_count: int | None = None) -> int:
        """The shard Discord routes this guild's events to, of `shard_count` (default `shards`);
        DMs (None) go to shard 0."""
        if guild is None:
            return 0
        return shard_of(guild if isinstance(guild, int) else guild.id, shard_count or self.shards)

    def session_for_shard(self, shard_id: int, shard_count: int | None = None) -> GatewaySession | None:
        """The live, identified session that runs this shard (of `shard_count`, default `shards`)."""
        wanted = (shard_id, shard_count or self.shards)
        found = [s for s in self._live_sessions() if s.shard == wanted]
        return found[-1] if found else None

    async def wait_for_shards(
        self, shard_ids: Iterable[int] | None = None, *, shard_count: int | None = None, timeout: float | None = None
    ) -> list[GatewaySession]:
        """Wait until a live session has identified for each shard (default: every shard of
        `shard_count`, itself `shards` by default); returns them in the order asked."""
        count = shard_count or self.shards
        ids = list(range(count) if shard_ids is None else shard_ids)
        await self.wait_until(
            lambda: all(self.session_for_shard(i, count) is not None for i in ids),
            timeout,
            f"gateway sessions for shards {ids} of {count}",
        )
        return [s for i in ids if (s := self.session_for_shard(i, count)) is not None]

    # =============================================================================================
    # rate limits (switchable)
    # =============================================================================================

    def force_rate_limit(self, channel: Channel | int, *, hits: int = 1, retry_after: float = 0.05) -> None:
        """The next `hits` message posts to `channel` get 429 with `retry_after`."""
        channel_id = channel if isinstance(channel, int) else channel.id
        self._forced_429.setdefault(channel_id, []).extend([retry_after] * hits)

    def fail_next(
        self, method: str, path: str, *, status: int = 400, code: int = 50035, message: str = "Invalid Form Body"
    ) -> None:
        """The next request `method` whose path (after `/api/v10`) matches the regex `path` is
        refused with `status` and Discord's error `code` (a fault to test the bot's error paths),
        e.g. `fail_next("PATCH", r"/webhooks/.*/messages/@original", status=413, code=40005)`."""
        self._injected.append((method.upper(), re.compile(path), status, code, message))

    def set_channel_rate_limit(self, limit: int | None, per: float = 5.0, *, edits: bool = False) -> None:
        """Enforce at most `limit` message posts per channel per `per` seconds (None: off); with
        `edits`, message edits too, in a bucket of their own per channel."""
        self._channel_rate = None if limit is None else (limit, per)
        self._limit_edits = edits
        self._channel_hits.clear()
        self._edit_hits.clear()

    # =============================================================================================
    # waiting
    # =============================================================================================

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float | None = None, what: str = "a condition"
    ) -> None:
        """Wait (event-driven, no polling sleeps) until `predicate()` holds."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorTimeoutError(f"timed out after {limit:.1f}s waiting for {what}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_connection(self, timeout: float | None = None) -> GatewaySession:
        """Wait until a bot has identified on the gateway; returns the newest session."""
        await self.wait_until(lambda: self.connected, timeout, "the bot to connect to the gateway")
        return [s for s in self._sessions if s.identified.is_set()][-1]

    async def wait_for_commands_synced(
        self, guilds: Guild | Iterable[Guild] | None = None, *, since: float = 0.0, timeout: float | None = None
    ) -> None:
        """Wait until commands were synced (bulk overwrite) for every guild after `since`
        (a `time.monotonic()` value). A non-empty global sync counts for every guild."""
        if guilds is None:
            targets = list(self.guilds)
        elif isinstance(guilds, Guild):
            targets = [guilds]
        else:
            targets = list(guilds)

        def synced() -> bool:
            global_done = any(g is None and t >= since for g, t in self.sync_log) and bool(self.global_commands)
            done = {g for g, t in self.sync_log if g is not None and t >= since}
            return all(global_done or g.id in done for g in targets)

        await self.wait_until(synced, timeout, f"command sync for {[g.name for g in targets]}")

    async def wait_for_message(
        self,
        channel: Channel | int,
        predicate: Callable[[Message], bool] | None = None,
        *,
        after: int = 0,
        timeout: float | None = None,
    ) -> Message:
        """Wait for a (non-ephemeral) message in `channel` with id > `after` matching `predicate`."""

        def found() -> Message | None:
            for m in self.messages(channel, include_ephemeral=False):
                if m.id > after and (predicate is None or predicate(m)):
                    return m
            return None

        await self.wait_until(lambda: found() is not None, timeout, f"a message in channel {channel}")
        result = found()
        assert result is not None
        return result

    async def settle(self, timeout: float | None = None) -> None:
        """Wait until the bot has stopped talking to the emulator.

        No request in flight and, with an `idle_probe` (in-process bot), the bot's handler tasks
        done; without one, no new request for `quiet_period` seconds.
        """
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            seq = self._request_seq
            await self.wait_until(
                lambda: self._inflight == 0 and not self._background,
                max(deadline - time.monotonic(), 0.01),
                "in-flight requests to finish",
            )
            if self.idle_probe is not None:
                try:
                    await asyncio.wait_for(self.idle_probe(), max(deadline - time.monotonic(), 0.01))
                except TimeoutError:
                    raise EmulatorTimeoutError(f"the bot was still busy after {limit:.1f}s") from None
                for _ in range(5):
                    await asyncio.sleep(0)
            else:
                quiet_until = time.monotonic() + self.quiet_period
                while time.monotonic() < quiet_until and self._request_seq == seq:
                    event = self._changed
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), quiet_until - time.monotonic())
            if self._inflight == 0 and self._request_seq == seq and not self._background:
                return
            if time.monotonic() > deadline:
                raise EmulatorTimeoutError(f"the bot kept sending requests for {limit:.1f}s")

    # =============================================================================================
    # interactions (driver)
    # =============================================================================================

    async def invoke(
        self,
        member: Member,
        command: str,
        /,
        *,
        channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        permission_override: bool = False,
        settle: bool = True,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> InteractionResult:
        """Run a slash command as `member`, e.g. `invoke(alice, "challenge create", activity="pushups")`.

        Options come as keyword arguments (`snake_case` also matches `kebab-case` names) or in
        `options=` (needed for an option literally called `channel`, `locale`, …). Values: str,
        int, float, bool, Member/User (user options), Channel, Role, StoredAttachment
        (`emu.attachment(...)`). Waits until the bot answered — for a deferred answer until the
        follow-up/edit arrived — and, with `settle`, until the bot stopped sending requests.

        Raises `UnknownCommandError` for a command/subcommand/option the bot did not sync,
        `DriverError` for values the Discord client would refuse, `InteractionNotAcknowledgedError`
        when the bot did not answer in time. A command hidden from the member by
        `default_member_permissions` raises unless `permission_override=True` (a server admin
        granted it to everyone in Server Settings → Integrations).
        """
        guild = member.guild
        channel = channel or guild.default_channel
        values = dict(options or {}) | kwargs
        cmd, chain, leaf_defs = self._find_command(guild, command)
        self._check_visible(member, cmd, command, permission_override)
        resolved: JSON = {}
        leaf_options = self._build_options(member, channel, command, leaf_defs, values, resolved, focused=None)
        data: JSON = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        nested = self._nest(chain, leaf_options)
        if nested:
            data["options"] = nested
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        rec = self._new_interaction(
            INTERACTION_APPLICATION_COMMAND, member, channel, data, locale=locale, command=command
        )
        return await self._run_interaction(rec, settle=settle, timeout=timeout)

    async def autocomplete(
        self,
        member: Member,
        command: str,
        option: str,
        value: str = "",
        /,
        *,
        channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        timeout: float | None = None,
        **kwargs: Any,
    ) -> list[Choice]:
        """Type `value` into `option` of `command` (other options already filled via kwargs);
        returns the choices the bot offered."""
        guild = member.guild
        channel = channel or guild.default_channel
        cmd, chain, leaf_defs = self._find_command(guild, command)
        values = dict(options or {}) | kwargs
        option_def = self._option_def(command, leaf_defs, option)
        if not option_def.get("autocomplete"):
            raise DriverError(f"option {option!r} of /{command} has no autocomplete")
        values[option_def["name"]] = value
        resolved: JSON = {}
        leaf_options = self._build_options(
            member, channel, command, leaf_defs, values, resolved, focused=option_def["name"]
        )
        data: JSON = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": self._nest(chain, leaf_options)}
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        rec = self._new_interaction(INTERACTION_AUTOCOMPLETE, member, channel, data, locale=locale, command=command)
        rec = await self._run_interaction(rec, settle=False, timeout=timeout)
        if rec.response_type != RESPONSE_AUTOCOMPLETE_RESULT or rec.choices is None:
            raise DriverError(f"the bot answered autocomplete with response type {rec.response_type}")
        return rec.choices

    async def click(
        self,
        member: Member,
        message: Message | int,
        custom_id: str | None = None,
        /,
        *,
        label: str | None = None,
        locale: str = "en-US",
        settle: bool = True,
        timeout: float | None = None,
    ) -> InteractionResult:
        """Click a button on a message (by `custom_id`, or by `label=`) as `member`."""
        msg = message if isinstance(message, Message) else self._messages[message]
        if custom_id is None:
            if label is None:
                raise DriverError("click() needs a custom_id or a label")
            button = msg.button(label)
        else:
            found = msg.component(custom_id)
            if found is None:
                raise DriverError(f"message {msg.id} has no component {custom_id!r}; it has {msg.custom_ids}")
            button = found
        if button.get("type") != 2:
            raise DriverError(f"component {button.get('custom_id')!r} is not a button")
        if button.get("disabled"):
            raise DriverError(f"button {button.get('label')!r} is disabled; a member cannot click it")
        if button.get("style") == 5 or "custom_id" not in button:
            raise DriverError("link buttons open a URL; they do not send an interaction")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._component_interaction(member, msg, data, locale, settle, timeout)

    async def select(
        self,
        member: Member,
        message: Message | int,
        custom_id: str,
        values: Sequence[str],
        /,
        *,
        locale: str = "en-US",
        settle: bool = True,
        timeout: float | None = None,
    ) -> InteractionResult:
        """Pick `values` in a string select menu."""
        msg = message if isinstance(message, Message) else self._messages[message]
        component = msg.component(custom_id)
        if component is None:
            raise DriverError(f"message {msg.id} has no component {custom_id!r}; it has {msg.custom_ids}")
        if component.get("type") != 3:
            raise DriverError("only string selects (type 3) are supported by the driver")
        allowed = {o["value"] for o in component.get("options", [])}
        if not set(values) <= allowed:
            raise DriverError(f"values {sorted(set(values) - allowed)} are not options of {custom_id!r}")
        lo, hi = component.get("min_values", 1), component.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise DriverError(f"select {custom_id!r} takes {lo}-{hi} values")
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self._component_interaction(member, msg, data, locale, settle, timeout)

    async def submit_modal(
        self,
        member: Member,
        modal: Modal,
        values: Mapping[str, str],
        /,
        *,
        locale: str = "en-US",
        settle: bool = True,
        timeout: float | None = None,
    ) -> InteractionResult:
        """Fill and submit a modal the bot opened (`res.modal`); `values` maps text-input custom_id → text."""
        origin = self._interactions.get(modal.interaction_id)
        if origin is None:
            raise DriverError("unknown modal")
        inputs = {c["custom_id"]: c for c in modal.text_inputs()}
        unknown = set(values) - set(inputs)
        if unknown:
            raise DriverError(
                f"modal {modal.custom_id!r} has no text inputs {sorted(unknown)}; it has {sorted(inputs)}"
            )
        for cid, item in inputs.items():
            text = values.get(cid, item.get("value") or "")
            if item.get("required", True) and not text:
                raise DriverError(f"text input {cid!r} is required")
            if len(text) > int(item.get("max_length") or 4000) or len(text) < int(item.get("min_length") or 0):
                raise DriverError(f"text for {cid!r} violates its min/max length")

        def rebuild(items: list[JSON]) -> list[JSON]:
            out: list[JSON] = []
            for c in items:
                if c.get("type") == 1:
                    out.append({"type": 1, "components": rebuild(c.get("components", []))})
                elif c.get("type") == 18:
                    out.append({"type": 18, "id": c.get("id", 0), "component": rebuild([c["component"]])[0]})
                elif c.get("type") == 4:
                    cid = c["custom_id"]
                    out.append(
                        {
                            "type": 4,
                            "id": c.get("id", 0),
                            "custom_id": cid,
                            "value": values.get(cid, c.get("value") or ""),
                        }
                    )
            return out

        data = {"custom_id": modal.custom_id, "components": rebuild(modal.components)}
        rec = self._new_interaction(
            INTERACTION_MODAL_SUBMIT,
            member,
            origin.channel,
            data,
            locale=locale,
            message=origin.source_message,
            command=f"modal {modal.custom_id}",
        )
        return await self._run_interaction(rec, settle=settle, timeout=timeout)

    async def redeliver(self, rec: InteractionResult, /, *, settle: bool = True, timeout: float | None = None) -> None:
        """Deliver an interaction the bot already got (same id, token and data) once more, as Discord's
        gateway may after a reconnect. A bot must not act on it twice; answering it again is refused
        (400 40060) and recorded as `interaction-acknowledged-twice`."""
        await self._deliver_interaction(rec)
        if settle:
            await self.settle(self.timeout if timeout is None else timeout)

    async def _component_interaction(
        self, member: Member, msg: Message, data: JSON, locale: str, settle: bool, timeout: float | None
    ) -> InteractionResult:
        if msg.deleted:
            raise DriverError("the message was deleted")
        if msg.ephemeral and msg.interaction_user is not None and msg.interaction_user.id != member.id:
            raise DriverError("only the member who triggered an ephemeral message can see (and click) it")
        channel = self.channel_by_id(msg.channel_id)
        assert channel is not None
        if channel.guild_id is not None and channel.guild_id != member.guild.id:
            raise DriverError("the member is not in the guild of that message")
        rec = self._new_interaction(
            INTERACTION_MESSAGE_COMPONENT, member, channel, data, locale=locale, message=msg, command=data["custom_id"]
        )
        return await self._run_interaction(rec, settle=settle, timeout=timeout)

    # ---- building interactions -----------------------------------------------------------------

    def _find_command(self, guild: Guild, path: str) -> tuple[JSON, list[JSON], list[JSON]]:
        """(top-level command, chain of subcommand group/subcommand options, leaf option defs)."""
        parts = path.strip().lstrip("/").split()
        if not parts:
            raise DriverError("empty command")
        available = [c for c in self.commands(guild) if c.get("type", 1) == 1]
        cmd = next((c for c in available if c["name"] == parts[0]), None)
        if cmd is None:
            raise UnknownCommandError(
                f"/{parts[0]} was not synced for guild {guild.name!r}; synced: {self.command_names(guild)}"
            )
        chain: list[JSON] = []
        defs: list[JSON] = cmd.get("options") or []
        for part in parts[1:]:
            sub = next((o for o in defs if o.get("type") in (1, 2) and o["name"] == part), None)
            if sub is None:
                raise UnknownCommandError(f"/{path}: {part!r} is not a subcommand; synced: {self.command_names(guild)}")
            chain.append(sub)
            defs = sub.get("options") or []
        if any(o.get("type") in (1, 2) for o in defs):
            raise UnknownCommandError(f"/{path} is a group; name one of its subcommands: {self.command_names(guild)}")
        return cmd, chain, defs

    def _check_visible(self, member: Member, cmd: JSON, path: str, override: bool) -> None:
        required = cmd.get("default_member_permissions")
        if required is None or override:
            return
        needed = int(required)
        have = member.base_permissions()
        if have == Permission.ALL:  # owner and Administrator see every command
            return
        if needed == 0 or (have & needed) != needed:
            raise DriverError(
                f"/{path} is hidden from {member.name} (default_member_permissions={needed}); "
                "pass permission_override=True to simulate a server admin who allowed it for everyone"
            )

    @staticmethod
    def _option_def(path: str, defs: list[JSON], name: str) -> JSON:
        for candidate in (name, name.replace("_", "-")):
            found = next((o for o in defs if o["name"] == candidate), None)
            if found is not None:
                return found
        raise UnknownCommandError(f"/{path} has no option {name!r}; options: {[o['name'] for o in defs]}")

    def _build_options(
        self,
        member: Member,
        channel: Channel,
        path: str,
        defs: list[JSON],
        values: Mapping[str, Any],
        resolved: JSON,
        *,
        focused: str | None,
    ) -> list[JSON]:
        given: dict[str, Any] = {}
        for key, value in values.items():
            option = self._option_def(path, defs, key)
            if value is not None:
                given[option["name"]] = value
        out: list[JSON] = []
        for option in defs:
            name = option["name"]
            if name not in given:
                if option.get("required") and focused is None:
                    raise DriverError(f"/{path}: required option {name!r} is missing")
                continue
            if name == focused:
                out.append({"name": name, "type": option["type"], "value": str(given[name]), "focused": True})
                continue
            out.append(
                {
                    "name": name,
                    "type": option["type"],
                    "value": self._option_value(member, channel, path, option, given[name], resolved),
                }
            )
        return out

    def _option_value(
        self, invoker: Member, channel: Channel, path: str, option: JSON, value: Any, resolved: JSON
    ) -> Any:
        guild = invoker.guild
        kind = option["type"]
        name = option["name"]
        where = f"/{path} option {name!r}"
        if kind == 3:
            if not isinstance(value, str):
                raise DriverError(f"{where} takes a string, got {value!r}")
            lo, hi = option.get("min_length", 0), option.get("max_length", 6000)
            if not lo <= len(value) <= hi:
                raise DriverError(f"{where}: the client only allows {lo}-{hi} characters")
        elif kind == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise DriverError(f"{where} takes an integer, got {value!r}")
            if not -(2**53) <= value <= 2**53:
                raise DriverError(f"{where}: the client only allows integers within ±2^53")
        elif kind == 10:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DriverError(f"{where} takes a number, got {value!r}")
        elif kind == 5 and not isinstance(value, bool):
            raise DriverError(f"{where} takes a boolean, got {value!r}")
        if kind in (4, 10):
            lo, hi = option.get("min_value"), option.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise DriverError(f"{where}: the client only allows {lo}..{hi}, got {value}")
        choices = option.get("choices")
        if choices and kind in (3, 4, 10) and value not in [c["value"] for c in choices]:
            raise DriverError(f"{where} must be one of {[c['value'] for c in choices]}, got {value!r}")
        if kind in (3, 4, 10, 5):
            return value
        if kind == 6 or (kind == 9 and isinstance(value, Member | User)):
            user = value.user if isinstance(value, Member) else value
            if not isinstance(user, User):
                raise DriverError(f"{where} takes a Member or User, got {value!r}")
            resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
            member = guild.member(user)
            if member is not None:
                resolved.setdefault("members", {})[str(user.id)] = member.to_payload(with_user=False, channel=channel)
            return str(user.id)
        if kind == 7:
            if not isinstance(value, Channel) or value.guild_id != guild.id:
                raise DriverError(f"{where} takes a Channel of this guild, got {value!r}")
            allowed_types = option.get("channel_types")
            if allowed_types and value.type not in allowed_types:
                raise DriverError(f"{where} only accepts channel types {allowed_types}")
            payload = value.to_payload()
            payload["permissions"] = str(invoker.permissions_in(value))
            resolved.setdefault("channels", {})[str(value.id)] = payload
            return str(value.id)
        if kind in (8, 9):
            if not isinstance(value, Role) or value.guild_id != guild.id:
                raise DriverError(f"{where} takes a Role of this guild, got {value!r}")
            resolved.setdefault("roles", {})[str(value.id)] = value.to_payload()
            return str(value.id)
        if kind == 11:
            if not isinstance(value, StoredAttachment):
                raise DriverError(f"{where} takes emu.attachment(...), got {value!r}")
            resolved.setdefault("attachments", {})[str(value.id)] = value.to_payload()
            return str(value.id)
        raise DriverError(f"{where}: unsupported option type {kind}")

    @staticmethod
    def _nest(chain: list[JSON], leaf_options: list[JSON]) -> list[JSON]:
        options = leaf_options
        for sub in reversed(chain):
            node: JSON = {"name": sub["name"], "type": sub["type"]}
            if options or sub["type"] == 1:
                node["options"] = options
            options = [node]
        return options

    def _new_interaction(
        self,
        kind: int,
        member: Member,
        channel: Channel,
        data: JSON,
        *,
        locale: str,
        message: Message | None = None,
        command: str | None = None,
    ) -> InteractionResult:
        guild = member.guild
        if guild.member(member.user) is None:
            raise DriverError(f"{member.name} is not a member of {guild.name!r} any more")
        if channel.guild_id != guild.id:
            raise DriverError(f"channel {channel.name!r} is not in {guild.name!r}")
        uses_commands = kind in (INTERACTION_APPLICATION_COMMAND, INTERACTION_AUTOCOMPLETE)
        needed = Permission.VIEW_CHANNEL | (Permission.USE_APPLICATION_COMMANDS if uses_commands else 0)
        if member.permissions_in(channel) & needed != needed:
            raise DriverError(f"{member.name} cannot see or use application commands in #{channel.name}")
        interaction_id = next_id()
        token = "emu-" + secrets.token_urlsafe(48)
        bot_member = guild.bot_member
        channel_payload = channel.to_payload() | {"permissions": str(member.permissions_in(channel))}
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": guild.partial_payload(),
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": member.to_payload(channel=channel),
            "token": token,
            "version": 1,
            "app_permissions": str(bot_member.permissions_in(channel) if bot_member else 0),
            "locale": locale,
            "guild_locale": guild.preferred_locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": min(self.attachment_size_limit, guild.upload_limit),
        }
        if message is not None:
            payload["message"] = message.to_payload()
        rec = InteractionResult(
            id=interaction_id,
            token=token,
            type=kind,
            guild=guild,
            channel=channel,
            member=member,
            payload=payload,
            created_at=self.now(),
            command=command,
            source_message=message,
        )
        rec._wait = self.wait_until
        self._interactions[interaction_id] = rec
        self._interactions_by_token[token] = rec
        return rec

    async def _run_interaction(
        self, rec: InteractionResult, *, settle: bool, timeout: float | None
    ) -> InteractionResult:
        self._sessions_for_interaction(rec)  # raises before the deadline starts when nobody would get it
        loop = asyncio.get_running_loop()
        rec._deadline_handle = loop.call_later(self.ack_deadline, self._ack_deadline_passed, rec)
        rec._created_mono = time.monotonic()
        await self._deliver_interaction(rec)
        limit = self.timeout if timeout is None else timeout
        await self.wait_until(
            lambda: rec.acknowledged or rec.ack_expired or bool(rec.errors) or not self.connected,
            limit,
            f"an answer to {rec!r}",
        )
        if not rec.acknowledged and rec.errors and not rec.ack_expired:
            # The emulator refused the bot's answer; an in-process bot may still retry in time.
            if self.idle_probe is not None:
                await self.settle(limit)
            else:
                with contextlib.suppress(EmulatorTimeoutError):
                    await self.wait_until(lambda: rec.acknowledged or rec.ack_expired, limit, "another answer")
            if not rec.acknowledged:
                if rec._deadline_handle:
                    rec._deadline_handle.cancel()
                raise InteractionRejectedError(f"the bot's answer to {rec!r} was refused: {rec.errors[-1]}")
        if not rec.acknowledged:
            if rec.ack_expired:
                raise InteractionNotAcknowledgedError(
                    f"the bot did not acknowledge {rec!r} within {self.ack_deadline:.1f}s"
                )
            raise BotNotConnectedError(f"the bot disconnected before answering {rec!r}")
        if rec.response_type == RESPONSE_DEFERRED_CHANNEL_MESSAGE and not rec.original_filled:
            await self._wait_for_deferred_answer(rec, limit)
        if settle:
            await self.settle(limit)
        return rec

    async def _wait_for_deferred_answer(self, rec: InteractionResult, limit: float) -> None:
        what = f"the deferred answer to {rec!r}"
        if self.idle_probe is not None:
            # In-process bot: once its handlers are done, no answer is coming any more.
            await self.settle(limit)
            if not rec.original_filled:
                with contextlib.suppress(EmulatorTimeoutError):
                    await self.wait_until(lambda: rec.original_filled, min(limit, 1.0), what)
        else:
            with contextlib.suppress(EmulatorTimeoutError):
                await self.wait_until(lambda: rec.original_filled, limit, what)
        if not rec.original_filled:
            self._violation(
                "deferred-never-answered",
                f"{rec!r} was deferred but neither edited nor followed up (members see 'thinking…' forever)",
            )
            recent = "; ".join(str(v) for v in self.violations[-4:-1])
            raise EmulatorTimeoutError(f"{what} never came" + (f" (recent violations: {recent})" if recent else ""))

    def _ack_deadline_passed(self, rec: InteractionResult) -> None:
        if rec.acknowledged:
            return
        rec.ack_expired = True
        self._violation(
            "interaction-not-acknowledged",
            f"{rec!r} was not acknowledged within {self.ack_deadline:.1f}s (Discord shows "
            "'The application did not respond')",
        )
        self._notify()

    # =============================================================================================
    # recording
    # =============================================================================================

    def _violation(self, kind: str, detail: str, route: str = "") -> None:
        violation = Violation(kind=kind, detail=detail, route=route)
        log.warning("VIOLATION %s", violation)
        self.violations.append(violation)

    def _record_unhandled(self, what: str) -> None:
        log.warning("UNHANDLED %s", what)
        self.unhandled_routes.append(what)

    def _live_sessions(self) -> list[GatewaySession]:
        return [s for s in self._sessions if s.identified.is_set() and not s.closed.is_set()]

    def _sessions_for(self, guild_id: int | None) -> list[GatewaySession]:
        """The live sessions Discord sends this guild's events to (its shard's; DMs: shard 0's)."""
        return [s for s in self._live_sessions() if s.routes(guild_id)]

    def _sessions_for_interaction(self, rec: InteractionResult) -> list[GatewaySession]:
        guild_id = rec.guild.id if rec.guild else None
        sessions = self._sessions_for(guild_id)
        if not sessions:
            if self._live_sessions():
                where = "DMs" if guild_id is None else f"guild {guild_id}"
                raise BotNotConnectedError(
                    f"no connected gateway session runs the shard of {where} (shard {self.shard_of(guild_id)}"
                    f" of {self.shards}); connected: {[s.shard for s in self._live_sessions()]}"
                )
            raise BotNotConnectedError("no bot is connected to the emulator's gateway")
        return sessions

    async def _deliver_interaction(self, rec: InteractionResult) -> None:
        """INTERACTION_CREATE to the session(s) of the interaction's shard (one, unless a bot runs
        a shard twice), recorded in `rec.delivered_to`."""
        for session in self._sessions_for_interaction(rec):
            rec.delivered_to.append(session)
            await session.dispatch("INTERACTION_CREATE", rec.payload)

    def _broadcast(self, event: str, data: JSON, *, intent: int = 0) -> None:
        """A guild's event (its `guild_id`; none: a DM) to the sessions of its shard."""
        raw = data.get("guild_id")
        for session in self._sessions_for(int(raw) if raw is not None else None):
            if not intent or session.intents & intent:
                self._spawn(session.dispatch(event, data))

    def _spawn(self, coro: Awaitable[Any]) -> None:
        try:
            task = asyncio.ensure_future(coro)
        except RuntimeError:  # no running loop: nobody to tell
            if asyncio.iscoroutine(coro):
                coro.close()
            return
        self._background.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._background.discard(t)
            self._notify()

        task.add_done_callback(done)

    # ---- gateway bookkeeping (called by GatewaySession) ----------------------------------------

    def _session_identified(self, session: GatewaySession) -> None:
        self._notify()

    def _session_refused(self, session: GatewaySession) -> None:
        self.refused_sessions.append(session)
        self._notify()

    def _session_closed(self, session: GatewaySession) -> None:
        if session in self._sessions:
            self._sessions.remove(session)
            self._closed_sessions.append(session)
        self._notify()

    def _session_by_id(self, session_id: str) -> GatewaySession | None:
        for session in self._sessions + self._closed_sessions:
            if session.session_id == session_id:
                return session
        return None

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        compress = request.query.get("compress")
        if compress is not None and compress not in supported_compressions():
            self._violation("gateway", f"unsupported compression {compress!r}")
            compress = None
        if request.query.get("encoding", "json") != "json":
            self._violation("gateway", f"unsupported encoding {request.query.get('encoding')!r}")
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        session = GatewaySession(self, ws, compress)
        self._sessions.append(session)
        await session.run()
        return ws

    async def _attachment_handler(self, request: web.Request) -> web.StreamResponse:
        """Files are served only at a signed link that has not expired (by the emulator's clock)."""
        att = self._attachments.get(int(request.match_info["id"]))
        gone = web.Response(status=404, text="This content is no longer available.")
        if att is None:
            return gone
        ex, is_, hm = (request.query.get(k, "") for k in ("ex", "is", "hm"))
        if not (ex and is_ and hmac.compare_digest(hm, self._signature(att.id, ex, is_))):
            return gone
        if int(ex, 16) <= self.now().timestamp():
            return gone
        if att.download_status is not None:
            return web.Response(status=att.download_status, text="emulated download failure")
        return web.Response(body=att.data, content_type=att.content_type or "application/octet-stream")

    async def _unknown_handler(self, request: web.Request) -> web.StreamResponse:
        self._record_unhandled(f"{request.method} {request.path}")
        return _json_response({"message": "404: Not Found", "code": 0}, 404)

    # =============================================================================================
    # REST
    # =============================================================================================

    def _register_routes(self) -> None:
        def add(
            method: str,
            path: str,
            handler: Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]],
            *,
            auth: bool = True,
            openapi_path: str | None = None,
        ) -> None:
            regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"
            self._routes.append(_Route(method, re.compile(regex), handler, auth, openapi_path))

        add("GET", "/users/@me", self._get_me)
        add("GET", "/gateway/bot", self._get_gateway_bot)
        add("GET", "/gateway", self._get_gateway, auth=False)
        add("GET", "/oauth2/applications/@me", self._get_application)
        add("GET", "/applications/@me", self._get_application)
        cmds = "/applications/{application_id}/commands"
        gcmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        add("PUT", cmds, self._put_commands, openapi_path=cmds)
        add("PUT", gcmds, self._put_commands, openapi_path=gcmds)
        add("GET", cmds, self._get_commands)
        add("GET", gcmds, self._get_commands)
        add("GET", cmds + "/{command_id}", self._get_command)
        add("GET", gcmds + "/{command_id}", self._get_command)
        cb = "/interactions/{interaction_id}/{interaction_token}/callback"
        add("POST", cb, self._interaction_callback, auth=False, openapi_path=cb)
        wh = "/webhooks/{webhook_id}/{webhook_token}"
        add("POST", wh, self._webhook_execute, auth=False, openapi_path=wh)
        for suffix, op in (("/messages/@original", wh + "/messages/@original"), ("/messages/{message_id}", None)):
            add("GET", wh + suffix, self._webhook_get_message, auth=False)
            add("PATCH", wh + suffix, self._webhook_edit_message, auth=False, openapi_path=op or wh + suffix)
            add("DELETE", wh + suffix, self._webhook_delete_message, auth=False)
        msgs = "/channels/{channel_id}/messages"
        add("POST", msgs, self._create_message, openapi_path=msgs)
        add("GET", msgs, self._get_messages)
        add("GET", msgs + "/{message_id}", self._get_message)
        add("PATCH", msgs + "/{message_id}", self._edit_message, openapi_path=msgs + "/{message_id}")
        add("DELETE", msgs + "/{message_id}", self._delete_message)
        reaction = msgs + "/{message_id}/reactions/{emoji}/@me"
        add("PUT", reaction, self._add_reaction)
        add("DELETE", reaction, self._remove_reaction)
        add("DELETE", msgs + "/{message_id}/reactions", self._clear_reactions)
        add("GET", "/channels/{channel_id}", self._get_channel)
        add("POST", "/channels/{channel_id}/typing", self._typing)
        add("POST", "/users/@me/channels", self._create_dm)
        add("GET", "/users/{user_id}", self._get_user)
        add("GET", "/guilds/{guild_id}", self._get_guild)
        add("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self._get_guild_roles)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)

    async def _api_handler(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        record = RequestRecord(method=request.method, path=path)
        self.requests.append(record)
        self._inflight += 1
        self._request_seq += 1
        self._notify()
        try:
            response = await self._dispatch_api(request, path, record)
            record.status = response.status
            if 400 <= response.status < 500 and response.status != 429:
                self.rejections.append(record)
            return response
        finally:
            self._inflight -= 1
            self._notify()

    async def _dispatch_api(self, request: web.Request, path: str, record: RequestRecord) -> web.StreamResponse:
        route: _Route | None = None
        params: dict[str, str] = {}
        for candidate in self._routes:
            if candidate.method != request.method:
                continue
            match = candidate.pattern.match(path)
            if match:
                route, params = candidate, match.groupdict()
                break
        if route is None:
            self._record_unhandled(f"{request.method} {API_PREFIX}{path}")
            return _json_response({"message": "404: Not Found", "code": 0}, 404)
        if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json_response({"message": "401: Unauthorized", "code": 0}, 401)
        request[_ROUTE] = route
        request[_RECORD] = record
        injected = next((f for f in self._injected if f[0] == request.method and f[1].search(path)), None)
        if injected is not None:
            self._injected.remove(injected)
            response = _json_response({"message": injected[4], "code": injected[3]}, injected[2])
            self._add_ratelimit_headers(response, request.method, route)
            return response
        try:
            response = await route.handler(request, params)
        except _ApiError as exc:
            body: JSON = {"message": exc.message, "code": exc.code}
            if exc.errors:
                body["errors"] = exc.errors
            response = _json_response(body, exc.status)
        self._add_ratelimit_headers(response, request.method, route)
        return response

    @staticmethod
    def _add_ratelimit_headers(response: web.StreamResponse, method: str, route: _Route) -> None:
        if "X-RateLimit-Limit" in response.headers:
            return
        bucket = hashlib.sha1(f"{method} {route.pattern.pattern}".encode(), usedforsecurity=False).hexdigest()[:16]
        response.headers["X-RateLimit-Limit"] = "50"
        response.headers["X-RateLimit-Remaining"] = "49"
        response.headers["X-RateLimit-Reset"] = f"{time.time() + 1:.3f}"
        response.headers["X-RateLimit-Reset-After"] = "1.000"
        response.headers["X-RateLimit-Bucket"] = bucket

    # ---- request bodies ------------------------------------------------------------------------

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Upload]]:
        uploads: list[Upload] = []
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    self._violation("multipart", "nested multipart bodies are not supported", request.path)
                    continue
                name = part.name or ""
                raw = bytes(await part.read(decode=False))
                if name == "payload_json":
                    body = json.loads(raw.decode("utf-8"))
                    continue
                match = re.fullmatch(r"files\[(\d+)\]", name)
                if match is None:
                    self._violation("multipart", f"unexpected form field {name!r}", request.path)
                    continue
                uploads.append(
                    Upload(
                        index=int(match.group(1)),
                        filename=part.filename or f"file{match.group(1)}",
                        data=raw,
                        content_type=part.headers.get("Content-Type"),
                    )
                )
            request[_RECORD].body = body
            return body, uploads
        text = await request.text()
        body = json.loads(text) if text else None
        request[_RECORD].body = body
        return body, uploads

    def _check(self, request: web.Request, kind: str, problems: list[str], *, status: int = 400) -> None:
        """Record problems as violations and answer with Discord's 'Invalid Form Body'."""
        if not problems:
            return
        route = f"{request.method} {request.path}"
        for problem in problems:
            self._violation(kind, problem, route)
        raise _ApiError(
            status, 50035, "Invalid Form Body", {"_errors": [{"code": "EMULATOR", "message": p} for p in problems]}
        )

    def _validate_body(self, request: web.Request, body: Any, uploads: list[Upload]) -> None:
        """Hand-written limit checks first (clear messages), then the OpenAPI schema."""
        too_big = [u for u in uploads if len(u.data) > self.attachment_size_limit]
        if too_big:
            for upload in too_big:
                self._violation(
                    "limits",
                    f"file {upload.filename!r} is {len(upload.data)} bytes; the upload limit here is "
                    f"{self.attachment_size_limit}",
                    f"{request.method} {request.path}",
                )
            raise _ApiError(413, 40005, "Request entity too large")
        route = request[_ROUTE]
        path = route.openapi_path or ""
        payload = body if isinstance(body, dict) else {}
        if path.endswith("/callback"):
            kind = payload.get("type")
            data = payload.get("data") or {}
            if kind in (RESPONSE_CHANNEL_MESSAGE, RESPONSE_UPDATE_MESSAGE):
                is_edit = kind == RESPONSE_UPDATE_MESSAGE
                self._check(request, "limits", limits.check_message(data, has_files=bool(uploads), is_edit=is_edit))
            elif kind == RESPONSE_AUTOCOMPLETE_RESULT:
                self._check(request, "autocomplete", limits.check_autocomplete(data))
            elif kind == RESPONSE_MODAL:
                self._check(request, "modal", limits.check_modal(data))
            if kind == RESPONSE_AUTOCOMPLETE_RESULT:
                self._check(request, "autocomplete", self._check_choice_types(request, data))
        elif path.endswith("/commands"):
            self._check(request, "command-sync", limits.check_commands(body if body is not None else []))
        elif path:
            is_edit = route.method == "PATCH"
            self._check(request, "limits", limits.check_message(payload, has_files=bool(uploads), is_edit=is_edit))
        if self._openapi is not None and route.openapi_path is not None:
            self._check(request, "openapi", self._openapi.validate(route.method, route.openapi_path, body))

    def _check_choice_types(self, request: web.Request, data: JSON) -> list[str]:
        """Autocomplete choice values must have the focused option's type."""
        match = re.search(r"/interactions/(\d+)/", request.path)
        rec = self._interactions.get(int(match.group(1))) if match else None
        if rec is None:
            return []
        focused = _focused_option(rec.payload.get("data", {}).get("options", []))
        if focused is None:
            return []
        expected = {3: (str,), 4: (int,), 10: (int, float)}.get(int(focused["type"]))
        if expected is None:
            return []
        return [
            f"choice {c.get('name')!r} has value {c.get('value')!r}; option {focused['name']!r} takes "
            + {3: "strings", 4: "integers", 10: "numbers"}[int(focused["type"])]
            for c in data.get("choices") or []
            if isinstance(c.get("value"), bool) or not isinstance(c.get("value"), expected)
        ]

    # ---- messages ------------------------------------------------------------------------------

    def _store_message(self, message: Message) -> Message:
        self._messages[message.id] = message
        self._channel_messages.setdefault(message.channel_id, []).append(message)
        channel = self.channel_by_id(message.channel_id)
        if channel is not None:
            channel.last_message_id = message.id
        if not message.ephemeral:
            intent = INTENT_GUILD_MESSAGES if message.guild_id else INTENT_DIRECT_MESSAGES
            self._broadcast("MESSAGE_CREATE", message.to_payload(), intent=intent)
        self._notify()
        return message

    def _apply_payload(
        self, message: Message, payload: JSON, uploads: list[Upload], *, is_edit: bool, request: web.Request
    ) -> None:
        """Apply a message create/edit body (plus uploaded files) to a stored message."""
        guild = self.guild_by_id(message.guild_id) if message.guild_id else None
        limit = guild.upload_limit if guild is not None else Guild.upload_limit
        too_big = [f"{u.filename} is {len(u.data):,} bytes, over the upload limit of {limit:,}" for u in uploads]
        oversized = [p for u, p in zip(uploads, too_big, strict=True) if len(u.data) > limit]
        self._check(request, "limits", oversized, status=413)  # Discord: 40005 Request entity too large
        if is_edit:
            message.history.append(message.snapshot())
            message.edited_at = self.now()
        message.raw_requests.append(payload)
        if "content" in payload:
            message.content = payload["content"] or ""
        if "embeds" in payload:
            message.embeds = list(payload["embeds"] or [])
        if "components" in payload:
            message.components = list(payload["components"] or [])
        if "allowed_mentions" in payload:
            message.allowed_mentions = payload["allowed_mentions"]
        if "flags" in payload and payload["flags"] is not None:
            sent = int(payload["flags"]) & ~Message.LOADING
            if is_edit or message.loading:
                # Ephemerality is fixed when a message is created (or deferred); edits cannot change it.
                sent = (sent & ~Message.EPHEMERAL) | (message.flags & Message.EPHEMERAL)
            message.flags = sent
        if not is_edit:
            message.tts = bool(payload.get("tts"))
            message.message_reference = payload.get("message_reference")
        by_index = {u.index: u for u in uploads}
        if "attachments" in payload or uploads:
            kept: list[StoredAttachment] = []
            entries = payload.get("attachments")
            if entries is None:
                entries = [{"id": u.index, "filename": u.filename} for u in uploads]
            existing = {a.id: a for a in message.attachments}
            used: set[int] = set()
            for entry in entries:
                ref = int(entry["id"])
                if ref in existing:
                    kept.append(existing[ref])
                elif ref in by_index:
                    upload = by_index[ref]
                    used.add(ref)
                    att_id = next_id()
                    filename = entry.get("filename") or upload.filename
                    att = StoredAttachment(
                        id=att_id,
                        filename=filename,
                        data=upload.data,
                        content_type=_guess_type(filename),
                        description=entry.get("description"),
                        url=f"{self.base_url}/attachments/{att_id}/{filename}",
                        signer=self._sign_url,
                    )
                    self._attachments[att_id] = att
                    kept.append(att)
                else:
                    self._check(
                        request, "attachments", [f"attachment id {ref} matches neither a kept file nor files[n]"]
                    )
            unused = sorted(set(by_index) - used)
            if unused:
                self._check(request, "attachments", [f"files{unused} uploaded but not listed in attachments"])
            message.attachments = kept
            if len(kept) > 10:
                self._check(request, "limits", [f"{len(kept)} attachments (max 10)"])
        names = {a.filename for a in message.attachments}
        for embed in message.embeds:
            for key in ("image", "thumbnail"):
                url = str((embed.get(key) or {}).get("url", ""))
                if url.startswith("attachment://") and url.removeprefix("attachment://") not in names:
                    self._violation(
                        "attachments",
                        f"embed {key} {url} names no file of the message (files: {sorted(names)})",
                        f"{request.method} {request.path}",
                    )
        message.loading = False
        message.flags &= ~Message.LOADING

    def _new_bot_message(self, channel_id: int, guild_id: int | None) -> Message:
        return Message(
            id=next_id(), channel_id=channel_id, guild_id=guild_id, author=self.bot_user, created_at=self.now()
        )

    def _channel_or_404(self, channel_id: str) -> Channel:
        channel = self.channel_by_id(_snowflake(channel_id))
        if channel is None:
            raise _ApiError(404, 10003, "Unknown Channel")
        return channel

    def _bot_permissions(self, channel: Channel) -> int:
        guild = self._guild_of_channel(channel)
        if guild is None:
            return Permission.ALL
        bot = guild.bot_member
        return bot.permissions_in(channel) if bot else 0

    def _rate_limited(self, channel: Channel, *, edit: bool = False) -> web.Response | None:
        forced = None if edit else self._forced_429.get(channel.id)
        retry_after: float | None = None
        if forced:
            retry_after = forced.pop(0)
        elif self._channel_rate is not None and (self._limit_edits or not edit):
            limit, per = self._channel_rate
            now = time.monotonic()
            bucket = self._edit_hits if edit else self._channel_hits
            hits = [t for t in bucket.get(channel.id, []) if now - t < per]
            if len(hits) >= limit:
                retry_after = per - (now - hits[0])
            else:
                hits.append(now)
            bucket[channel.id] = hits
        if retry_after is None:
            return None
        response = _json_response(
            {
                "message": "You are being rate limited.",
                "retry_after": round(retry_after, 3),
                "global": False,
                "code": 20028,
            },
            429,
        )
        response.headers.update(
            {
                "Retry-After": f"{retry_after:.3f}",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Bucket": f"channel-{channel.id}{'-edit' if edit else ''}",
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",
            }
        )
        return response

    async def _create_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        channel = self._channel_or_404(params["channel_id"])
        body, uploads = await self._read_body(request)
        limited = self._rate_limited(channel)
        if limited is not None:
            return limited
        perms = self._bot_permissions(channel)
        needed = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | (Permission.ATTACH_FILES if uploads else 0)
        if perms & needed != needed:
            raise _ApiError(403, 50013, "Missing Permissions")
        self._validate_body(request, body, uploads)
        payload = body or {}
        message = self._new_bot_message(channel.id, channel.guild_id)
        self._apply_payload(message, payload, uploads, is_edit=False, request=request)
        if message.flags & Message.EPHEMERAL:
            self._check(request, "flags", ["only interaction responses can be ephemeral"])
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            target = self._messages.get(int(ref["message_id"]))
            if (target is None or target.deleted) and ref.get("fail_if_not_exists", True):
                raise _ApiError(400, 50035, "Invalid Form Body: Unknown message")
        self._store_message(message)
        return _json_response(message.to_payload())

    def _own_message(self, channel: Channel, message_id: str) -> Message:
        message = self._messages.get(_snowflake(message_id))
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            raise _ApiError(404, 10008, "Unknown Message")
        return message

    async def _edit_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        channel = self._channel_or_404(params["channel_id"])
        message = self._own_message(channel, params["message_id"])
        body, uploads = await self._read_body(request)
        limited = self._rate_limited(channel, edit=True)
        if limited is not None:
            return limited
        if message.author.id != self.bot_user.id:
            raise _ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._validate_body(request, body, uploads)
        self._apply_payload(message, body or {}, uploads, is_edit=True, request=request)
        self._after_edit(message)
        return _json_response(message.to_payload())

    def _after_edit(self, message: Message) -> None:
        if not message.ephemeral:
            intent = INTENT_GUILD_MESSAGES if message.guild_id else INTENT_DIRECT_MESSAGES
            self._broadcast("MESSAGE_UPDATE", message.to_payload(), intent=intent)
        self._notify()

    async def _delete_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        channel = self._channel_or_404(params["channel_id"])
        message = self._own_message(channel, params["message_id"])
        if message.author.id != self.bot_user.id and not self._bot_permissions(channel) & Permission.MANAGE_MESSAGES:
            raise _ApiError(403, 50013, "Missing Permissions")
        self._delete(message)
        return web.Response(status=204)

    def _delete(self, message: Message) -> None:
        message.deleted = True
        if not message.ephemeral:
            intent = INTENT_GUILD_MESSAGES if message.guild_id else INTENT_DIRECT_MESSAGES
            data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id:
                data["guild_id"] = str(message.guild_id)
            self._broadcast("MESSAGE_DELETE", data, intent=intent)
        self._notify()

    async def _get_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        channel = self._channel_or_404(params["channel_id"])
        if not self._bot_permissions(channel) & Permission.READ_MESSAGE_HISTORY:
            raise _ApiError(403, 50001, "Missing Access")
        return _json_response(self._own_message(channel, params["message_id"]).to_payload())

    async def _get_messages(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        channel = self._channel_or_404(params["channel_id"])
        if not self._bot_permissions(channel) & Permission.READ_MESSAGE_HISTORY:
            raise _ApiError(403, 50001, "Missing Access")
        limit = int(request.query.get("limit", "50"))
        if not 1 <= limit <= 100:
            raise _ApiError(400, 50035, "Invalid Form Body: limit must be 1-100")
        found = self.messages(channel, include_ephemeral=False)
        if "before" in request.query:
            before = int(request.query["before"])
            found = [m for m in found if m.id < before]
        if "after" in request.query:
            after = int(request.query["after"])
            found = [m for m in found if m.id > after][:limit]
        newest_first = list(reversed(found))[:limit]
        return _json_response([m.to_payload() for m in newest_first])

    def _reaction_target(self, params: dict[str, str]) -> tuple[Message, str]:
        channel = self._channel_or_404(params["channel_id"])
        needed = Permission.ADD_REACTIONS | Permission.READ_MESSAGE_HISTORY
        if self._bot_permissions(channel) & needed != needed:
            raise _ApiError(403, 50013, "Missing Permissions")
        return self._own_message(channel, params["message_id"]), urllib.parse.unquote(params["emoji"])

    async def _add_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        message, emoji = self._reaction_target(params)
        if emoji not in message.reactions and len(message.reactions) >= 20:
            raise _ApiError(403, 30010, "Maximum number of reactions reached (20)")
        message.reactions.setdefault(emoji, set()).add(self.bot_user.id)
        self._notify()
        return web.Response(status=204)

    async def _remove_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        message, emoji = self._reaction_target(params)
        message.reactions.get(emoji, set()).discard(self.bot_user.id)
        self._notify()
        return web.Response(status=204)

    async def _clear_reactions(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        channel = self._channel_or_404(params["channel_id"])
        if not self._bot_permissions(channel) & Permission.MANAGE_MESSAGES:
            raise _ApiError(403, 50013, "Missing Permissions")
        self._own_message(channel, params["message_id"]).reactions.clear()
        self._notify()
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        channel = self._channel_or_404(params["channel_id"])
        return _json_response(channel.to_payload())

    async def _typing(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        self._channel_or_404(params["channel_id"])
        return web.Response(status=204)

    async def _create_dm(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        body, _ = await self._read_body(request)
        user = self.users.get(int((body or {}).get("recipient_id", 0)))
        if user is None:
            raise _ApiError(400, 50035, "Invalid Form Body: unknown recipient")
        existing = next((c for c in self.dm_channels.values() if c.recipients[0].id == user.id), None)
        if existing is None:
            existing = Channel(id=next_id(), name=user.username, guild_id=None, type=1, recipients=[user])
            self.dm_channels[existing.id] = existing
        return _json_response(existing.to_payload())

    # ---- users, guilds, gateway ---------------------------------------------------------------

    async def _get_me(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        return _json_response(self.bot_user.to_payload() | {"verified": True, "mfa_enabled": False, "email": None})

    async def _get_gateway_bot(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_gateway(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        return _json_response({"url": self.gateway_url})

    async def _get_application(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        owner = next((g.owner for g in self.guilds if g.owner), None)
        return _json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": self.application_flags,
                "owner": owner.user.to_payload() if owner else self.bot_user.to_payload(),
                "team": None,
                "bot": self.bot_user.to_payload(),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
            }
        )

    async def _get_user(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        user = self.users.get(_snowflake(params["user_id"]))
        if user is None:
            raise _ApiError(404, 10013, "Unknown User")
        return _json_response(user.to_payload())

    def _guild_or_404(self, guild_id: str) -> Guild:
        guild = self.guild_by_id(_snowflake(guild_id))
        if guild is None:
            raise _ApiError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        guild = self._guild_or_404(params["guild_id"])
        data = guild.to_payload()
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            data.pop(key, None)
        return _json_response(data)

    async def _get_guild_channels(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        guild = self._guild_or_404(params["guild_id"])
        return _json_response([c.to_payload() for c in guild.channels.values()])

    async def _get_guild_roles(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        guild = self._guild_or_404(params["guild_id"])
        return _json_response([r.to_payload() for r in guild.roles.values()])

    async def _get_member(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        guild = self._guild_or_404(params["guild_id"])
        member = guild.member(_snowflake(params["user_id"]))
        if member is None:
            raise _ApiError(404, 10007, "Unknown Member")
        return _json_response(member.to_payload())

    # ---- application commands ------------------------------------------------------------------

    def _check_app(self, params: dict[str, str]) -> None:
        if params.get("application_id") != str(self.application_id):
            raise _ApiError(403, 50001, "Missing Access")

    def _commands_scope(self, params: dict[str, str]) -> tuple[int | None, list[JSON]]:
        self._check_app(params)
        if "guild_id" in params:
            guild = self._guild_or_404(params["guild_id"])
            return guild.id, self.guild_commands.setdefault(guild.id, [])
        return None, self.global_commands

    async def _put_commands(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        scope, _ = self._commands_scope(params)
        body, _ = await self._read_body(request)
        self._validate_body(request, body, [])
        stored: list[JSON] = []
        for command in body or []:
            kind = int(command.get("type", 1))
            key = (scope, kind, command["name"])
            command_id = self._command_ids.setdefault(key, next_id())
            entry: JSON = {
                "id": str(command_id),
                "application_id": str(self.application_id),
                "version": str(next_id()),
                "type": kind,
                "name": command["name"],
                "description": command.get("description", ""),
                "default_member_permissions": _str_or_none(command.get("default_member_permissions")),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": command.get("nsfw", False),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types", [0]),
            }
            if command.get("options"):
                entry["options"] = command["options"]
            for loc in ("name_localizations", "description_localizations"):
                if command.get(loc):
                    entry[loc] = command[loc]
            if scope is not None:
                entry["guild_id"] = str(scope)
            stored.append(entry)
        if scope is None:
            self.global_commands = stored
        else:
            self.guild_commands[scope] = stored
        self.sync_log.append((scope, time.monotonic()))
        self._notify()
        return _json_response(stored)

    async def _get_commands(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        _, stored = self._commands_scope(params)
        return _json_response(stored)

    async def _get_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        _, stored = self._commands_scope(params)
        found = next((c for c in stored if c["id"] == params["command_id"]), None)
        if found is None:
            raise _ApiError(404, 10063, "Unknown application command")
        return _json_response(found)

    # ---- interaction callback and webhooks -----------------------------------------------------

    async def _interaction_callback(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        rec = self._interactions.get(_snowflake(params["interaction_id"]))
        if rec is None or rec.token != params["interaction_token"]:
            raise _ApiError(404, 10062, "Unknown interaction")
        rec.callbacks += 1
        try:
            return await self._answer_interaction(request, params, rec)
        except _ApiError as exc:
            detail = "; ".join(e["message"] for e in (exc.errors or {}).get("_errors", [])) or exc.message
            rec.errors.append(f"{exc.status} {exc.code}: {detail}")
            self._notify()
            raise

    async def _answer_interaction(
        self, request: web.Request, params: dict[str, str], rec: InteractionResult
    ) -> web.StreamResponse:
        route = f"POST /interactions/{params['interaction_id']}/…/callback"
        body, uploads = await self._read_body(request)
        if rec.acknowledged:
            self._violation(
                "interaction-acknowledged-twice", f"{rec!r} was already answered ({rec.response_name})", route
            )
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        if rec.ack_expired:
            raise _ApiError(404, 10062, "Unknown interaction")
        self._validate_body(request, body, uploads)
        body = body or {}
        kind = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        allowed = {
            INTERACTION_APPLICATION_COMMAND: {4, 5, 9},
            INTERACTION_MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            INTERACTION_AUTOCOMPLETE: {8},
            INTERACTION_MODAL_SUBMIT: {4, 5, 6, 7} if rec.source_message else {4, 5},
        }[rec.type]
        if kind not in allowed:
            self._check(
                request, "interaction-response", [f"response type {kind} is not valid for interaction type {rec.type}"]
            )
        resource: JSON = {"type": kind}
        guild_id = rec.guild.id if rec.guild else None
        if kind == RESPONSE_CHANNEL_MESSAGE:
            message = self._new_bot_message(rec.channel.id, guild_id)
            message.interaction_id, message.interaction_user = rec.id, rec.member.user if rec.member else None
            message.interaction_type = rec.type
            message.webhook_id = self.application_id
            message.message_reference = None
            self._apply_payload(message, data, uploads, is_edit=False, request=request)
            rec.original = message
            rec.original_filled = True
            self._store_message(message)
            resource["message"] = message.to_payload()
        elif kind == RESPONSE_DEFERRED_CHANNEL_MESSAGE:
            message = self._new_bot_message(rec.channel.id, guild_id)
            message.interaction_id, message.interaction_user = rec.id, rec.member.user if rec.member else None
            message.interaction_type = rec.type
            message.webhook_id = self.application_id
            message.flags = (int(data.get("flags") or 0) & Message.EPHEMERAL) | Message.LOADING
            message.loading = True
            rec.original = message
            self._store_message(message)
            resource["message"] = message.to_payload()
        elif kind in (RESPONSE_DEFERRED_UPDATE_MESSAGE, RESPONSE_UPDATE_MESSAGE):
            target = rec.source_message
            assert target is not None
            rec.original = target
            if kind == RESPONSE_UPDATE_MESSAGE:
                self._apply_payload(target, data, uploads, is_edit=True, request=request)
                self._after_edit(target)
                rec.original_filled = True
                resource["message"] = target.to_payload()
        elif kind == RESPONSE_AUTOCOMPLETE_RESULT:
            rec.choices = [Choice(name=c["name"], value=c["value"]) for c in data.get("choices", [])]
        elif kind == RESPONSE_MODAL:
            rec.modal = Modal(
                custom_id=data["custom_id"], title=data["title"], components=data["components"], interaction_id=rec.id
            )
        rec.response_type = kind
        rec.ack_seconds = time.monotonic() - rec._created_mono
        rec.callback_body = body
        if rec._deadline_handle:
            rec._deadline_handle.cancel()
        self._notify()
        interaction: JSON = {
            "id": str(rec.id),
            "type": rec.type,
            "response_message_loading": kind == RESPONSE_DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(rec.original and rec.original.ephemeral),
        }
        if rec.original and kind in (4, 5, 7):
            interaction["response_message_id"] = str(rec.original.id)
        return _json_response({"interaction": interaction, "resource": resource})

    def _webhook_interaction(self, request: web.Request, params: dict[str, str]) -> InteractionResult:
        route = f"{request.method} {request.path.split('/webhooks/')[0]}/webhooks/{params['webhook_id']}/…"
        if params["webhook_id"] != str(self.application_id):
            self._violation("webhook", "webhook id is not the application id", route)
            raise _ApiError(404, 10015, "Unknown Webhook")
        rec = self._interactions_by_token.get(params["webhook_token"])
        if rec is None:
            self._violation("webhook", "unknown interaction token", route)
            raise _ApiError(404, 10015, "Unknown Webhook")
        if self.now() - rec.created_at > timedelta(seconds=TOKEN_LIFETIME_S):
            self._violation(
                "interaction-token-expired",
                f"{rec!r}: interaction tokens live 15 minutes; post later messages with channel.send",
                route,
            )
            raise _ApiError(401, 50027, "Invalid Webhook Token")
        if not rec.acknowledged:
            self._violation("webhook", f"follow-up for {rec!r} before the interaction was acknowledged", route)
            raise _ApiError(404, 10015, "Unknown Webhook")
        return rec

    async def _webhook_execute(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        rec = self._webhook_interaction(request, params)
        body, uploads = await self._read_body(request)
        self._validate_body(request, body, uploads)
        payload = body or {}
        original = rec.original
        if rec.response_type == RESPONSE_DEFERRED_CHANNEL_MESSAGE and original is not None and original.loading:
            # The first follow-up after a deferred response replaces the "thinking…" message.
            self._apply_payload(original, payload, uploads, is_edit=False, request=request)
            rec.original_filled = True
            self._after_edit(original)
            message = original
        else:
            message = self._new_bot_message(rec.channel.id, rec.guild.id if rec.guild else None)
            message.interaction_id, message.interaction_user = rec.id, rec.member.user if rec.member else None
            message.interaction_type = rec.type
            message.webhook_id = self.application_id
            self._apply_payload(message, payload, uploads, is_edit=False, request=request)
            rec.followups.append(message)
            self._store_message(message)
        self._notify()
        if request.query.get("wait", "false").lower() in ("true", "1"):
            return _json_response(message.to_payload())
        return web.Response(status=204)

    def _webhook_message(self, rec: InteractionResult, message_id: str) -> Message:
        if message_id == "@original":
            if rec.original is None:
                raise _ApiError(404, 10008, "Unknown Message")
            return rec.original
        message = self._messages.get(_snowflake(message_id))
        is_source = rec.source_message is not None and message is rec.source_message
        if message is None or message.deleted or (message.interaction_id != rec.id and not is_source):
            raise _ApiError(404, 10008, "Unknown Message")
        return message

    async def _webhook_get_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        rec = self._webhook_interaction(request, params)
        return _json_response(self._webhook_message(rec, params.get("message_id", "@original")).to_payload())

    async def _webhook_edit_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        rec = self._webhook_interaction(request, params)
        message = self._webhook_message(rec, params.get("message_id", "@original"))
        body, uploads = await self._read_body(request)
        self._validate_body(request, body, uploads)
        self._apply_payload(message, body or {}, uploads, is_edit=True, request=request)
        if message is rec.original:
            rec.original_filled = True
        self._after_edit(message)
        return _json_response(message.to_payload())

    async def _webhook_delete_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        rec = self._webhook_interaction(request, params)
        message = self._webhook_message(rec, params.get("message_id", "@original"))
        if message.loading:
            # Deleting the "thinking…" placeholder ends the deferral: later follow-ups are new
            # messages with their own flags (an ephemeral one stays ephemeral).
            message.loading, message.withdrawn = False, True
            message.flags &= ~Message.LOADING
        self._delete(message)
        if message is rec.original:
            rec.original_filled = True
        return web.Response(status=204)


def _focused_option(options: list[JSON]) -> JSON | None:
    for option in options:
        if option.get("focused"):
            return option
        found = _focused_option(option.get("options") or [])
        if found is not None:
            return found
    return None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _guess_type(filename: str) -> str | None:
    lower = filename.lower()
    for ext, mime in (
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".gif", "image/gif"),
        (".webp", "image/webp"),
        (".csv", "text/csv; charset=utf-8"),
        (".json", "application/json"),
        (".txt", "text/plain; charset=utf-8"),
    ):
        if lower.endswith(ext):
            return mime
    return None
