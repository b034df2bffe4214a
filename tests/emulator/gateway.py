"""The gateway side: one `GatewaySession` per websocket connection of a bot."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.emulator.snowflake import shard_of

if TYPE_CHECKING:
    from tests.emulator.emulator import DiscordEmulator

log = logging.getLogger("emulator.gateway")

try:  # discord.py prefers zstd-stream when `zstandard` is installed
    import zstandard as _zstd  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - depends on the environment
    _zstd = None

HEARTBEAT_INTERVAL_MS = 41_250

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15


class _Compressor:
    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self._zlib = zlib.compressobj() if kind == "zlib-stream" else None
        self._zstd: Any = None
        if kind == "zstd-stream" and _zstd is not None:
            self._zstd = _zstd.ZstdCompressor().compressobj()

    def encode(self, text: str) -> bytes | str:
        data = text.encode("utf-8")
        if self._zlib is not None:
            return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return bytes(self._zstd.compress(data) + self._zstd.flush(_zstd.COMPRESSOBJ_FLUSH_BLOCK))
        return text


def supported_compressions() -> set[str]:
    kinds = {"zlib-stream"}
    if _zstd is not None:
        kinds.add("zstd-stream")
    return kinds


class GatewaySession:
    """A bot's gateway connection: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, dispatches."""

    def __init__(self, emulator: DiscordEmulator, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.emulator = emulator
        self.ws = ws
        self.compressor = _Compressor(compress)
        self.session_id = secrets.token_hex(16)
        self.created_at = time.monotonic()
        self.sequence = 0
        self.intents = 0
        self.identified = asyncio.Event()
        self.closed = asyncio.Event()
        self.heartbeats = 0
        self._send_lock = asyncio.Lock()
        self.sent_events: list[str] = []
        self.shard: tuple[int, int] | None = None
        """`[id, count]` from IDENTIFY (None: the bot did not shard, so it gets every guild)."""
        self.refused: tuple[int, str] | None = None
        """(close code, reason) when the emulator refused this session's IDENTIFY."""
        self.interaction_ids: list[int] = []
        """Every interaction dispatched to this session, in order."""

    def routes(self, guild_id: int | None) -> bool:
        """Whether Discord sends this guild's events to this session: its shard is
        `(guild_id >> 22) % count`; DMs (no guild) go to shard 0; an unsharded session gets all."""
        if self.shard is None or self.shard[1] == 1:
            return True
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, count))

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        payload: dict[str, Any] = {"op": op, "d": data, "s": None, "t": None}
        if op == OP_DISPATCH:
            self.sequence += 1
            payload["s"] = self.sequence
            payload["t"] = event
            self.sent_events.append(str(event))
        text = json.dumps(payload, separators=(",", ":"))
        async with self._send_lock:
            if self.ws.closed:
                return
            encoded = self.compressor.encode(text)
            try:
                if isinstance(encoded, bytes):
                    await self.ws.send_bytes(encoded)
                else:
                    await self.ws.send_str(encoded)
            except ConnectionError:
                log.debug("gateway send failed: connection closed")

    async def dispatch(self, event: str, data: Any) -> None:
        if event == "INTERACTION_CREATE":
            self.interaction_ids.append(int(data["id"]))
        await self.send(OP_DISPATCH, data, event)

    async def run(self) -> None:
        await self.send(OP_HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["emulator"]})
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_message(json.loads(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await self._on_message(json.loads(zlib.decompress(msg.data)))
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self.closed.set()
            self.emulator._session_closed(self)

    async def _on_message(self, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        data = msg.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            await self.send(OP_HEARTBEAT_ACK, None)
        elif op == OP_IDENTIFY:
            await self._identify(data or {})
        elif op == OP_RESUME:
            await self._resume(data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._request_members(data or {})
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            pass
        else:
            self.emulator._record_unhandled(f"GATEWAY op {op}")

    async def _identify(self, data: dict[str, Any]) -> None:
        if data.get("token") != self.emulator.token:
            await self.ws.close(code=4004, message=b"Authentication failed.")
            return
        refusal = self._claim_shard(data.get("shard"))
        if refusal is not None:
            code, reason = refusal
            self.refused = refusal
            self.emulator._session_refused(self)
            log.info("gateway session refused: %d %s", code, reason)
            await self.ws.close(code=code, message=reason.encode()[:120])
            return
        self.intents = int(data.get("intents") or 0)
        emu = self.emulator
        guilds = [g for g in emu.guilds if self.routes(g.id)]
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": emu.bot_user.to_payload() | {"verified": True, "mfa_enabled": False, "email": None},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": self.session_id,
                "session_type": "normal",
                "resume_gateway_url": emu.gateway_url,
                "shard": list(self.shard or (0, 1)),
                "application": {"id": str(emu.application_id), "flags": emu.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "_trace": ["emulator"],
            },
        )
        for guild in guilds:
            await self.dispatch("GUILD_CREATE", guild.to_payload(all_members=bool(self.intents & INTENT_GUILD_MEMBERS)))
        emu._session_identified(self)
        self.identified.set()

    def _claim_shard(self, shard: Any) -> tuple[int, str] | None:
        """Take IDENTIFY's `shard` for this session, or say why Discord would close it (4010/4011)."""
        emu = self.emulator
        if shard is None:
            if emu.require_sharding and emu.shards > 1:
                return CLOSE_SHARDING_REQUIRED, "Sharding required."
            return None
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
        ):
            return CLOSE_INVALID_SHARD, "Invalid shard."
        shard_id, count = shard
        if count < 1 or not 0 <= shard_id < count:
            return CLOSE_INVALID_SHARD, "Invalid shard."
        if emu.require_sharding and count < emu.shards:
            return CLOSE_SHARDING_REQUIRED, "Sharding required."
        others = [s for s in emu._sessions if s is not self and not s.closed.is_set()]
        if count > 1 and any(s.shard == (shard_id, count) for s in others):
            # Two live sessions for one shard would each get (and answer) its guilds' events.
            return CLOSE_INVALID_SHARD, "Invalid shard (already connected)."
        self.shard = (shard_id, count)
        return None

    async def _resume(self, data: dict[str, Any]) -> None:
        previous = self.emulator._session_by_id(str(data.get("session_id")))
        if data.get("token") != self.emulator.token or previous is None:
            await self.send(OP_INVALID_SESSION, False)
            return
        self.session_id = previous.session_id
        self.sequence = max(previous.sequence, int(data.get("seq") or 0))
        self.intents = previous.intents
        self.shard = previous.shard
        await self.dispatch("RESUMED", {"_trace": ["emulator"]})
        self.emulator._session_identified(self)
        self.identified.set()

    async def _request_members(self, data: dict[str, Any]) -> None:
        guild = self.emulator.guild_by_id(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        ids = data.get("user_ids")
        if ids:
            wanted = {int(i) for i in (ids if isinstance(ids, list) else [ids])}
            members = [m for m in members if m.id in wanted]
        query = data.get("query")
        if query:
            members = [m for m in members if m.user.username.startswith(str(query))]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
