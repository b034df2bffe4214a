"""/bet: propose, list, show, accept, decline; persistent Accept/Decline and vote buttons; bet announcements."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.bets import BetStatus, Side
from bot.errors import UserError
from bot.render import bets as render
from bot.render.limits import CHOICE_NAME_MAX, truncate
from bot.render.message import Outgoing
from bot.services import bets as service
from bot.services.bets import BetView, OpponentInfo
from bot.store import announcements
from bot.store import bets as store
from bot.store.announcements import AnnouncementRow
from cogs import card
from cogs.challenge import unit_autocomplete
from cogs.common import fitbet, guild_id, reply, reply_text, report_error, services
from cogs.paginator import send_pages

if TYPE_CHECKING:
    from bot.app import FitbetBot

log = logging.getLogger(__name__)

BetNo = app_commands.Range[int, 1, 1_000_000]
ChallengeNo = app_commands.Range[int, 1, 1_000_000]
SIDE_CHOICES = [
    app_commands.Choice(name="makes it", value=Side.FOR.value),
    app_commands.Choice(name="doesn't make it", value=Side.AGAINST.value),
]
LIST_CHOICES = [
    app_commands.Choice(name="open and locked", value="active"),
    app_commands.Choice(name="open (waiting for opponents)", value="open"),
    app_commands.Choice(name="locked (waiting for the result)", value="locked"),
    app_commands.Choice(name="settled", value="settled"),
    app_commands.Choice(name="settled, expired and voided", value="closed"),
    app_commands.Choice(name="all", value="all"),
]


# --------------------------------------------------------------------------- buttons


class BetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fitbet:bet:(?P<id>[0-9]{1,18}):(?P<action>accept|decline)",
):
    """Accept / Decline on a bet message; works after a restart (the id is re-read and checked)."""

    def __init__(self, bet_id: int, action: str, *, disabled: bool = False) -> None:
        accept = action == "accept"
        super().__init__(
            discord.ui.Button(
                label="Accept" if accept else "Decline",
                emoji="🤝" if accept else "🙅",
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=f"fitbet:bet:{bet_id}:{action}",
                disabled=disabled,
            )
        )
        self.bet_id = bet_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BetButton:
        return cls(int(match["id"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            svc = services(interaction)
            row = await service.resolve_id(svc, interaction.guild_id, self.bet_id)
            view = await service.respond(svc, row, interaction.user.id, accept=self.action == "accept")
            await interaction.response.edit_message(embeds=[render.bet_embed(view)], view=bet_buttons(view))
            _touch_card(fitbet(interaction), view)
            await interaction.followup.send(_answer_text(view, self.action == "accept"), ephemeral=True)
        except Exception as exc:
            await report_error(interaction, exc)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fitbet:vote:(?P<id>[0-9]{1,18}):(?P<side>for|against)",
):
    """How a manual bet ended, pressed by its members; both sides agreeing settles it."""

    def __init__(self, bet_id: int, side: str, *, disabled: bool = False) -> None:
        happened = side == Side.FOR.value
        super().__init__(
            discord.ui.Button(
                label="It happened" if happened else "It didn't happen",
                emoji="✅" if happened else "❌",
                style=discord.ButtonStyle.primary if happened else discord.ButtonStyle.secondary,
                custom_id=f"fitbet:vote:{bet_id}:{side}",
                disabled=disabled,
            )
        )
        self.bet_id = bet_id
        self.side = side

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(int(match["id"]), match["side"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            svc = services(interaction)
            row = await service.resolve_id(svc, interaction.guild_id, self.bet_id)
            result = await service.vote(svc, row, interaction.user.id, self.side)
            view = result.view
            await interaction.response.edit_message(embeds=[render.bet_embed(view)], view=vote_buttons(view))
            await interaction.followup.send(_vote_text(result, self.side), ephemeral=True)
            await fitbet(interaction).post_announcements()
            await refresh_bet_message(fitbet(interaction), view)
        except Exception as exc:
            await report_error(interaction, exc)


def bet_buttons(view: BetView) -> discord.ui.View:
    """Accept / Decline, disabled once the bet is no longer open."""
    closed = view.status is not BetStatus.OPEN
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(BetButton(view.row.id, "accept", disabled=closed))
    buttons.add_item(BetButton(view.row.id, "decline", disabled=closed))
    return buttons


def vote_buttons(view: BetView) -> discord.ui.View:
    closed = view.status is not BetStatus.LOCKED
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(VoteButton(view.row.id, Side.FOR.value, disabled=closed))
    buttons.add_item(VoteButton(view.row.id, Side.AGAINST.value, disabled=closed))
    return buttons


def _vote_text(result: service.VoteResult, side: str) -> str:
    if result.settled:
        return "Both sides agree — the bet is settled."
    if result.disputed:
        return "The two sides disagree. Talk it over and vote again, or ask an admin who isn't in it."
    return f"Noted: {render.claim(result.view, Side(side))}. Waiting for the other side."


def _answer_text(view: BetView, accepted: bool) -> str:
    if accepted:
        return f"🤝 You're in bet #{view.row.no}. Good luck!"
    return f"You declined bet #{view.row.no}. You can still accept it until it locks."


async def refresh_bet_message(bot: FitbetBot, view: BetView) -> None:
    """Bring the bet message up to date (state, buttons); best effort, the database is the record."""
    _touch_card(bot, view)
    row = view.row
    if row.message_channel_id is None or row.message_id is None:
        return
    channel = bot.get_partial_messageable(row.message_channel_id, guild_id=row.guild_id)
    try:
        await channel.get_partial_message(row.message_id).edit(embeds=[render.bet_embed(view)], view=bet_buttons(view))
    except discord.HTTPException:
        log.warning("could not update the message of bet %s", row.id, exc_info=True)
    if row.is_manual and view.status is not BetStatus.LOCKED:
        await _close_vote_message(bot, view)


def _touch_card(bot: FitbetBot, view: BetView) -> None:
    """The challenge's live card lists its bets."""
    if view.row.challenge_id is not None:
        card.touch(bot, view.row.challenge_id)


