"""CacheDB on real SQLite files: lazy open, WAL, schema version, set-aside of broken files, loops, every table."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cache.db import (
    SCANS_KEPT,
    SCHEMA_VERSION,
    CacheDB,
    CacheError,
    DirRecord,
)
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import ScanResult, SlotResult, SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern, Sector

G18, CONUS = SatellitePattern.GOES_18, Sector.CONUS
T0 = datetime(2023, 5, 1, tzinfo=UTC)


def asides(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".corrupt-*"))


def test_constructor_does_no_io(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "cache.sqlite3"
    db = CacheDB(path)
    assert db.path == path and not (tmp_path / "not").exists()

    async def use() -> None:
        async with db:
            assert await db.get_listing("b", "p/") is None

    asyncio.run(use())
    assert path.is_file()


def test_default_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(tmp_path / "env"))
    assert CacheDB().path == tmp_path / "env" / "cache.sqlite3"
    monkeypatch.delenv("GOESVFI_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert CacheDB().path == tmp_path / "xdg" / "goesvfi" / "cache.sqlite3"
    assert not (tmp_path / "xdg").exists()


async def test_wal_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    async with CacheDB(path) as db:
        await db.put_listing("noaa-goes18", "ABI-L1b-RadC/2023/121/00/", [("k", 1)])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    async with CacheDB(path) as db:  # reopened, not rebuilt
        assert await db.get_listing("noaa-goes18", "ABI-L1b-RadC/2023/121/00/") == [("k", 1)]
    assert asides(path) == []


async def test_an_existing_cache_file_others_can_read_is_tightened(tmp_path: Path) -> None:
    """docs/limits.md: the cache file is created 0600 and an existing one readable by others is tightened;
    its contents are kept (SQLite's -wal / -shm files follow the database's mode)."""
    path = tmp_path / "c.sqlite3"
    async with CacheDB(path) as db:
        await db.put_listing("noaa-goes18", "ABI-L1b-RadC/2023/121/00/", [("k", 1)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # as an older version, a copy or a umask of 022 would leave it
    async with CacheDB(path) as db:
        assert await db.get_listing("noaa-goes18", "ABI-L1b-RadC/2023/121/00/") == [("k", 1)]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert open_to_others(tmp_path) == []


def open_to_others(folder: Path) -> list[str]:
    """The cache files (database, -wal, -shm) in ``folder`` that others could read or write."""
    return [p.name for p in folder.glob("c.sqlite3*") if stat.S_IMODE(p.stat().st_mode) & 0o077]


async def test_listings(tmp_path: Path) -> None:
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        assert await db.get_listing("noaa-goes18", "A/") is None
        await db.put_listing("noaa-goes18", "A/", [("A/x.nc", 123), ("A/y.nc", None)])
        await db.put_listing("noaa-goes19", "A/", [])
        assert await db.get_listing("noaa-goes18", "A/") == [("A/x.nc", 123), ("A/y.nc", None)]
        assert await db.get_listing("noaa-goes19", "A/") == []
        await db.put_listing("noaa-goes18", "A/", [("A/z.nc", 5)])
        assert await db.get_listing("noaa-goes18", "A/") == [("A/z.nc", 5)]


def slot(minute: int, status: SlotStatus, **kw: object) -> SlotResult:
    return SlotResult(T0 + timedelta(minutes=minute), G18, CONUS, 13, status, **kw)  # type: ignore[arg-type]


async def test_fetch_log_latest_entry_per_slot_in_half_open_range(tmp_path: Path) -> None:
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        await db.log_fetch(slot(1, SlotStatus.FAILED, source=Source.CDN, remote="u1", error="HTTP 503"))
        await db.log_fetches(
            [
                slot(1, SlotStatus.FETCHED, source=Source.S3, path=Path("/f/a.png"), remote="k1"),
                slot(6, SlotStatus.FAILED, source=Source.S3, error="not in the archive"),
                slot(60, SlotStatus.FETCHED, source=Source.CDN),  # at the end: outside [start, end)
            ]
        )
        await db.log_fetch(SlotResult(T0 + timedelta(minutes=11), G18, CONUS, 7, SlotStatus.FETCHED))  # band 7
        await db.log_fetch(SlotResult(T0.replace(tzinfo=None) + timedelta(minutes=16), G18, CONUS, 13))  # naive
        log = await db.fetch_log(ArchiveQuery(G18, T0, T0 + timedelta(minutes=60), CONUS, 13))
    assert sorted(log) == [T0 + timedelta(minutes=m) for m in (1, 6, 16)]
    first = log[T0 + timedelta(minutes=1)]
    assert (first.status, first.source, first.path, first.remote, first.error) == (
        SlotStatus.FETCHED,
        Source.S3,
        Path("/f/a.png"),
        "k1",
        None,
    )
    assert log[T0 + timedelta(minutes=6)].error == "not in the archive"
    assert log[T0 + timedelta(minutes=16)].status is SlotStatus.MISSING
    assert all(r.timestamp.tzinfo is UTC for r in log.values())


async def test_dir_records(tmp_path: Path) -> None:
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        records = [DirRecord(p, f"sig-{p}", False, 3, p.encode()) for p in ("/a/b", "/a/b/c", "/a/bc", "/a")]
        await db.save_dirs(records)
        loaded = await db.load_dirs("/a/b")
        assert sorted(loaded) == ["/a/b", "/a/b/c"]  # not /a/bc, not /a
        assert loaded["/a/b/c"] == records[1]
        await db.save_dirs([DirRecord("/a/b", "new", True, 0, b"")], removed=["/a/b/c"])
        loaded = await db.load_dirs("/a/b")
        assert list(loaded) == ["/a/b"] and loaded["/a/b"].racy and loaded["/a/b"].signature == "new"
        assert sorted(await db.load_dirs("/")) == ["/a", "/a/b", "/a/bc"]


async def test_scan_records_keep_the_latest(tmp_path: Path) -> None:
    expected = [T0 + timedelta(minutes=5 * i + 1) for i in range(12)]

    def result(missing: list[datetime]) -> ScanResult:
        existing = {t: Path(f"/f/{t:%H%M}.png") for t in expected if t not in missing}
        return ScanResult(ArchiveQuery(G18, T0, T0 + timedelta(hours=1), CONUS, 13, 5), expected, existing, missing)

    async with CacheDB(tmp_path / "c.sqlite3") as db:
        assert await db.last_scan("/f", ArchiveQuery(G18, T0, T0 + timedelta(hours=1), CONUS, 13)) is None
        for n in range(SCANS_KEPT + 2):
            await db.record_scan("/f", result(expected[:n]))
        last = await db.last_scan("/f", ArchiveQuery(G18, T0, T0 + timedelta(hours=1), CONUS, 13))
        assert last is not None
        assert (last.expected, last.present, last.missing) == (12, 12 - SCANS_KEPT - 1, expected[: SCANS_KEPT + 1])
        assert await db.last_scan("/f", ArchiveQuery(G18, T0, T0 + timedelta(hours=1), CONUS, 7)) is None
    with sqlite3.connect(tmp_path / "c.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM scans").fetchone()[0] == SCANS_KEPT


@pytest.mark.parametrize("damage", ["garbage", "newer"])
async def test_a_broken_cache_of_ours_is_set_aside_and_rebuilt(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Ours: our application id in the header (bytes 68-71, "GVFI"), or an earlier version's schema_version table.

    (Files that are not provably ours are refused and left alone: tests/test_cache_refusal.py.)
    """
    path = tmp_path / "cache.sqlite3"
    if damage == "garbage":  # our header, then garbage
        path.write_bytes(b"SQLite format 3\0" + b"\xff" * 52 + b"GVFI" + b"this is not a database" * 100)
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE schema_version (version INTEGER)")
            conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION + 1,))
        conn.close()
    with caplog.at_level(logging.WARNING):
        async with CacheDB(path) as db:
            await db.put_listing("s", "p", [("k", None)])
            assert await db.get_listing("s", "p") == [("k", None)]
    assert path.is_file() and len(asides(path)) == 1
    assert "set" in caplog.text or "moved" in caplog.text
    if damage == "garbage":
        assert asides(path)[0].read_bytes().endswith(b"this is not a database")


