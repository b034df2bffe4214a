"""/challenge: parse options → call bot.services.challenges → render. Also its announcements and timers."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import challenges as rules_mod
from bot.domain.announcements import Aging, Subject, still_matters
from bot.domain.units import unit_choices
from bot.render import challenges as render
from bot.render.activity import with_activity
from bot.render.chart import Member, ProgressChart
from bot.render.limits import CHOICE_NAME_MAX, truncate
from bot.render.message import DeferredImage, Outgoing
from bot.services import challenges as service
from bot.services import names as member_names
from bot.store import challenges as store
from bot.store.announcements import AnnouncementRow
from cogs import card
from cogs.common import caller_is_admin, fitbet, guild_id, reply, services
from cogs.paginator import send_pages
from cogs.proof import ProofAnswer

if TYPE_CHECKING:
    from bot.app import FitbetBot

ChallengeNo = app_commands.Range[int, 1, 1_000_000]


async def challenge_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    found = await service.autocomplete(services(interaction), interaction.guild_id, current)
    return [app_commands.Choice(name=truncate(f"#{no} {title}", CHOICE_NAME_MAX), value=no) for no, title in found]


async def any_challenge_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    found = await service.autocomplete(services(interaction), interaction.guild_id, current, open_only=False)
    return [app_commands.Choice(name=truncate(f"#{no} {title}", CHOICE_NAME_MAX), value=no) for no, title in found]


async def unit_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label[:CHOICE_NAME_MAX], value=value) for label, value in unit_choices(current)][
        :25
    ]


@app_commands.guild_only()
class ChallengeCommands(
    app_commands.Group, name="challenge", description="Fitness challenges: create, join, log, status"
):
    @app_commands.command(name="create", description="Start a challenge, e.g. 2020 pushups in 7h.")
    @app_commands.describe(
        activity="What you do, e.g. pushups, run, plank",
        target="How much, e.g. 2020 or 5 (optional in 'most' mode)",
        unit="reps, km, mi, m, min, s, steps…",
        duration="How long: 7h, 90 min, 1h30, 2d, a week, half an hour",
        end="Or an end in the server's time zone: next friday 18:00, Dec 24 18:00, Samstag 18:00",
        start="Start later, in the server's time zone: tomorrow 7am, monday (default: now)",
        mode="each: everyone must reach it; total: combined; most: highest total wins",
        clock_starts_at_first_log="Clock starts at each one's first log (default: yes for a duration in each mode)",
        latest_start="With the clock at first log: the last moment to start",
        join="Take part yourself (default: yes)",
    )
    @app_commands.choices(
        mode=[
            app_commands.Choice(name="each — everyone must reach the target", value="each"),
            app_commands.Choice(name="total — the combined total must reach it", value="total"),
            app_commands.Choice(name="most — highest total wins", value="most"),
        ]
    )
    @app_commands.autocomplete(unit=unit_autocomplete)
    async def create(
        self,
        interaction: discord.Interaction[Any],
        activity: app_commands.Range[str, 1, 50],
        unit: app_commands.Range[str, 1, 20],
        target: app_commands.Range[str, 1, 30] | None = None,
        duration: app_commands.Range[str, 1, 30] | None = None,
        end: app_commands.Range[str, 1, 60] | None = None,
        start: app_commands.Range[str, 1, 60] | None = None,
        mode: str = "each",
        clock_starts_at_first_log: bool | None = None,
        latest_start: app_commands.Range[str, 1, 60] | None = None,
        join: bool = True,
    ) -> None:
        assert interaction.channel_id is not None
        view = await service.create(
            services(interaction),
            guild_id=guild_id(interaction),
            channel_id=interaction.channel_id,
            creator_id=interaction.user.id,
            activity=activity,
            target=target,
            unit=unit,
            duration=duration,
            end=end,
            start=start,
            mode=mode,
            clock_starts_at_first_log=clock_starts_at_first_log,
            latest_start=latest_start,
            join=join,
        )
        await card.reply_with_card(interaction, view.row.id)  # the public reply is the challenge's live card
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="join", description="Join a challenge.")
    @app_commands.describe(challenge="Which challenge")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def join(self, interaction: discord.Interaction[Any], challenge: ChallengeNo) -> None:
        view = await service.join(services(interaction), guild_id(interaction), challenge, interaction.user.id)
        await reply(interaction, render.joined(view, interaction.user.id))
        card.touch(fitbet(interaction), view.row.id)

    @app_commands.command(name="leave", description="Leave a challenge (your logs stay on record but stop counting).")
    @app_commands.describe(challenge="Which challenge (default: your only one)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def leave(self, interaction: discord.Interaction[Any], challenge: ChallengeNo | None = None) -> None:
        view = await service.leave(services(interaction), guild_id(interaction), challenge, interaction.user.id)
        await reply(interaction, render.left(view), ephemeral=True)
        await fitbet(interaction).post_announcements()  # open bets on the member were called off
        card.touch(fitbet(interaction), view.row.id)

    @app_commands.command(name="log", description="Log progress for yourself, e.g. 500 reps or 2.5 km.")
    @app_commands.describe(
        amount="How much you did, e.g. 500 or 2.5 (a GPX or FIT file as proof says it for you)",
        unit="Unit if different from the challenge's (km ↔ mi ↔ m, min ↔ s ↔ h)",
        note="A short note",
        proof="A photo or screenshot as proof, or your run's GPX or FIT file",
        challenge="Which challenge (default: your only one)",
    )
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    @app_commands.autocomplete(unit=unit_autocomplete)
    async def log(
        self,
        interaction: discord.Interaction[Any],
        amount: app_commands.Range[str, 1, 30] | None = None,
        unit: app_commands.Range[str, 1, 20] | None = None,
        note: app_commands.Range[str, 1, 200] | None = None,
        proof: discord.Attachment | None = None,
        challenge: ChallengeNo | None = None,
    ) -> None:
        answer = await ProofAnswer.prepare(interaction, proof)
        async with answer.withdrawn_on_error():
            result = await service.log(
                services(interaction),
                guild_id(interaction),
                challenge,
                interaction.user.id,
                amount,
                unit,
                note,
                answer.ref,
                interaction_id=interaction.id,
                activity=answer.activity,
            )
        if answer.activity is not None and answer.photo is not None:
            plain = render.logged(result, interaction.user.id)
            message = with_activity(plain, answer.activity, result.rules.unit, answer.photo, answer.picture)
        else:
            message = render.logged(result, interaction.user.id, answer.photo)
        await answer.send(message)
        card.touch(fitbet(interaction), result.challenge.id)
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="undo", description="Undo your last log (kept on record).")
    @app_commands.describe(challenge="Which challenge (default: your only one)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def undo(self, interaction: discord.Interaction[Any], challenge: ChallengeNo | None = None) -> None:
        undone, view = await service.undo(services(interaction), guild_id(interaction), challenge, interaction.user.id)
        await reply(interaction, render.undone(view, undone.amount, interaction.user.id), ephemeral=True)
        card.touch(fitbet(interaction), view.row.id)

    @app_commands.command(name="status", description="Progress bars, pace and time left.")
    @app_commands.describe(challenge="Which challenge (default: yours)")
    @app_commands.autocomplete(challenge=any_challenge_autocomplete)
    async def status(self, interaction: discord.Interaction[Any], challenge: ChallengeNo | None = None) -> None:
        view = await service.status(services(interaction), guild_id(interaction), challenge, interaction.user.id)
        await reply(interaction, Outgoing(embeds=[render.challenge_embed(view)]))
        if view.row.status in ("scheduled", "active"):
            card.touch(fitbet(interaction), view.row.id)  # its card is posted again if it was deleted

    @app_commands.command(name="list", description="Active and upcoming challenges in this server.")
    async def list(self, interaction: discord.Interaction[Any]) -> None:
        svc = services(interaction)
        items = await service.list_open(svc, guild_id(interaction))
        await send_pages(interaction, render.list_pages(items, svc.now()), ephemeral=True)

    @app_commands.command(name="cancel", description="Cancel a challenge (its creator or an admin).")
    @app_commands.describe(challenge="Which challenge")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def cancel(self, interaction: discord.Interaction[Any], challenge: ChallengeNo) -> None:
        view = await service.cancel(
            services(interaction),
            guild_id(interaction),
            challenge,
            interaction.user.id,
            await caller_is_admin(interaction),
        )
        await reply(interaction, Outgoing(content=f"Cancelled challenge #{view.row.no}."), ephemeral=True)
        await fitbet(interaction).post_announcements()


class Challenges(commands.Cog):
    def __init__(self, bot: FitbetBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.tree.add_command(ChallengeCommands())
        self.bot.announcer(service.ANN_CREATED, self._created)
        self.bot.announcer(service.ANN_STARTED, self._started)
        self.bot.announcer(service.ANN_REMINDER, self._reminder)
        self.bot.announcer(service.ANN_RESULT, self._result)
        self.bot.announcer(service.ANN_CANCELLED, self._cancelled)
        self.bot.announcer(service.ANN_MEMBER_RESULT, self._member_result)
        self.bot.announcer(service.ANN_CLOCK_REMINDER, self._clock_reminder)
        for mark in (50, 100):
            self.bot.announcer(service.ANN_MILESTONE.format(mark=mark), self._milestone(mark))
            self.bot.announcer(service.ANN_TOTAL_MILESTONE.format(mark=mark), self._total_milestone(mark))

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command("challenge")

    async def _view(self, challenge_id: int) -> service.ChallengeView | None:
        row = await store.get(self.bot.svc.db, challenge_id)
        return None if row is None else await service.view(self.bot.svc, row)

    def _still_news(self, view: service.ChallengeView, aging: Aging) -> bool:
        now = self.bot.svc.now()
        return still_matters(aging, Subject.challenge(view.row.status, view.rules.ends_at, now), now)

    async def _created(self, ann: AnnouncementRow) -> Outgoing | None:
        view = await self._view(ann.ref_id)
        return None if view is None or not self._still_news(view, Aging.NEWS) else render.created(view)

    async def _started(self, ann: AnnouncementRow) -> Outgoing | None:
        view = await self._view(ann.ref_id)
        return None if view is None or not self._still_news(view, Aging.NEWS) else render.started(view)

    async def _reminder(self, ann: AnnouncementRow) -> Outgoing | None:
        view = await self._view(ann.ref_id)
        return None if view is None or not self._still_news(view, Aging.REMINDER) else render.reminder(view)

    async def _cancelled(self, ann: AnnouncementRow) -> Outgoing | None:
        row = await store.get(self.bot.svc.db, ann.ref_id)
        if row is None:
            return None
        view = await service.view(self.bot.svc, row)
        return render.cancelled(view, row.cancelled_by)

    def _milestone(self, mark: int):  # type: ignore[no-untyped-def]
        async def announce(ann: AnnouncementRow) -> Outgoing | None:
            person = await store.participant_by_id(self.bot.svc.db, ann.ref_id)
            if person is None:
                return None
            view = await self._view(person.challenge_id)
            if view is None or not self._still_news(view, Aging.NEWS):
                return None
            return render.milestone(view, person.user_id, mark)

        return announce

    def _total_milestone(self, mark: int):  # type: ignore[no-untyped-def]
        async def announce(ann: AnnouncementRow) -> Outgoing | None:
            view = await self._view(ann.ref_id)
            if view is None or not self._still_news(view, Aging.NEWS):
                return None
            return render.milestone(view, None, mark)

        return announce

    async def _result(self, ann: AnnouncementRow) -> Outgoing | None:
        """The result at once; its chart (names looked up, then drawn in a worker) follows by itself."""
        row = await store.get(self.bot.svc.db, ann.ref_id)
        if row is None:
            return None
        view = await service.view(self.bot.svc, row)
        ids = [p.user_id for p in view.participants]
        message = render.result(view)
        message.image = DeferredImage(render.chart_filename(view), lambda: self._chart(view, ids))
        return message

    async def _clock_reminder(self, ann: AnnouncementRow) -> Outgoing | None:
        person = await store.participant_by_id(self.bot.svc.db, ann.ref_id)
        if person is None or person.result is not None or person.left_at is not None:
            return None
        view = await self._view(person.challenge_id)
        if view is None:
            return None
        now = self.bot.svc.now()
        standing = view.standings.row(person.user_id)
        challenge = Subject.challenge(view.row.status, view.rules.ends_at, now)
        clock = Subject(challenge.over, standing.window_end if standing is not None else challenge.moment)
        return render.clock_reminder(view, person.user_id) if still_matters(Aging.REMINDER, clock, now) else None

    async def _member_result(self, ann: AnnouncementRow) -> Outgoing | None:
        person = await store.participant_by_id(self.bot.svc.db, ann.ref_id)
        if person is None or person.result is None:
            return None
        view = await self._view(person.challenge_id)
        if view is None:
            return None
        uid = person.user_id
        message = render.member_result(view, uid)
        message.image = DeferredImage(render.member_chart_filename(view, uid), lambda: self._chart(view, [uid]))
        return message

    async def _chart(self, view: service.ChallengeView, ids: list[int]) -> bytes | None:
        """Cumulative progress of `ids` against the target line, up to the end (or now, if sooner)."""
        svc = self.bot.svc
        logs = await store.logs(svc.db, view.row.id)
        entries = [rules_mod.LogEntry(log.user_id, log.amount, log.logged_at) for log in logs]
        rows = {r.user_id: r for r in view.standings.rows}
        started = {uid: r.window_start for uid, r in rows.items() if r.started}  # clocks as the result saw them
        series = rules_mod.progress_series(view.rules, ids, entries, min(view.now, view.row.ends_at), started)
        names = await self._names(view.row.guild_id, ids)
        members = [
            Member(
                names.get(uid, str(uid)), series[uid], (rows[uid].window_start, rows[uid].window_end), rows[uid].started
            )
            for uid in ids
            if uid in rows
        ]
        return await self.bot.charts.render(ProgressChart(view.title, view.rules, members, ZoneInfo(view.tz_name)))

    async def _names(self, gid: int, ids: list[int]) -> dict[int, str]:
        """Names on record (bot.services.names); Discord is asked only for members never seen."""
        guild = self.bot.get_guild(gid)
        names = await member_names.known(self.bot.svc, gid, ids)
        for uid in ids:
            if uid in names:
                continue
            member = guild.get_member(uid) if guild else None
            if member is None and guild is not None:
                # Without the members intent nobody is cached: ask Discord (gone members stay unnamed).
                with contextlib.suppress(discord.HTTPException):
                    member = await guild.fetch_member(uid)
            user = member or self.bot.get_user(uid)
            names[uid] = user.display_name if user else member_names.fallback(uid)
        return names


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Challenges(bot))  # type: ignore[arg-type]
