"""The SQLite cache (aiosqlite): the scan's directory index, scan results, remote listings, the fetch log.

``CacheDB()`` uses ``$GOESVFI_CACHE_DIR/cache.sqlite3``, else the user's cache folder. Constructing it does
no I/O: the database opens on first use, in WAL mode, and is migrated to :data:`SCHEMA_VERSION`. It opens only
a regular file it created (:mod:`.ownership`): a symlink, device, FIFO, another program's file or database is
refused with one warning line naming it, left untouched, and an in-memory cache stands in. A corrupt or
unreadable cache of ours is renamed aside (``cache.sqlite3.corrupt-<UTC time>``) and rebuilt with a warning;
when no file can be created at all, an in-memory cache stands in. The connection belongs to the
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
import time
from array import array
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import aiosqlite

from goesvfi.integrity_check.cache.ownership import RefusedCacheError
from goesvfi.integrity_check.cache.schema import (
    CACHE_ENV,
    CACHE_FILE,
    SCHEMA_VERSION,
    UnusableCacheError,
    connect,
    default_cache_path,
    is_broken,
    is_busy,
    set_aside,
)
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import ScanResult, SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import EPOCH, to_utc

log = logging.getLogger(__name__)
__all__ = [
    "CACHE_ENV",
    "CACHE_FILE",
    "SCANS_KEPT",
    "SCHEMA_VERSION",
    "CacheDB",
    "CacheError",
    "DirRecord",
    "ScanRecord",
    "default_cache_path",
    "from_us",
    "to_us",
]

SCANS_KEPT = 5  # scan results kept per (folder, archive, range)
_US = timedelta(microseconds=1)
T = TypeVar("T")


class CacheError(Exception):
    """The cache cannot serve a request right now (e.g. locked by another program); callers go on without it."""


@dataclass(frozen=True, slots=True)
class DirRecord:
    """One directory of the scan's file index: its signature when read and its entries (an opaque blob)."""

    path: str
    signature: str
    racy: bool  # modified too recently to trust the signature: read it again next time
    entries: int
    data: bytes


FrameRecord = tuple[str, str, int, int, int, int, "str | None", "str | None", float, "float | None"]
"""A per-file verdict to store: directory, name, size, mtime_ns, inode, level, reason, look, checked_at,
verified_at (see :class:`FrameRow`)."""


@dataclass(frozen=True, slots=True)
class FrameRow:
    """One file's integrity verdict and the identity it was given for (see ``scan/integrity.py``)."""

    size: int
    mtime_ns: int
    inode: int
    level: int  # 1 structurally whole, 2 verified whole (decoded), 3 damaged
    reason: str | None  # why it is damaged
    look: str | None  # the frame's look (``Look.key``), images only
    checked_at: float
    verified_at: float | None


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """A stored scan result."""

    directory: str
    query: ArchiveQuery  # with the interval the scan used
    scanned_at: datetime
    expected: int
    present: int
    missing: list[datetime]


