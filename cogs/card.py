"""The live challenge card: the public message of /challenge create, kept up to date, with buttons to log.

- Refreshes are coalesced per card and budgeted per channel (`bot.live`): a burst of logs is one or
  two edits, never more than the channel allows, and never in the way of the member's own reply.
- A card message that was deleted is posted again at the next change (also /challenge status) while
  the challenge is open; a finished challenge's card shows the result, links to its post and greys
  its buttons out.
- Buttons are DynamicItems (`fitbet:card:<challenge id>:<action>`), so they work after a restart; the
  id in a custom_id is untrusted: the row is read again and its server checked. A tap logs exactly
  like /challenge log, once per interaction (a repeated delivery is recognised by its id and ignored).
- The Log… modal is answered from `on_interaction`, so a modal opened before a restart still logs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot.domain.cards import quick_amounts
from bot.errors import NotFound, UserError
from bot.live import ChannelBudget, Coalescer
from bot.render import cards as render
from bot.render import challenges as challenge_render
from bot.render.limits import CONTENT_MAX, truncate
from bot.render.message import Outgoing
from bot.render.text import shown
from bot.services import cards as service
from bot.services import challenges as challenge_service
from bot.services.cards import CardView
from bot.store import challenges as challenge_store
from bot.store.announcements import AnnouncementRow
from bot.store.challenges import ChallengeRow
from cogs.common import fitbet, guild_id, report_error

if TYPE_CHECKING:
    from bot.app import FitbetBot

log = logging.getLogger(__name__)

TASK_NAME = "fitbet-card"  # the refresh tasks: `fitbet-card-<challenge id>`
MODAL_ID = re.compile(r"fitbet:cardlog:(?P<id>[0-9]{1,18}):[0-9]{1,20}")
MODAL_TITLE_MAX = 45
_AMOUNT = re.compile(r"\s*(?P<amount>[0-9][0-9.,]*|\.[0-9]+)\s*(?P<unit>[^\W\d_]+)?\s*")


# --------------------------------------------------------------------------- buttons


class CardButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fitbet:card:(?P<id>[0-9]{1,18}):(?P<action>q[0-2]|log|undo|join)",
):
    """A button of a live card (or of the "join first" offer). Survives restarts."""

    def __init__(
        self,
        challenge_id: int,
        action: str,
        *,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"fitbet:card:{challenge_id}:{action}", disabled=disabled
            )
        )
        self.challenge_id = challenge_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CardButton:
        return cls(int(match["id"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = cards_of(fitbet(interaction))
        if cog is None:
            return
        try:
            await cog.tapped(interaction, self.challenge_id, self.action)
        except Exception as exc:  # a repeated delivery (RepeatedInteraction) is not answered twice
            await report_error(interaction, exc)


def card_buttons(card: CardView) -> discord.ui.View:
    """The quick amounts, Log… and Undo my last; greyed out once the challenge is over."""
    cid, closed = card.challenge.row.id, not card.open
    buttons = discord.ui.View(timeout=None)
    for index, quick in enumerate(card.quick):
        buttons.add_item(
            CardButton(cid, f"q{index}", label=quick.label, style=discord.ButtonStyle.primary, disabled=closed)
        )
    buttons.add_item(CardButton(cid, "log", label="Log…", style=discord.ButtonStyle.success, disabled=closed))
    buttons.add_item(CardButton(cid, "undo", label="Undo my last", disabled=closed))
    return buttons


class CardLogModal(discord.ui.Modal):
    """Amount (with an optional unit) and a note. Its submission is answered by `Cards.on_interaction`."""

    amount: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="How much", placeholder="e.g. 25, or 2.5 km", min_length=1, max_length=30, custom_id="amount"
    )
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Note (optional)", required=False, max_length=200, custom_id="note"
    )

    def __init__(self, row: ChallengeRow, title: str, opened_by: int) -> None:
        # One custom_id per opening: discord.py keeps open modals by custom_id, and two members opening
        # the same challenge's modal must not replace each other's.
        super().__init__(
            title=truncate(f"Log for #{row.no} {title}", MODAL_TITLE_MAX),
            custom_id=f"fitbet:cardlog:{row.id}:{opened_by}",
            timeout=15 * 60,
        )


# --------------------------------------------------------------------------- the cog


def cards_of(bot: FitbetBot) -> Cards | None:
    # Not isinstance: discord.py loads an extension as a fresh module, so a cog that imported this one
    # (cogs.challenge) holds other class objects than the loaded cog's.
    return cast("Cards | None", bot.get_cog("Cards"))


def touch(bot: FitbetBot, challenge_id: int) -> None:
    """Something on the challenge changed: its card is refreshed soon (returns at once)."""
    cog = cards_of(bot)
    if cog is not None:
        cog.touch(challenge_id)


async def reply_with_card(interaction: discord.Interaction[Any], challenge_id: int) -> None:
    """Answer /challenge create with the card, and remember where it is."""
    cog = cards_of(fitbet(interaction))
    card = await service.card(fitbet(interaction).svc, challenge_id)
    if cog is None or card is None:
        return
    message = cog.outgoing(card)
    await interaction.response.send_message(**message.send_kwargs())
    sent = await interaction.original_response()
    await service.set_card(fitbet(interaction).svc, challenge_id, sent.channel.id, sent.id)


class Cards(commands.Cog):
    def __init__(self, bot: FitbetBot) -> None:
        self.bot = bot
        settings = bot.settings
        self.budget = ChannelBudget(settings.card_channel_edits, settings.card_channel_window_seconds)
        self.live = Coalescer(self._refresh, settings.card_edit_seconds, name=TASK_NAME)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CardButton)
        self.bot.after_post(self._announced)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CardButton)
        await self.live.close()

    def touch(self, challenge_id: int) -> None:
        self.live.touch(challenge_id)

    def outgoing(self, card: CardView) -> Outgoing:
        message = render.card_message(card)
        message.view = card_buttons(card)
        return message

    # ---- keeping it up to date -------------------------------------------------------------------

    def _announced(self, row: AnnouncementRow) -> None:
        """A result, a milestone, a bet locking or settling …: the card shows it (and links to the post)."""
        task = self.bot.loop.create_task(self._touch_for(row), name=f"{TASK_NAME}-announced-{row.id}")
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _touch_for(self, row: AnnouncementRow) -> None:
        challenge_id = await service.challenge_of_announcement(self.bot.svc, row.kind, row.ref_id)
        if challenge_id is not None:
            self.touch(challenge_id)

    async def _refresh(self, challenge_id: int) -> None:
        """Edit the card to show the challenge as it is now; post it again if its message is gone."""
        card = await service.card(self.bot.svc, challenge_id)
        if card is None:
            return
        message = self.outgoing(card)
        kwargs = message.send_kwargs()
        row = card.challenge.row
        if card.where is not None:
            channel_id, message_id = card.where
            await self.budget.acquire(channel_id)
            target = self.bot.get_partial_messageable(channel_id, guild_id=row.guild_id)
            try:
                await target.get_partial_message(message_id).edit(**kwargs)
                return
            except discord.NotFound:
                log.info("the card of challenge %s (message %s) is gone", row.id, message_id)
            except discord.Forbidden:
                log.warning("may not edit the card of challenge %s in channel %s", row.id, channel_id)
        if card.open:
            await self._post_again(card, kwargs)

    async def _post_again(self, card: CardView, kwargs: dict[str, Any]) -> None:
        row = card.challenge.row
        settings = await self.bot.svc.guild_settings(row.guild_id)
        for channel_id in dict.fromkeys((row.channel_id, settings.announce_channel(row.channel_id))):
            try:
                sent = await self.bot.get_partial_messageable(channel_id, guild_id=row.guild_id).send(**kwargs)
            except (discord.NotFound, discord.Forbidden) as exc:
                log.warning("could not post the card of challenge %s in channel %s: %s", row.id, channel_id, exc)
                continue
            await service.set_card(self.bot.svc, row.id, sent.channel.id, sent.id)
            log.info("posted the card of challenge %s again (message %s)", row.id, sent.id)
            return

    # ---- taps ------------------------------------------------------------------------------------

    async def tapped(self, interaction: discord.Interaction[Any], challenge_id: int, action: str) -> None:
        svc = self.bot.svc
        row = await _challenge_here(interaction, challenge_id)
        if action == "join":
            await self._join(interaction, row)
            return
        if action != "undo" and not await self._offered_to_join(interaction, row):
            return
        if action == "log":
            title = (await challenge_service.view(svc, row)).title
            await interaction.response.send_modal(CardLogModal(row, title, interaction.id))
            return
        if action == "undo":
            undone, view = await challenge_service.undo(
                svc, row.guild_id, row.no, interaction.user.id, interaction_id=interaction.id
            )
            message = challenge_render.undone(view, undone.amount, interaction.user.id)
            await interaction.response.send_message(**message.send_kwargs(), ephemeral=True)
            self.touch(row.id)
            return
        quick = quick_amounts(challenge_service.rules_of(row).unit, row.target)[int(action[1:])]
        await self._log(interaction, row, quick.amount_text, quick.unit.symbol, None)

    async def _log(
        self, interaction: discord.Interaction[Any], row: ChallengeRow, amount: str, unit: str | None, note: str | None
    ) -> None:
        result = await challenge_service.log(
            self.bot.svc, row.guild_id, row.no, interaction.user.id, amount, unit, note, interaction_id=interaction.id
        )
        await interaction.response.send_message(render.tapped(result), ephemeral=True)
        self.touch(row.id)
        await self.bot.post_announcements()

    async def _offered_to_join(self, interaction: discord.Interaction[Any], row: ChallengeRow) -> bool:
        """True for a participant; anyone else is offered to join (or told why they can't), ephemerally."""
        people = await challenge_store.participants(self.bot.svc.db, row.id)
        if any(p.user_id == interaction.user.id for p in people):
            return True
        refusal = await challenge_service.join_refusal(self.bot.svc, row, interaction.user.id)
        if refusal is not None:
            text = f"These buttons log for the challenge's participants, and you're not one. {refusal}"
            await interaction.response.send_message(truncate(text, CONTENT_MAX), ephemeral=True)
            return False
        offer = discord.ui.View(timeout=None)
        offer.add_item(CardButton(row.id, "join", label=f"Join #{row.no}", style=discord.ButtonStyle.success))
        await interaction.response.send_message(
            f"You're not in challenge #{row.no} yet. Join it, then tap again to log.", view=offer, ephemeral=True
        )
        return False

    async def _join(self, interaction: discord.Interaction[Any], row: ChallengeRow) -> None:
        view = await challenge_service.join(self.bot.svc, row.guild_id, row.no, interaction.user.id)
        text = f"💪 You're in **{shown(view.title)}** (#{row.no}). Tap the card's buttons to log."
        await interaction.response.edit_message(content=truncate(text, CONTENT_MAX), view=None)
        self.touch(row.id)

    # ---- the Log… modal, also after a restart ----------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Any = interaction.data or {}
        match = MODAL_ID.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return
        try:
            row = await _challenge_here(interaction, int(match["id"]))
            values = dict(_text_inputs(data.get("components") or []))
            amount, unit = _split_amount(values.get("amount", ""))
            await self._log(interaction, row, amount, unit, values.get("note") or None)
        except Exception as exc:
            await report_error(interaction, exc)


async def _challenge_here(interaction: discord.Interaction[Any], challenge_id: int) -> ChallengeRow:
    """The challenge a custom_id names, read again, and only if it belongs to this server."""
    row = await challenge_store.get(fitbet(interaction).svc.db, challenge_id)
    if row is None or row.guild_id != guild_id(interaction):
        raise NotFound("That challenge isn't in this server any more.")
    return row


def _text_inputs(components: list[Any]) -> Iterator[tuple[str, str]]:
    """(custom_id, value) of every text input in a submitted modal, in rows or in labels."""
    for component in components:
        if not isinstance(component, dict):
            continue
        if "custom_id" in component and "value" in component:
            yield str(component["custom_id"]), str(component["value"])
        yield from _text_inputs(list(component.get("components") or []))
        if isinstance(component.get("component"), dict):
            yield from _text_inputs([component["component"]])


def _split_amount(text: str) -> tuple[str, str | None]:
    """`25` → ("25", None); `2.5 km` → ("2.5", "km"). Anything else goes to the amount parser as is."""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        if not text.strip():
            raise UserError("Enter how much you did, e.g. 25 or 2.5 km.")
        return text, None
    return match["amount"], match["unit"]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Cards(bot))  # type: ignore[arg-type]