async def _close_vote_message(bot: FitbetBot, view: BetView) -> None:
    """Once a manual bet is decided (or voided), its vote buttons go grey."""
    where = await announcements.message_id_for(bot.svc.db, service.ANN_DECIDE, view.row.id)
    if where is None:
        return
    channel_id, message_id = where
    try:
        await (
            bot.get_partial_messageable(channel_id, guild_id=view.row.guild_id)
            .get_partial_message(message_id)
            .edit(embeds=[render.bet_embed(view)], view=vote_buttons(view))
        )
    except discord.HTTPException:
        log.warning("could not update the vote message of bet %s", view.row.id, exc_info=True)


# --------------------------------------------------------------------------- autocomplete


async def bet_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    found = await service.autocomplete(services(interaction), interaction.guild_id, current)
    return [app_commands.Choice(name=truncate(f"#{no} {text}", CHOICE_NAME_MAX), value=no) for no, text in found]


async def bettable_challenge_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    found = await service.bettable_challenges(services(interaction), interaction.guild_id, current)
    return [app_commands.Choice(name=truncate(f"#{no} {text}", CHOICE_NAME_MAX), value=no) for no, text in found]


# --------------------------------------------------------------------------- commands


def _opponent(user: discord.Member | discord.User) -> OpponentInfo:
    # A user option resolves to a Member only when that user is in the server.
    return OpponentInfo(user_id=user.id, is_bot=user.bot, in_guild=isinstance(user, discord.Member))


