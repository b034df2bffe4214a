"""Typed configuration read from the environment or `.env` (nothing else reads os.environ)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.shards import ShardSet

EXIT_CONFIG = 2  # the process's exit code when a setting is invalid or points at something unusable
DISCORD_API_BASE = "https://discord.com/api/v10"
HOW_TO_GET_A_BOT_KEY = (
    "DISCORD_TOKEN is not set. Create an application at https://discord.com/developers/applications, "
    "add a bot, copy its token and put DISCORD_TOKEN=... in .env (see .env.example)."
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, description="The bot's token (secret).")
    database_path: Path = Field(default=Path("data/fitbet.db"), description="SQLite database file.")
    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/db — PostgreSQL instead of the SQLite file (shards).",
    )
    dev_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Comma-separated server ids to sync commands to instantly."
    )
    default_timezone: str = Field(default="UTC", description="IANA time zone for new servers.")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    discord_api_base: str = Field(default=DISCORD_API_BASE, description="Discord REST base URL.")
    reminder_before_end_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    chart_processes: int = Field(
        default=2, ge=0, le=8, description="Worker processes drawing result charts (0: a thread in the bot)."
    )
    discord_connect_retry_seconds: float = Field(
        default=120, ge=0, le=24 * 3600, description="How long start-up keeps trying to reach Discord before exiting."
    )
    shutdown_grace_seconds: float = Field(
        default=5, ge=0, le=60, description="How long shutdown waits for commands in flight to answer."
    )
    heartbeat_path: Path | None = Field(
        default=None, description="File the bot rewrites while connected to Discord (default: beside the database)."
    )
    heartbeat_max_age_seconds: float = Field(
        default=120, ge=4, le=3600, description="`python -m bot health` fails when the heartbeat is older than this."
    )
    card_edit_seconds: float = Field(
        default=3, ge=0.01, le=600, description="Live cards: at least this long between two edits of one card."
    )
    card_channel_edits: int = Field(
        default=4, ge=1, le=50, description="Live cards: at most this many card edits per window in one channel."
    )
    card_channel_window_seconds: float = Field(
        default=5, ge=0.01, le=600, description="Live cards: the window of CARD_CHANNEL_EDITS."
    )
    shard_count: int | None = Field(
        default=None, ge=1, description="Shards the bot is split into across every process (unset: one, no sharding)."
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None, description="Comma-separated shards this process runs, each below SHARD_COUNT (unset: all)."
    )
    test_crash_at: str | None = Field(default=None, description="Reliability tests only: see bot/faults.py.")

    @property
    def heartbeat_file(self) -> Path | None:
        """HEARTBEAT_PATH, else `<database>.heartbeat` beside the database (`<database>.shards-0-2.heartbeat`
        for a process running some of the shards, so processes sharing a folder keep apart); None for an
        in-memory database."""
        if self.heartbeat_path is not None:
            return self.heartbeat_path
        if str(self.database_path) == ":memory:":
            return None
        shards = self.shards
        own = "" if shards.is_everything else ".shards-" + "-".join(map(str, shards.sorted_ids))
        return self.database_path.with_name(f"{self.database_path.name}{own}.heartbeat")

    @property
    def shards(self) -> ShardSet:
        """The shards this process runs (SHARD_COUNT / SHARD_IDS); every server when they are unset."""
        return ShardSet.from_settings(self.shard_count, self.shard_ids)

    @field_validator("dev_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return [int(p) for p in parts if p]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not parts:
                return None  # SHARD_IDS= (empty) is unset
            if not all(p.isdecimal() for p in parts):
                raise ValueError("use comma-separated shard numbers, like 0,1")
            return [int(p) for p in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("shard_ids")
    @classmethod
    def _check_shard_ids(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if value is None:
            return None
        if "shard_count" not in info.data:
            return value  # SHARD_COUNT itself is invalid: that is the line to print
        count = info.data["shard_count"]
        if count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (the number of shards across every process)")
        if not value:
            raise ValueError("name at least one shard, or leave it unset to run them all")
        if len(set(value)) != len(value):
            raise ValueError("a shard is listed twice")
        if any(not 0 <= i < count for i in value):
            raise ValueError(f"each shard must be from 0 to SHARD_COUNT-1 ({count - 1})")
        return value

    @field_validator("heartbeat_path", "shard_count", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_database_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value.get_secret_value() if isinstance(value, SecretStr) else value)
        if not text.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (or leave it unset to use the SQLite file)")
        return text

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from bot.domain.timeparse import usable_zone

        if usable_zone(value) is None:
            raise ValueError(f"unknown time zone {value[:40]!r}; use an IANA name like Europe/Berlin")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("test_crash_at")
    @classmethod
    def _check_crash_point(cls, value: str | None) -> str | None:
        from bot import faults

        if value:
            faults.parse(value)
        return value or None

    @field_validator("discord_api_base")
    @classmethod
    def _check_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line, safe to print (never a secret)."""


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad setting, naming the variable but never echoing its value."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        reason = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"Invalid setting {name}: {reason}. Fix it in .env or the environment (see .env.example).")
    return "\n".join(lines)


def load_settings(*, require_token: bool = True, **overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
    if require_token and (settings.discord_token is None or not settings.discord_token.get_secret_value()):
        raise SettingsError(HOW_TO_GET_A_BOT_KEY)
    return settings
