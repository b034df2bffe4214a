"""/admin export within the upload limit: the packer's invariants (hypothesis), and the service on a real file."""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.services import admin
from bot.services import challenges as challenge_service
from bot.services.context import Services
from bot.services.export import MAX_FILES_PER_MESSAGE, ExportFiles, ExportPacker
from tests.store.conftest import GUILD, SAM, seed_pushups

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
Table = tuple[str, list[str], list[list[object]]]

cells = st.one_of(
    st.none(),
    st.integers(-(2**53), 2**53),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(['a "quoted", comma', "two\nlines", "ünïcödé 🏃"]),
)


@st.composite
def tables(draw: st.DrawFn) -> list[Table]:
    names = draw(st.lists(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), min_size=1, max_size=12, unique=True))
    out = []
    for name in names:
        width = draw(st.integers(1, 4))
        columns = [f"c{i}" for i in range(width)]
        rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=120))
        out.append((name, columns, rows))
    return out


def _parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _as_text(row: list[object]) -> list[str]:
    return ["" if v is None else str(v) for v in row]


def unpack(export: ExportFiles) -> dict[str, list[list[str]]]:
    """Every table back as rows (header first), joining `name-2.csv`, `name-3.csv`, … to `name.csv`."""
    members: list[tuple[str, bytes]] = []
    for message in export.messages:
        for name, data in message:
            if export.zipped:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    assert archive.testzip() is None
                    members += [(info.filename, archive.read(info)) for info in archive.infolist()]
            else:
                members.append((name, data))
    out: dict[str, list[list[str]]] = {}
    expected_part: dict[str, int] = {}
    for name, data in members:
        match = re.fullmatch(r"([a-z_]+?)(?:-(\d+))?\.csv", name)
        assert match is not None, name
        table, part = match.group(1), int(match.group(2) or 1)
        assert part == expected_part.get(table, 1), f"{name} out of order"
        expected_part[table] = part + 1
        rows = _parse(data)
        if part == 1:
            out[table] = rows
        else:
            assert rows[0] == out[table][0], "every part starts with the header"
            out[table] += rows[1:]
    return out


def pack(data: list[Table], limit: int, chunk: int = 7) -> ExportFiles:
    packer = ExportPacker(limit, NOW)
    for name, columns, rows in data:
        for start in range(0, max(len(rows), 1), chunk):  # a table without rows still gets one (empty) chunk
            packer.add(name, columns, rows[start : start + chunk])
    return packer.finish()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), limit=st.integers(800, 30_000))
def test_every_message_fits_the_limit_and_every_row_comes_back_once_in_order(data: list[Table], limit: int) -> None:
    export = pack(data, limit)
    for message in export.messages:
        assert 1 <= len(message) <= MAX_FILES_PER_MESSAGE
        assert sum(len(content) for _, content in message) <= limit
    assert export.tables == len(data)
    plain_size = sum(len(content) for message in pack(data, 10**9).messages for _, content in message)
    assert export.zipped == (plain_size > limit)  # plain CSVs whenever they fit one upload
    back = unpack(export)
    assert list(back) == [name for name, _, _ in data]
    for name, columns, rows in data:
        assert back[name] == [columns] + [_as_text(r) for r in rows], name


def test_a_big_table_is_split_over_several_archives_each_within_the_limit() -> None:
    rows: list[list[object]] = [[i, f"note {i} " + "x" * (i % 50), i * 7] for i in range(5000)]
    noise = random.Random(7)
    # Hex compresses about 2:1, so a piece of four limits' worth must be halved, and halved again.
    proofs: list[list[object]] = [[noise.randbytes(60).hex()] for _ in range(400)]
    export = pack(
        [
            ("small", ["a"], [[1]]),
            ("logs", ["id", "note", "amount"], rows),
            ("proofs", ["hex"], proofs),
            ("after", ["b"], []),
        ],
        4096,
    )
    assert export.zipped and len(export.messages) > 2
    assert all(len(message) == 1 for message in export.messages)
    names = [name for message in export.messages for name, _ in message]
    assert names == [f"fitbet-export-{i}-of-{len(names)}.zip" for i in range(1, len(names) + 1)]
    assert all(len(data) <= 4096 for message in export.messages for _, data in message)
    back = unpack(export)
    assert back["logs"][1:] == [_as_text(r) for r in rows]
    assert back["proofs"][1:] == [_as_text(r) for r in proofs]
    assert back["after"] == [["b"]]


def test_a_row_bigger_than_the_limit_is_refused_with_a_clear_word() -> None:
    packer = ExportPacker(200, NOW)
    with pytest.raises(UserError, match="One row of logs doesn't fit this server's upload limit"):
        packer.add("logs", ["note"], [[bytes(range(256)).hex() * 4]])  # 2 KB that barely compresses
        packer.finish()


async def test_the_export_of_a_server_fits_a_small_limit_and_reads_back_whole(svc: Services) -> None:
    view = await seed_pushups(svc)
    for n in range(300):
        await challenge_service.log(svc, GUILD, view.row.no, SAM, "1", note=f"set {n}, felt {'good' * (n % 7)}")
    plain = await admin.export_csv(svc, GUILD, 1)
    export = await admin.export_csv(svc, GUILD, 1, upload_limit=2048)
    assert not plain.zipped and export.zipped and len(export.messages) > 1
    assert all(sum(len(data) for _, data in message) <= 2048 for message in export.messages)
    whole = {name[: -len(".csv")]: _parse(data) for message in plain.messages for name, data in message}
    back = unpack(export)
    assert len(back["logs"]) == 1 + 300
    assert back == whole | {"audit_log": back["audit_log"]}
    assert [row[3] for row in back["audit_log"][1:]] == ["export"]  # the first export's line, written after it
    assert back["logs"][1][4:6] == ["1", "reps"]  # a person's table: the amount in its unit
