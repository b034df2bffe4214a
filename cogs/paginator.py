"""Buttons to page through embeds that would not fit in one message."""

from __future__ import annotations

from typing import Any

import discord


class Paginator(discord.ui.View):
    def __init__(self, pages: list[discord.Embed], *, timeout: float = 600) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.index = max(0, self.index - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)


def first_page(pages: list[discord.Embed]) -> tuple[discord.Embed, Paginator | None]:
    """The first page, with buttons only when there is more than one."""
    return pages[0], (Paginator(pages) if len(pages) > 1 else None)
