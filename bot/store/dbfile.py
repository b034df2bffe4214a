"""Is this path fitbet's database? Checked before the first write, so nothing else is ever changed.

fitbet stamps its databases with `PRAGMA application_id` (the bytes "fbet"). A path is usable when
its folder can be written, and the file is missing, empty, stamped by fitbet, or an older fitbet
database (a `schema_migrations` table of fitbet's shape, from before the stamp). Everything else is
refused with one line saying why and what to do; the file is only ever opened read-only here.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

APPLICATION_ID = int.from_bytes(b"fbet", "big")  # PRAGMA application_id of every fitbet database

_SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseFileError(Exception):
    """The database path can't be used; the message is one line (without the path's setting name)."""


class DamagedDatabaseError(DatabaseFileError):
    """fitbet's database is there but damaged: restore a backup."""


def check(path: Path) -> bool:
    """Raise DatabaseFileError unless `path` is fitbet's to use; True when it still needs the stamp."""
    try:
        _check_location(path)
        if _is_new(path):
            return True
        _check_header(path)
        return _inspect(path)
    except PermissionError as exc:
        raise DatabaseFileError(f"{_who()} may not access {exc.filename or path} ({exc.strerror})") from None


def answers(path: Path) -> int:
    """How many migrations fitbet's database at `path` has applied, asked read-only (nothing is created
    or written: `python -m bot health` runs beside the bot). Raises DatabaseFileError when it does not
    answer: missing, unreadable, not SQLite, not fitbet's, locked for longer than a few seconds, damaged."""
    try:
        if path.is_dir():
            raise DatabaseFileError("it is a folder, not fitbet's database")
        if not path.exists():
            raise DatabaseFileError("there is no database there (the bot creates it when it starts)")
        _check_header(path)
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=5)
    except PermissionError as exc:
        raise DatabaseFileError(f"{_who()} may not read {exc.filename or path} ({exc.strerror})") from None
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"SQLite can't open it ({exc})") from None
    try:
        if int(conn.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
            raise DatabaseFileError("it is not fitbet's database (no fitbet application_id)")
        return int(conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0])
    except sqlite3.Error as exc:
        raise refusal(exc) from None
    finally:
        conn.close()


def _who() -> str:
    if not hasattr(os, "geteuid"):  # pragma: no cover - not POSIX
        return "the bot's user"
    uid = os.geteuid()
    try:
        import pwd

        return f"user id {uid} ({pwd.getpwuid(uid).pw_name})"
    except (ImportError, KeyError):
        return f"user id {uid}"


def _check_location(path: Path) -> None:
    if path.is_dir():
        raise DatabaseFileError(f"it is a folder; point it at a file in it, such as {path / 'fitbet.db'}")
    folder = path.parent
    if not folder.is_dir():
        existing = next((p for p in folder.parents if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise DatabaseFileError(f"the folder {folder} can't be created: {existing} is a file")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except PermissionError:
            raise DatabaseFileError(
                f"the folder {folder} can't be created: {_who()} needs write access to the folder"
                f" {existing or folder.parent}"
            ) from None
        except OSError as exc:
            raise DatabaseFileError(f"the folder {folder} can't be created ({exc.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        # SQLite creates its -wal and -shm files beside the database.
        raise DatabaseFileError(
            f"{_who()} needs write access to the folder {folder} (the database and its -wal and -shm files live there)"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseFileError(f"the file is not readable and writable by {_who()}; give that user access to it")


def _is_new(path: Path) -> bool:
    """No file, or a 0-byte file with nothing in its write-ahead log."""
    if not path.exists():
        return True
    return path.stat().st_size == 0 and not _wal_has_data(path)


def _wal_has_data(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def _check_header(path: Path) -> None:
    size = path.stat().st_size
    with path.open("rb") as file:
        header = file.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        raise DatabaseFileError(
            "the file is not a SQLite database; point the setting at fitbet's database, or at a new file"
        )
    if len(header) < 100:
        raise DamagedDatabaseError(f"the database is cut short ({size} bytes); restore it from a backup")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid when "version-valid-for" matches the change counter (SQLite's file format).
    counted = pages > 0 and header[92:96] == header[24:28]
    # Pages not yet copied back from the write-ahead log may legitimately be missing.
    if counted and size < pages * page_size and not _wal_has_data(path):
        raise DamagedDatabaseError(
            f"the database is cut short ({size} of {pages * page_size} bytes); restore it from a backup"
            " (python -m bot backup makes one)"
        )


def _inspect(path: Path) -> bool:
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"SQLite can't open it ({exc})") from None
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        if app_id == APPLICATION_ID:
            return False
        if app_id == 0 and (not tables or _is_unstamped_fitbet(conn, tables)):
            return True
    except sqlite3.DatabaseError as exc:
        raise refusal(exc) from None
    finally:
        conn.close()
    owner = f"application_id {app_id:#x}" if app_id else "tables " + ", ".join(tables[:6])
    more = ", …" if not app_id and len(tables) > 6 else ""
    raise DatabaseFileError(
        f"it is another application's SQLite database ({owner}{more}), left unchanged; point the setting"
        " at fitbet's database, or at a new file"
    )


def refusal(exc: sqlite3.Error) -> DatabaseFileError:
    """What an error of SQLite's on a file that looks like fitbet's database means for whoever runs it."""
    if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseFileError(f"another program holds a lock on it ({exc}); stop that program and start again")
    return DamagedDatabaseError(f"the database is damaged ({exc}); restore it from a backup")


def _is_unstamped_fitbet(conn: sqlite3.Connection, tables: list[str]) -> bool:
    """A fitbet database from before the stamp: its `schema_migrations` lists fitbet-style files."""
    if "schema_migrations" not in tables:
        return False
    columns = {row[1] for row in conn.execute("PRAGMA table_info(schema_migrations)")}
    if columns != {"version", "name", "applied_at"}:
        return False
    for version, name in conn.execute("SELECT version, name FROM schema_migrations"):
        match = MIGRATION_NAME.match(str(name))
        if match is None or int(match.group(1)) != version:
            return False
    return True
