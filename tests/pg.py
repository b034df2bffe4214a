"""A throwaway PostgreSQL for the tests: found, started once per session on first use, always stopped.

`FITBET_TEST_POSTGRES=postgresql://…` points the tests at an existing server (they create and drop
their own databases there) and nothing is started. Otherwise the server binaries come from
`FITBET_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`, else `pg_ctl` on PATH; without any,
PostgreSQL tests are skipped with `pg_skip_reason()` and the summary line says why. A cluster that
cannot start fails the tests with its log (a broken install must be visible, not skipped).

The cluster lives in one temp folder (data, log, Unix socket), runs as the `postgres` OS user when
the tests run as root, and is stopped (`pg_ctl stop -m immediate`) and removed at session end, at
interpreter exit, on Ctrl-C and on SIGTERM; a later session also removes clusters whose pytest died
without stopping them (SIGKILL).

Registered as a plugin by `tests/conftest.py`: the `pg_server` (session) and `pg_database`
(per test) fixtures, the `postgres` marker on every test that uses them, and one summary line.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

BIN_ENV = "FITBET_PG_BIN"
SERVER_ENV = "FITBET_TEST_POSTGRES"
SKIP_REASON = (
    "PostgreSQL tests skipped: no PostgreSQL server binaries (initdb, pg_ctl) found; "
    f"install postgresql-15 or set {BIN_ENV}"
)
TEMP_PREFIX = "fitbet-pg-"
OWNER_FILE = "owner.pid"  # the pytest process that owns a cluster folder; a dead owner's cluster is reaped
SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux (104 on macOS), NUL included
START_TIMEOUT_S = 30
# Settings for a disposable test server: durability off, room for several bot processes with pools.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "timezone": "UTC",
    "log_min_messages": "warning",
}


_SignalHandler = Callable[[int, FrameType | None], object] | int | None


class PostgresStartError(RuntimeError):
    """The throwaway cluster could not be created or started; the message carries the log's tail."""


def find_bin_dir() -> Path | None:
    """The folder with `initdb` and `pg_ctl`: `FITBET_PG_BIN`, else the newest Debian install, else PATH."""
    configured = os.environ.get(BIN_ENV)
    if configured is not None:
        return _usable(Path(configured))
    installs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for candidate in installs:
        if (found := _usable(Path(candidate))) is not None:
            return found
    pg_ctl = shutil.which("pg_ctl")
    return _usable(Path(pg_ctl).resolve().parent) if pg_ctl else None


def _usable(folder: Path) -> Path | None:
    tools = [folder / "initdb", folder / "pg_ctl", folder / "postgres"]
    return folder if all(os.access(tool, os.X_OK) for tool in tools) else None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def pg_skip_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can (a server is given or binaries exist)."""
    if os.environ.get(SERVER_ENV):
        return None
    return None if find_bin_dir() is not None else SKIP_REASON


def new_database_name() -> str:
    return f"fitbet_test_{uuid.uuid4().hex}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class ScratchDatabase:
    """One test's own database: its name and the asyncpg DSN to reach it."""

    name: str
    dsn: str


class PgServer:
    """A PostgreSQL server the tests may create databases on (a throwaway cluster or `FITBET_TEST_POSTGRES`)."""

    def __init__(self, admin_dsn: str, description: str) -> None:
        self.admin_dsn = admin_dsn  # the `postgres` database, as superuser (or the given DSN as is)
        self.description = description

    def dsn(self, database: str) -> str:
        """The admin DSN with `database` in place of its database."""
        parts = urlsplit(self.admin_dsn)
        return urlunsplit(parts._replace(path="/" + database))

    async def create_database(self, name: str, template: str | None = None) -> str:
        """Create `name` (a copy of `template` if given; nobody may be connected to it) and return its DSN."""
        sql = f"CREATE DATABASE {quote_ident(name)}"
        if template is not None:
            sql += f" TEMPLATE {quote_ident(template)}"
        await self._execute(sql)
        return self.dsn(name)

    async def drop_database(self, name: str) -> None:
        """Drop `name` if it exists, closing any connection still open on it."""
        await self._execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")

    async def _execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