async def test_damage_found_later_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    async with CacheDB(path) as db:
        await db.put_listing("s", "p", [("k", 1)])
    path.write_bytes(b"\0" * 50 + path.read_bytes()[50:])  # the header is gone
    async with CacheDB(path) as db:
        assert await db.get_listing("s", "p") is None
    assert len(asides(path)) == 1


async def test_unusable_folder_falls_back_to_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING):
        async with CacheDB(blocker / "cache.sqlite3") as db:
            await db.put_listing("s", "p", [("k", 2)])
            assert await db.get_listing("s", "p") == [("k", 2)]
            assert db.in_memory
    assert "in-memory" in caplog.text


async def test_a_lock_held_elsewhere_is_a_cache_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    async with CacheDB(path) as db:
        await db.put_listing("s", "p", [])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        async with CacheDB(path, timeout=0.2) as db:
            with pytest.raises(CacheError):
                await db.put_listing("s", "q", [])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert asides(path) == []  # a busy cache is not a broken one


def test_usable_from_one_loop_after_another(tmp_path: Path) -> None:
    db = CacheDB(tmp_path / "c.sqlite3")

    async def put(n: int) -> None:
        await db.put_listing("s", str(n), [(str(n), n)])

    async def get(n: int) -> list[tuple[str, int | None]] | None:
        return await db.get_listing("s", str(n))

    for n in range(3):
        asyncio.run(put(n))  # a new event loop each time; the connection is left open on purpose
    assert [asyncio.run(get(n)) for n in range(3)] == [[("0", 0)], [("1", 1)], [("2", 2)]]
    asyncio.run(db.close())


