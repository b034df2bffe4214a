"""Hand-written checks of Discord's documented limits (always on, with or without the OpenAPI file).

Each function returns a list of human-readable problems; an empty list means the payload is fine.
"""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
MAX_COMMANDS_PER_SCOPE = 100

OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_NUMBER = 10


def _check_name(where: str, name: object, problems: list[str]) -> None:
    if not isinstance(name, str) or not COMMAND_NAME.match(name):
        problems.append(f"{where}: name {name!r} must match ^[-_\\w]{{1,32}}$")
    elif name != name.lower():
        problems.append(f"{where}: name {name!r} must be lowercase")


def _check_description(where: str, description: object, problems: list[str]) -> None:
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        problems.append(f"{where}: description must be 1-100 characters, got {description!r}")


def _check_localizations(where: str, data: JSON, problems: list[str]) -> None:
    for key, limit in (("name_localizations", 32), ("description_localizations", 100)):
        for locale, text in (data.get(key) or {}).items():
            if not isinstance(text, str) or not 1 <= len(text) <= limit:
                problems.append(f"{where}: {key}[{locale}] must be 1-{limit} characters")


def _check_choices(where: str, option: JSON, problems: list[str]) -> None:
    choices = option.get("choices")
    if choices is None:
        return
    if len(choices) > 25:
        problems.append(f"{where}: {len(choices)} choices (max 25)")
    if choices and option.get("autocomplete"):
        problems.append(f"{where}: autocomplete cannot be combined with choices")
    for choice in choices:
        name = choice.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problems.append(f"{where}: choice name must be 1-100 characters, got {name!r}")
        value = choice.get("value")
        if option.get("type") == OPT_STRING and (not isinstance(value, str) or len(value) > 100):
            problems.append(f"{where}: string choice value must be a string of at most 100 characters")


def _option_chars(option: JSON) -> int:
    total = len(option.get("name", "")) + len(option.get("description", ""))
    for choice in option.get("choices") or []:
        total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    for sub in option.get("options") or []:
        total += _option_chars(sub)
    return total


def _check_options(where: str, options: list[JSON], problems: list[str], depth: int) -> None:
    if len(options) > 25:
        problems.append(f"{where}: {len(options)} options (max 25)")
    seen: set[str] = set()
    optional_seen = False
    kinds = {o.get("type") for o in options}
    subcommand_kinds = {OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP}
    if kinds & subcommand_kinds and kinds - subcommand_kinds:
        problems.append(f"{where}: subcommands cannot be mixed with plain options")
    for option in options:
        name = option.get("name")
        here = f"{where} {name}"
        _check_name(here, name, problems)
        _check_description(here, option.get("description"), problems)
        _check_localizations(here, option, problems)
        if name in seen:
            problems.append(f"{here}: duplicate option name")
        seen.add(str(name))
        kind = option.get("type")
        if kind == OPT_SUB_COMMAND_GROUP:
            if depth > 0:
                problems.append(f"{here}: subcommand groups can only be nested one level")
            _check_options(here, option.get("options") or [], problems, depth + 1)
            for sub in option.get("options") or []:
                if sub.get("type") != OPT_SUB_COMMAND:
                    problems.append(f"{here}: a subcommand group may only contain subcommands")
        elif kind == OPT_SUB_COMMAND:
            _check_options(here, option.get("options") or [], problems, depth + 1)
        else:
            if option.get("required"):
                if optional_seen:
                    problems.append(f"{here}: required option after an optional one")
            else:
                optional_seen = True
            _check_choices(here, option, problems)
            if kind == OPT_STRING:
                for key in ("min_length", "max_length"):
                    value = option.get(key)
                    if value is not None and not 0 <= value <= 6000:
                        problems.append(f"{here}: {key} must be 0-6000")
            if kind in (OPT_INTEGER, OPT_NUMBER):
                lo, hi = option.get("min_value"), option.get("max_value")
                if lo is not None and hi is not None and lo > hi:
                    problems.append(f"{here}: min_value > max_value")


def check_commands(commands: list[JSON]) -> list[str]:
    """Bulk-overwrite payload for one scope (global or one guild)."""
    problems: list[str] = []
    if not isinstance(commands, list):
        return ["command sync body must be a JSON array"]
    by_type: dict[int, int] = {}
    names: set[tuple[int, str]] = set()
    for command in commands:
        kind = int(command.get("type", 1))
        name = command.get("name")
        where = f"command /{name}"
        by_type[kind] = by_type.get(kind, 0) + 1
        if (kind, str(name)) in names:
            problems.append(f"{where}: duplicate command name")
        names.add((kind, str(name)))
        if kind == 1:
            _check_name(where, name, problems)
            _check_description(where, command.get("description"), problems)
            options = command.get("options") or []
            _check_options(where, options, problems, 0)
            chars = len(str(name)) + len(command.get("description", "")) + sum(_option_chars(o) for o in options)
            if chars > 4000:
                problems.append(f"{where}: {chars} characters in name/description/options (max 4000)")
        else:
            if not isinstance(name, str) or not 1 <= len(name) <= 32:
                problems.append(f"{where}: context menu name must be 1-32 characters")
            if command.get("description"):
                problems.append(f"{where}: context menu commands take no description")
        _check_localizations(where, command, problems)
        perms = command.get("default_member_permissions")
        valid_int = isinstance(perms, int) and not isinstance(perms, bool) and perms >= 0
        if perms is not None and not valid_int and not (isinstance(perms, str) and perms.isdigit()):
            problems.append(f"{where}: default_member_permissions must be a permission integer or string")
    if by_type.get(1, 0) > MAX_COMMANDS_PER_SCOPE:
        problems.append(f"{by_type[1]} slash commands in one scope (max {MAX_COMMANDS_PER_SCOPE})")
    for kind in (2, 3):
        if by_type.get(kind, 0) > 15:
            problems.append(f"{by_type[kind]} context menu commands of type {kind} (max 15)")
    return problems