class Cluster:
    """A throwaway cluster in its own temp folder; `start()` then `stop()` (idempotent)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root: Path | None = None
        self.socket_dir: Path | None = None
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self.stopped = False
        self._os_user = _server_os_user()

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    @property
    def admin_dsn(self) -> str:
        if self.socket_dir is not None:
            return f"postgresql://postgres@/postgres?host={self.socket_dir}"
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        began = time.monotonic()
        self.root = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        (self.root / OWNER_FILE).write_text(str(os.getpid()))
        if self._os_user is not None:
            os.chown(self.root, self._os_user.pw_uid, self._os_user.pw_gid)
        self._run(
            "initdb",
            ["-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"],
            ["--no-sync", "--no-instructions"],
        )
        settings = dict(SERVER_SETTINGS)
        if len(str(self.root / ".s.PGSQL.5432")) <= SOCKET_PATH_MAX:
            self.socket_dir = self.root
            settings.update(listen_addresses="''", unix_socket_directories=f"'{self.root}'")
        else:  # a long TMPDIR: loopback on a free port instead of a socket path the kernel would refuse
            self.port = _free_port()
            settings.update(listen_addresses="'127.0.0.1'", port=str(self.port), unix_socket_directories="''")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# fitbet tests\n" + "".join(f"{key} = {value}\n" for key, value in settings.items()))
        self._run("pg_ctl", ["start", "-w", "-t", str(START_TIMEOUT_S), "-s", "-D", str(self.data_dir)],
                  ["-l", str(self.log_file)])  # fmt: skip
        self.startup_seconds = time.monotonic() - began

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is worth keeping) and remove its folder."""
        if self.stopped or self.root is None:
            return
        self.stopped = True
        stop_cluster_dir(self.root, self.bin_dir, self._os_user)

    def _run(self, tool: str, args: list[str], extra: list[str]) -> None:
        command = [*_as_server_user(self._os_user), str(self.bin_dir / tool), *args, *extra]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = _tail(self.log_file) if self.log_file.exists() else ""
            raise PostgresStartError(
                f"PostgreSQL test cluster: `{tool} {' '.join(args)}` failed (exit {done.returncode})\n"
                f"{done.stdout}{done.stderr}" + (f"--- server log (tail) ---\n{log}" if log else "")
            )


def _server_os_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as: `postgres` when we are root (PostgreSQL refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresStartError(
            "PostgreSQL test cluster: running as root, but there is no `postgres` OS user to run the server as"
        ) from None


def _as_server_user(user: pwd.struct_passwd | None) -> list[str]:
    if user is None:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", user.pw_name, "--"]
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 30) -> str:
    return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])


