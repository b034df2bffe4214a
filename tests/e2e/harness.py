"""Run the real fitbet bot against the Discord emulator: in-process (`BotHandle`) or as the real
`python -m bot` subprocess (`start_bot_process`).

In-process::

    handle = BotHandle(emulator, tmp_path / "fitbet.db", clock=ManualClock())
    await handle.start()            # ready, commands synced in every guild, start-up catch-up done
    res = await emulator.invoke(guild.members["alice"], "help")
    handle.clock.advance(timedelta(hours=7))
    await handle.run_due()          # timers due at clock.now(), then waits for the bot's posts
    await handle.restart()          # new FitbetBot, same database, clock and emulator
    await handle.stop()
"""

# ruff: noqa: ASYNC109  (helpers take `timeout=` like the emulator's driver API)
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yarl
from discord.gateway import DiscordWebSocket

from tests.emulator import DiscordEmulator, EmulatorError, EmulatorTimeoutError, Guild

if TYPE_CHECKING:
    from bot.app import FitbetBot
    from bot.clock import ManualClock
    from bot.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]

# asyncio task names under which discord.py runs the bot's event handlers, commands and views.
BOT_TASK_PREFIXES: tuple[str, ...] = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-modal-dispatch",
    "discord-ui-dynamic-item",
    "fitbet-catch-up",
    "fitbet-card",
    "fitbet-post",  # the outbox's work: a retry it woke up for, a chart added to a posted result
    "fitbet-timers-run",  # a wake-up of the scheduler running what is due (not its sleeper, "fitbet-timers")
)
OUTBOX_TASKS = "fitbet-post"
OUTBOX_TIMEOUT = 120.0


# Every `python -m bot` a test started; `kill_leftover_processes()` ends those still running.
SPAWNED: list[BotProcess] = []


def kill_leftover_processes() -> int:
    """SIGKILL every spawned bot still running (a test that failed before stopping it)."""
    killed = 0
    while SPAWNED:
        proc = SPAWNED.pop()
        if proc.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.process.kill()
            killed += 1
    return killed


class BotStartError(EmulatorError):
    """The bot stopped or failed before it was ready."""


def bot_idle_probe(prefixes: Iterable[str] = BOT_TASK_PREFIXES) -> Callable[[], Awaitable[None]]:
    """An `emulator.idle_probe` for an in-process bot: waits until no handler task is running."""
    names = tuple(prefixes)

    async def probe() -> None:
        current = asyncio.current_task()
        while True:
            busy = [
                t for t in asyncio.all_tasks() if t is not current and not t.done() and t.get_name().startswith(names)
            ]
            if not busy:
                return
            await asyncio.wait(busy)

    return probe


@contextlib.contextmanager
def gateway_redirect(emulator: DiscordEmulator) -> Any:
    """Point discord.py's default gateway at the emulator while the block runs.

    discord.py (non-sharded) connects to `DiscordWebSocket.DEFAULT_GATEWAY` without asking
    `GET /gateway/bot`, so `Route.BASE` alone does not reach the emulator's gateway.
    """
    previous = DiscordWebSocket.DEFAULT_GATEWAY
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)
    try:
        yield
    finally:
        DiscordWebSocket.DEFAULT_GATEWAY = previous


