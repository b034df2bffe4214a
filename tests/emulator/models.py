"""The emulator's world: users, guilds, channels, roles, members and the messages posted in it.

Every object renders itself as the JSON payload Discord would send (`to_payload`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.emulator.snowflake import next_id

JSON = dict[str, Any]


class Permission:
    """Permission bits used by the emulator (a subset of Discord's)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1


EVERYONE_PERMISSIONS = (
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.SEND_MESSAGES_IN_THREADS
)
ADMINS_PERMISSIONS = (
    Permission.MANAGE_GUILD
    | Permission.MANAGE_MESSAGES
    | Permission.MANAGE_CHANNELS
    | Permission.MANAGE_ROLES
    | Permission.KICK_MEMBERS
    | Permission.MENTION_EVERYONE
)
BOT_ROLE_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_APPLICATION_COMMANDS
)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat()


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    @property
    def display_name(self) -> str:
        return self.global_name or self.username

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
        }


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    mentionable: bool = False
    color: int = 0

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass(eq=False)
class Overwrite:
    """A channel permission overwrite (type 0 = role, 1 = member)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> JSON:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Channel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0  # 0 text, 1 DM, 4 category, 2 voice
    position: int = 0
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)
    last_message_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def overwrite(self, target: Role | Member | User, *, allow: int = 0, deny: int = 0) -> Overwrite:
        """Add or replace a permission overwrite for a role or a member."""
        target_id = target.id
        kind = 0 if isinstance(target, Role) else 1
        self.overwrites = [o for o in self.overwrites if o.id != target_id]
        ow = Overwrite(id=target_id, type=kind, allow=allow, deny=deny)
        self.overwrites.append(ow)
        return ow

    def to_payload(self) -> JSON:
        if self.type == 1:
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                "recipients": [u.to_payload() for u in self.recipients],
                "flags": 0,
            }
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.to_payload() for o in self.overwrites],
            "parent_id": None,
            "flags": 0,
        }
        if self.type == 0:
            data.update(
                topic=self.topic,
                nsfw=False,
                rate_limit_per_user=0,
                last_message_id=str(self.last_message_id) if self.last_message_id else None,
                default_thread_rate_limit_per_user=0,
            )
        return data


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def display_name(self) -> str:
        return self.nick or self.user.display_name

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    @property
    def is_owner(self) -> bool:
        return self.guild.owner_id == self.user.id

    def base_permissions(self) -> int:
        if self.is_owner:
            return Permission.ALL
        perms = self.guild.everyone_role.permissions
        for role in self.roles:
            perms |= role.permissions
        if perms & Permission.ADMINISTRATOR:
            return Permission.ALL
        return perms

    def permissions_in(self, channel: Channel | None) -> int:
        """Discord's permission algorithm: base permissions, then channel overwrites."""
        perms = self.base_permissions()
        if channel is None or perms == Permission.ALL:
            return perms
        by_id = {o.id: o for o in channel.overwrites}
        everyone = by_id.get(self.guild.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role in self.roles:
            ow = by_id.get(role.id)
            if ow and ow.type == 0:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        mine = by_id.get(self.user.id)
        if mine and mine.type == 1:
            perms = (perms & ~mine.deny) | mine.allow
        return perms

    def to_payload(self, *, with_user: bool = True, channel: Channel | None = None) -> JSON:
        data: JSON = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_payload()
        if channel is not None:
            data["permissions"] = str(self.permissions_in(channel))
        return data


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int = 0
    roles: dict[str, Role] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    upload_limit: int = 10 * 1024 * 1024
    """Bytes a file may have here (a server without boosts: 10 MiB); sent as `attachment_size_limit`."""
    admin: Member | None = None
    owner: Member | None = None
    bot_member: Member | None = None

    @property
    def everyone_role(self) -> Role:
        return self.roles["@everyone"]

    @property
    def admins_role(self) -> Role:
        return self.roles["Admins"]

    @property
    def default_channel(self) -> Channel:
        return next(c for c in self.channels.values() if c.type == 0)

    def member(self, user: User | Member | int) -> Member | None:
        uid = user if isinstance(user, int) else user.id
        return next((m for m in self.members.values() if m.user.id == uid), None)

    def channel_by_id(self, channel_id: int) -> Channel | None:
        return next((c for c in self.channels.values() if c.id == channel_id), None)

    def role_by_id(self, role_id: int) -> Role | None:
        return next((r for r in self.roles.values() if r.id == role_id), None)

    def add_channel(self, name: str, *, type: int = 0, topic: str | None = None) -> Channel:
        channel = Channel(id=next_id(), name=name, guild_id=self.id, type=type, position=len(self.channels))
        channel.topic = topic
        self.channels[name] = channel
        return channel

    def add_role(self, name: str, permissions: int = 0, *, managed: bool = False) -> Role:
        role = Role(
            id=next_id(),
            guild_id=self.id,
            name=name,
            permissions=permissions,
            position=len(self.roles),
            managed=managed,
        )
        self.roles[name] = role
        return role

    def to_payload(self, *, all_members: bool = True) -> JSON:
        """The GUILD_CREATE payload. Without the GUILD_MEMBERS intent Discord sends only the bot's
        own member (`all_members=False`); `member_count` is always the full count."""
        everyone = list(self.members.values())
        members = everyone if all_members else [m for m in everyone if m is self.bot_member]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": str(self.default_channel.id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": self.preferred_locale,
            "features": [],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "application_id": None,
            "nsfw": False,
            "incidents_data": None,
            "roles": [r.to_payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            # GUILD_CREATE extras
            "joined_at": iso(self.bot_member.joined_at if self.bot_member else datetime.now(UTC)),
            "large": False,
            "unavailable": False,
            "member_count": len(everyone),
            "voice_states": [],
            "members": [m.to_payload() for m in members],
            "channels": [c.to_payload() for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def partial_payload(self) -> JSON:
        """The `guild` object carried by an interaction."""
        return {"id": str(self.id), "locale": self.preferred_locale, "features": []}


@dataclass(eq=False)
class StoredAttachment:
    """A file: uploaded by the bot with a message, or by a member for an attachment option.

    `url` is the file's address without a signature. Like Discord's CDN, the emulator serves a file
    only at a signed link that expires (`?ex=…&is=…&hm=…`, 24 h by the emulator's clock): every
    payload carries a freshly signed one (`signer`), so a link kept from an earlier payload dies while
    fetching the message again gives a working one. `download_status` makes every download of the
    file fail with that HTTP status (e.g. 503), for tests of a failed download.
    """

    id: int
    filename: str
    data: bytes = field(repr=False)
    content_type: str | None = None
    description: str | None = None
    url: str = ""
    ephemeral: bool = False
    download_status: int | None = None
    signer: Callable[[StoredAttachment], str] | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def signed_url(self) -> str:
        return self.signer(self) if self.signer is not None else self.url

    def to_payload(self) -> JSON:
        url = self.signed_url()
        payload: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": url,
            "proxy_url": url,
        }
        if self.content_type:
            payload["content_type"] = self.content_type
        if self.description:
            payload["description"] = self.description
        if self.ephemeral:
            payload["ephemeral"] = True
        return payload


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass(eq=False)
class MessageSnapshot:
    """What a message looked like before an edit."""

    content: str
    embeds: list[JSON]
    components: list[JSON]
    attachments: list[StoredAttachment]
    flags: int
    edited_at: datetime


@dataclass(eq=False)
class Message:
    """A message as the emulator stores it, with everything the bot sent."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    allowed_mentions: JSON | None = None
    flags: int = 0
    tts: bool = False
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    edited_at: datetime | None = None
    interaction_id: int | None = None
    interaction_user: User | None = None
    interaction_name: str | None = None
    webhook_id: int | None = None
    message_reference: JSON | None = None
    interaction_type: int = 2
    deleted: bool = False
    loading: bool = False
    withdrawn: bool = False
    """A deferred response deleted while still "thinking…": it never showed anything."""
    reactions: dict[str, set[int]] = field(default_factory=dict)
    """emoji (as in the URL, e.g. "✅" or "name:id") → ids of users who reacted."""
    history: list[MessageSnapshot] = field(default_factory=list)
    raw_requests: list[JSON] = field(default_factory=list)

    EPHEMERAL = 64
    LOADING = 128

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & self.EPHEMERAL)

    @property
    def files(self) -> list[StoredAttachment]:
        return self.attachments

    @property
    def edited(self) -> bool:
        return self.edited_at is not None

    def embedded_file(self, embed_index: int = 0) -> StoredAttachment | None:
        """The file of this message an embed shows as its image (`"image": {"url": "attachment://name"}`)."""
        if embed_index >= len(self.embeds):
            return None
        url = str((self.embeds[embed_index].get("image") or {}).get("url", ""))
        if not url.startswith("attachment://"):
            return None
        name = url.removeprefix("attachment://")
        return next((a for a in self.attachments if a.filename == name), None)

    # ---- what a reader sees -------------------------------------------------------------------

    def embed_text(self) -> str:
        """Every text of every embed, joined by newlines (handy for `in` assertions)."""
        parts: list[str] = []
        for e in self.embeds:
            for key in ("title", "description"):
                if e.get(key):
                    parts.append(str(e[key]))
            author = e.get("author") or {}
            if author.get("name"):
                parts.append(str(author["name"]))
            for f in e.get("fields") or []:
                parts.append(str(f.get("name", "")))
                parts.append(str(f.get("value", "")))
            footer = e.get("footer") or {}
            if footer.get("text"):
                parts.append(str(footer["text"]))
        return "\n".join(parts)

    @property
    def text(self) -> str:
        """Content plus all embed text."""
        return "\n".join(p for p in (self.content, self.embed_text()) if p)

    def iter_components(self) -> list[JSON]:
        """All interactive components (buttons, selects), flattened out of their rows."""
        out: list[JSON] = []

        def walk(items: list[JSON]) -> None:
            for c in items:
                if c.get("type") in (1, 17, 9):  # action row, container, section
                    walk(c.get("components", []))
                    if c.get("accessory"):
                        walk([c["accessory"]])
                else:
                    out.append(c)

        walk(self.components)
        return out

    @property
    def buttons(self) -> list[JSON]:
        return [c for c in self.iter_components() if c.get("type") == 2]

    @property
    def custom_ids(self) -> list[str]:
        return [str(c["custom_id"]) for c in self.iter_components() if "custom_id" in c]

    def component(self, custom_id: str) -> JSON | None:
        return next((c for c in self.iter_components() if c.get("custom_id") == custom_id), None)

    def button(self, label: str) -> JSON:
        """The button whose label is `label` (raises if there is none)."""
        for c in self.buttons:
            if c.get("label") == label:
                return c
        raise LookupError(f"no button labelled {label!r}; buttons: {[b.get('label') for b in self.buttons]}")

    # ---- mentions -----------------------------------------------------------------------------

    def _parse(self) -> tuple[set[str], set[int], set[int]]:
        am = self.allowed_mentions
        if am is None:
            return {"users", "roles", "everyone"}, set(), set()
        parse = set(am.get("parse") or [])
        users = {int(u) for u in am.get("users") or []}
        roles = {int(r) for r in am.get("roles") or []}
        return parse, users, roles

    @property
    def mentioned_user_ids(self) -> list[int]:
        """Users written as <@id> in the content (whether they are pinged or not)."""
        return [int(x) for x in _USER_MENTION.findall(self.content)]

    @property
    def pinged_user_ids(self) -> set[int]:
        """Users who actually get a notification, given `allowed_mentions` as the bot sent it."""
        parse, users, _ = self._parse()
        found = set(self.mentioned_user_ids)
        if "users" in parse:
            return found
        return found & users

    @property
    def pinged_role_ids(self) -> set[int]:
        parse, _, roles = self._parse()
        found = {int(x) for x in _ROLE_MENTION.findall(self.content)}
        if "roles" in parse:
            return found
        return found & roles

    @property
    def pings_everyone(self) -> bool:
        parse, _, _ = self._parse()
        return "everyone" in parse and ("@everyone" in self.content or "@here" in self.content)

    def to_payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "type": 20 if self.interaction_id and not self.message_reference else 0,
            "channel_id": str(self.channel_id),
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": self.tts,
            "mention_everyone": self.pings_everyone,
            "mentions": [],
            "mention_roles": [str(r) for r in self.pinged_role_ids],
            "attachments": [a.to_payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.reactions:
            data["reactions"] = [
                {"emoji": _emoji_payload(emoji), "count": len(users), "me": False, "burst_colors": []}
                for emoji, users in self.reactions.items()
                if users
            ]
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_id is not None and self.interaction_user is not None:
            data["interaction_metadata"] = {
                "id": str(self.interaction_id),
                "type": self.interaction_type,
                "user": self.interaction_user.to_payload(),
                "authorizing_integration_owners": {"0": str(self.guild_id)} if self.guild_id else {},
            }
        if self.message_reference:
            data["message_reference"] = self.message_reference
        return data

    def snapshot(self) -> MessageSnapshot:
        return MessageSnapshot(
            content=self.content,
            embeds=list(self.embeds),
            components=list(self.components),
            attachments=list(self.attachments),
            flags=self.flags,
            edited_at=self.edited_at or self.created_at,
        )


def _emoji_payload(emoji: str) -> JSON:
    if ":" in emoji:
        name, _, emoji_id = emoji.partition(":")
        return {"id": emoji_id, "name": name}
    return {"id": None, "name": emoji}


@dataclass(frozen=True)
class Choice:
    """An autocomplete choice the bot offered."""

    name: str
    value: str | int | float


@dataclass(frozen=True)
class Modal:
    """A modal the bot opened (interaction response type 9)."""

    custom_id: str
    title: str
    components: list[JSON]
    interaction_id: int

    def text_inputs(self) -> list[JSON]:
        out: list[JSON] = []

        def walk(items: list[JSON]) -> None:
            for c in items:
                if c.get("type") == 1:
                    walk(c.get("components", []))
                elif c.get("type") == 18:
                    walk([c["component"]])
                elif c.get("type") == 4:
                    out.append(c)

        walk(self.components)
        return out


@dataclass(frozen=True)
class Violation:
    """Something the bot sent that real Discord would reject or that breaks a rule."""

    kind: str
    detail: str
    route: str = ""

    def __str__(self) -> str:
        where = f" [{self.route}]" if self.route else ""
        return f"{self.kind}{where}: {self.detail}"
