"""The SQLite cache (aiosqlite): the scan's directory index, scan results, remote listings, the fetch log.

``CacheDB()`` uses ``$GOESVFI_CACHE_DIR/cache.sqlite3``, else the user's cache folder. Constructing it does
no I/O: the database opens on first use, in WAL mode, and is migrated to :data:`SCHEMA_VERSION`. A corrupt,
unreadable or foreign file is renamed aside (``cache.sqlite3.corrupt-<UTC time>``) and rebuilt with a
warning; when no file can be created at all, an in-memory cache stands in. The connection belongs to the
event loop that opened it: used from another loop (one ``asyncio.run`` per call), it reopens there.
A ``CacheDB`` serves one event loop at a time. :meth:`CacheDB.close` releases the connection; a later
use opens it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from array import array
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import aiosqlite
import platformdirs

from .results import ScanResult, SlotResult, SlotStatus, Source
from .time_index import EPOCH, SatellitePattern, Sector, to_utc

log = logging.getLogger(__name__)

CACHE_ENV = "GOESVFI_CACHE_DIR"
CACHE_FILE = "cache.sqlite3"
SCHEMA_VERSION = 1
SCANS_KEPT = 5  # scan results kept per (folder, archive, range)

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
)
assert len(MIGRATIONS) == SCHEMA_VERSION

_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_UNREADABLE_CODES = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY}
_US = timedelta(microseconds=1)
T = TypeVar("T")


class CacheError(Exception):
    """The cache cannot serve a request right now (e.g. locked by another program); callers go on without it."""


class _Unusable(Exception):
    """The file is not a cache this version can use (foreign tables, a newer schema)."""


@dataclass(frozen=True, slots=True)
class DirRecord:
    """One directory of the scan's file index: its signature when read and its entries (an opaque blob)."""

    path: str
    signature: str
    racy: bool  # modified too recently to trust the signature: read it again next time
    entries: int
    data: bytes


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """A stored scan result."""

    directory: str
    satellite: SatellitePattern
    sector: Sector
    band: int
    start: datetime
    end: datetime
    interval_minutes: int
    scanned_at: datetime
    expected: int
    present: int
    missing: list[datetime]


def default_cache_path() -> Path:
    """``$GOESVFI_CACHE_DIR/cache.sqlite3``, else ``cache.sqlite3`` in the user's cache folder (no I/O)."""
    folder = os.environ.get(CACHE_ENV)
    base = Path(folder).expanduser() if folder else platformdirs.user_cache_path("goesvfi", appauthor=False)
    return base / CACHE_FILE