@app_commands.guild_only()
class BetCommands(app_commands.Group, name="bet", description="Bets on challenges: propose, take, settle"):
    @app_commands.command(name="create", description="Bet on a challenge (or on something you describe).")
    @app_commands.describe(
        side="Your side: the subject makes it, or doesn't",
        stake="What each opponent owes if you win, e.g. run backwards",
        amount="How much of it, e.g. 5",
        unit="reps, km, mi, min…",
        challenge="The challenge the bet is on",
        opponent="Who you bet against",
        opponent2="A second opponent",
        opponent3="A third opponent",
        open="Open to anyone instead of named opponents",
        due="How long the losers have once it's settled (default: the server's, e.g. 7d)",
        my_stake="What you owe if you lose (default: the same as the stake)",
        my_amount="How much of it",
        my_unit="Its unit",
        subject="Whose result decides it (default: you if you're in the challenge, else its creator)",
        description="Without a challenge: what the bet is about",
        decide_at="Without a challenge: when it's decided (server's time zone), e.g. sunday 20:00",
    )
    @app_commands.choices(side=SIDE_CHOICES)
    @app_commands.autocomplete(challenge=bettable_challenge_autocomplete)
    @app_commands.autocomplete(unit=unit_autocomplete, my_unit=unit_autocomplete)
    async def create(
        self,
        interaction: discord.Interaction[Any],
        side: str,
        stake: app_commands.Range[str, 1, 100],
        amount: app_commands.Range[str, 1, 30],
        unit: app_commands.Range[str, 1, 20],
        challenge: ChallengeNo | None = None,
        opponent: discord.Member | discord.User | None = None,
        opponent2: discord.Member | discord.User | None = None,
        opponent3: discord.Member | discord.User | None = None,
        open: bool = False,
        due: app_commands.Range[str, 1, 30] | None = None,
        my_stake: app_commands.Range[str, 1, 100] | None = None,
        my_amount: app_commands.Range[str, 1, 30] | None = None,
        my_unit: app_commands.Range[str, 1, 20] | None = None,
        subject: discord.Member | discord.User | None = None,
        description: app_commands.Range[str, 1, 200] | None = None,
        decide_at: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        assert interaction.channel_id is not None
        svc = services(interaction)
        named = [u for u in (opponent, opponent2, opponent3) if u is not None]
        if len({u.id for u in named}) != len(named):
            raise UserError("You named the same opponent twice — name each one once.")
        if subject is not None and not isinstance(subject, discord.Member):
            raise UserError(f"<@{subject.id}> isn't a member of this server.")
        view = await service.create_bet(
            svc,
            guild_id=guild_id(interaction),
            channel_id=interaction.channel_id,
            proposer_id=interaction.user.id,
            side=side,
            stake=stake,
            amount=amount,
            unit=unit,
            challenge_no=challenge,
            subject_id=subject.id if subject is not None else None,
            opponents=[_opponent(u) for u in named],
            open_bet=open,
            due=due,
            my_stake=my_stake,
            my_amount=my_amount,
            my_unit=my_unit,
            description=description,
            decide_at=decide_at,
        )
        message = render.created(view)
        message.view = bet_buttons(view)
        await reply(interaction, message)
        _touch_card(fitbet(interaction), view)
        sent = await interaction.original_response()
        await service.attach_message(svc, view.row.id, sent.channel.id, sent.id)

    @app_commands.command(name="list", description="Bets in this server.")
    @app_commands.describe(which="Which bets (default: open and locked)")
    @app_commands.choices(which=LIST_CHOICES)
    async def list(self, interaction: discord.Interaction[Any], which: str = "active") -> None:
        views = await service.list_bets(services(interaction), guild_id(interaction), which)
        heading = next((c.name for c in LIST_CHOICES if c.value == which), "Bets")
        await send_pages(interaction, render.list_pages(views, f"Bets — {heading}"), ephemeral=True)

    @app_commands.command(name="show", description="One bet: sides, stakes, who's in, outcome.")
    @app_commands.describe(bet="Which bet")
    @app_commands.autocomplete(bet=bet_autocomplete)
    async def show(self, interaction: discord.Interaction[Any], bet: BetNo) -> None:
        view = await service.show(services(interaction), guild_id(interaction), bet)
        await reply(interaction, render.card(view), ephemeral=True)

    @app_commands.command(name="accept", description="Take a bet you're named in (or an open one).")
    @app_commands.describe(bet="Which bet")
    @app_commands.autocomplete(bet=bet_autocomplete)
    async def accept(self, interaction: discord.Interaction[Any], bet: BetNo) -> None:
        view = await service.accept(services(interaction), guild_id(interaction), bet, interaction.user.id)
        await reply_text(interaction, _answer_text(view, True))
        await refresh_bet_message(fitbet(interaction), view)

    @app_commands.command(name="decline", description="Turn down a bet you're named in.")
    @app_commands.describe(bet="Which bet")
    @app_commands.autocomplete(bet=bet_autocomplete)
    async def decline(self, interaction: discord.Interaction[Any], bet: BetNo) -> None:
        view = await service.decline(services(interaction), guild_id(interaction), bet, interaction.user.id)
        await reply_text(interaction, _answer_text(view, False))
        await refresh_bet_message(fitbet(interaction), view)

    @app_commands.command(name="vote", description="A bet without a challenge: say how it ended.")
    @app_commands.describe(bet="Which bet", outcome="What happened")
    @app_commands.choices(
        outcome=[
            app_commands.Choice(name="it happened", value=Side.FOR.value),
            app_commands.Choice(name="it didn't happen", value=Side.AGAINST.value),
        ]
    )
    @app_commands.autocomplete(bet=bet_autocomplete)
    async def vote(self, interaction: discord.Interaction[Any], bet: BetNo, outcome: str) -> None:
        svc = services(interaction)
        row = await service.resolve(svc, guild_id(interaction), bet)
        result = await service.vote(svc, row, interaction.user.id, outcome)
        await reply_text(interaction, _vote_text(result, outcome))
        await fitbet(interaction).post_announcements()
        await refresh_bet_message(fitbet(interaction), result.view)


# --------------------------------------------------------------------------- the cog


class Bets(commands.Cog):
    def __init__(self, bot: FitbetBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.tree.add_command(BetCommands())
        self.bot.add_dynamic_items(BetButton, VoteButton)
        self.bot.announcer(service.ANN_LOCKED, self._locked)
        self.bot.announcer(service.ANN_EXPIRED, self._expired)
        self.bot.announcer(service.ANN_DECIDE, self._decide)
        self.bot.announcer(service.ANN_SETTLED, self._settled)
        self.bot.announcer(service.ANN_VOIDED, self._voided)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command("bet")
        self.bot.remove_dynamic_items(BetButton, VoteButton)

    async def _view(self, bet_id: int) -> BetView | None:
        row = await store.get(self.bot.svc.db, bet_id)
        if row is None:
            return None
        view = await service.view(self.bot.svc, row)
        await refresh_bet_message(self.bot, view)
        return view

    async def _locked(self, ann: AnnouncementRow) -> Outgoing | None:
        await self._view(ann.ref_id)
        return None

    async def _expired(self, ann: AnnouncementRow) -> Outgoing | None:
        view = await self._view(ann.ref_id)
        return None if view is None else render.expired(view)

    async def _decide(self, ann: AnnouncementRow) -> Outgoing | None:
        view = await self._view(ann.ref_id)
        if view is None:
            return None
        message = render.decide(view)
        message.view = vote_buttons(view)
        return message

    async def _settled(self, ann: AnnouncementRow) -> Outgoing | None:
        view = await self._view(ann.ref_id)
        return None if view is None or view.row.winning_side is None else render.settled(view)

    async def _voided(self, ann: AnnouncementRow) -> Outgoing | None:
        view = await self._view(ann.ref_id)
        return None if view is None else render.voided(view)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Bets(bot))  # type: ignore[arg-type]
