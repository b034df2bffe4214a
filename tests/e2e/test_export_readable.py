"""/admin export as a person opens it in a spreadsheet: names next to ids, amounts in their units, times
in ISO 8601 with the server's offset; the raw tables only when asked for."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services import export_tables
from tests.e2e.challenge_support import create
from tests.e2e.harness import BotHandle
from tests.e2e.test_penalties import story_until_settled
from tests.emulator import DiscordEmulator, Guild

BERLIN = ZoneInfo("Europe/Berlin")


def tables(res: object) -> dict[str, list[dict[str, str]]]:
    files = {f.filename: f.data for m in res.messages for f in m.attachments}  # type: ignore[attr-defined]
    return {name[: -len(".csv")]: list(csv.DictReader(io.StringIO(data.decode()))) for name, data in files.items()}


async def test_the_export_reads_as_a_person_would_read_it(
    emulator: DiscordEmulator, guild: Guild, bot_handle: BotHandle
) -> None:
    admin, sam = guild.admin, guild.members["alice"]
    assert admin is not None
    sam.nick = "Sam"
    await emulator.invoke(admin, "admin timezone", name="Europe/Berlin")
    _sam, ana, ben = await story_until_settled(emulator, guild, bot_handle)
    await emulator.invoke(ben, "penalty submit", penalty=2, amount="5", duration="55:00")
    await create(emulator, ana, activity="plank", target="10", unit="min", duration="2d")
    await emulator.invoke(ana, "challenge log", amount="5", challenge=2, note="felt it")

    res = await emulator.invoke(admin, "admin export")
    assert res.ephemeral and "Europe/Berlin" in res.content
    found = tables(res)
    assert set(found) == set(export_tables.TABLES)  # no raw tables unless asked for

    plank = next(r for r in found["logs"] if r["challenge_no"] == "2")
    assert (plank["member_id"], plank["member"]) == (str(ana.id), "bob")
    assert (plank["amount"], plank["unit"], plank["note"]) == ("5", "min", "felt it")  # not 300000 ms
    logged = datetime.fromisoformat(plank["logged_at"])
    assert logged.utcoffset() == bot_handle.clock.now().astimezone(BERLIN).utcoffset()
    assert logged == bot_handle.clock.now()

    pushups = found["challenges"][0]
    assert pushups["title"] == "2,020 pushups in under 7 hours" and pushups["target"] == "2020"
    assert (pushups["creator_id"], pushups["creator"]) == (str(sam.id), "Sam")
    assert pushups["clock_per_member"] == "7:00:00"
    assert datetime.fromisoformat(pushups["starts_at"]).tzinfo is not None

    result = next(r for r in found["results"] if r["member_id"] == str(sam.id))
    assert (result["member"], result["result"], result["total"], result["unit"]) == ("Sam", "succeeded", "2020", "reps")

    bet = found["bets"][0]
    assert bet["proposer"] == "Sam" and bet["opponents"] == f"bob ({ana.id}); carol ({ben.id})"
    assert bet["for_side_due_within"] == "7 days"

    owed = {r["no"]: r for r in found["penalties"]}
    assert (owed["2"]["debtor"], owed["2"]["owed_to"]) == ("carol", f"Sam ({sam.id})")
    assert (owed["2"]["amount"], owed["2"]["unit"], owed["2"]["done_amount"]) == ("5", "km", "5")
    assert owed["2"]["time_taken"] == "0:55:00" and owed["2"]["status"] == "submitted"

    assert [(r["actor"], r["action"], r["target"]) for r in found["audit_log"]] == [
        ("admin", "timezone", "Europe/Berlin")
    ]

    with_raw = tables(await emulator.invoke(admin, "admin export", raw=True))
    assert {"raw_logs", "raw_challenges", "logs"} <= set(with_raw)
    assert "300000" in [r["amount"] for r in with_raw["raw_logs"]]  # as stored, for whoever wants that