def postmaster_pid(data_dir: Path) -> int | None:
    """The running postmaster's pid from `postmaster.pid`, or None."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    return None


def stop_cluster_dir(root: Path, bin_dir: Path | None, os_user: pwd.struct_passwd | None) -> None:
    """Stop whatever server runs in `root/data` and delete `root`; kills the postmaster if pg_ctl cannot."""
    data_dir = root / "data"
    pid = postmaster_pid(data_dir)
    if pid is not None and bin_dir is not None:
        command = [*_as_server_user(os_user), str(bin_dir / "pg_ctl"), "stop", "-m", "immediate", "-w", "-s"]
        subprocess.run([*command, "-D", str(data_dir)], cwd=root, capture_output=True, check=False)
    if pid is not None and _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # its children notice the postmaster's death and exit
    shutil.rmtree(root, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for a parent that never reaps it does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def reap_orphaned_clusters() -> None:
    """Stop and remove clusters left by a pytest that died without cleaning up (SIGKILL, power loss)."""
    for root in Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if owner != os.getpid() and not _alive(owner):
            stop_cluster_dir(root, find_bin_dir(), _server_os_user() if os.geteuid() == 0 else None)


class _Session:
    """What this pytest process knows about PostgreSQL: the server once made, and how it went."""

    def __init__(self) -> None:
        self.server: PgServer | None = None
        self.cluster: Cluster | None = None
        self.error: str | None = None
        self.previous_sigterm: _SignalHandler = None

    def server_or_skip(self) -> PgServer:
        if self.server is not None:
            return self.server
        if self.error is not None:
            pytest.fail(self.error, pytrace=False)
        given = os.environ.get(SERVER_ENV)
        if given:
            self.server = PgServer(given, f"the server in {SERVER_ENV} ({_without_password(given)})")
            return self.server
        bin_dir = find_bin_dir()
        if bin_dir is None:
            pytest.skip(SKIP_REASON)
        reap_orphaned_clusters()
        cluster = Cluster(bin_dir)
        self.cluster = cluster
        atexit.register(self.stop)
        self._stop_on_sigterm()
        try:
            cluster.start()
        except PostgresStartError as exc:
            self.stop()
            self.error = str(exc)
            pytest.fail(self.error, pytrace=False)
        where = f"socket in {cluster.socket_dir}" if cluster.socket_dir else f"127.0.0.1:{cluster.port}"
        self.server = PgServer(
            cluster.admin_dsn,
            f"throwaway cluster from {bin_dir} ({where}), initdb + start {cluster.startup_seconds:.1f} s",
        )
        return self.server

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()

    def _stop_on_sigterm(self) -> None:
        with contextlib.suppress(ValueError):  # only the main thread may set handlers
            self.previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self.stop()
        signal.signal(signal.SIGTERM, self.previous_sigterm or signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def summary(self, used: int, skipped: int) -> str | None:
        if self.server is not None:
            stopped = ", stopped" if self.cluster is not None and self.cluster.stopped else ""
            return f"PostgreSQL: {self.server.description}{stopped}"
        if self.error is not None:
            return "PostgreSQL: the test cluster failed to start (see the errors above)"
        if skipped:
            tests = "test" if skipped == 1 else "tests"
            return f"PostgreSQL: {skipped} {tests} skipped: " + SKIP_REASON.removeprefix("PostgreSQL tests skipped: ")
        if used:
            return "PostgreSQL: not started (no PostgreSQL test ran)"
        return None


def _without_password(dsn: str) -> str:
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@", 1)))


_SESSION = _Session()
_COUNTS = {"selected": 0, "skipped": 0}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server, started on first use; skips the test when there is none to start."""
    try:
        yield _SESSION.server_or_skip()
    finally:
        _SESSION.stop()


@contextlib.asynccontextmanager
async def fresh_database(server: PgServer, template: str | None = None) -> AsyncIterator[ScratchDatabase]:
    """A new database with a unique name (a copy of `template` if given), dropped on the way out."""
    name = new_database_name()
    dsn = await server.create_database(name, template)
    try:
        yield ScratchDatabase(name=name, dsn=dsn)
    finally:
        await server.drop_database(name)


@pytest.fixture
async def pg_database(pg_server: PgServer) -> AsyncIterator[ScratchDatabase]:
    """A fresh, empty database of this test's own (uuid name), dropped after it."""
    async with fresh_database(pg_server) as database:
        yield database


def pytest_configure(config: pytest.Config) -> None:
    if not any(line.startswith("postgres:") for line in config.getini("markers")):  # pyproject has it
        config.addinivalue_line("markers", "postgres: needs PostgreSQL (tests/pg.py)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(tryfirst=True)  # counted before a skipif marker skips it
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") is None:
        return
    _COUNTS["selected"] += 1
    if (reason := pg_skip_reason()) is not None:
        _COUNTS["skipped"] += 1
        pytest.skip(reason)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = _SESSION.summary(_COUNTS["selected"], _COUNTS["skipped"])
    if line is not None:
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    _SESSION.stop()
