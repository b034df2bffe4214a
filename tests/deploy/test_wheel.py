"""The wheel works on its own: built from the source tree, installed into a fresh virtual environment
outside it and run from another working directory, it finds its migrations (package data) and
`python -m bot migrate` creates every table. This is how the Docker image installs fitbet."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

from bot.store.db import MIGRATIONS_DIR
from tests.e2e.harness import REPO_ROOT

pytestmark = pytest.mark.subprocess


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fitbet's wheel, built from a copy of the sources (nothing is written into the repository)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("bot", "cogs", "migrations"):
        shutil.copytree(REPO_ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, src, cwd=src)
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = out.glob("fitbet-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed; its dependencies are the test environment's,
    reached through a .pth path (whose own .pth files, such as an editable fitbet's, are not read)."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv).stdout.strip())
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=venv)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


def test_the_wheel_ships_the_migrations_and_nothing_but_the_code(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(f.name for f in MIGRATIONS_DIR.iterdir() if f.name.endswith(".sql"))
    assert sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("migrations/") and n.endswith(".sql")) == shipped
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {
        "bot",
        "cogs",
        "migrations",
        wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info",
    }


def test_the_installed_wheel_migrates_and_checks_health_from_another_working_directory(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = tmp_path / "somewhere" / "fitbet.db"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "DATABASE_PATH": str(database)}

    where = run(installed, "-c", "import bot; print(bot.__file__)", cwd=elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(installed.parents[1]), where.stdout + where.stderr

    migrated = run(installed, "-m", "bot", "migrate", cwd=elsewhere, env=env)
    shipped = sorted(f.name for f in MIGRATIONS_DIR.iterdir() if f.name.endswith(".sql") and ".postgres." not in f.name)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert migrated.stdout.strip() == f"applied {len(shipped)} migration(s): " + ", ".join(shipped)
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert {"schema_migrations", "challenges", "bets", "penalties", "timers", "announcements"} <= tables

    health = run(installed, "-m", "bot", "health", cwd=elsewhere, env=env)
    assert health.returncode == 1
    assert health.stderr.strip() == (
        f"unhealthy: no gateway heartbeat at {database}.heartbeat: the bot is not running, or has not"
        f" connected to Discord yet; the database answers ({len(shipped)} migrations applied)"
    )
    (database.parent / "fitbet.db.heartbeat").write_text(f"{time.time():.3f}\n")  # as a connected bot would
    health = run(installed, "-m", "bot", "health", cwd=elsewhere, env=env)
    assert health.returncode == 0, health.stdout + health.stderr
    assert health.stdout.startswith(f"healthy: the database answers ({len(shipped)} migrations applied)")
