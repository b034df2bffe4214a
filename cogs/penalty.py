"""/penalty: list, submit, verify, reject, waive; persistent Verify/Reject buttons; penalty announcements."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import penalties as rules
from bot.domain.announcements import Aging, Subject, still_matters
from bot.domain.text import optional_text
from bot.domain.units import parse_unit
from bot.render import penalties as render
from bot.render.activity import submission_with_activity
from bot.render.limits import CHOICE_NAME_MAX, CONTENT_MAX, truncate
from bot.render.message import Outgoing
from bot.services import penalties as service
from bot.services.penalties import PenaltyView
from bot.store import announcements
from bot.store import penalties as store
from bot.store.announcements import AnnouncementRow
from cogs.challenge import unit_autocomplete
from cogs.common import caller_is_admin, fitbet, guild_id, reply, report_error, services
from cogs.paginator import send_pages
from cogs.proof import ProofAnswer

if TYPE_CHECKING:
    from bot.app import FitbetBot

log = logging.getLogger(__name__)

PenaltyNo = app_commands.Range[int, 1, 1_000_000]
LIST_CHOICES = [
    app_commands.Choice(name="open (owed or submitted)", value="open"),
    app_commands.Choice(name="owed", value="owed"),
    app_commands.Choice(name="submitted, waiting for a check", value="submitted"),
    app_commands.Choice(name="overdue", value="overdue"),
    app_commands.Choice(name="done (verified or waived)", value="done"),
    app_commands.Choice(name="all", value="all"),
]


# --------------------------------------------------------------------------- buttons


class PenaltyButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fitbet:pen:(?P<id>[0-9]{1,18}):(?P<action>verify|reject)",
):
    """Verify / Reject on a submission post, for the bet's winners or an admin; survives restarts."""

    def __init__(self, penalty_id: int, action: str, *, disabled: bool = False) -> None:
        verify = action == "verify"
        super().__init__(
            discord.ui.Button(
                label="Verify" if verify else "Reject",
                emoji="✅" if verify else "↩️",
                style=discord.ButtonStyle.success if verify else discord.ButtonStyle.danger,
                custom_id=f"fitbet:pen:{penalty_id}:{action}",
                disabled=disabled,
            )
        )
        self.penalty_id = penalty_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PenaltyButton:
        return cls(int(match["id"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            svc = services(interaction)
            row = await service.resolve_id(svc, interaction.guild_id, self.penalty_id)
            admin = await caller_is_admin(interaction)
            verified = self.action == "verify"
            if verified:
                view = await service.verify(svc, row, interaction.user.id, admin)
            else:
                view = await service.reject(svc, row, interaction.user.id, admin)
            outcome = render.judged(view, interaction.user.id, verified)
            content = (interaction.message.content if interaction.message else "") or ""
            await interaction.response.edit_message(
                content=truncate(f"{content}\n{outcome.content}", CONTENT_MAX), view=judge_buttons(view.row.id, False)
            )
            if not verified:
                await interaction.followup.send(**outcome.send_kwargs())
            await fitbet(interaction).post_announcements()
        except Exception as exc:
            await report_error(interaction, exc)


def judge_buttons(penalty_id: int, enabled: bool) -> discord.ui.View:
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(PenaltyButton(penalty_id, "verify", disabled=not enabled))
    buttons.add_item(PenaltyButton(penalty_id, "reject", disabled=not enabled))
    return buttons


async def disable_submission_buttons(bot: FitbetBot, penalty_id: int) -> None:
    """After a verify/reject by command, the buttons on the latest submission post go grey."""
    events = [e for e in await store.events(bot.svc.db, penalty_id) if e.action == "submit"]
    if not events:
        return
    where = await announcements.message_id_for(bot.svc.db, service.ANN_SUBMITTED, events[-1].id)
    if where is None:
        return
    channel_id, message_id = where
    try:
        await (
            bot.get_partial_messageable(channel_id)
            .get_partial_message(message_id)
            .edit(view=judge_buttons(penalty_id, False))
        )
    except discord.HTTPException:
        log.warning("could not update the submission post of penalty %s", penalty_id, exc_info=True)


# --------------------------------------------------------------------------- autocomplete


async def open_penalty_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    found = await service.autocomplete(services(interaction), interaction.guild_id, current)
    return [app_commands.Choice(name=truncate(f"#{no} {text}", CHOICE_NAME_MAX), value=no) for no, text in found]


# --------------------------------------------------------------------------- commands


@app_commands.guild_only()
class PenaltyCommands(app_commands.Group, name="penalty", description="Penalties the losers of bets owe"):
    @app_commands.command(name="list", description="Penalties: owed, submitted, overdue, done.")
    @app_commands.describe(member="Only penalties owed by or to this member", which="Which ones (default: open)")
    @app_commands.choices(which=LIST_CHOICES)
    async def list(
        self,
        interaction: discord.Interaction[Any],
        member: discord.Member | discord.User | None = None,
        which: str = "open",
    ) -> None:
        member_id = member.id if member is not None else None
        views = await service.list_penalties(services(interaction), guild_id(interaction), member_id, which)
        await send_pages(interaction, render.list_pages(views, which, member_id), ephemeral=True)

    @app_commands.command(name="submit", description="Done your penalty? Submit what you did and how long it took.")
    @app_commands.describe(
        penalty="Which penalty",
        amount="How much you did, e.g. 5 (a GPX or FIT file as proof says it for you)",
        duration="How long it took: 55:00, 1:02:03 or 55m (or from the GPX or FIT file)",
        unit="If different from the penalty's unit (km ↔ mi)",
        proof="A screenshot or photo, or your run's GPX or FIT file",
    )
    @app_commands.autocomplete(penalty=open_penalty_autocomplete)
    @app_commands.autocomplete(unit=unit_autocomplete)
    async def submit(
        self,
        interaction: discord.Interaction[Any],
        penalty: PenaltyNo,
        amount: app_commands.Range[str, 1, 30] | None = None,
        duration: app_commands.Range[str, 1, 30] | None = None,
        unit: app_commands.Range[str, 1, 20] | None = None,
        proof: discord.Attachment | None = None,
    ) -> None:
        answer = await ProofAnswer.prepare(interaction, proof)
        async with answer.withdrawn_on_error():
            result = await service.submit(
                services(interaction),
                guild_id(interaction),
                penalty,
                interaction.user.id,
                amount,
                duration,
                answer.ref,
                unit,
                activity=answer.activity,
            )
        if answer.activity is not None and answer.photo is not None:
            stake_unit = parse_unit(result.view.row.unit)
            await answer.send(
                submission_with_activity(
                    result.view, result.submission, answer.activity, stake_unit, answer.photo, answer.picture
                )
            )
        elif answer.ref is not None and answer.photo is not None:
            await answer.send(render.submission_with_proof(result.view, result.submission, answer.ref, answer.photo))
        else:
            await answer.send(render.submission_reply(result.view, result.submission), ephemeral=True)
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="verify", description="Confirm a submitted penalty (the bet's winners or an admin).")
    @app_commands.describe(penalty="Which penalty")
    @app_commands.autocomplete(penalty=open_penalty_autocomplete)
    async def verify(self, interaction: discord.Interaction[Any], penalty: PenaltyNo) -> None:
        svc = services(interaction)
        view = await service.verify_no(
            svc, guild_id(interaction), penalty, interaction.user.id, await caller_is_admin(interaction)
        )
        await reply(interaction, render.judged(view, interaction.user.id, True), ephemeral=True)
        await disable_submission_buttons(fitbet(interaction), view.row.id)
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="reject", description="Send a submitted penalty back: it's owed again.")
    @app_commands.describe(penalty="Which penalty", reason="Why (shown to everyone)")
    @app_commands.autocomplete(penalty=open_penalty_autocomplete)
    async def reject(
        self,
        interaction: discord.Interaction[Any],
        penalty: PenaltyNo,
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        svc = services(interaction)
        view = await service.reject_no(
            svc, guild_id(interaction), penalty, interaction.user.id, await caller_is_admin(interaction), reason
        )
        kept = optional_text(reason, "reason", CONTENT_MAX)  # what the service accepted and kept
        await reply(interaction, render.judged(view, interaction.user.id, False, reason=kept))
        await disable_submission_buttons(fitbet(interaction), view.row.id)
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="waive", description="Let a penalty go (the bet's winners or an admin).")
    @app_commands.describe(penalty="Which penalty", reason="Why (optional)")
    @app_commands.autocomplete(penalty=open_penalty_autocomplete)
    async def waive(
        self,
        interaction: discord.Interaction[Any],
        penalty: PenaltyNo,
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        svc = services(interaction)
        view = await service.waive_no(
            svc, guild_id(interaction), penalty, interaction.user.id, await caller_is_admin(interaction), reason
        )
        await reply(interaction, Outgoing(content=f"Waived penalty #{view.row.no}."), ephemeral=True)
        await disable_submission_buttons(fitbet(interaction), view.row.id)
        await fitbet(interaction).post_announcements()


# --------------------------------------------------------------------------- the cog


class Penalties(commands.Cog):
    def __init__(self, bot: FitbetBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.tree.add_command(PenaltyCommands())
        self.bot.add_dynamic_items(PenaltyButton)
        self.bot.announcer(service.ANN_SUBMITTED, self._submitted)
        self.bot.announcer(service.ANN_DONE, self._simple(render.done, Aging.RECORD))
        self.bot.announcer(service.ANN_WAIVED, self._simple(render.waived, Aging.RECORD))
        self.bot.announcer(service.ANN_REMINDER, self._simple(render.reminder, Aging.REMINDER))
        self.bot.announcer(service.ANN_OVERDUE, self._simple(render.overdue, Aging.RECORD))

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command("penalty")
        self.bot.remove_dynamic_items(PenaltyButton)

    async def _submitted(self, ann: AnnouncementRow) -> Outgoing | None:
        svc = self.bot.svc
        event = await store.event(svc.db, ann.ref_id)
        if event is None or event.amount is None or event.elapsed is None:
            return None
        row = await store.get(svc.db, event.penalty_id)
        if row is None:
            return None
        view = await service.view(svc, row)
        submission = rules.build_submission(parse_unit(row.unit), event.amount, event.elapsed, row.amount)
        latest = [e.id for e in await store.events(svc.db, row.id) if e.action == "submit"][-1]
        message = render.submitted(view, submission, event.proof, event.proof_url)
        message.view = judge_buttons(row.id, row.status == "submitted" and latest == event.id)
        return message

    def _simple(
        self, make: Callable[[PenaltyView], Outgoing], aging: Aging
    ) -> Callable[[AnnouncementRow], Awaitable[Outgoing | None]]:
        """An announcement about one penalty; a reminder only while the penalty is owed and not yet due."""

        async def announce(ann: AnnouncementRow) -> Outgoing | None:
            row = await store.get(self.bot.svc.db, ann.ref_id)
            if row is None:
                return None
            now = self.bot.svc.now()
            subject = Subject(over=rules.PenaltyStatus(row.status) is not rules.PenaltyStatus.OWED, moment=row.due_at)
            if not still_matters(aging, subject, now):
                return None
            return make(await service.view(self.bot.svc, row))

        return announce


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Penalties(bot))  # type: ignore[arg-type]
