"""The emulator's sharding, seen by a bare gateway client (no discord.py): IDENTIFY with `shard`
`[id, count]`, each guild's events only to its shard's session, refused shards closed like Discord."""

# ruff: noqa: ASYNC109  (helpers take `timeout=` like the emulator's driver API)
from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.emulator import DiscordEmulator, Guild
from tests.emulator.gateway import CLOSE_INVALID_SHARD, CLOSE_SHARDING_REQUIRED
from tests.emulator.snowflake import next_id, shard_of


class RawShard:
    """One gateway connection that identifies as `shard` and answers every interaction it gets
    with "shard <id>" (the way a bot process would)."""

    def __init__(self, emulator: DiscordEmulator, http: aiohttp.ClientSession, shard: list[int] | None) -> None:
        self.emulator = emulator
        self.http = http
        self.shard = shard
        self.events: list[tuple[str, Any]] = []
        self.close_code: int | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._closed = asyncio.Event()

    async def connect(self) -> None:
        self._ws = await self.http.ws_connect(self.emulator.gateway_url + "?v=10&encoding=json")
        hello = json.loads((await self._ws.receive()).data)
        assert hello["op"] == 10
        identify: dict[str, Any] = {"token": self.emulator.token, "intents": 1, "properties": {}}
        if self.shard is not None:
            identify["shard"] = self.shard
        await self._ws.send_str(json.dumps({"op": 2, "d": identify}))
        self._reader = asyncio.create_task(self._read(), name="e2e-raw-shard")

    async def _read(self) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            payload = json.loads(msg.data)
            if payload["op"] != 0:
                continue
            self.events.append((payload["t"], payload["d"]))
            if payload["t"] == "READY":
                self._ready.set()
            elif payload["t"] == "INTERACTION_CREATE":
                await self._answer(payload["d"])
        self.close_code = self._ws.close_code
        self._closed.set()

    async def _answer(self, interaction: dict[str, Any]) -> None:
        url = f"{self.emulator.api_base}/interactions/{interaction['id']}/{interaction['token']}/callback"
        body = {"type": 4, "data": {"content": f"shard {self.shard}"}}
        headers = {"Authorization": f"Bot {self.emulator.token}"}
        async with self.http.post(url, json=body, headers=headers) as response:
            await response.read()

    async def ready(self, timeout: float = 5) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)
        await self.emulator.wait_until(lambda: not self.emulator._background, timeout, "GUILD_CREATEs sent")

    async def closed(self, timeout: float = 5) -> int | None:
        await asyncio.wait_for(self._closed.wait(), timeout)
        return self.close_code

    def guild_ids(self, event: str) -> set[int]:
        return {int(d["id"] if event == "GUILD_CREATE" else d["guild_id"]) for t, d in self.events if t == event}

    @property
    def ready_guild_ids(self) -> set[int]:
        return {int(g["id"]) for t, d in self.events if t == "READY" for g in d["guilds"]}

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)


@pytest.fixture
async def sharded() -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator(shards=2) as emu:
        yield emu


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def shards(sharded: DiscordEmulator, http: aiohttp.ClientSession) -> AsyncIterator[list[RawShard]]:
    """Four guilds, two on each shard, then a session for shard 0 and one for shard 1 of 2."""
    for name, shard in (("A0", 0), ("B1", 1), ("C0", 0), ("D1", 1)):
        sharded.create_guild(name, shard=shard)
    raw = [RawShard(sharded, http, [i, 2]) for i in (0, 1)]
    for r in raw:
        await r.connect()
        await r.ready()
    yield raw
    for r in raw:
        await r.close()


def by_shard(emulator: DiscordEmulator) -> dict[int, set[int]]:
    return {i: {g.id for g in emulator.guilds if shard_of(g.id, 2) == i} for i in (0, 1)}


def test_guild_ids_can_be_made_for_a_shard() -> None:
    for count in (1, 2, 3, 16):
        for shard in range(count):
            ids = [next_id(shard=(shard, count)) for _ in range(5)]
            assert {shard_of(i, count) for i in ids} == {shard}
            assert ids == sorted(set(ids))  # still unique and increasing
    with pytest.raises(ValueError, match="shard 2"):
        next_id(shard=(2, 2))


async def test_gateway_bot_recommends_the_configured_shard_count(
    sharded: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sharded.api_base}/gateway/bot", headers={"Authorization": f"Bot {sharded.token}"}) as r:
        assert (await r.json())["shards"] == 2