def to_us(dt: datetime) -> int:
    """Microseconds since the epoch (UTC; naive taken as UTC)."""
    return (to_utc(dt) - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


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
        self.refused: str | None = None  # why the file was refused (not ours to open), if it was

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
        self.refused = None
        try:
            return await connect(path, self._timeout)
        except RefusedCacheError as exc:
            log.warning("%s; using a temporary in-memory cache.", exc)
            self.refused = str(exc)
            self.in_memory = True
            return await connect(None, self._timeout)
        except (sqlite3.Error, OSError, UnusableCacheError) as exc:
            if is_busy(exc) or not is_broken(exc):
                raise CacheError(f"the cache {path} cannot be used: {exc}") from exc
            aside = await asyncio.to_thread(set_aside, path)
            where = f"it was moved to {aside.name}" if aside else "it could not be moved aside"
            log.warning("The cache %s is corrupt or unreadable (%s); %s and a new cache is built.", path, exc, where)
        try:
            return await connect(path, self._timeout)
        except (sqlite3.Error, OSError, UnusableCacheError, RefusedCacheError) as exc:
            log.warning("Cannot create the cache %s (%s); using a temporary in-memory cache.", path, exc)
        self.in_memory = True
        return await connect(None, self._timeout)

    async def _run(self, op: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run ``op`` on the connection; a corrupt file found on the way is set aside and ``op`` retried once."""
        async with self._op_lock():
            for attempt in range(2):
                conn = await self._connection()
                try:
                    return await op(conn)
                except sqlite3.Error as exc:
                    if attempt == 1 or not is_broken(exc) or is_busy(exc):
                        raise CacheError(f"cache error: {exc}") from exc
                    log.warning("The cache %s failed (%s); setting it aside and rebuilding it.", self.path, exc)
                    await self.close()
                    await asyncio.to_thread(set_aside, self.path)
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
        # Below a root that is not UTF-8 every path is stored as bytes: the text range then matches nothing.
        text_bounds = (below_lo, below_hi) if isinstance(path_key(below_lo), str) else ("", "")

        async def op(conn: aiosqlite.Connection) -> dict[str, DirRecord]:
            rows = await conn.execute_fetchall(
                "SELECT path, signature, racy, entries, data FROM dir_index WHERE path = ? OR (path >= ? AND path < ?)"
                " OR (path >= ? AND path < ?)",  # paths that are not UTF-8 are stored as bytes (see path_key)
                (path_key(root), *text_bounds, os.fsencode(below_lo), os.fsencode(below_hi)),
            )
            records = (DirRecord(path_text(r[0]), r[1], bool(r[2]), r[3], bytes(r[4])) for r in rows)
            return {r.path: r for r in records if r.path == root or r.path.startswith(below_lo)}

        return await self._run(op)

    async def save_dirs(self, records: Sequence[DirRecord], removed: Sequence[str] = ()) -> None:
        """Store (replace) ``records`` and forget the directories in ``removed``, in one transaction."""
        if not records and not removed:
            return
        now = time.time()
        rows = [(path_key(r.path), r.signature, int(r.racy), now, r.entries, r.data) for r in records]

        async def op(conn: aiosqlite.Connection) -> None:
            async def work() -> None:
                await conn.executemany("INSERT OR REPLACE INTO dir_index VALUES (?, ?, ?, ?, ?, ?)", rows)
                await conn.executemany("DELETE FROM dir_index WHERE path = ?", [(path_key(p),) for p in removed])

            await self._transaction(conn, work)

        await self._run(op)

    # ---- scan results ---------------------------------------------------------------------------------

    async def record_scan(self, directory: str | Path, result: ScanResult) -> None:
        """Keep ``result``'s summary and missing slots (the latest few per folder, archive and range)."""
        key = (path_key(str(directory)), result.satellite.value, result.sector.value, result.band)
        span = (to_us(result.start), to_us(result.end))
        missing = array("q", (to_us(t) for t in result.missing)).tobytes()
        present = result.present_count
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

    async def last_scan(self, directory: str | Path, query: ArchiveQuery) -> ScanRecord | None:
        """The latest stored scan of exactly this folder, archive and range (any interval)."""
        q = query
        params = (path_key(str(directory)), q.satellite.value, q.sector.value, q.band, to_us(q.start), to_us(q.end))

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
                str(directory),
                query.with_interval(interval),
                from_us(int(scanned_at * 1_000_000)),
                expected,
                present,
                [from_us(us) for us in missing],
            )

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
                path_key(str(r.path)) if r.path else None,
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

    async def fetch_log(self, query: ArchiveQuery) -> dict[datetime, SlotResult]:
        """The latest entry per slot time of ``query``'s archive in its [start, end)."""
        satellite, sector, band, start, end = query.satellite, query.sector, query.band, query.start, query.end

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
                    ts,
                    satellite,
                    sector,
                    band,
                    SlotStatus(status),
                    Source(source) if source else None,
                    Path(path_text(local_path)) if local_path else None,
                    remote,
                    error,
                )
            return out

        return await self._run(op)

    # ---- frame integrity (scan/integrity.py) ------------------------------------------------------------

    async def load_dir_checks(self, dirs: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        """Per directory: (the signature its verdicts were recorded at, the verdicts blob)."""
        keys = [(path_key(d),) for d in dirs]

        async def op(conn: aiosqlite.Connection) -> dict[str, tuple[str, bytes]]:
            out: dict[str, tuple[str, bytes]] = {}
            for key in keys:
                async with conn.execute("SELECT signature, data FROM dir_checks WHERE path = ?", key) as cursor:
                    row = await cursor.fetchone()
                if row is not None:
                    out[path_text(key[0])] = (row[0], bytes(row[1]))
            return out

        return await self._run(op)

    async def load_frame_checks(self, directory: str) -> dict[str, FrameRow]:
        """The per-file verdicts recorded in ``directory``, by file name."""
        key = path_key(directory)

        async def op(conn: aiosqlite.Connection) -> dict[str, FrameRow]:
            rows = await conn.execute_fetchall(
                "SELECT name, size, mtime_ns, inode, level, reason, look, checked_at, verified_at"
                " FROM frame_checks WHERE dir = ?",
                (key,),
            )
            return {path_text(r[0]): FrameRow(*r[1:]) for r in rows}

        return await self._run(op)

    async def save_checks(self, dir_rows: Sequence[tuple[str, str, bytes]], frame_rows: Sequence[FrameRecord]) -> None:
        """Store per-directory blobs ``(path, signature, data)`` and per-file records (``FrameRecord``)."""
        now = time.time()
        dirs = [(path_key(p), sig, now, data) for p, sig, data in dir_rows]
        keys: dict[str, str | bytes] = {}
        frames = [
            (keys.get(d) or keys.setdefault(d, path_key(d)), n if n.isascii() else path_key(n), *rest)
            for d, n, *rest in frame_rows
        ]

        async def op(conn: aiosqlite.Connection) -> None:
            async def work() -> None:
                await conn.executemany("INSERT OR REPLACE INTO dir_checks VALUES (?, ?, ?, ?)", dirs)
                await conn.executemany("INSERT OR REPLACE INTO frame_checks VALUES (?,?,?,?,?,?,?,?,?,?)", frames)

            await self._transaction(conn, work)

        await self._run(op)


def path_key(path: str) -> str | bytes:
    """How a path is stored: as text when it is valid UTF-8, else losslessly as its bytes (a folder named
    ``sub\xe9`` on a Latin-1 disk arrives as a str with surrogate escapes, which SQLite text cannot hold)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path)
    return path


def path_text(value: str | bytes) -> str:
    """The path :func:`path_key` stored (bytes back through the file system encoding, surrogates and all)."""
    return os.fsdecode(value) if isinstance(value, bytes) else value
