"""Request-body validation against Discord's published OpenAPI description (optional layer).

The file lives outside the repository (`../shared/discord-api-spec/openapi.json`, found by walking
up from the repository root) and is never copied in. When it is absent this layer is skipped; the
hand-written checks in `limits.py` stay on. The document is parsed once per process and the
compiled validators are cached.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

SPEC_RELATIVE = Path("shared") / "discord-api-spec" / "openapi.json"
SPEC_ENV = "DISCORD_OPENAPI_SPEC"
_BASE_URI = "urn:discord-openapi"

# (method, OpenAPI path) of every request body the emulator validates.
VALIDATED_OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("post", "/channels/{channel_id}/messages"),
        ("patch", "/channels/{channel_id}/messages/{message_id}"),
        ("post", "/interactions/{interaction_id}/{interaction_token}/callback"),
        ("post", "/webhooks/{webhook_id}/{webhook_token}"),
        ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
        ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
        ("put", "/applications/{application_id}/commands"),
        ("put", "/applications/{application_id}/guilds/{guild_id}/commands"),
    }
)


def find_spec(start: Path | None = None) -> Path | None:
    """`$DISCORD_OPENAPI_SPEC`, else `<ancestor>/shared/discord-api-spec/openapi.json` above the repo."""
    env = os.environ.get(SPEC_ENV)
    if env:
        path = Path(env)
        return path if path.is_file() else None
    here = (start or Path(__file__)).resolve()
    for parent in here.parents:
        candidate = parent / SPEC_RELATIVE
        if candidate.is_file():
            return candidate
    return None


def _rewrite_refs(node: Any) -> Any:
    """Point local `#/...` references at the registered document."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = _BASE_URI + value
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _relax(document: dict[str, Any]) -> dict[str, Any]:
    """Known differences between the description and what Discord accepts.

    Snowflakes are described as strings, but Discord also takes JSON integers (discord.py sends the
    attachment index `{"id": 0}` that way), so `SnowflakeType` accepts non-negative integers too.
    """
    schemas = dict(document.get("components", {}).get("schemas", {}))
    if "SnowflakeType" in schemas:
        schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
    components = dict(document.get("components", {}), schemas=schemas)
    return dict(document, components=components)


class OpenApiValidator:
    """Validates JSON request bodies of selected operations; one instance per spec file."""

    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self._document = _relax(document)
        resource = Resource.from_contents(self._document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
        self._validator_cls = Draft202012Validator
        self._validators: dict[tuple[str, str], Any] = {}
        self._results: dict[tuple[str, str, str], tuple[str, ...]] = {}

    def _validator(self, method: str, path: str) -> Any | None:
        key = (method, path)
        if key in self._validators:
            return self._validators[key]
        operation = self._document.get("paths", {}).get(path, {}).get(method)
        validator = None
        if operation and "requestBody" in operation:
            content = operation["requestBody"].get("content", {})
            schema = (content.get("application/json") or {}).get("schema")
            if schema is not None:
                validator = self._validator_cls(_rewrite_refs(schema), registry=self._registry)
        self._validators[key] = validator
        return validator

    def validate(self, method: str, path: str, body: Any) -> list[str]:
        """Problems found in `body` for the operation (empty when valid or not described).

        Results are memoised per (operation, body): the bot sends the same command-sync body at
        every start, and validating it takes a noticeable fraction of a second.
        """
        key = (method.lower(), path, json.dumps(body, sort_keys=True, separators=(",", ":")))
        cached = self._results.get(key)
        if cached is not None:
            return list(cached)
        problems = self._validate(method, path, body)
        if len(self._results) >= 512:
            self._results.pop(next(iter(self._results)))
        self._results[key] = tuple(problems)
        return problems

    def _validate(self, method: str, path: str, body: Any) -> list[str]:
        validator = self._validator(method.lower(), path)
        if validator is None:
            return []
        problems = []
        for error in validator.iter_errors(body):
            leaves = _explain(error)
            message = "; ".join(f"at {_where(e)}: {e.message}" for e in leaves[:3])
            if len(message) > 600:
                message = message[:600] + "…"
            problems.append(f"openapi {method.upper()} {path} {message}")
        return problems


_BRANCH_NOISE = frozenset({"type", "enum", "const", "oneOf", "anyOf"})


def _where(error: Any) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "<body>"


def _explain(error: Any) -> list[Any]:
    """The errors worth showing: for anyOf/oneOf unions, the leaf failures of the branches that
    matched the discriminator (not "4 is not one of [1]" from every other branch)."""
    if not error.context:
        return [error]
    leaves: list[Any] = []
    stack = list(error.context)
    while stack:
        item = stack.pop()
        if item.context:
            stack.extend(item.context)
        else:
            leaves.append(item)
    meaningful = [e for e in leaves if e.validator not in _BRANCH_NOISE]
    chosen = meaningful or leaves
    chosen.sort(key=lambda e: (-len(e.absolute_path), _where(e)))
    unique: dict[str, Any] = {}
    for e in chosen:
        unique.setdefault(f"{_where(e)} {e.message}", e)
    return list(unique.values())


@functools.cache
def _load(path: str) -> OpenApiValidator:
    with open(path, encoding="utf-8") as fh:
        return OpenApiValidator(json.load(fh))


def get_validator(spec_path: Path | None = None) -> OpenApiValidator | None:
    """The cached validator for the spec file, or None when the file is absent."""
    path = spec_path or find_spec()
    if path is None or not path.is_file():
        return None
    return _load(str(path.resolve()))