async def test_each_session_gets_ready_and_guild_create_for_its_shards_guilds_only(
    sharded: DiscordEmulator, shards: list[RawShard]
) -> None:
    expected = by_shard(sharded)
    assert all(len(ids) == 2 for ids in expected.values())
    for i, raw in enumerate(shards):
        assert raw.ready_guild_ids == expected[i]
        assert raw.guild_ids("GUILD_CREATE") == expected[i]
        assert [t for t, d in raw.events if t == "READY"] == ["READY"]
        assert next(d for t, d in raw.events if t == "READY")["shard"] == [i, 2]
    assert [s.shard for s in sharded.sessions] == [(0, 2), (1, 2)]
    assert sharded.session_for_shard(1) is sharded.sessions[1]


async def test_later_guild_events_go_to_their_shards_session_only(
    sharded: DiscordEmulator, shards: list[RawShard]
) -> None:
    late = sharded.create_guild("Late", shard=1)
    a0 = next(g for g in sharded.guilds if g.name == "A0")
    sharded.add_channel(a0, "new-in-a0")
    sharded.add_role(late, "late-role")
    await sharded.settle()
    assert late.id in shards[1].guild_ids("GUILD_CREATE") and late.id not in shards[0].guild_ids("GUILD_CREATE")
    assert shards[0].guild_ids("CHANNEL_CREATE") == {a0.id} and not shards[1].guild_ids("CHANNEL_CREATE")
    assert shards[1].guild_ids("GUILD_ROLE_CREATE") == {late.id} and not shards[0].guild_ids("GUILD_ROLE_CREATE")


async def test_an_interaction_reaches_only_its_shards_session_and_is_answered_once(
    sharded: DiscordEmulator, shards: list[RawShard]
) -> None:
    for guild in sharded.guilds:
        sharded.guild_commands[guild.id] = [
            {"id": str(next_id()), "name": "ping", "description": "ping", "type": 1, "options": []}
        ]
    for guild in sharded.guilds:
        res = await sharded.invoke(guild.members["alice"], "ping")
        shard = shard_of(guild.id, 2)
        assert res.content == f"shard {[shard, 2]}"
        assert [s.shard for s in res.delivered_to] == [(shard, 2)]
        assert res.callbacks == 1
        assert res.id in sharded.sessions[shard].interaction_ids
        assert res.id not in sharded.sessions[1 - shard].interaction_ids


async def test_a_session_without_shard_gets_every_guild(emulator: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    guilds: list[Guild] = [emulator.create_guild(f"G{i}") for i in range(4)]
    raw = RawShard(emulator, http, None)
    await raw.connect()
    await raw.ready()
    assert raw.guild_ids("GUILD_CREATE") == {g.id for g in guilds}
    assert emulator.sessions[0].shard is None
    await raw.close()


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], "0,2"])
async def test_a_shard_outside_its_count_is_closed_with_4010(
    sharded: DiscordEmulator, http: aiohttp.ClientSession, shard: Any
) -> None:
    sharded.create_guild("A", shard=0)
    raw = RawShard(sharded, http, shard)
    await raw.connect()
    assert await raw.closed() == CLOSE_INVALID_SHARD
    assert not any(t == "READY" for t, _ in raw.events)
    assert [s.refused for s in sharded.refused_sessions] == [(CLOSE_INVALID_SHARD, "Invalid shard.")]
    assert not sharded.connected


async def test_a_second_live_session_for_one_shard_is_closed_with_4010(
    sharded: DiscordEmulator, shards: list[RawShard], http: aiohttp.ClientSession
) -> None:
    twin = RawShard(sharded, http, [1, 2])
    await twin.connect()
    assert await twin.closed() == CLOSE_INVALID_SHARD
    assert len(sharded.refused_sessions) == 1
    # Once the first one is gone, the shard may connect again (a restarted process).
    await shards[1].close()
    await sharded.wait_until(lambda: sharded.session_for_shard(1) is None)
    again = RawShard(sharded, http, [1, 2])
    await again.connect()
    await again.ready()
    assert sharded.session_for_shard(1) is not None
    await again.close()


async def test_too_few_shards_are_closed_with_4011_when_sharding_is_required(http: aiohttp.ClientSession) -> None:
    async with DiscordEmulator(shards=4, require_sharding=True) as emu:
        for shard in (None, [0, 2]):
            raw = RawShard(emu, http, shard)
            await raw.connect()
            assert await raw.closed() == CLOSE_SHARDING_REQUIRED
        ok = RawShard(emu, http, [3, 4])
        await ok.connect()
        await ok.ready()
        await ok.close()
