"""Where a kept proof photo lives, on a real SQLite file: stored with the log, shown by status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.proof import ProofRef
from bot.services import challenges as service
from bot.services.context import Services
from bot.store import challenges as store
from tests.engines import INTEGRITY_ERRORS
from tests.store.conftest import GUILD, SAM
from tests.store.conftest import manual_clock as clock
from tests.store.conftest import seed_pushups as seed


def kept(n: int) -> ProofRef:
    return ProofRef(channel_id=10, message_id=5000 + n, filename="proof.png")


async def test_a_log_keeps_where_its_photo_is(svc: Services) -> None:
    view = await seed(svc)
    result = await service.log(svc, GUILD, view.row.no, SAM, "100", proof=kept(1))
    assert result.log.proof == kept(1)
    [row] = await store.logs(svc.db, view.row.id)
    assert row.proof == kept(1) and row.proof_url is None
    plain = await service.log(svc, GUILD, view.row.no, SAM, "5")
    assert plain.log.proof is None


async def test_status_lists_the_latest_five_counted_logs_with_a_photo_newest_first(svc: Services) -> None:
    view = await seed(svc)
    for n in range(7):
        clock(svc).advance(timedelta(minutes=5))
        await service.log(svc, GUILD, view.row.no, SAM, "10", proof=kept(n))
        await service.log(svc, GUILD, view.row.no, SAM, "1")  # no photo: not listed
    await service.undo(svc, GUILD, view.row.no, SAM)  # the plain log
    await service.undo(svc, GUILD, view.row.no, SAM)  # the log with photo 6: struck, not listed
    status = await service.status(svc, GUILD, view.row.no, SAM)
    assert [log.proof for log in status.proof_logs] == [kept(n) for n in (5, 4, 3, 2, 1)]
    assert (await service.view(svc, view.row)).proof_logs == ()  # only status reads them


async def test_a_proof_is_stored_whole_or_not_at_all(svc: Services) -> None:
    view = await seed(svc)
    with pytest.raises(INTEGRITY_ERRORS):
        async with svc.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO logs (challenge_id, user_id, amount, entered_amount, entered_unit, logged_at,"
                " proof_channel_id, proof_filename)"
                " VALUES (?, ?, 1, '1', 'reps', '2026-03-02T08:00:00+00:00', 10, 'x')",
                (view.row.id, SAM),
            )
