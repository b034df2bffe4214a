"""The emulator's files, driven by a minimal discord.py client: members' attachments behind signed
links that expire, the bot's uploads with their limits, embeds that show an uploaded file, a
deferred answer withdrawn before it showed anything, and injected refusals."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.e2e.harness import _race, bot_idle_probe, gateway_redirect
from tests.emulator import DiscordEmulator, Guild

PNG = b"\x89PNG\r\n\x1a\n picture"


class FilesClient(discord.Client):
    def __init__(self, guild_id: int) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        self.guild_id = guild_id
        self._connection.guild_ready_timeout = 0.05

    async def setup_hook(self) -> None:
        group = app_commands.Group(name="files", description="Files")

        @group.command(name="fetch", description="Downloads an attachment option")
        async def fetch(interaction: discord.Interaction, proof: discord.Attachment) -> None:
            try:
                data = await proof.read()
                text = f"read {len(data)} of {proof.size} bytes; limit {interaction.filesize_limit}"
            except discord.HTTPException as exc:
                text = f"download failed: {exc.status}"
            await interaction.response.send_message(text, ephemeral=True)

        @group.command(name="upload", description="Answers with a file shown in an embed")
        async def upload(interaction: discord.Interaction, size: int, shown: str = "a.png") -> None:
            embed = discord.Embed(title="photo").set_image(url=f"attachment://{shown}")
            file = discord.File(io.BytesIO(PNG + bytes(size)), filename="a.png")
            try:
                await interaction.response.send_message(embed=embed, file=file)
            except discord.HTTPException as exc:
                await interaction.response.send_message(f"upload refused: {exc.status} {exc.code}", ephemeral=True)

        @group.command(name="withdraw", description="Defers in public, takes it back, answers privately")
        async def withdraw(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await interaction.delete_original_response()
            await interaction.followup.send("only you see this", ephemeral=True)

        @group.command(name="edit", description="Defers, then edits the original with a file")
        async def edit(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            try:
                await interaction.edit_original_response(
                    content="here", attachments=[discord.File(io.BytesIO(PNG), filename="a.png")]
                )
            except discord.HTTPException as exc:
                await interaction.delete_original_response()
                await interaction.followup.send(f"edit refused: {exc.status} {exc.code}", ephemeral=True)

        self.tree.add_command(group)
        self.tree.copy_global_to(guild=discord.Object(self.guild_id))
        await self.tree.sync(guild=discord.Object(self.guild_id))


@pytest.fixture
async def client(emulator: DiscordEmulator, guild: Guild) -> AsyncIterator[FilesClient]:
    with gateway_redirect(emulator):
        discord.http.Route.BASE = emulator.api_base
        mini = FilesClient(guild.id)
        task = asyncio.create_task(mini.start(emulator.token), name="e2e-files-client")

        async def ready() -> None:
            await emulator.wait_for_commands_synced([guild])
            await mini.wait_until_ready()

        await _race(ready(), task, "the files client to be ready", 10)
        emulator.idle_probe = bot_idle_probe()
        try:
            yield mini
        finally:
            emulator.idle_probe = None
            await mini.close()
            await asyncio.wait_for(task, 10)


async def get(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status


async def test_a_members_attachment_is_served_at_a_signed_link_until_it_expires(
    emulator: DiscordEmulator, guild: Guild, client: FilesClient
) -> None:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    emulator.now = lambda: now
    photo = emulator.attachment("p.png", PNG)
    res = await emulator.invoke(guild.members["alice"], "files fetch", proof=photo)
    assert res.content == f"read {len(PNG)} of {len(PNG)} bytes; limit {10 * 1024 * 1024}"
    link = res.payload["data"]["resolved"]["attachments"][str(photo.id)]["url"]
    assert "?ex=" in link and "&hm=" in link
    assert await get(link) == 200
    assert await get(photo.url) == 404  # unsigned
    assert await get(link.replace("&hm=", "&hm=0")) == 404  # forged
    now += timedelta(hours=24)
    assert await get(link) == 404  # expired, like Discord's CDN links
    assert await get(photo.signed_url()) == 200  # a payload made now carries a fresh link


async def test_a_download_can_be_made_to_fail(emulator: DiscordEmulator, guild: Guild, client: FilesClient) -> None:
    broken = emulator.attachment("p.png", PNG, download_status=503)
    res = await emulator.invoke(guild.members["alice"], "files fetch", proof=broken)
    assert res.content == "download failed: 503"


async def test_the_interaction_carries_the_upload_limit(
    emulator: DiscordEmulator, guild: Guild, client: FilesClient
) -> None:
    emulator.attachment_size_limit = guild.upload_limit = 25 * 1024 * 1024
    res = await emulator.invoke(guild.members["alice"], "files fetch", proof=emulator.attachment("p.png", PNG))
    assert res.content.endswith(f"limit {25 * 1024 * 1024}")


async def test_an_upload_shown_in_an_embed_is_recorded_with_the_message(
    emulator: DiscordEmulator, guild: Guild, client: FilesClient
) -> None:
    res = await emulator.invoke(guild.members["alice"], "files upload", size=10)
    assert res.message is not None
    shown = res.message.embedded_file()
    assert shown is not None and shown.filename == "a.png" and shown.data == PNG + bytes(10)
    assert await get(shown.signed_url()) == 200


async def test_an_upload_over_the_limit_is_refused_with_413_and_recorded(
    emulator: DiscordEmulator, guild: Guild, client: FilesClient
) -> None:
    emulator.attachment_size_limit = 1000
    res = await emulator.invoke(guild.members["alice"], "files upload", size=1000)
    assert res.content == "upload refused: 413 40005"
    assert [v.kind for v in emulator.take_violations()] == ["limits"]


async def test_an_embed_naming_a_file_the_message_lacks_is_a_violation(
    emulator: DiscordEmulator, guild: Guild, client: FilesClient
) -> None:
    await emulator.invoke(guild.members["alice"], "files upload", size=1, shown="missing.png")
    [violation] = emulator.take_violations()
    assert violation.kind == "attachments" and "attachment://missing.png" in violation.detail


async def test_a_withdrawn_deferral_leaves_only_the_private_answer(
    emulator: DiscordEmulator, guild: Guild, client: FilesClient
) -> None:
    res = await emulator.invoke(guild.members["alice"], "files withdraw")
    assert res.response_type == 5 and res.withdrawn
    assert res.original is not None and res.original.deleted and res.original.content == ""
    assert res.ephemeral and res.content == "only you see this"  # a new message: its own flags count
    assert emulator.messages(guild.default_channel, include_ephemeral=False) == []  # nothing stays in public


async def test_an_injected_refusal_reaches_the_bot_once(
    emulator: DiscordEmulator, guild: Guild, client: FilesClient
) -> None:
    emulator.fail_next("PATCH", r"/messages/@original$", status=413, code=40005, message="Request entity too large")
    refused = await emulator.invoke(guild.members["alice"], "files edit")
    assert refused.withdrawn and refused.ephemeral and refused.content == "edit refused: 413 40005"
    edited = await emulator.invoke(guild.members["alice"], "files edit")
    assert not edited.ephemeral and edited.content == "here" and [f.filename for f in edited.files] == ["a.png"]