async def _race(waiter: Awaitable[Any], runner: asyncio.Future[Any], what: str, timeout: float) -> Any:
    """Await `waiter`, but fail at once if `runner` (the bot) finishes first."""
    task = asyncio.ensure_future(waiter)
    try:
        done, _ = await asyncio.wait({task, runner}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        if runner in done:
            exc = runner.exception() if not runner.cancelled() else None
            raise BotStartError(f"the bot stopped while waiting for {what}: {exc!r}") from exc
        raise BotStartError(f"timed out after {timeout:.1f}s waiting for {what}")
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class BotHandle:
    """The real `FitbetBot`, in this event loop, connected to `emulator`."""

    def __init__(
        self,
        emulator: DiscordEmulator,
        database_path: Path,
        *,
        clock: ManualClock | None = None,
        guilds: Iterable[Guild] | None = None,
        timeout: float = 15.0,
        busy_task_prefixes: Iterable[str] = BOT_TASK_PREFIXES,
        redirect_gateway: bool = False,
        **settings_overrides: Any,
    ) -> None:
        """`busy_task_prefixes`: names of asyncio tasks that mean "the bot is still handling
        something" for `emulator.settle()`. `redirect_gateway`: patch discord.py's default gateway
        for the bot (off: the bot finds the gateway itself via `GET /gateway/bot`, as it must).
        `settings_overrides` go to `load_settings`."""
        from bot.clock import ManualClock

        self.emulator = emulator
        self.database_path = database_path
        self.clock: ManualClock = clock or ManualClock()
        self.guilds: list[Guild] | None = list(guilds) if guilds is not None else None
        self.timeout = timeout
        self.settings_overrides = settings_overrides
        self.busy_task_prefixes = tuple(busy_task_prefixes)
        self.redirect_gateway = redirect_gateway
        self.starts = 0
        self._bot: FitbetBot | None = None
        self._task: asyncio.Task[None] | None = None
        self._redirect: contextlib.ExitStack | None = None

    @property
    def bot(self) -> FitbetBot:
        if self._bot is None:
            raise RuntimeError("the bot is not running; await handle.start() first")
        return self._bot

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def make_settings(self) -> Settings:
        from bot.settings import load_settings

        guilds = self.guilds if self.guilds is not None else self.emulator.guilds
        values: dict[str, Any] = {
            "_env_file": None,  # never read a developer's .env (or its real token) in tests
            "discord_token": self.emulator.token,
            "database_path": self.database_path,
            "dev_guild_ids": [g.id for g in guilds],
            "discord_api_base": self.emulator.api_base,
            "default_timezone": "UTC",
            "log_level": "INFO",
            "chart_processes": 0,  # in-process bots draw in a thread; `python -m bot` tests use the workers
            # Live cards on a short real-time leash, so settling (which waits for card edits) stays quick.
            "card_edit_seconds": 0.05,
            "card_channel_window_seconds": 0.5,
        }
        values.update(self.settings_overrides)
        return load_settings(require_token=True, **values)

    async def start(self) -> FitbetBot:
        """Start a new FitbetBot and wait until it is ready, synced and has caught up."""
        from bot.app import FitbetBot

        if self.running:
            raise RuntimeError("the bot is already running")
        settings = self.make_settings()
        self.emulator.now = self.clock.now
        bot = FitbetBot(settings, clock=self.clock)
        # discord.py waits `guild_ready_timeout` (2 s) after the last GUILD_CREATE before on_ready;
        # the emulator sends them all at once, so a short wait changes nothing but test time.
        bot._connection.guild_ready_timeout = 0.05
        self._redirect = contextlib.ExitStack()
        if self.redirect_gateway:
            self._redirect.enter_context(gateway_redirect(self.emulator))
        self._bot = bot
        mark = time.monotonic()
        guilds = self.guilds if self.guilds is not None else list(self.emulator.guilds)
        token = settings.discord_token.get_secret_value() if settings.discord_token else ""
        self._task = asyncio.create_task(bot.start(token), name="e2e-bot")
        self.starts += 1

        async def ready() -> None:
            await self.emulator.wait_for_commands_synced(guilds, since=mark, timeout=self.timeout)
            await bot.wait_until_ready()
            catch_up = getattr(bot, "catch_up_done", None)
            if isinstance(catch_up, asyncio.Event):
                await catch_up.wait()

        try:
            await _race(ready(), self._task, "the bot to be ready", self.timeout)
        except BaseException:
            await self.stop()
            raise
        self.emulator.idle_probe = bot_idle_probe(self.busy_task_prefixes)
        await self.outbox_done()
        await self.emulator.settle(timeout=max(self.timeout, 10.0))  # a catch-up may still be posting
        return bot

    async def stop(self) -> None:
        """Close the bot (database closed, gateway disconnected); emulator state stays."""
        bot, task = self._bot, self._task
        self._bot, self._task = None, None
        self.emulator.idle_probe = None
        if bot is not None and not bot.is_closed():
            await bot.close()
        if task is not None:
            try:
                await asyncio.wait_for(task, self.timeout)
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # surfaced: a bot that crashes on shutdown is a bug
                raise BotStartError(f"the bot failed: {exc!r}") from exc
            finally:
                if self._redirect is not None:
                    self._redirect.close()
                    self._redirect = None
        elif self._redirect is not None:
            self._redirect.close()
            self._redirect = None

    async def __aenter__(self) -> BotHandle:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def restart(self) -> FitbetBot:
        """Stop and start a new FitbetBot instance with the same database, clock and emulator."""
        await self.stop()
        return await self.start()

    @contextlib.asynccontextmanager
    async def timers_paused(self) -> AsyncIterator[None]:
        """The scheduler does not wake up inside the block, however far the clock moves: for what a
        member sees after a deadline but before its timer ran. `run_due()` still works; on leaving,
        the scheduler starts again and runs whatever came due."""
        await self.bot.timers.stop()
        try:
            yield
        finally:
            if self.running:
                self.bot.timers.start()

    async def timers_idle(self) -> None:
        """Wait until the bot's scheduler sleeps with nothing due, then until the bot's posting is done.

        Runs nothing itself: after moving the clock, this is how a test sees what the bot did by itself."""
        await asyncio.wait_for(self.bot.timers.wait_idle(), self.timeout)
        await self.outbox_done()
        await self.emulator.settle()

    async def run_due(self) -> int:
        """Run every timer due at `clock.now()`, then wait until the bot's posting is done.

        The scheduler also runs them by itself when the clock moves (bot.scheduling): this is for tests
        about something else that want the deadline settled at a known point."""
        ran = await self.bot.timers.run_due()
        await self.outbox_done()
        await self.emulator.settle(timeout=max(self.timeout, 10.0))
        return int(ran or 0)

    async def outbox_done(self, timeout: float = OUTBOX_TIMEOUT) -> None:
        """Wait for the outbox's work in flight: results are posted at once and their charts follow
        by edits, drawn in a thread here (`chart_processes=0`), one after the other: 100 results take
        longer than `settle()` waits for requests."""
        try:
            await asyncio.wait_for(bot_idle_probe((OUTBOX_TASKS,))(), timeout)
        except TimeoutError:
            raise EmulatorTimeoutError(f"the outbox was still busy after {timeout:.0f}s") from None

    async def advance(self, delta: timedelta) -> int:
        """Move the clock by `delta`, then `run_due()`."""
        self.clock.advance(delta)
        return await self.run_due()


# =================================================================================================
# the real `python -m bot` as a subprocess
# =================================================================================================

_SITE_SHIM = textwrap.dedent(
    '''
    """Test-only: point discord.py's default gateway at the emulator (see tests/e2e/harness.py)."""
    import os

    _url = os.environ.get("FITBET_E2E_GATEWAY_URL")
    if _url:
        import yarl
        from discord.gateway import DiscordWebSocket

        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(_url)
    '''
)


class BotProcess:
    """A running `python -m bot`; its output (stdout and stderr) is kept and written to `log_path`."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path
        self._chunks: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._pump(), name="e2e-bot-process-output")

    async def _pump(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        with self.log_path.open("wb") as log_file:
            while True:
                chunk = await stream.read(65536)
                if not chunk:
                    break
                log_file.write(chunk)
                log_file.flush()
                self._chunks.append(chunk.decode("utf-8", errors="replace"))
                self._notify()
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def output(self) -> str:
        """Everything the process printed so far."""
        return "".join(self._chunks)

    async def wait_for_output(self, text: str, timeout: float = 15.0) -> None:
        """Wait until the output contains `text` (fails early if the process ends without it)."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self._reader.done():
                raise BotStartError(f"the bot process ended without printing {text!r}:\n{self.output()[-3000:]}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BotStartError(f"no {text!r} after {timeout:.1f}s in:\n{self.output()[-3000:]}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait(self, timeout: float = 15.0) -> int:
        """Wait for the process to exit (and its output to be read); returns the exit code."""
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code

    async def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (a clean shutdown), then SIGKILL if it does not exit in time."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
        code = await self.process.wait()
        await asyncio.wait_for(self._reader, timeout)
        return code


def bot_process_env(
    emulator: DiscordEmulator, database_path: Path, guilds: Iterable[Guild] | None = None
) -> dict[str, str]:
    """The environment `python -m bot` gets to run against the emulator."""
    chosen = list(guilds) if guilds is not None else emulator.guilds
    return {
        "DISCORD_TOKEN": emulator.token,
        "DATABASE_PATH": str(database_path),
        "DEV_GUILD_IDS": ",".join(str(g.id) for g in chosen),
        "DISCORD_API_BASE": emulator.api_base,
        "DEFAULT_TIMEZONE": "UTC",
        "LOG_LEVEL": "INFO",
    }


async def spawn_bot_process(
    tmp_path: Path,
    env: Mapping[str, str],
    *,
    args: Iterable[str] = (),
    log_name: str = "bot.log",
    preexec_fn: Callable[[], object] | None = None,
) -> BotProcess:
    """Start `python -m bot [args]` in `tmp_path` (so no repository `.env` is read) with `env`
    on top of a minimal environment. Does not wait for anything. `preexec_fn` runs in the child
    before the bot starts (e.g. to drop privileges)."""
    shim_dir = tmp_path / "_e2e_site"
    shim_dir.mkdir(exist_ok=True)
    (shim_dir / "sitecustomize.py").write_text(_SITE_SHIM, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")}
    full_env = base | {"PYTHONPATH": os.pathsep.join([str(shim_dir), str(REPO_ROOT)]), "PYTHONUNBUFFERED": "1"}
    full_env |= dict(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=full_env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        preexec_fn=preexec_fn,
    )
    proc = BotProcess(process, tmp_path / log_name)
    SPAWNED.append(proc)
    return proc


async def start_bot_process(
    emulator: DiscordEmulator,
    tmp_path: Path,
    env: Mapping[str, str] | None = None,
    *,
    guilds: Iterable[Guild] | None = None,
    database_path: Path | None = None,
    timeout: float = 30.0,
    redirect_gateway: bool = False,
) -> BotProcess:
    """Run the real `python -m bot` against `emulator`; returns once it has connected to the
    gateway and synced its commands for every guild. `env` adds/overrides variables.
    `redirect_gateway` installs a `sitecustomize` shim pointing discord.py's default gateway at the
    emulator (only for a bot that cannot find the gateway from DISCORD_API_BASE itself)."""
    chosen = list(guilds) if guilds is not None else list(emulator.guilds)
    full_env = bot_process_env(emulator, database_path or tmp_path / "fitbet.db", chosen)
    if redirect_gateway:
        full_env["FITBET_E2E_GATEWAY_URL"] = emulator.gateway_url
    full_env |= dict(env or {})
    mark = time.monotonic()
    proc = await spawn_bot_process(tmp_path, full_env)
    exited = asyncio.ensure_future(proc.process.wait())

    async def ready() -> None:
        await emulator.wait_for_commands_synced(chosen, since=mark, timeout=timeout)
        await emulator.wait_until(
            lambda: any(s.identified.is_set() and s.created_at >= mark for s in emulator.sessions),
            timeout,
            "the bot process to connect to the gateway",
        )

    try:
        await _race(ready(), exited, "the bot process to connect and sync", timeout)
    except BotStartError as exc:
        await proc.stop()
        raise BotStartError(f"{exc}\n--- bot output ---\n{proc.output()[-4000:]}") from None
    finally:
        if not exited.done():
            exited.cancel()
    await emulator.settle()
    return proc


__all__ = [
    "BOT_TASK_PREFIXES",
    "BotHandle",
    "BotProcess",
    "BotStartError",
    "bot_idle_probe",
    "bot_process_env",
    "gateway_redirect",
    "spawn_bot_process",
    "start_bot_process",
]