# ---- messages -----------------------------------------------------------------------------------


def _len(value: object) -> int:
    return len(value) if isinstance(value, str) else 0


def check_embeds(embeds: list[JSON]) -> list[str]:
    problems: list[str] = []
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds (max 10)")
    total = 0
    for i, embed in enumerate(embeds):
        where = f"embed[{i}]"
        title = embed.get("title")
        description = embed.get("description")
        if _len(title) > 256:
            problems.append(f"{where}: title has {_len(title)} characters (max 256)")
        if _len(description) > 4096:
            problems.append(f"{where}: description has {_len(description)} characters (max 4096)")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(f"{where}: {len(fields)} fields (max 25)")
        total += _len(title) + _len(description)
        for j, f in enumerate(fields):
            name, value = f.get("name"), f.get("value")
            if not isinstance(name, str) or not 1 <= len(name) <= 256:
                problems.append(f"{where}.fields[{j}]: name must be 1-256 characters, got {_len(name)}")
            if not isinstance(value, str) or not 1 <= len(value) <= 1024:
                problems.append(f"{where}.fields[{j}]: value must be 1-1024 characters, got {_len(value)}")
            total += _len(name) + _len(value)
        footer = embed.get("footer") or {}
        if _len(footer.get("text")) > 2048:
            problems.append(f"{where}: footer text has {_len(footer.get('text'))} characters (max 2048)")
        author = embed.get("author") or {}
        if _len(author.get("name")) > 256:
            problems.append(f"{where}: author name has {_len(author.get('name'))} characters (max 256)")
        total += _len(footer.get("text")) + _len(author.get("name"))
        url = embed.get("url")
        if url is not None and not str(url).startswith(("http://", "https://", "attachment://")):
            problems.append(f"{where}: url must be http(s), got {url!r}")
        for key in ("image", "thumbnail"):
            media = embed.get(key)
            if media and not str(media.get("url", "")).startswith(("http://", "https://", "attachment://")):
                problems.append(f"{where}: {key}.url must be http(s) or attachment://")
        color = embed.get("color")
        if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
            problems.append(f"{where}: color must be 0-0xFFFFFF")
    if total > 6000:
        problems.append(f"embeds have {total} characters in total (max 6000)")
    return problems


def _check_button(where: str, button: JSON, problems: list[str]) -> None:
    style = button.get("style")
    label = button.get("label")
    if _len(label) > 80:
        problems.append(f"{where}: button label has {_len(label)} characters (max 80)")
    if not label and not button.get("emoji"):
        problems.append(f"{where}: button needs a label or an emoji")
    if style == 5:
        if not button.get("url"):
            problems.append(f"{where}: link button needs a url")
        if "custom_id" in button:
            problems.append(f"{where}: link button cannot have a custom_id")
    elif style == 6:
        if not button.get("sku_id"):
            problems.append(f"{where}: premium button needs a sku_id")
    elif style in (1, 2, 3, 4):
        if not button.get("custom_id"):
            problems.append(f"{where}: button needs a custom_id")
        if button.get("url"):
            problems.append(f"{where}: only link buttons have a url")
    else:
        problems.append(f"{where}: unknown button style {style!r}")


def _check_select(where: str, select: JSON, problems: list[str]) -> None:
    if _len(select.get("placeholder")) > 150:
        problems.append(f"{where}: placeholder longer than 150 characters")
    lo, hi = select.get("min_values", 1), select.get("max_values", 1)
    if not 0 <= lo <= 25 or not 1 <= hi <= 25 or lo > hi:
        problems.append(f"{where}: min_values/max_values out of range ({lo}, {hi})")
    if select.get("type") == 3:
        options = select.get("options") or []
        if not 1 <= len(options) <= 25:
            problems.append(f"{where}: string select needs 1-25 options, got {len(options)}")
        values: set[str] = set()
        for o in options:
            if not 1 <= _len(o.get("label")) <= 100:
                problems.append(f"{where}: option label must be 1-100 characters")
            if not 1 <= _len(o.get("value")) <= 100:
                problems.append(f"{where}: option value must be 1-100 characters")
            if _len(o.get("description")) > 100:
                problems.append(f"{where}: option description longer than 100 characters")
            if o.get("value") in values:
                problems.append(f"{where}: duplicate option value {o.get('value')!r}")
            values.add(str(o.get("value")))
        if hi > len(options):
            problems.append(f"{where}: max_values {hi} > number of options {len(options)}")