def to_us(dt: datetime) -> int:
    """Microseconds since the epoch (UTC; naive taken as UTC)."""
    return (to_utc(dt) - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _is_busy(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _is_broken(exc: BaseException) -> bool:
    """Corrupt or unreadable: worth setting the file aside (never for a lock held by someone else)."""
    if isinstance(exc, _Unusable | OSError):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _CORRUPT_CODES | _UNREADABLE_CODES


def _set_aside(path: Path) -> Path | None:
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


class CacheDB:
    """Async SQLite cache; see the module docstring. ``async with CacheDB(path) as db: ...``."""

    def __init__(self, path: str | Path | None = None, *, timeout: float = 5.0) -> None:
        # Reading the environment is not I/O; fixing the path here keeps it stable for this object's life.
        self._path = Path(path).expanduser() if path is not None else default_cache_path()
        self._timeout = timeout  # seconds to wait for a lock held by another connection
        self._conn: aiosqlite.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self.in_memory = False  # True while an in-memory stand-in serves (no file could be used)

    @property
    def path(self) -> Path:
        return self._path

    def __repr__(self) -> str:
        return f"CacheDB({str(self.path)!r})"

    async def __aenter__(self) -> CacheDB:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection (a later use reopens it)."""
        conn, self._conn, self._loop = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await conn.close()

    # ---- opening ----------------------------------------------------------------------------------

    def _op_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def _connection(self) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        if self._conn is not None and self._loop is not loop:
            await self.close()
        if self._conn is None:
            self._conn = await self._open()
            self._loop = loop
        return self._conn

    async def _open(self) -> aiosqlite.Connection:
        path = self.path
        self.in_memory = False
        try:
            return await self._connect(path)
        except (sqlite3.Error, OSError, _Unusable) as exc:
            if _is_busy(exc) or not _is_broken(exc):
                raise CacheError(f"the cache {path} cannot be used: {exc}") from exc
            aside = await asyncio.to_thread(_set_aside, path)
            where = f"it was moved to {aside.name}" if aside else "it could not be moved aside"
            log.warning("The cache %s is corrupt or unreadable (%s); %s and a new cache is built.", path, exc, where)
        try:
            return await self._connect(path)
        except (sqlite3.Error, OSError, _Unusable) as exc:
            log.warning("Cannot create the cache %s (%s); using a temporary in-memory cache.", path, exc)
        self.in_memory = True
        return await self._connect(None)

    async def _connect(self, path: Path | None) -> aiosqlite.Connection:
        if path is not None:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        pending = aiosqlite.connect(
            ":memory:" if path is None else str(path), isolation_level=None, timeout=self._timeout
        )
        # aiosqlite's worker thread is not a daemon: a CacheDB nobody closed would keep the interpreter from
        # exiting. SQLite survives the thread being stopped at exit (WAL), so let it be a daemon.
        worker = getattr(pending, "_thread", pending)
        if isinstance(worker, threading.Thread):
            worker.daemon = True
        conn = await pending
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await self._migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return conn

    @staticmethod
    async def _migrate(conn: aiosqlite.Connection) -> None:
        tables = {row[0] for row in await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        if "schema_version" in tables:
            rows = list(await conn.execute_fetchall("SELECT version FROM schema_version"))
            version = int(rows[0][0]) if rows else 0
        elif tables:
            raise _Unusable(f"not a GOES-VFI cache (tables: {', '.join(sorted(tables))})")
        else:
            version = 0
        if version > SCHEMA_VERSION:
            raise _Unusable(f"written by a newer version (schema {version} > {SCHEMA_VERSION})")
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

    async def _run(self, op: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run ``op`` on the connection; a corrupt file found on the way is set aside and ``op`` retried once."""
        async with self._op_lock():
            for attempt in range(2):
                conn = await self._connection()
                try:
                    return await op(conn)
                except sqlite3.Error as exc:
                    if attempt == 1 or not _is_broken(exc) or _is_busy(exc):
                        raise CacheError(f"cache error: {exc}") from exc
                    log.warning("The cache %s failed (%s); setting it aside and rebuilding it.", self.path, exc)
                    await self.close()
                    await asyncio.to_thread(_set_aside, self.path)
            raise AssertionError("unreachable")

    async def _transaction(self, conn: aiosqlite.Connection, work: Callable[[], Awaitable[None]]) -> None:
        """``work`` in one transaction: all of it or, after any error or a cancel, nothing."""
        await conn.execute("BEGIN IMMEDIATE")
        try:
            await work()
        except BaseException:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")

    # ---- the scan's directory index -----------------------------------------------------------------

    async def load_dirs(self, root: str) -> dict[str, DirRecord]:
        """The records of ``root`` and every directory below it."""
        sep = os.sep
        below_lo = root if root.endswith(sep) else root + sep
        below_hi = below_lo[:-1] + chr(ord(sep) + 1)

        async def op(conn: aiosqlite.Connection) -> dict[str, DirRecord]:
            rows = await conn.execute_fetchall(
                "SELECT path, signature, racy, entries, data FROM dir_index WHERE path = ? OR (path >= ? AND path < ?)",
                (root, below_lo, below_hi),
            )
            return {r[0]: DirRecord(r[0], r[1], bool(r[2]), r[3], bytes(r[4])) for r in rows}

        return await self._run(op)

    async def save_dirs(self, records: Sequence[DirRecord], removed: Sequence[str] = ()) -> None:
        """Store (replace) ``records`` and forget the directories in ``removed``, in one transaction."""
        if not records and not removed:
            return
        now = time.time()
        rows = [(r.path, r.signature, int(r.racy), now, r.entries, r.data) for r in records]

        async def op(conn: aiosqlite.Connection) -> None:
            async def work() -> None:
                await conn.executemany("INSERT OR REPLACE INTO dir_index VALUES (?, ?, ?, ?, ?, ?)", rows)
                await conn.executemany("DELETE FROM dir_index WHERE path = ?", [(p,) for p in removed])

            await self._transaction(conn, work)

        await self._run(op)

    # ---- scan results ---------------------------------------------------------------------------------

    async def record_scan(self, directory: str | Path, result: ScanResult) -> None:
        """Keep ``result``'s summary and missing slots (the latest few per folder, archive and range)."""
        key = (str(directory), result.satellite.value, result.sector.value, result.band)
        span = (to_us(result.start), to_us(result.end))
        missing = array("q", (to_us(t) for t in result.missing)).tobytes()
        present = len(result.expected) - len(result.missing)
        row = (*key, *span, result.interval_minutes, time.time(), len(result.expected), present, missing)

        async def op(conn: aiosqlite.Connection) -> None:
            async def work() -> None:
                await conn.execute(
                    "INSERT INTO scans (directory, satellite, sector, band, start_us, end_us, interval_minutes,"
                    " scanned_at, expected, present, missing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                await conn.execute(
                    "DELETE FROM scans WHERE directory = ? AND satellite = ? AND sector = ? AND band = ?"
                    " AND start_us = ? AND end_us = ? AND id NOT IN (SELECT id FROM scans WHERE directory = ?"
                    " AND satellite = ? AND sector = ? AND band = ? AND start_us = ? AND end_us = ?"
                    " ORDER BY id DESC LIMIT ?)",
                    (*key, *span, *key, *span, SCANS_KEPT),
                )

            await self._transaction(conn, work)

        await self._run(op)

    async def last_scan(
        self,
        directory: str | Path,
        satellite: SatellitePattern,
        sector: Sector,
        band: int,
        start: datetime,
        end: datetime,
    ) -> ScanRecord | None:
        """The latest stored scan of exactly this folder, archive and range."""
        params = (str(directory), satellite.value, sector.value, band, to_us(start), to_us(end))

        async def op(conn: aiosqlite.Connection) -> ScanRecord | None:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT interval_minutes, scanned_at, expected, present, missing FROM scans WHERE directory = ?"
                    " AND satellite = ? AND sector = ? AND band = ? AND start_us = ? AND end_us = ?"
                    " ORDER BY id DESC LIMIT 1",
                    params,
                )
            )
            if not rows:
                return None
            interval, scanned_at, expected, present, blob = rows[0]
            missing = array("q")
            missing.frombytes(bytes(blob))
            return ScanRecord(
                str(directory), satellite, sector, band, to_utc(start), to_utc(end), interval,
                from_us(int(scanned_at * 1_000_000)), expected, present, [from_us(us) for us in missing],
            )  # fmt: skip

        return await self._run(op)

    # ---- remote listings --------------------------------------------------------------------------------

    async def get_listing(self, store: str, prefix: str) -> list[tuple[str, int | None]] | None:
        """A stored listing of ``prefix`` in ``store`` (e.g. a bucket), or None if never stored."""

        async def op(conn: aiosqlite.Connection) -> list[tuple[str, int | None]] | None:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT entries FROM listings WHERE store = ? AND prefix = ?", (store, prefix)
                )
            )
            if not rows:
                return None
            return [(str(key), None if size is None else int(size)) for key, size in json.loads(rows[0][0])]

        return await self._run(op)

    async def put_listing(self, store: str, prefix: str, entries: Sequence[tuple[str, int | None]]) -> None:
        payload = json.dumps([[key, size] for key, size in entries])

        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT OR REPLACE INTO listings (store, prefix, entries, listed_at) VALUES (?, ?, ?, ?)",
                (store, prefix, payload, time.time()),
            )

        await self._run(op)

    # ---- fetch log ----------------------------------------------------------------------------------------

    async def log_fetch(self, result: SlotResult) -> None:
        await self.log_fetches([result])

    async def log_fetches(self, results: Sequence[SlotResult]) -> None:
        """Append one log entry per result, in one transaction."""
        now = time.time()
        rows = [
            (
                r.satellite.value,
                r.sector.value,
                r.band,
                to_us(r.timestamp),
                r.status.value,
                r.source.value if r.source else None,
                str(r.path) if r.path else None,
                r.remote,
                r.error,
                now,
            )
            for r in results
        ]
        if not rows:
            return

        async def op(conn: aiosqlite.Connection) -> None:
            async def work() -> None:
                await conn.executemany(
                    "INSERT INTO fetch_log (satellite, sector, band, slot_us, status, source, local_path, remote,"
                    " error, logged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

            await self._transaction(conn, work)

        await self._run(op)

    async def fetch_log(
        self, satellite: SatellitePattern, sector: Sector, band: int, start: datetime, end: datetime
    ) -> dict[datetime, SlotResult]:
        """The latest entry per slot time in [start, end)."""

        async def op(conn: aiosqlite.Connection) -> dict[datetime, SlotResult]:
            rows = await conn.execute_fetchall(
                "SELECT slot_us, status, source, local_path, remote, error FROM fetch_log WHERE satellite = ?"
                " AND sector = ? AND band = ? AND slot_us >= ? AND slot_us < ? ORDER BY id",
                (satellite.value, sector.value, band, to_us(start), to_us(end)),
            )
            out: dict[datetime, SlotResult] = {}
            for slot_us, status, source, local_path, remote, error in rows:
                ts = from_us(slot_us)
                out[ts] = SlotResult(
                    ts, satellite, sector, band, SlotStatus(status), Source(source) if source else None,
                    Path(local_path) if local_path else None, remote, error,
                )  # fmt: skip
            return out

        return await self._run(op)
