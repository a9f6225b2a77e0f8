"""The cache file: where it lives, its schema and migrations, opening it, and setting a broken one aside."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

import aiosqlite
import platformdirs

from goesvfi.integrity_check.cache.ownership import APPLICATION_ID, claim_cache_file

CACHE_ENV = "GOESVFI_CACHE_DIR"
CACHE_FILE = "cache.sqlite3"
SCHEMA_VERSION = 2

# Each entry upgrades the schema from the previous version; append, never edit, to change the schema.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE dir_index (
            path TEXT PRIMARY KEY, signature TEXT NOT NULL, racy INTEGER NOT NULL,
            scanned_at REAL NOT NULL, entries INTEGER NOT NULL, data BLOB NOT NULL)""",
        """CREATE TABLE scans (
            id INTEGER PRIMARY KEY, directory TEXT NOT NULL, satellite TEXT NOT NULL, sector TEXT NOT NULL,
            band INTEGER NOT NULL, start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,
            interval_minutes INTEGER NOT NULL, scanned_at REAL NOT NULL, expected INTEGER NOT NULL,
            present INTEGER NOT NULL, missing BLOB NOT NULL)""",
        "CREATE INDEX scans_key ON scans (directory, satellite, sector, band, start_us, end_us)",
        """CREATE TABLE listings (
            store TEXT NOT NULL, prefix TEXT NOT NULL, entries TEXT NOT NULL, listed_at REAL NOT NULL,
            PRIMARY KEY (store, prefix))""",
        """CREATE TABLE fetch_log (
            id INTEGER PRIMARY KEY, satellite TEXT NOT NULL, sector TEXT NOT NULL, band INTEGER NOT NULL,
            slot_us INTEGER NOT NULL, status TEXT NOT NULL, source TEXT, local_path TEXT, remote TEXT,
            error TEXT, logged_at REAL NOT NULL)""",
        "CREATE INDEX fetch_log_slot ON fetch_log (satellite, sector, band, slot_us)",
    ),
    (  # 2: frame integrity (scan/integrity.py): per directory at a signature, and per file with its identity
        """CREATE TABLE dir_checks (
            path TEXT PRIMARY KEY, signature TEXT NOT NULL, checked_at REAL NOT NULL, data BLOB NOT NULL)""",
        """CREATE TABLE frame_checks (
            dir TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL, level INTEGER NOT NULL, reason TEXT, look TEXT,
            checked_at REAL NOT NULL, verified_at REAL, PRIMARY KEY (dir, name))""",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION
OUR_TABLES = frozenset(re.findall(r"CREATE TABLE (\w+)", " ".join(s for step in MIGRATIONS for s in step)))
"""Every table any version of our schema made: an earlier version's cache (no application id yet) has no other."""

_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_UNREADABLE_CODES = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY}


class UnusableCacheError(Exception):
    """The file is not a cache this version can use (foreign tables, a newer schema)."""


def default_cache_path() -> Path:
    """``$GOESVFI_CACHE_DIR/cache.sqlite3``, else ``cache.sqlite3`` in the user's cache folder (no I/O)."""
    folder = os.environ.get(CACHE_ENV)
    base = Path(folder).expanduser() if folder else platformdirs.user_cache_path("goesvfi", appauthor=False)
    return base / CACHE_FILE


def is_busy(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def is_broken(exc: BaseException) -> bool:
    """Corrupt or unreadable: worth setting the file aside (never for a lock held by someone else)."""
    if isinstance(exc, UnusableCacheError | OSError):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _CORRUPT_CODES | _UNREADABLE_CODES


def set_aside(path: Path) -> Path | None:
    """Rename ``path`` (and its -wal/-shm files) to ``<name>.corrupt-<UTC time>``; None if it stayed."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        path.rename(target)
    except OSError:
        return None
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).rename(target.with_name(target.name + suffix))
    return target


async def connect(path: Path | None, busy_timeout: float) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the cache at ``path``; None: an in-memory cache.

    Only a file :func:`.ownership.claim_cache_file` accepts is opened (created 0600, marked with our
    ``application_id``); another file raises :class:`.ownership.RefusedCacheError` and is not touched.
    """
    if path is not None:  # our own regular file only (RefusedCacheError otherwise, the file untouched)
        await asyncio.to_thread(claim_cache_file, path, OUR_TABLES)
    pending = aiosqlite.connect(":memory:" if path is None else str(path), isolation_level=None, timeout=busy_timeout)
    # aiosqlite's worker thread is not a daemon: a CacheDB nobody closed would keep the interpreter from
    # exiting. SQLite survives the thread being stopped at exit (WAL), so let it be a daemon.
    worker = getattr(pending, "_thread", pending)
    if isinstance(worker, threading.Thread):
        worker.daemon = True
    conn = await pending
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await migrate(conn)
        marked = list(await conn.execute_fetchall("PRAGMA application_id"))
        if marked[0][0] != APPLICATION_ID:
            await conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    except BaseException:
        await conn.close()
        raise
    return conn


async def migrate(conn: aiosqlite.Connection) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`; UnusableCacheError for foreign or newer files."""
    tables = {row[0] for row in await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    if "schema_version" in tables:
        rows = list(await conn.execute_fetchall("SELECT version FROM schema_version"))
        version = int(rows[0][0]) if rows else 0
    elif tables:
        raise UnusableCacheError(f"not a GOES-VFI cache (tables: {', '.join(sorted(tables))})")
    else:
        version = 0
    if version > SCHEMA_VERSION:
        raise UnusableCacheError(f"written by a newer version (schema {version} > {SCHEMA_VERSION})")
    if version == SCHEMA_VERSION:
        return
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                await conn.execute(statement)
        await conn.execute("DELETE FROM schema_version")
        await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
