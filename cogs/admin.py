"""/admin: server settings and corrections. Hidden from non-admins by Discord, checked again here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import zones
from bot.domain.guild_settings import DISTANCE_UNITS
from bot.domain.timeparse import ts
from bot.domain.words import count
from bot.errors import UserError
from bot.render import admin as render
from bot.render.limits import CHOICE_NAME_MAX, truncate
from bot.render.message import Outgoing
from bot.services import admin as service
from bot.services import announcements as outbox
from bot.services import challenges as challenge_service
from bot.services import names as member_names
from cogs import card
from cogs.bet import bet_autocomplete, refresh_bet_message
from cogs.challenge import ChallengeNo, challenge_autocomplete, unit_autocomplete
from cogs.common import command_mentions, fitbet, guild_id, reply, reply_text, require_admin, services
from cogs.paginator import send_pages

if TYPE_CHECKING:
    from bot.app import FitbetBot

BetNo = app_commands.Range[int, 1, 1_000_000]
NEEDED = ("view_channel", "send_messages", "embed_links", "attach_files")


async def timezone_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    # Each name shows its offset: "Etc/GMT-1 (UTC+01:00 all year)", so the POSIX sign can't mislead.
    now = services(interaction).now()
    return [app_commands.Choice(name=c.name, value=c.value) for c in zones.timezone_autocomplete(current, now)]


async def log_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[int]]:
    if interaction.guild is None:
        return []
    choices = []
    needle = current.strip().lower().lstrip("#")
    svc = services(interaction)
    logs = await service.recent_logs(svc, interaction.guild.id)
    names = await member_names.names_for(svc, interaction.guild.id, {item.user_id for item in logs})
    for item in logs:
        who = names[item.user_id]
        label = f"#{item.challenge_no} · {who} · {item.amount_text} · {item.logged_at:%d %b %H:%M} UTC"
        if needle in label.lower() or needle == str(item.log_id):
            choices.append(app_commands.Choice(name=truncate(label, CHOICE_NAME_MAX), value=item.log_id))
        if len(choices) == 25:
            break
    return choices


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCommands(app_commands.Group, name="admin", description="Server admin: settings and corrections"):
    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        # Only AppCommandErrors raised here reach the tree's error handler; anything else would
        # leave the interaction unanswered ("The application did not respond").
        try:
            await require_admin(interaction)
        except UserError as error:
            raise app_commands.CheckFailure(error.message) from error
        return True

    @app_commands.command(name="channel", description="Where results, reminders and penalties are announced.")
    @app_commands.describe(channel="A text channel the bot can post in")
    async def channel(self, interaction: discord.Interaction[Any], channel: discord.TextChannel) -> None:
        guild = interaction.guild
        assert guild is not None
        target = guild.get_channel(channel.id)
        if not isinstance(target, discord.TextChannel):
            raise UserError("I can't see that channel. Pick a text channel I can read.")
        allowed = target.permissions_for(guild.me)
        missing = [name.replace("_", " ") for name in NEEDED if not getattr(allowed, name)]
        if missing:
            raise UserError(
                f"I can't post in {target.mention}: I'm missing {', '.join(missing)}. "
                "Give me those permissions there, or pick another channel."
            )
        await service.set_channel(services(interaction), guild.id, interaction.user.id, target.id)
        await reply_text(interaction, f"Announcements will go to {target.mention}.")

    @app_commands.command(name="timezone", description="The server's time zone for typed dates and times.")
    @app_commands.describe(name="Your region (Europe/Berlin), an offset (UTC+1) or an abbreviation (CET)")
    @app_commands.autocomplete(name=timezone_autocomplete)
    async def timezone(self, interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 60]) -> None:
        svc = services(interaction)
        key = await service.set_timezone(svc, guild_id(interaction), interaction.user.id, name)
        meaning = zones.describe_zone(key, svc.now())
        await reply_text(
            interaction, f"Time zone set to **{key}**: {meaning}. Dates and times you type are read in it."
        )

    @app_commands.command(name="settings", description="Every setting of this server, and how to change it.")
    async def settings(self, interaction: discord.Interaction[Any]) -> None:
        svc = services(interaction)
        current = await service.settings(svc, guild_id(interaction))
        embed = render.settings_embed(
            current, command_mentions(interaction), svc.settings.reminder_before_end_minutes, svc.now()
        )
        await reply(interaction, Outgoing(embeds=[embed]), ephemeral=True)

    @app_commands.command(name="role", description="A role whose members are fitbet admins (leave empty: none).")
    @app_commands.describe(role="The role; leave it out to have no fitbet admin role")
    async def role(self, interaction: discord.Interaction[Any], role: discord.Role | None = None) -> None:
        await service.set_admin_role(
            services(interaction), guild_id(interaction), interaction.user.id, role.id if role else None
        )
        if role is None:
            text = "No fitbet admin role any more: members with Manage Server are the admins."
        else:
            text = (
                f"Members with {role.mention} are fitbet admins now. Discord shows them the admin commands once "
                "you allow the role under Server Settings → Integrations → fitbet."
            )
        await reply_text(interaction, text)

    @app_commands.command(name="penalty-due", description="How many days losers have to do a penalty (default 7).")
    @app_commands.describe(days="Days from the settlement, 1 to 90; a bet can still set its own")
    async def penalty_due(self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 90]) -> None:
        days = await service.set_penalty_due_days(
            services(interaction), guild_id(interaction), interaction.user.id, days
        )
        await reply_text(interaction, f"New bets give the losers {count(days, 'day', 'days')} to do their penalty.")

    @app_commands.command(name="distance-unit", description="km or mi for distance totals in /stats and /leaderboard.")
    @app_commands.describe(unit="km or mi")
    @app_commands.choices(unit=[app_commands.Choice(name=u, value=u) for u in DISTANCE_UNITS])
    async def distance_unit(self, interaction: discord.Interaction[Any], unit: str) -> None:
        unit = await service.set_distance_unit(services(interaction), guild_id(interaction), interaction.user.id, unit)
        await reply_text(interaction, f"Distance totals are shown in {unit} now.")

    @app_commands.command(name="cancel", description="Cancel a challenge (its bets are voided).")
    @app_commands.describe(challenge="Which challenge", reason="Why (kept in the audit log)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def cancel(
        self,
        interaction: discord.Interaction[Any],
        challenge: ChallengeNo,
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        view = await service.cancel_challenge(
            services(interaction), guild_id(interaction), challenge, interaction.user.id, reason
        )
        await reply_text(interaction, f"Cancelled challenge #{view.row.no}.")
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="extend", description="Move a challenge's end later.")
    @app_commands.describe(
        challenge="Which challenge", until="New end (next friday 18:00, Dec 24 18:00) or extra time (+2h)", reason="Why"
    )
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def extend(
        self,
        interaction: discord.Interaction[Any],
        challenge: ChallengeNo,
        until: app_commands.Range[str, 1, 60],
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        view = await service.extend_challenge(
            services(interaction), guild_id(interaction), challenge, interaction.user.id, until, reason
        )
        await reply_text(interaction, f"Challenge #{view.row.no} now ends {ts(view.rules.ends_at, 'f')}.")
        card.touch(fitbet(interaction), view.row.id)

    @app_commands.command(name="fix-log", description="Correct or strike one log (kept on record).")
    @app_commands.describe(
        log="The log to fix (type to search)",
        reason="Why (required, kept on record)",
        amount="The corrected amount",
        unit="Unit of the corrected amount",
        strike="Strike the log out instead",
    )
    @app_commands.autocomplete(log=log_autocomplete)
    @app_commands.autocomplete(unit=unit_autocomplete)
    async def fix_log(
        self,
        interaction: discord.Interaction[Any],
        log: app_commands.Range[int, 1, 2**53 - 1],
        reason: app_commands.Range[str, 1, 200],
        amount: app_commands.Range[str, 1, 30] | None = None,
        unit: app_commands.Range[str, 1, 20] | None = None,
        strike: bool = False,
    ) -> None:
        fix = await service.fix_log(
            services(interaction), guild_id(interaction), log, interaction.user.id, reason, amount, unit, strike
        )
        what = "struck out" if fix.new_amount is None else "corrected"
        await reply_text(interaction, f"Log {log} of <@{fix.user_id}> in challenge #{fix.challenge_no} {what}.")
        fixed = await challenge_service.resolve(services(interaction), guild_id(interaction), fix.challenge_no)
        card.touch(fitbet(interaction), fixed.id)

    @app_commands.command(name="settle", description="Settle a bet by hand (an admin who isn't part of it).")
    @app_commands.describe(bet="Which bet", outcome="Who won", reason="Why (kept in the audit log)")
    @app_commands.choices(
        outcome=[
            app_commands.Choice(name="the subject makes it", value="for"),
            app_commands.Choice(name="the subject doesn't make it", value="against"),
        ]
    )
    @app_commands.autocomplete(bet=bet_autocomplete)
    async def settle(
        self,
        interaction: discord.Interaction[Any],
        bet: BetNo,
        outcome: str,
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        view = await service.settle_bet(
            services(interaction), guild_id(interaction), bet, interaction.user.id, outcome, reason
        )
        await reply_text(interaction, f"Bet #{view.row.no} settled.")
        await refresh_bet_message(fitbet(interaction), view)
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="void", description="Call a bet off, before or after settlement (penalties cancelled).")
    @app_commands.describe(bet="Which bet", reason="Why (kept in the audit log)")
    @app_commands.autocomplete(bet=bet_autocomplete)
    async def void(
        self, interaction: discord.Interaction[Any], bet: BetNo, reason: app_commands.Range[str, 1, 200] | None = None
    ) -> None:
        view = await service.void_bet(services(interaction), guild_id(interaction), bet, interaction.user.id, reason)
        await reply_text(interaction, f"Bet #{view.row.no} voided; its open penalties are cancelled.")
        await refresh_bet_message(fitbet(interaction), view)
        await fitbet(interaction).post_announcements()

    @app_commands.command(name="export", description="This server's data as CSV files for a spreadsheet.")
    @app_commands.describe(raw="Also the database's own tables, as stored (default: no)")
    async def export(self, interaction: discord.Interaction[Any], raw: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        export = await service.export_csv(
            svc, guild_id(interaction), interaction.user.id, interaction.filesize_limit, raw=raw
        )
        zone = (await svc.guild_settings(guild_id(interaction))).timezone
        for message in render.export_messages(export, zone):
            await reply(interaction, message, ephemeral=True)

    @app_commands.command(name="audit", description="Who changed what and why; announcements that could not be posted.")
    async def audit(self, interaction: discord.Interaction[Any]) -> None:
        svc, gid = services(interaction), guild_id(interaction)
        entries = await service.audit_entries(svc, gid)
        undelivered = await outbox.undeliverable(svc, gid)
        await send_pages(interaction, render.audit_pages(entries, undelivered), ephemeral=True)


class Admin(commands.Cog):
    def __init__(self, bot: FitbetBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.tree.add_command(AdminCommands())

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command("admin")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Admin(bot))  # type: ignore[arg-type]
