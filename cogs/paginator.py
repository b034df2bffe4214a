"""Buttons to page through embeds that would not fit in one message.

Only the member who asked turns the pages (anyone else is told so, privately); long lists get first
and last buttons; when the view times out its buttons are greyed out, so nobody presses a dead one.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.render.message import Outgoing
from cogs.common import reply

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 600.0  # within the 15 minutes an interaction's token lets us edit the reply
JUMP_FROM = 3  # pages from which first / last buttons are shown


class Paginator(discord.ui.View):
    def __init__(self, pages: list[discord.Embed], owner_id: int, *, timeout: float | None = None) -> None:
        super().__init__(timeout=TIMEOUT_SECONDS if timeout is None else timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self.interaction: discord.Interaction[Any] | None = None  # the command this view answers
        if len(pages) < JUMP_FROM:
            self.remove_item(self.first)
            self.remove_item(self.last)
        self._sync()

    def _sync(self) -> None:
        at_start, at_end = self.index == 0, self.index >= len(self.pages) - 1
        self.first.disabled = self.previous.disabled = at_start
        self.next.disabled = self.last.disabled = at_end

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            f"These pages are <@{self.owner_id}>'s to turn. Run the command yourself to page through it.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.interaction is None:
            return
        try:
            await self.interaction.edit_original_response(view=self)
        except discord.HTTPException:  # deleted, or the token expired: nothing left to grey out
            log.debug("could not disable the page buttons of interaction %s", self.interaction.id)

    async def _show(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, index))
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="⏮ First", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, 0)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.index + 1)

    @discord.ui.button(label="Last ⏭", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, len(self.pages) - 1)


async def send_pages(interaction: discord.Interaction[Any], pages: list[discord.Embed], *, ephemeral: bool) -> None:
    """Answer with the first page; with more than one, the buttons to turn them, for this member only."""
    if len(pages) == 1:
        await reply(interaction, Outgoing(embeds=pages), ephemeral=ephemeral)
        return
    pager = Paginator(pages, interaction.user.id)
    await reply(interaction, Outgoing(embeds=[pages[0]], view=pager), ephemeral=ephemeral)
    pager.interaction = interaction
