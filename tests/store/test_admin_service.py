from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.errors import NotFound, UserError
from bot.services import admin
from bot.services import bets as bet_service
from bot.services import challenges as challenge_service
from bot.services import penalties as penalty_service
from bot.services.context import Services
from bot.store import audit, timers
from tests.engines import dump
from tests.store import test_bet_service as bet_tests
from tests.store import test_penalty_service as penalty_tests
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
    export = await admin.export_csv(svc, GUILD, ADMIN, raw=True)
    assert not export.zipped
    files = dict(f for message in export.messages for f in message)
    challenges = list(csv.DictReader(io.StringIO(files["raw_challenges.csv"].decode())))
    assert [int(c["guild_id"]) for c in challenges] == [GUILD]
    for name in ("logs.csv", "raw_logs.csv"):
        logs = list(csv.DictReader(io.StringIO(files[name].decode())))
        assert [(log["amount"], log["note"]) for log in logs] == [("42", 'comma, "quote"')]
    readable = list(csv.DictReader(io.StringIO(files["challenges.csv"].decode())))
    assert [c["no"] for c in readable] == [str(mine.row.no)]


# --- every admin action and its audit line: one transaction ---------------------------------


async def _world(svc: Services) -> None:
    """Something for each admin action: penalty #1 submitted, #2 owed (bet #1 settled), manual bet #2
    locked, challenge #2 running."""
    ana, _ = await penalty_tests.settled(svc)
    await penalty_service.submit(svc, GUILD, ana.no, ana.debtor_id, "5", "55:00")
    manual = await bet_tests.manual_bet(svc)
    await bet_service.accept(svc, GUILD, manual.row.no, bet_tests.ANA)
    assert manual.lock_at is not None
    bet_tests.clock(svc).set(manual.lock_at)
    await svc.timers.run_due()
    await seed(svc)


ADMIN_ACTIONS: dict[str, Callable[[Services], Awaitable[object]]] = {
    "channel": lambda svc: admin.set_channel(svc, GUILD, ADMIN, 4242),
    "timezone": lambda svc: admin.set_timezone(svc, GUILD, ADMIN, "Asia/Tokyo"),
    "cancel": lambda svc: admin.cancel_challenge(svc, GUILD, 2, ADMIN, "gym closed"),
    "settle": lambda svc: admin.settle_bet(svc, GUILD, 2, ADMIN, "against", "they agreed offline"),
    "void": lambda svc: admin.void_bet(svc, GUILD, 1, ADMIN, "miscounted"),
    "waive": lambda svc: penalty_service.waive_no(svc, GUILD, 2, ADMIN, True, "injured"),
    "verify": lambda svc: penalty_service.verify_no(svc, GUILD, 1, ADMIN, True),
    "reject": lambda svc: penalty_service.reject_no(svc, GUILD, 1, ADMIN, True, "blurry"),
    "admin-role": lambda svc: admin.set_admin_role(svc, GUILD, ADMIN, 777),
    "penalty-due": lambda svc: admin.set_penalty_due_days(svc, GUILD, ADMIN, 3),
    "distance-unit": lambda svc: admin.set_distance_unit(svc, GUILD, ADMIN, "mi"),
}


async def _dump(svc: Services) -> object:
    return await dump(svc.db)


@pytest.mark.parametrize("action", list(ADMIN_ACTIONS))
async def test_an_admin_action_and_its_audit_line_are_committed_together_or_not_at_all(
    bet_svc: Services, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    svc = bet_svc
    await _world(svc)
    settings, before = await svc.guild_settings(GUILD), await _dump(svc)

    async def audit_line_fails(*args: object, **kwargs: object) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(audit, "record", audit_line_fails)
    with pytest.raises(OSError):
        await ADMIN_ACTIONS[action](svc)
    assert await _dump(svc) == before  # the change went with its audit line
    assert await svc.guild_settings(GUILD) == settings

    monkeypatch.undo()
    await ADMIN_ACTIONS[action](svc)
    assert [(e[1], e[2]) for e in await admin.audit_entries(svc, GUILD)] == [(ADMIN, action)]
    assert await _dump(svc) != before