def check_components(components: list[JSON], *, v2: bool = False) -> list[str]:
    """Message components: rows, buttons and selects with their limits and unique custom ids."""
    problems: list[str] = []
    custom_ids: list[str] = []

    def note_custom_id(where: str, item: JSON) -> None:
        cid = item.get("custom_id")
        if cid is None:
            return
        if not isinstance(cid, str) or not 1 <= len(cid) <= 100:
            problems.append(f"{where}: custom_id must be 1-100 characters, got {_len(cid)}")
        custom_ids.append(str(cid))

    if not v2 and len(components) > 5:
        problems.append(f"{len(components)} action rows (max 5)")
    for i, row in enumerate(components):
        where = f"components[{i}]"
        kind = row.get("type")
        if kind != 1:
            if not v2:
                problems.append(f"{where}: top-level components must be action rows (type 1), got {kind}")
            continue
        children = row.get("components") or []
        if not children:
            problems.append(f"{where}: empty action row")
        buttons = [c for c in children if c.get("type") == 2]
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if len(buttons) > 5:
            problems.append(f"{where}: {len(buttons)} buttons in one row (max 5)")
        if selects and (len(children) > 1):
            problems.append(f"{where}: a select menu must be alone in its row")
        for j, child in enumerate(children):
            here = f"{where}[{j}]"
            if child.get("type") == 2:
                _check_button(here, child, problems)
            elif child.get("type") in (3, 5, 6, 7, 8):
                _check_select(here, child, problems)
            elif child.get("type") == 4:
                problems.append(f"{here}: text inputs belong in modals, not messages")
            note_custom_id(here, child)
    dupes = sorted({c for c in custom_ids if custom_ids.count(c) > 1})
    if dupes:
        problems.append(f"custom_id values must be unique within a message, duplicated: {dupes}")
    return problems


def check_allowed_mentions(am: JSON | None) -> list[str]:
    if am is None:
        return []
    problems: list[str] = []
    parse = am.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and am.get(kind):
            problems.append(f"allowed_mentions: {kind!r} in parse and a {kind} list are mutually exclusive")
        if len(am.get(kind) or []) > 100:
            problems.append(f"allowed_mentions: more than 100 {kind}")
    return problems


def check_message(payload: JSON, *, has_files: bool, is_edit: bool = False) -> list[str]:
    """Message create/edit body (channel message, interaction response data or webhook)."""
    problems: list[str] = []
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        problems.append("content must be a string")
    if isinstance(content, str) and len(content) > 2000:
        problems.append(f"content has {len(content)} characters (max 2000)")
    embeds = payload.get("embeds") or []
    problems += check_embeds(embeds)
    flags = int(payload.get("flags") or 0)
    v2 = bool(flags & (1 << 15))
    problems += check_components(payload.get("components") or [], v2=v2)
    problems += check_allowed_mentions(payload.get("allowed_mentions"))
    if not is_edit and not (
        (isinstance(content, str) and content.strip())
        or embeds
        or payload.get("components")
        or has_files
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        problems.append("cannot send an empty message (no content, embeds, components or files)")
    attachments = payload.get("attachments") or []
    if len(attachments) > 10:
        problems.append(f"{len(attachments)} attachments (max 10)")
    return problems


def check_autocomplete(data: JSON) -> list[str]:
    problems: list[str] = []
    choices = data.get("choices")
    if not isinstance(choices, list):
        return ["autocomplete result needs a list of choices"]
    if len(choices) > 25:
        problems.append(f"autocomplete returned {len(choices)} choices (max 25)")
    for c in choices:
        name = c.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problems.append(f"autocomplete choice name must be 1-100 characters, got {name!r}")
        value = c.get("value")
        if isinstance(value, str) and len(value) > 100:
            problems.append(f"autocomplete choice value longer than 100 characters: {value!r}")
    return problems


def check_modal(data: JSON) -> list[str]:
    problems: list[str] = []
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title) <= 45:
        problems.append(f"modal title must be 1-45 characters, got {title!r}")
    cid = data.get("custom_id")
    if not isinstance(cid, str) or not 1 <= len(cid) <= 100:
        problems.append("modal custom_id must be 1-100 characters")
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        problems.append(f"modal needs 1-5 components, got {len(components)}")
    for row in components:
        items = row.get("components") or ([row["component"]] if row.get("component") else [])
        for item in items:
            if item.get("type") != 4:
                continue
            if _len(item.get("label")) > 45:
                problems.append("text input label longer than 45 characters")
            if _len(item.get("placeholder")) > 100:
                problems.append("text input placeholder longer than 100 characters")
            if _len(item.get("value")) > 4000:
                problems.append("text input value longer than 4000 characters")
            lo, hi = item.get("min_length"), item.get("max_length")
            if (lo is not None and not 0 <= lo <= 4000) or (hi is not None and not 1 <= hi <= 4000):
                problems.append("text input min_length/max_length out of range")
    return problems
