from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.errors import NotFound, UserError
from bot.services import admin
from bot.services import challenges as challenge_service
from bot.services.context import Services
from bot.store import timers
from tests.store.conftest import GUILD, OTHER_GUILD
from tests.store.conftest import seed_pushups as seed

ADMIN, SAM = 9001, 1001


async def test_timezone_is_validated_and_audited(svc: Services) -> None:
    assert await admin.set_timezone(svc, GUILD, ADMIN, "europe/berlin") == "Europe/Berlin"
    assert (await svc.guild_settings(GUILD)).timezone == "Europe/Berlin"
    with pytest.raises(UserError):
        await admin.set_timezone(svc, GUILD, ADMIN, "Mars/Olympus")
    entries = await admin.audit_entries(svc, GUILD)
    assert [(e[2], e[3]) for e in entries] == [("timezone", "Europe/Berlin")]


async def test_extend_moves_the_deadline_timer(svc: Services) -> None:
    view = await seed(svc)
    extended = await admin.extend_challenge(svc, GUILD, view.row.no, ADMIN, "+2h", "rain delay")
    assert extended.rules.ends_at == view.rules.ends_at + timedelta(hours=2)
    end = await timers.get(svc.db, challenge_service.TIMER_END, view.row.id)
    assert end is not None and end.due_at == extended.rules.ends_at
    with pytest.raises(UserError):
        await admin.extend_challenge(svc, GUILD, view.row.no, ADMIN, "2020-01-01 10:00", None)


async def test_extending_a_finished_challenge_is_refused(svc: Services) -> None:
    view = await seed(svc)
    await challenge_service.finish(svc, view.row.id)
    with pytest.raises(UserError, match="finished"):
        await admin.extend_challenge(svc, GUILD, view.row.no, ADMIN, "+1h", None)


async def test_fix_log_keeps_the_old_value_and_changes_the_total(svc: Services) -> None:
    view = await seed(svc)
    result = await challenge_service.log(svc, GUILD, view.row.no, SAM, "500")
    fix = await admin.fix_log(svc, GUILD, result.log.id, ADMIN, "miscounted", amount="450")
    assert fix.old_amount == 500 and fix.new_amount == 450
    assert fix.view.standings.rows[0].total == 450
    struck = await admin.fix_log(svc, GUILD, result.log.id, ADMIN, "no proof", strike=True)
    assert struck.view.standings.rows[0].total == 0
    rows = await svc.db.fetchall("SELECT action, old_amount, new_amount FROM log_corrections ORDER BY id")
    assert [tuple(r) for r in rows] == [("edit", 500, 450), ("strike", 450, None)]


async def test_fixing_a_log_from_another_server_is_not_found(svc: Services) -> None:
    view = await seed(svc, OTHER_GUILD)
    result = await challenge_service.log(svc, OTHER_GUILD, view.row.no, SAM, "10")
    with pytest.raises(NotFound):
        await admin.fix_log(svc, GUILD, result.log.id, ADMIN, "nope", amount="1")
    row = await svc.db.fetchone("SELECT amount FROM logs WHERE id = ?", (result.log.id,))
    assert row is not None and row[0] == 10


async def test_export_has_only_this_servers_rows_and_parses_back(svc: Services) -> None:
    mine = await seed(svc)
    await seed(svc, OTHER_GUILD)
    await challenge_service.log(svc, GUILD, mine.row.no, SAM, "42", note='comma, "quote"')
    files = dict(await admin.export_csv(svc, GUILD, ADMIN))
    challenges = list(csv.DictReader(io.StringIO(files["challenges.csv"].decode())))
    assert [int(c["guild_id"]) for c in challenges] == [GUILD]
    logs = list(csv.DictReader(io.StringIO(files["logs.csv"].decode())))
    assert [(log["amount"], log["note"]) for log in logs] == [("42", 'comma, "quote"')]
