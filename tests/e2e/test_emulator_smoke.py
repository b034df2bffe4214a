"""The emulator itself, driven by a minimal discord.py client (and, at the end, the real bot)."""

from __future__ import annotations

import asyncio
import io
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.e2e.harness import BotHandle, _race, bot_idle_probe, gateway_redirect, start_bot_process
from tests.emulator import (
    DiscordEmulator,
    DriverError,
    Guild,
    InteractionNotAcknowledgedError,
    InteractionRejectedError,
    UnknownCommandError,
)
from tests.emulator.openapi import get_validator

# =================================================================================================
# a minimal client with one command of each kind the emulator supports
# =================================================================================================


class ChallengeView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Accept", custom_id="bet:accept:1", style=discord.ButtonStyle.success)
    async def accept(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=f"accepted by {interaction.user.name}", view=None)

    @discord.ui.button(label="Later", custom_id="bet:later:1")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="decided later")

    @discord.ui.button(label="Note", custom_id="bet:note:1")
    async def note(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(NoteModal())


class NoteModal(discord.ui.Modal, title="Add a note"):
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Note", custom_id="note", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"note: {self.note.value}", ephemeral=True)


class MiniClient(discord.Client):
    def __init__(self, guild_ids: list[int]) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        self.guild_ids = guild_ids
        self._connection.guild_ready_timeout = 0.05

    async def setup_hook(self) -> None:
        self.add_view(ChallengeView())
        group = app_commands.Group(name="challenge", description="Challenges")
        admin = app_commands.Group(
            name="admin", description="Admin tools", default_permissions=discord.Permissions(manage_guild=True)
        )

        @group.command(name="create", description="Create a challenge")
        @app_commands.choices(unit=[app_commands.Choice(name=u, value=u) for u in ("reps", "km")])
        async def create(
            interaction: discord.Interaction,
            activity: str,
            target: app_commands.Range[int, 1, 1_000_000],
            unit: str,
            opponent: discord.User | None = None,
            where: discord.TextChannel | None = None,
            role: discord.Role | None = None,
            ratio: float | None = None,
            public: bool = True,
            proof: discord.Attachment | None = None,
        ) -> None:
            parts = [f"{activity} {target} {unit}"]
            if opponent is not None:
                parts.append(f"vs {opponent.name} ({type(opponent).__name__})")
            if where is not None:
                parts.append(f"in #{where.name}")
            if role is not None:
                parts.append(f"role {role.name}")
            if ratio is not None:
                parts.append(f"ratio {ratio}")
            files = []
            if proof is not None:
                data = await proof.read()
                parts.append(f"proof {proof.filename} {len(data)}B")
                files.append(discord.File(io.BytesIO(data[::-1]), filename="echo.bin"))
            embed = discord.Embed(title="Challenge", description=" ".join(parts))
            await interaction.response.send_message(
                " ".join(parts), embed=embed, view=ChallengeView(), files=files, ephemeral=not public
            )

        @group.command(name="slow", description="Defers, then follows up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0.01)
            await interaction.followup.send("slow answer", file=discord.File(io.BytesIO(b"chart"), "chart.png"))
            await interaction.followup.send("and one more")

        @group.command(name="status", description="Show a challenge")
        async def status(interaction: discord.Interaction, challenge: str) -> None:
            await interaction.response.send_message(f"status of {challenge}", ephemeral=True)

        @status.autocomplete("challenge")
        async def status_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            names = ["pushups #1", "plank #2", "run #3", "pullups #4"]
            return [app_commands.Choice(name=n, value=n.split("#")[1]) for n in names if current in n]

        @group.command(name="long", description="Sends a message that is too long")
        async def long(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_message("x" * 2001)
            except discord.HTTPException:
                await interaction.response.send_message("too long", ephemeral=True)

        @group.command(name="silent", description="Never answers")
        async def silent(interaction: discord.Interaction) -> None:
            return None

        @group.command(name="announce", description="Answers, then posts to a channel")
        async def announce(interaction: discord.Interaction, where: discord.TextChannel) -> None:
            await interaction.response.send_message("posting", ephemeral=True)
            sent = await where.send(
                f"hello {interaction.user.mention}", allowed_mentions=discord.AllowedMentions(users=True)
            )
            await sent.add_reaction("✅")

        @group.command(name="pick", description="Sends a select menu")
        async def pick(interaction: discord.Interaction) -> None:
            view = discord.ui.View(timeout=30)
            select: discord.ui.Select[Any] = discord.ui.Select(
                custom_id="pick:unit", options=[discord.SelectOption(label=u, value=u) for u in ("km", "mi")]
            )

            async def chosen(inner: discord.Interaction) -> None:
                await inner.response.edit_message(content=f"unit {select.values[0]}", view=None)

            select.callback = chosen  # type: ignore[method-assign, assignment]
            view.add_item(select)
            await interaction.response.send_message("pick a unit", view=view)

        @group.command(name="public-defer", description="Non-ephemeral defer, ephemeral follow-up")
        async def public_defer(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await interaction.followup.send("first", ephemeral=True)
            await interaction.followup.send("second", ephemeral=True)

        @group.command(name="number", description="Autocomplete that offers the wrong type")
        async def number(interaction: discord.Interaction, which: int) -> None:
            await interaction.response.send_message(str(which), ephemeral=True)

        @number.autocomplete("which")
        async def number_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[Any]]:
            return [app_commands.Choice(name="one", value="1")]

        @group.command(name="dm", description="Sends a direct message")
        async def dm(interaction: discord.Interaction) -> None:
            await interaction.user.send("psst")
            await interaction.response.send_message("sent", ephemeral=True)

        @group.command(name="history", description="Reads channel history")
        async def history(interaction: discord.Interaction, where: discord.TextChannel) -> None:
            newest = [m.content async for m in where.history(limit=2)]
            last = where.last_message_id or 0
            older = [m.content async for m in where.history(limit=10, before=discord.Object(id=last))]
            fetched = await where.fetch_message(last)
            await interaction.response.send_message(f"{newest}|{older}|{fetched.content}", ephemeral=True)

        @admin.command(name="settle", description="Admins only")
        async def settle(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("settled", ephemeral=True)

        self.tree.add_command(group)
        self.tree.add_command(admin)
        for guild_id in self.guild_ids:
            self.tree.copy_global_to(guild=discord.Object(guild_id))
            await self.tree.sync(guild=discord.Object(guild_id))


async def _start_client(emulator: DiscordEmulator, guilds: list[Guild]) -> tuple[MiniClient, asyncio.Task[None]]:
    discord.http.Route.BASE = emulator.api_base
    client = MiniClient([g.id for g in guilds])
    task = asyncio.create_task(client.start(emulator.token), name="e2e-mini-client")

    async def ready() -> None:
        await emulator.wait_for_commands_synced(guilds)
        await client.wait_until_ready()

    await _race(ready(), task, "the mini client to be ready", 10)
    emulator.idle_probe = bot_idle_probe()
    return client, task


async def _stop_client(emulator: DiscordEmulator, client: MiniClient, task: asyncio.Task[None]) -> None:
    emulator.idle_probe = None
    await client.close()
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def client(emulator: DiscordEmulator, guild: Guild, other_guild: Guild) -> AsyncIterator[MiniClient]:
    with gateway_redirect(emulator):
        mini, task = await _start_client(emulator, [guild, other_guild])
        try:
            yield mini
        finally:
            await _stop_client(emulator, mini, task)


# =================================================================================================
# connection, guilds, sync
# =================================================================================================


async def test_connect_and_guild_create(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    seen = client.get_guild(guild.id)
    assert seen is not None and seen.name == "Gym"
    assert {c.name for c in seen.text_channels} == {"general", "announcements"}
    assert {"@everyone", "Admins"} <= {r.name for r in seen.roles}
    assert seen.me is not None and seen.me.id == emulator.bot_user.id
    assert client.user is not None and client.user.id == emulator.application_id
    assert seen.member_count == len(guild.members)
    # Without the GUILD_MEMBERS intent, GUILD_CREATE carries only the bot's member (as on Discord).
    assert [m.id for m in seen.members] == [emulator.bot_user.id]
    assert guild.admin is not None
    admin = await seen.fetch_member(guild.admin.id)
    assert admin.guild_permissions.manage_guild
    alice = await seen.fetch_member(guild.members["alice"].id)
    assert not alice.guild_permissions.manage_guild and not alice.bot
    session = emulator.sessions[-1]
    # zlib-stream, or zstd-stream when the `zstandard` module is installed (discord.py prefers it).
    expected = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert session.compressor.kind == expected and session.heartbeats >= 1


async def test_ids_are_distinct_across_guilds(emulator: DiscordEmulator, guild: Guild, other_guild: Guild) -> None:
    ids = [guild.id, other_guild.id]
    for g in (guild, other_guild):
        ids += [c.id for c in g.channels.values()] + [m.id for m in g.members.values() if not m.user.bot]
        ids += [r.id for r in g.roles.values() if r.name != "@everyone"]
    assert len(ids) == len(set(ids))


async def test_command_sync_is_stored(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    names = emulator.command_names(guild)
    assert {"challenge create", "challenge slow", "challenge status", "admin settle"} <= set(names)
    stored = {c["name"]: c for c in emulator.guild_commands[guild.id]}
    assert stored["admin"]["default_member_permissions"] == str(discord.Permissions(manage_guild=True).value)
    fetched = await client.tree.fetch_commands(guild=discord.Object(guild.id))
    assert {c.name for c in fetched} == {"challenge", "admin"}


async def test_gateway_messages_are_zlib_stream_frames(emulator: DiscordEmulator, guild: Guild) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(emulator.gateway_url + "?v=10&encoding=json&compress=zlib-stream") as ws,
    ):
        inflator = zlib.decompressobj()
        frame = await ws.receive_bytes(timeout=5)
        assert frame.endswith(b"\x00\x00\xff\xff")
        hello = inflator.decompress(frame)
        assert b'"op":10' in hello
        await ws.send_json({"op": 2, "d": {"token": emulator.token, "intents": 1, "properties": {}}})
        ready = inflator.decompress(await ws.receive_bytes(timeout=5))
        assert b'"t":"READY"' in ready
        created = inflator.decompress(await ws.receive_bytes(timeout=5))
        assert b'"t":"GUILD_CREATE"' in created and str(guild.id).encode() in created


async def test_wrong_token_is_rejected(emulator: DiscordEmulator) -> None:
    discord.http.Route.BASE = emulator.api_base
    bad = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await bad.login("not-the-token")
    await bad.close()


async def test_unhandled_route_is_recorded(emulator: DiscordEmulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(emulator.api_base + "/guilds/1/bans", headers={"Authorization": f"Bot {emulator.token}"}) as resp,
    ):
        assert resp.status == 404
        assert (await resp.json())["code"] == 0
    assert emulator.unhandled_routes == ["GET /api/v10/guilds/1/bans"]
    emulator.unhandled_routes.clear()


# =================================================================================================
# interactions
# =================================================================================================


async def test_invoke_with_typed_options(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    alice, bob = guild.members["alice"], guild.members["bob"]
    res = await emulator.invoke(
        alice,
        "challenge create",
        activity="pushups",
        target=2020,
        unit="reps",
        opponent=bob,
        where=guild.channels["announcements"],
        role=guild.admins_role,
        ratio=1.5,
    )
    assert res.response_type == 4 and not res.deferred and not res.ephemeral
    assert res.ack_seconds is not None and res.ack_seconds < 3
    assert res.content == "pushups 2020 reps vs bob (Member) in #announcements role Admins ratio 1.5"
    assert res.embed["title"] == "Challenge"
    assert res.message is not None and res.message.custom_ids == ["bet:accept:1", "bet:later:1", "bet:note:1"]
    assert res.message.interaction_id == res.id and res.message.author.bot
    assert res.message.allowed_mentions == {"parse": []}
    assert emulator.last_message(guild.default_channel) is res.message


async def test_user_who_is_not_a_member(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    stranger = emulator.create_user("zed")
    res = await emulator.invoke(
        guild.members["alice"], "challenge create", activity="run", target=5, unit="km", opponent=stranger
    )
    assert "vs zed (User)" in res.content


async def test_defer_then_followups(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    res = await emulator.invoke(guild.members["alice"], "challenge slow")
    assert res.deferred and res.response_type == 5
    assert res.ephemeral and res.content == "slow answer"
    assert [f.filename for f in res.files] == ["chart.png"] and res.files[0].data == b"chart"
    assert [m.content for m in res.followups] == ["and one more"]


async def test_button_click_updates_message(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    created = await emulator.invoke(guild.members["alice"], "challenge create", activity="plank", target=3, unit="reps")
    assert created.message is not None
    clicked = await emulator.click(guild.members["bob"], created.message, "bet:accept:1")
    assert clicked.response_type == 7
    message = created.message
    assert message.content == "accepted by bob" and message.components == []
    assert message.edited and message.history[0].content.startswith("plank 3 reps")


async def test_deferred_update_then_edit_original(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    created = await emulator.invoke(guild.members["alice"], "challenge create", activity="row", target=3, unit="km")
    assert created.message is not None
    clicked = await emulator.click(guild.members["carol"], created.message, label="Later")
    assert clicked.response_type == 6 and clicked.message is created.message
    assert created.message.content == "decided later"


async def test_modal_round_trip(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    created = await emulator.invoke(guild.members["alice"], "challenge create", activity="row", target=3, unit="km")
    assert created.message is not None
    opened = await emulator.click(guild.members["bob"], created.message, "bet:note:1")
    assert opened.modal is not None and opened.modal.title == "Add a note"
    submitted = await emulator.submit_modal(guild.members["bob"], opened.modal, {"note": "good luck"})
    assert submitted.ephemeral and submitted.content == "note: good luck"


async def test_autocomplete_returns_choices(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    choices = await emulator.autocomplete(guild.members["alice"], "challenge status", "challenge", "pu")
    assert [(c.name, c.value) for c in choices] == [("pushups #1", "1"), ("pullups #4", "4")]


async def test_attachment_option_and_upload(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    proof = emulator.attachment("run.png", b"\x89PNG-data")
    res = await emulator.invoke(
        guild.members["alice"], "challenge create", activity="run", target=5, unit="km", proof=proof
    )
    assert "proof run.png 9B" in res.content
    assert [(f.filename, f.data) for f in res.files] == [("echo.bin", b"atad-GNP\x89")]


async def test_channel_post_after_response(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    alice = guild.members["alice"]
    channel = guild.channels["announcements"]
    res = await emulator.invoke(alice, "challenge announce", where=channel)
    assert res.ephemeral
    posted = emulator.last_message(channel)
    assert posted is not None and posted.content == f"hello {alice.mention}"
    assert posted.pinged_user_ids == {alice.id} and posted.interaction_id is None
    assert posted.reactions == {"✅": {emulator.bot_user.id}}


async def test_missing_permission_is_a_403_not_a_violation(
    emulator: DiscordEmulator, guild: Guild, client: MiniClient
) -> None:
    channel = guild.channels["announcements"]
    channel.overwrite(guild.everyone_role, deny=discord.Permissions(send_messages=True).value)
    emulator.update_channel(channel)
    res = await emulator.invoke(guild.members["alice"], "challenge announce", where=channel)
    assert res.ephemeral and emulator.messages(channel) == []
    assert [(r.method, r.status) for r in emulator.rejections] == [("POST", 403)]


async def test_history_and_fetch(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    channel = guild.channels["announcements"]
    for who in ("alice", "bob", "carol"):
        await emulator.invoke(guild.members[who], "challenge announce", where=channel)
    res = await emulator.invoke(guild.members["alice"], "challenge history", where=channel)
    carol, bob, alice = (f"hello {guild.members[n].mention}" for n in ("carol", "bob", "alice"))
    assert res.content == f"{[carol, bob]}|{[bob, alice]}|{carol}"


async def test_gateway_drop_and_resume(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    first = emulator.sessions[-1]
    await emulator.drop_connection(4000)
    resumed = await emulator.wait_for_connection()
    assert resumed is not first and resumed.session_id == first.session_id  # RESUME, not IDENTIFY
    assert (await emulator.invoke(guild.members["alice"], "challenge status", challenge="1")).content
    await emulator.request_reconnect()
    await emulator.wait_until(lambda: emulator.connected and resumed not in emulator.sessions)
    assert (await emulator.invoke(guild.members["bob"], "challenge status", challenge="2")).content


async def test_rate_limited_channel_post_is_retried(
    emulator: DiscordEmulator, guild: Guild, client: MiniClient
) -> None:
    channel = guild.channels["announcements"]
    emulator.force_rate_limit(channel, hits=1, retry_after=0.05)
    await emulator.invoke(guild.members["alice"], "challenge announce", where=channel)
    assert [r.status for r in emulator.requests if r.path.endswith(f"{channel.id}/messages")] == [429, 200]
    assert len(emulator.messages(channel)) == 1


async def test_channel_rate_limit_bucket(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    channel = guild.channels["announcements"]
    emulator.set_channel_rate_limit(1, per=0.1)
    await emulator.invoke(guild.members["alice"], "challenge announce", where=channel)
    await emulator.invoke(guild.members["bob"], "challenge announce", where=channel)
    emulator.set_channel_rate_limit(None)
    statuses = [r.status for r in emulator.requests if r.path.endswith(f"{channel.id}/messages")]
    assert statuses.count(200) == 2 and 429 in statuses


async def test_select_menu(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    res = await emulator.invoke(guild.members["alice"], "challenge pick")
    assert res.message is not None
    with pytest.raises(DriverError, match="not options"):
        await emulator.select(guild.members["alice"], res.message, "pick:unit", ["furlong"])
    picked = await emulator.select(guild.members["alice"], res.message, "pick:unit", ["mi"])
    assert picked.message is res.message and res.message.content == "unit mi"


async def test_first_followup_keeps_the_deferral_visibility(
    emulator: DiscordEmulator, guild: Guild, client: MiniClient
) -> None:
    res = await emulator.invoke(guild.members["alice"], "challenge public-defer")
    assert res.content == "first" and not res.ephemeral
    assert [(m.content, m.ephemeral) for m in res.followups] == [("second", True)]


async def test_direct_message(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    await emulator.invoke(guild.members["carol"], "challenge dm")
    assert [m.content for m in emulator.dm_messages(guild.members["carol"])] == ["psst"]


async def test_member_message_reaches_the_client(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    from_alice = client.wait_for("message", check=lambda m: m.author.name == "alice", timeout=5)
    from_bob = client.wait_for("message", check=lambda m: m.author.name == "bob", timeout=5)
    emulator.post_message(guild.members["alice"], content="hello there")
    emulator.post_message(guild.members["bob"], content=f"{emulator.bot_user.mention} hi")
    # default intents: no MESSAGE_CONTENT, so only the message that mentions the bot keeps its text
    assert (await from_alice).content == ""
    assert (await from_bob).content == f"{emulator.bot_user.mention} hi"


# =================================================================================================
# violations and driver errors
# =================================================================================================


async def test_too_long_message_is_a_violation(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    res = await emulator.invoke(guild.members["alice"], "challenge long")
    assert res.content == "too long"
    found = emulator.take_violations()
    assert [v.kind for v in found] == ["limits"] and "2001 characters" in found[0].detail


async def test_autocomplete_choice_of_the_wrong_type(
    emulator: DiscordEmulator, guild: Guild, client: MiniClient
) -> None:
    with pytest.raises(InteractionRejectedError, match="takes integers"):
        await emulator.autocomplete(guild.members["alice"], "challenge number", "which", "1")
    found = emulator.take_violations()
    assert found and found[0].kind == "autocomplete" and "takes integers" in found[0].detail


async def test_unknown_command_subcommand_or_option_raises(
    emulator: DiscordEmulator, guild: Guild, client: MiniClient
) -> None:
    alice = guild.members["alice"]
    with pytest.raises(UnknownCommandError, match="was not synced"):
        await emulator.invoke(alice, "nope")
    with pytest.raises(UnknownCommandError, match="not a subcommand"):
        await emulator.invoke(alice, "challenge nope")
    with pytest.raises(UnknownCommandError, match="is a group"):
        await emulator.invoke(alice, "challenge")
    with pytest.raises(UnknownCommandError, match="no option"):
        await emulator.invoke(alice, "challenge status", challenge="1", colour="red")
    with pytest.raises(DriverError, match="required option"):
        await emulator.invoke(alice, "challenge status")
    with pytest.raises(DriverError, match="one of"):
        await emulator.invoke(alice, "challenge create", activity="run", target=5, unit="furlongs")
    with pytest.raises(DriverError, match=r"1\.\.1000000"):
        await emulator.invoke(alice, "challenge create", activity="run", target=0, unit="km")


async def test_admin_command_hidden_unless_overridden(
    emulator: DiscordEmulator, guild: Guild, client: MiniClient
) -> None:
    assert guild.admin is not None
    assert (await emulator.invoke(guild.admin, "admin settle")).content == "settled"
    with pytest.raises(DriverError, match="hidden"):
        await emulator.invoke(guild.members["alice"], "admin settle")
    res = await emulator.invoke(guild.members["alice"], "admin settle", permission_override=True)
    assert res.content == "settled"


async def test_unacknowledged_interaction_is_recorded(
    emulator: DiscordEmulator, guild: Guild, client: MiniClient
) -> None:
    emulator.ack_deadline = 0.2
    with pytest.raises(InteractionNotAcknowledgedError):
        await emulator.invoke(guild.members["alice"], "challenge silent")
    assert [v.kind for v in emulator.take_violations()] == ["interaction-not-acknowledged"]


async def test_second_acknowledgement_is_rejected(emulator: DiscordEmulator, guild: Guild, client: MiniClient) -> None:
    res = await emulator.invoke(guild.members["alice"], "challenge status", challenge="1")
    url = f"{emulator.api_base}/interactions/{res.id}/{res.token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as r,
    ):
        assert r.status == 400
        assert (await r.json())["code"] == 40060
    assert [v.kind for v in emulator.take_violations()] == ["interaction-acknowledged-twice"]


async def test_openapi_layer_checks_bodies() -> None:
    validator = get_validator()
    if validator is None:
        pytest.skip("Discord's openapi.json is not available next to the repository")
    ok = validator.validate("post", "/channels/{channel_id}/messages", {"content": "hi", "attachments": [{"id": 0}]})
    assert ok == []
    bad = validator.validate("post", "/channels/{channel_id}/messages", {"content": 5})
    assert bad and "content" in bad[0]


# =================================================================================================
# state survives the bot going away
# =================================================================================================


async def test_state_survives_reconnect(emulator: DiscordEmulator, guild: Guild) -> None:
    with gateway_redirect(emulator):
        first, task = await _start_client(emulator, [guild])
        res = await emulator.invoke(guild.members["alice"], "challenge create", activity="swim", target=1, unit="km")
        await _stop_client(emulator, first, task)
        assert not emulator.connected
        second, task = await _start_client(emulator, [guild])
        try:
            assert res.message is not None and emulator.message(res.message.id).content.startswith("swim")
            clicked = await emulator.click(guild.members["bob"], res.message, "bet:accept:1")
            assert clicked.message is res.message and res.message.content == "accepted by bob"
        finally:
            await _stop_client(emulator, second, task)


# =================================================================================================
# the real bot
# =================================================================================================


async def test_real_bot_answers_help(emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle) -> None:
    res = await emulator.invoke(guild.members["alice"], "help")
    assert res.ephemeral and "/help" in res.text
    await bot_handle.restart()
    again = await emulator.invoke(guild.members["bob"], "help")
    assert again.text == res.text


@pytest.mark.parametrize("bot_settings", [{"reminder_before_end_minutes": 30}])
async def test_bot_settings_reach_the_bot(bot_handle: BotHandle) -> None:
    assert bot_handle.bot.settings.reminder_before_end_minutes == 30


@pytest.mark.subprocess
async def test_real_bot_process(emulator: DiscordEmulator, guild: Guild, tmp_path: Path) -> None:
    proc = await start_bot_process(emulator, tmp_path)
    try:
        res = await emulator.invoke(guild.members["alice"], "help")
        assert res.ephemeral and "/help" in res.text
    finally:
        assert await proc.stop() == 0, proc.output()
    assert "Traceback" not in proc.output()