async def test_concurrent_users_on_one_loop(tmp_path: Path) -> None:
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        results = [slot(i, SlotStatus.FETCHED) for i in range(20)]
        await asyncio.gather(*(db.log_fetches(results[i : i + 5]) for i in range(0, 20, 5)))
        await asyncio.gather(*(db.put_listing("s", str(i), [("k", i)]) for i in range(10)))
        log = await db.fetch_log(ArchiveQuery(G18, T0, T0 + timedelta(hours=1), CONUS, 13))
        assert len(log) == 20
        assert [await db.get_listing("s", str(i)) for i in range(10)] == [[("k", i)] for i in range(10)]


async def test_log_fetches_is_all_or_nothing(tmp_path: Path) -> None:
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        good = slot(1, SlotStatus.FETCHED)
        bad = SlotResult(T0 + timedelta(minutes=6), G18, CONUS, None, SlotStatus.FAILED)  # type: ignore[arg-type]
        with pytest.raises(CacheError):
            await db.log_fetches([good, bad])  # the second row breaks a NOT NULL constraint
        assert await db.fetch_log(ArchiveQuery(G18, T0, T0 + timedelta(hours=1), CONUS, 13)) == {}
        await db.log_fetches([good])  # the connection is usable again: no transaction left open
        assert list(await db.fetch_log(ArchiveQuery(G18, T0, T0 + timedelta(hours=1), CONUS, 13))) == [
            T0 + timedelta(minutes=1)
        ]


def test_a_cache_nobody_closed_does_not_hold_the_interpreter(tmp_path: Path) -> None:
    code = (
        "import asyncio, sys\n"
        "from goesvfi.integrity_check.cache.db import CacheDB\n"
        "db = CacheDB(sys.argv[1])\n"
        "asyncio.run(db.put_listing('s', 'p', [('k', 1)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.sqlite3")], timeout=30, capture_output=True)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "c.sqlite3") as conn:
        assert conn.execute("SELECT entries FROM listings").fetchall() == [('[["k", 1]]',)]
