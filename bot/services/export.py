"""/admin export as files that fit the server's upload limit: one CSV per table, zipped and split when needed.

While the CSVs together fit in one upload, they are sent as they are (up to 10 files a message).
Past that, every table goes into zip archives of at most the limit each, one archive a message; a
table too big for one archive continues in `name-2.csv`, `name-3.csv`, … (each with the header).
Rows are taken in chunks, so memory holds the finished archives (compressed) and one piece of a table.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.words import number
from bot.errors import UserError

MAX_FILES_PER_MESSAGE = 10  # Discord's limit of attachments on one message
_LEVEL = 6  # zlib's default: most of the gain, at a fraction of level 9's time
# A zip member costs its compressed bytes, its name twice and these headers (local file header,
# central directory record: zipfile writes no extra fields for members this small); each archive
# ends with a 22-byte end-of-central-directory record.
_LOCAL_HEADER, _CENTRAL_HEADER, _END = 30, 46, 22
# Raw CSV bytes gathered before a piece is compressed: CSV compresses several times over, so a
# piece of a few limits' worth usually fits one archive; one that doesn't is halved until it does.
_PIECE_FACTOR, _PIECE_MAX = 4, 64 * 1024 * 1024


@dataclass(frozen=True)
class ExportFiles:
    messages: list[list[tuple[str, bytes]]]  # the files of each message, in order
    zipped: bool
    tables: int


class ExportPacker:
    """Feed it every table's rows in chunks, table after table (`add`), then `finish()`.

    Synchronous and CPU-bound (CSV, deflate): call it from a worker thread, one call at a time.
    """

    def __init__(self, limit: int, now: datetime) -> None:
        if limit < 1:
            raise ValueError("upload limit must be positive")
        self.limit = limit
        self._piece_cap = min(_PIECE_FACTOR * limit, _PIECE_MAX)
        self._date_time = now.timetuple()[:6]
        self._line = io.StringIO()
        self._writer = csv.writer(self._line)
        # Plain mode (None once zipping): every table so far, as its encoded lines (header first).
        self._plain: list[tuple[str, list[bytes]]] | None = []
        self._plain_bytes = 0
        # Zip mode: the table being written, its header, the lines not yet in a piece, its next part.
        self._table = ""
        self._header = b""
        self._lines: list[bytes] = []
        self._pending = 0
        self._part = 1
        self._archives: list[bytes] = []
        self._buffer: io.BytesIO | None = None
        self._zip: zipfile.ZipFile | None = None
        self._central = 0  # bytes the open archive's central directory will take
        self._tables = 0
        self._started: str | None = None

    # --- feeding ---------------------------------------------------------------------------

    def add(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        """Rows of `table` (maybe none); a new table name ends the previous table."""
        if table != self._started:
            self._end_table()
            self._start_table(table, columns)
            self._started = table
        self._add_rows(rows)

    def finish(self) -> ExportFiles:
        self._end_table()
        self._started = None
        if self._plain is not None:
            files = [(f"{table}.csv", b"".join(lines)) for table, lines in self._plain]
            batches = [files[i : i + MAX_FILES_PER_MESSAGE] for i in range(0, len(files), MAX_FILES_PER_MESSAGE)]
            return ExportFiles(messages=batches, zipped=False, tables=self._tables)
        self._close_archive()
        count = len(self._archives)
        messages = [[(_archive_name(i, count), data)] for i, data in enumerate(self._archives, start=1)]
        return ExportFiles(messages=messages, zipped=True, tables=self._tables)

    def _start_table(self, table: str, columns: Sequence[str]) -> None:
        self._tables += 1
        header = self._encode(columns)
        if self._plain is not None:
            self._plain.append((table, [header]))
            self._grow_plain(len(header))
        else:
            self._table, self._header, self._lines, self._pending, self._part = table, header, [], 0, 1

    def _add_rows(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            line = self._encode(row)
            if self._plain is not None:
                self._plain[-1][1].append(line)
                self._grow_plain(len(line))
            else:
                self._lines.append(line)
                self._pending += len(line)
                if self._pending >= self._piece_cap:
                    self._flush_piece()

    def _end_table(self) -> None:
        if self._started is not None and self._plain is None and (self._lines or self._part == 1):
            self._flush_piece()

    # --- plain CSVs while they fit one upload ----------------------------------------------

    def _grow_plain(self, size: int) -> None:
        assert self._plain is not None
        self._plain_bytes += size
        if self._plain_bytes <= self.limit:
            return
        # Too big for one upload as it is: zip every table so far and from now on.
        done, (table, lines) = self._plain[:-1], self._plain[-1]
        self._plain = None
        for name, table_lines in done:
            self._table, self._header, self._part = name, table_lines[0], 1
            self._write(table_lines[1:])
        self._table, self._header, self._part = table, lines[0], 1
        self._lines, self._pending = lines[1:], sum(len(line) for line in lines[1:])
        if self._pending >= self._piece_cap:
            self._flush_piece()

    # --- zip archives ----------------------------------------------------------------------

    def _flush_piece(self) -> None:
        lines, self._lines, self._pending = self._lines, [], 0
        self._write(lines)

    def _write(self, lines: list[bytes]) -> None:
        """One piece of the current table (header + `lines`) into an archive, halved until it fits one."""
        data = self._header + b"".join(lines)
        name = f"{self._table}.csv" if self._part == 1 else f"{self._table}-{self._part}.csv"
        name_bytes = len(name.encode("utf-8"))
        cost = _LOCAL_HEADER + _CENTRAL_HEADER + 2 * name_bytes + _deflated_size(data)
        if self._zip is not None and self._used() + cost <= self.limit:
            pass
        elif cost + _END <= self.limit:
            self._close_archive()
            self._open_archive()
        elif len(lines) > 1:
            half = len(lines) // 2
            self._write(lines[:half])
            self._write(lines[half:])
            return
        else:
            raise UserError(
                f"One row of {self._table} doesn't fit this server's upload limit ({number(self.limit)} bytes), "
                "so it can't be exported here."
            )
        assert self._zip is not None
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data, compresslevel=_LEVEL)
        self._central += _CENTRAL_HEADER + name_bytes
        self._part += 1

    def _used(self) -> int:
        assert self._buffer is not None
        return self._buffer.tell() + self._central + _END

    def _open_archive(self) -> None:
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL)
        self._central = 0

    def _close_archive(self) -> None:
        if self._zip is None or self._buffer is None:
            return
        self._zip.close()
        data = self._buffer.getvalue()
        if len(data) > self.limit:  # the sizes above are exact; this would be a bug, never a big upload
            raise RuntimeError(f"export archive of {len(data):,} bytes over the limit of {self.limit:,}")
        self._archives.append(data)
        self._zip, self._buffer = None, None

    def _encode(self, values: Sequence[object]) -> bytes:
        self._line.seek(0)
        self._line.truncate(0)
        self._writer.writerow(values)
        return self._line.getvalue().encode("utf-8")


def _archive_name(number: int, count: int) -> str:
    return "fitbet-export.zip" if count == 1 else f"fitbet-export-{number}-of-{count}.zip"


def _deflated_size(data: bytes) -> int:
    """What zipfile's deflate (raw stream, same level) makes of `data`."""
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return len(compressor.compress(data)) + len(compressor.flush())
