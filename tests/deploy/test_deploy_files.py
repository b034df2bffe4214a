"""What the image, `make` and CI install from, and how the image and compose.yaml are put together.

The lock files pin the whole tree with hashes; pyproject.toml keeps the ranges. After a dependency
is added or changed in pyproject.toml, `make lock` brings the lock files along (README, "Dependencies").
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def requirements(*groups: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for group in groups:
        reqs += [Requirement(r) for r in project["optional-dependencies"][group]]
    return reqs


@pytest.mark.parametrize(
    ("lock", "reqs"),
    [
        ("requirements.lock", requirements()),
        ("requirements-dev.lock", requirements("dev")),
        ("requirements-build.lock", [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]),
    ],
    ids=["runtime", "dev", "build"],
)
def test_each_lock_file_pins_what_pyproject_asks_for_within_its_range(lock: str, reqs: list[Requirement]) -> None:
    pinned = pins(lock)
    wrong = [
        f"{req} (locked: {pinned.get(canonicalize_name(req.name), 'missing')})"
        for req in reqs
        if not req.specifier.contains(pinned.get(canonicalize_name(req.name), "0.0.0.dev0"), prereleases=True)
        or canonicalize_name(req.name) not in pinned
    ]
    assert wrong == [], f"{lock} is behind pyproject.toml; run `make lock`: {wrong}"


def test_every_locked_package_has_hashes_and_the_dev_lock_agrees_with_the_runtime_lock() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock", "requirements-build.lock"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        unhashed = [b.split()[0] for b in blocks if PIN.match(b) and "--hash=sha256:" not in b]
        assert unhashed == [], f"{lock}: no hashes for {unhashed}"
    runtime, dev, build = pins("requirements.lock"), pins("requirements-dev.lock"), pins("requirements-build.lock")
    assert {name: dev.get(name) for name in runtime} == runtime  # tests run on the versions the image ships
    assert {name: dev.get(name) for name in build} == build


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_installs_the_locked_dependencies_before_the_code_and_the_code_once_as_a_wheel() -> None:
    text = dockerfile()
    final = text[text.rindex("\nFROM ") :]
    deps = final.index("pip install --require-hashes -r /tmp/requirements.lock")
    code = final.index("COPY --from=build /wheels")
    assert deps < code
    assert "COPY bot" not in final and "/app" not in text  # no second copy of the code beside site-packages
    assert "python -m pip check" in final
    assert 'python -c "import matplotlib.font_manager"' in final[:code]  # font cache built in the image


def test_the_base_image_is_pinned_to_a_patch_release_and_the_bot_runs_as_a_user_with_a_volume() -> None:
    text = dockerfile()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base is not None and re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base.group(1))
    assert re.findall(r"^FROM (\S+)", text, re.MULTILINE) == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    assert re.search(r"^USER fitbet$", text, re.MULTILINE) and "--uid 10001" in text
    assert 'VOLUME ["/data"]' in text and "DATABASE_PATH=/data/fitbet.db" in text
    assert re.search(r'^HEALTHCHECK --interval=30s .* CMD \["python", "-m", "bot", "health"\]$', text, re.MULTILINE)


def test_the_build_context_is_an_allowlist_without_secrets_tests_or_caches() -> None:
    lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip() and ln[0] != "#"]
    assert lines[0] == "*"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert allowed == {
        "pyproject.toml",
        "README.md",
        "requirements.lock",
        "requirements-build.lock",
        "bot",
        "cogs",
        "migrations",
    }


def test_compose_runs_the_bot_with_a_named_volume_env_file_restart_policy_and_the_health_check() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert re.search(r"^    env_file: \.env\b", text, re.MULTILINE)
    assert re.search(r"^      - fitbet-data:/data\b", text, re.MULTILINE)
    assert re.search(r"^volumes:\n  fitbet-data:$", text, re.MULTILINE)
    assert re.search(r"^    restart: unless-stopped\b", text, re.MULTILINE)
    assert re.search(r"^      DATABASE_PATH: /data/fitbet\.db\b", text, re.MULTILINE)  # not .env's data/fitbet.db
    assert re.search(r'^      test: \["CMD", "python", "-m", "bot", "health"\]$', text, re.MULTILINE)


# ---- deploy/compose.postgres.yml: PostgreSQL and two shard processes ---------------------------------

POSTGRES_COMPOSE = ROOT / "deploy" / "compose.postgres.yml"


def compose_services(text: str) -> dict[str, str]:
    """Each service's block of a compose file written as this repository writes them (two-space indents)."""
    body = text[text.index("\nservices:\n") : text.index("\nvolumes:\n")]
    parts = re.split(r"^  ([\w-]+):\n", body, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def compose_environment(block: str) -> dict[str, str]:
    """The `environment:` mapping of one service block (`KEY: value` lines), values unquoted."""
    found = re.search(r"^    environment:\n((?:      .*\n)+)", block, re.MULTILINE)
    assert found is not None, "no environment mapping"
    env: dict[str, str] = {}
    for line in found.group(1).splitlines():
        key, _, value = line.strip().partition(": ")
        value = value.split("  #", 1)[0].strip()
        env[key] = value.strip('"')
    return env


def test_the_postgres_compose_runs_two_shards_on_a_healthy_postgres() -> None:
    text = POSTGRES_COMPOSE.read_text(encoding="utf-8")
    services = compose_services(text)
    assert set(services) == {"postgres", "shard-0", "shard-1"}

    pg = services["postgres"]
    assert re.search(r"^    image: postgres:15$", pg, re.MULTILINE)
    assert re.search(r"^      - fitbet-pg:/var/lib/postgresql/data\b", pg, re.MULTILINE)
    assert re.search(r'^      test: \["CMD", "pg_isready"', pg, re.MULTILINE)
    assert re.search(r"^volumes:\n  fitbet-pg:$", text, re.MULTILINE)
    pg_env = compose_environment(pg)
    assert pg_env["POSTGRES_USER"] == "fitbet" and pg_env["POSTGRES_DB"] == "fitbet"
    assert pg_env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")  # from .env, never written here

    main_compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    image = re.search(r"^    image: (\S+)$", main_compose, re.MULTILINE)
    assert image is not None
    settings = {name.upper() for name in Settings.model_fields}
    shard_ids: list[str] = []
    counts: set[str] = set()
    for name in ("shard-0", "shard-1"):
        block = services[name]
        assert re.search(rf"^    image: {re.escape(image.group(1))}$", block, re.MULTILINE), name  # the same image
        assert re.search(r"^    build: \.\.(\s+#.*)?$", block, re.MULTILINE), name  # built from the repository root
        assert re.search(r"^    env_file: \.\./\.env\b", block, re.MULTILINE), name
        assert re.search(r"^    restart: unless-stopped\b", block, re.MULTILINE), name
        assert re.search(r"^    depends_on:\n      postgres:\n        condition: service_healthy$", block, re.MULTILINE)
        assert re.search(r'^      test: \["CMD", "python", "-m", "bot", "health"\]$', block, re.MULTILINE), name
        env = compose_environment(block)
        assert set(env) <= settings, f"{name} sets what is no setting: {sorted(set(env) - settings)}"
        assert env["DATABASE_URL"].startswith("postgresql://fitbet:${POSTGRES_PASSWORD")
        assert env["DATABASE_URL"].endswith("@postgres:5432/fitbet")
        shard_ids += env["SHARD_IDS"].split(",")
        counts.add(env["SHARD_COUNT"])
        heartbeats = env.get("HEARTBEAT_PATH")
        assert heartbeats, f"{name}: a heartbeat file of its own"
    assert len(counts) == 1, "every process must agree on SHARD_COUNT"
    assert sorted(int(i) for i in shard_ids) == list(range(int(counts.pop())))  # each shard run exactly once


def test_the_postgres_compose_settings_are_valid_settings() -> None:
    """What the shards are given loads as settings (the password stands in for the interpolated one)."""
    for name in ("shard-0", "shard-1"):
        env = compose_environment(compose_services(POSTGRES_COMPOSE.read_text(encoding="utf-8"))[name])
        values = {k.lower(): re.sub(r"\$\{[^}]*\}", "pw", v) for k, v in env.items()}
        settings = load_settings(require_token=False, _env_file=None, **values)
        assert settings.database_url is not None and settings.shard_count == 2
        assert settings.shard_ids == [int(name[-1])]
