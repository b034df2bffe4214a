"""Members' names as Discord last showed them to the bot: kept when a member uses or is named in a
command, read for autocomplete labels, charts and the export. Without the members intent the bot
has no member list; an id nobody has seen yet reads `member …1234`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.services.context import Services
from bot.store import names as store


def fallback(user_id: int) -> str:
    return f"member …{str(user_id)[-4:]}"


async def seen(svc: Services, guild_id: int, names: Mapping[int, str]) -> None:
    """Remember these names; those already known unchanged cost no write."""
    changed = {
        uid: name
        for uid, name in names.items()
        if name and svc.db.memo.get(("member_name", guild_id, uid)) != name[: store.NAME_MAX]
    }
    if not changed:
        return
    await store.remember(svc.db, guild_id, changed, svc.now())
    for uid, name in changed.items():
        svc.db.memo[("member_name", guild_id, uid)] = name[: store.NAME_MAX]


async def known(svc: Services, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """The names on record for these ids (ids never seen are left out)."""
    return await store.lookup(svc.db, guild_id, user_ids)


async def names_for(svc: Services, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """A name for every id: on record, else `member …1234`."""
    ids = list(user_ids)
    found = await known(svc, guild_id, ids)
    return {uid: found.get(uid) or fallback(uid) for uid in ids}


async def everyone(svc: Services, guild_id: int) -> Mapping[int, str]:
    return await store.all_names(svc.db, guild_id)
