"""ReconcileManager behaviour against the emulator: cancel and resume, the disk guard, hostile listings,
retired satellites, duplicate work, progress, the fetch log and the CSV."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.fetch.disk_guard import MB, DiskSpaceError
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.remote.base import ByteProgress, RemoteItem, RemoteStore
from goesvfi.integrity_check.report import merge_fetch_log, write_csv
from goesvfi.integrity_check.results import Progress, SlotStatus, Source, Stage
from goesvfi.integrity_check.runtime import run_blocking
from goesvfi.integrity_check.time_index import SatellitePattern
from tests.emulator_fixtures import EMULATOR_END, EMULATOR_START
from tests.fetch_support import canonical, files_matching, frame_names, leftovers, manager_for, png_size
from tests.scan_support import write_frame

G18 = SatellitePattern.GOES_18
Factory = Callable[..., NoaaEmulator]
OLD = EMULATOR_END + timedelta(days=30)  # a clock at which the emulator's range is S3-only


def minute(m: int) -> datetime:
    return EMULATOR_START + timedelta(minutes=m)


# ---- cancel and resume ------------------------------------------------------------------------------


@pytest.mark.slow
async def test_cancel_after_the_first_frame_then_resume_fills_the_rest(
    noaa_emulator_factory: Factory, folder: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    cache = folder.parent / "cache.sqlite"
    first_done = asyncio.Event()

    def progress(p: Progress) -> None:
        if p.stage is Stage.FETCH and p.done >= 1:
            first_done.set()

    async with manager_for(emu, folder, OLD, cache, concurrency=3) as manager:
        scan = await manager.scan(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END))
        task = asyncio.create_task(manager.fetch_missing(scan, progress_callback=progress))
        await first_done.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    written = frame_names(folder)
    assert 1 <= len(written) < 24
    assert leftovers(folder.parent) == []  # no temp file of the cancelled downloads and renders
    for name in written:
        assert png_size(folder / name) == (100, 60)  # every frame under a final name is complete

    gets = emu.s3.request_count("GET", "/noaa-goes18/ABI-L1b-RadC/*")
    async with manager_for(emu, folder, OLD, cache, concurrency=3) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END))
        rescan = await manager.scan(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END), force_rescan=True)
    assert report.existing == len(written)
    assert report.fetched == 24 - len(written)
    assert emu.s3.request_count("GET", "/noaa-goes18/ABI-L1b-RadC/*") - gets == 24 - len(written)  # no refetch
    assert rescan.missing == []
    assert frame_names(folder) == {canonical(emu, s) for s in emu.expected}
    assert leftovers(folder.parent) == []


# ---- disk guard -------------------------------------------------------------------------------------

THRESHOLD = 100 * MB
FRAME_COST = 10 * MB  # what each written frame takes on the pretend disk (more than any estimate here)


def filling_disk(folder: Path, room_for: float) -> Callable[[Path], int]:
    """Free space that starts ``room_for`` frames above the threshold and shrinks with every frame written."""

    def disk_free(_path: Path) -> int:
        written = sum(1 for p in folder.iterdir() if p.suffix == ".png" and not p.name.startswith("."))
        return int(THRESHOLD + (room_for - written) * FRAME_COST)

    return disk_free


def guarded_manager(emu: NoaaEmulator, folder: Path, cache: CacheDB, room_for: float) -> ReconcileManager:
    settings = emu.settings(cdn_size=(416, 250), disk_threshold=THRESHOLD, concurrency=1)
    return ReconcileManager(cache, folder, settings=settings, now=lambda: OLD, disk_free=filling_disk(folder, room_for))


@pytest.mark.slow
async def test_disk_guard_stops_before_the_disk_fills(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    async with CacheDB(folder.parent / "cache.sqlite") as cache:
        manager = guarded_manager(emu, folder, cache, room_for=2.5)
        async with manager:
            report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END))
            with pytest.raises(DiskSpaceError) as raised:  # the seed's call raises what the report carries
                await manager.reconcile(folder, G18, EMULATOR_START, EMULATOR_END)
    # A NetCDF this small is estimated at ~4 MB. Free above the threshold before each download: 25, 15, 5 MB
    # (fits), then -5 MB: the 4th is not started and the guard reports the 95 MB left.
    assert report.fetched == 3
    assert frame_names(folder) == {canonical(emu, minute(m)) for m in (1, 6, 11)}
    message = f"Stopped: only 95 MB free on {folder} (threshold 100 MB)"
    assert str(report.stopped) == message
    not_fetched = [s for s in report.slots if s.status is SlotStatus.MISSING]
    assert len(not_fetched) == 21 and all(s.error == message for s in not_fetched)
    assert report.failed == []
    assert "Stopped: only" in str(raised.value) and raised.value.report is not None
    assert leftovers(folder.parent) == []


async def test_disk_guard_checks_before_starting(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory()
    async with CacheDB(folder.parent / "cache.sqlite") as cache:
        manager = guarded_manager(emu, folder, cache, room_for=-0.5)
        async with manager:
            report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END))
    assert str(report.stopped) == f"Stopped: only 95 MB free on {folder} (threshold 100 MB)"
    assert report.fetched == 0 and frame_names(folder) == set()
    assert emu.s3.request_count("GET") == 0 and emu.cdn.request_count() == 0  # not even a listing


# ---- hostile listings -------------------------------------------------------------------------------


class LyingStore:
    """A real store whose listing names are replaced by hostile ones (what a compromised mirror could send)."""

    def __init__(self, inner: RemoteStore, names: Sequence[str]) -> None:
        self.inner, self.names, self.source = inner, list(names), inner.source

    async def find(self, *args: object) -> dict[datetime, RemoteItem]:
        found = await self.inner.find(*args)  # type: ignore[arg-type]
        return {
            slot: RemoteItem(item.slot, item.start, self.names[i % len(self.names)], item.location, item.source)
            for i, (slot, item) in enumerate(sorted(found.items()))
        }

    async def download(self, item: RemoteItem, dest: Path, progress: ByteProgress | None = None) -> None:
        await self.inner.download(item, dest, progress)

    async def close(self) -> None:
        await self.inner.close()


@pytest.mark.slow
async def test_hostile_names_cannot_write_outside_the_folder(noaa_emulator_factory: Factory, tmp_path: Path) -> None:
    from goesvfi.integrity_check.remote.s3_store import S3Store

    emu = noaa_emulator_factory(missing_fraction=0.0, hostile_slots=[minute(6)])
    folder = tmp_path / "a" / "b" / "frames"
    folder.mkdir(parents=True)
    hostile = ["../../../escape.nc", "/tmp/escape-abs.nc", "..\\..\\escape-win.nc", "sub/escape.nc"]
    settings = emu.settings(disk_threshold=0)
    async with CacheDB(tmp_path / "cache.sqlite") as cache:
        lying = LyingStore(S3Store(settings, cache=cache), hostile)
        manager = ReconcileManager(cache, folder, settings=settings, s3_store=lying, now=lambda: OLD)
        async with manager:
            lied = await manager.reconcile_detailed(
                folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_START + timedelta(minutes=30))
            )
        await lying.close()
    assert lied.fetched == 0
    assert all("refused the listed name" in (s.error or "") for s in lied.slots if s.timestamp != minute(6))
    assert files_matching(tmp_path, "escape*") == [] and files_matching(Path("/tmp"), "escape*", recursive=False) == []

    # the emulator's own hostile keys (../ climbing, nested, backslashes) for 00:06 are never used
    async with manager_for(emu, folder, OLD, tmp_path / "cache.sqlite") as manager:
        report = await manager.reconcile_detailed(
            folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_START + timedelta(minutes=30))
        )
    # only hostile keys for 00:06: no plain NOAA name lists it, so NOAA "does not have" it (never fetched)
    assert report.failed == [] and [s.timestamp for s in report.unavailable] == [minute(6)]
    assert frame_names(folder) == {canonical(emu, minute(m)) for m in (1, 11, 16, 21, 26)}
    assert files_matching(tmp_path, "OR_ABI*") == []
    assert files_matching(Path("/tmp"), "OR_ABI-*_G18_s2023121*", recursive=False) == []


# ---- retired satellites, duplicates, progress, log, CSV ---------------------------------------------


async def test_goes16_after_retirement_makes_no_requests(noaa_emulator: NoaaEmulator, folder: Path) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with manager_for(noaa_emulator, folder, start + timedelta(days=1), folder.parent / "c.sqlite") as manager:
        report = await manager.reconcile_detailed(
            folder, ArchiveQuery(SatellitePattern.GOES_16, start, start + timedelta(hours=1))
        )
    assert report.total == 12 and report.fetched == 0
    assert any("GOES-19" in w for w in report.scan.warnings)
    for slot in report.slots:  # never produced: not the user's gap, nothing to retry
        assert slot.status is SlotStatus.UNAVAILABLE
        assert slot.error is not None and slot.error.endswith(
            "GOES-16 stopped producing ABI data on 2025-04-07 (last files about 18:30 UTC); "
            "GOES-19 is the East satellite now"
        )
    assert report.unresolved == []
    assert noaa_emulator.cdn.request_count() == 0 and noaa_emulator.s3.request_count("GET") == 0


@pytest.mark.slow
async def test_two_fetches_of_the_same_slots_download_each_once(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory(cdn_missing_fraction=0.0)
    emu.cdn.inject(Fault(FaultKind.STALL, "*.jpg", delay=0.05))  # keep downloads in flight together
    async with manager_for(emu, folder, emu.now, folder.parent / "c.sqlite") as manager:
        scan = await manager.scan(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_START + timedelta(hours=1)))
        first, second = await asyncio.gather(manager.fetch_missing(scan), manager.fetch_missing(scan))
    # each slot is fetched by exactly one of the two calls; the other finds it present
    for a, b in zip(first, second, strict=True):
        assert {a.status, b.status} == {SlotStatus.FETCHED, SlotStatus.PRESENT}
        assert a.path == b.path == folder / canonical(emu, a.timestamp)
    assert emu.cdn.request_count("*.jpg") == 12


@pytest.mark.slow
async def test_progress_log_and_csv_say_where_each_frame_came_from(
    noaa_emulator_factory: Factory, folder: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    write_frame(folder / canonical(emu, minute(1)))
    legacy: list[tuple[int, int, str]] = []
    reports: list[Progress] = []
    now = minute(30) + timedelta(days=7)  # slots from 00:30 on are in the CDN window
    async with manager_for(emu, folder, now, folder.parent / "c.sqlite") as manager:
        total, existing, fetched = await manager.reconcile(
            folder, G18, EMULATOR_START, minute(60), 0, lambda c, t, m: legacy.append((c, t, m))
        )
        report = await manager.reconcile_detailed(
            folder, ArchiveQuery(G18, EMULATOR_START, minute(60), interval_minutes=0), progress_callback=reports.append
        )
        log = await manager.cache_db.fetch_log(ArchiveQuery(G18, EMULATOR_START, minute(60), emu.sector, 13))
    assert (total, existing, fetched) == (12, 1, 11)
    fetch_reports = [c for c in legacy if "fetched from" in c[2]]
    assert [c[0] for c in fetch_reports] == list(range(1, 12)) and {c[1] for c in fetch_reports} == {11}
    assert (reports[-1].stage, reports[-1].message) == (Stage.DONE, "Nothing to fetch")  # the second run
    assert {ts: (e.status, e.source) for ts, e in log.items()} == {
        minute(m): (SlotStatus.FETCHED, Source.S3 if m < 30 else Source.CDN) for m in range(6, 60, 5)
    }
    csv_path = folder.parent / "report.csv"
    write_csv(csv_path, merge_fetch_log(report.slots, log))  # what `goesvfi-integrity report` writes
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) == 12
    assert rows[0]["status"] == "present" and rows[0]["source"] == "local"
    for row in rows[1:]:
        assert row["status"] == "fetched"
        if row["timestamp"] < "2023-05-01T00:30":
            assert row["source"] == "s3" and row["remote"].startswith(
                "ABI-L1b-RadC/2023/121/00/OR_ABI-L1b-RadC-M6C13_G18_s"
            )
        else:
            assert row["source"] == "cdn" and row["remote"].startswith(f"{emu.cdn_url}/GOES18/ABI/CONUS/13/202312100")
        assert row["local_path"] == str(folder / canonical(emu, datetime.fromisoformat(row["timestamp"])))


def test_construction_does_no_io(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GOESVFI_CDN_URL", "http://127.0.0.1:9")  # the discard port: any request would fail
    manager = ReconcileManager(base_dir=tmp_path / "does-not-exist")
    assert manager.settings.cdn_url == "http://127.0.0.1:9"
    assert not (tmp_path / "cache").exists() and not (tmp_path / "does-not-exist").exists()


class BrokenStore(LyingStore):
    """A store with a bug: its download raises something that is not a RemoteError. Like the real stores, it
    waits for its file thread when cancelled (runtime.run_blocking), so no write lands after the job's clean-up."""

    async def download(self, item: RemoteItem, dest: Path, progress: ByteProgress | None = None) -> None:
        await run_blocking(dest.write_bytes, b"half a file")
        raise RuntimeError("bug in a store")


async def test_a_bug_surfaces_as_itself_and_leaves_no_temp_file(noaa_emulator: NoaaEmulator, folder: Path) -> None:
    from goesvfi.integrity_check.remote.s3_store import S3Store

    settings = noaa_emulator.settings(disk_threshold=0)
    async with CacheDB(folder.parent / "cache.sqlite") as cache:
        broken = BrokenStore(S3Store(settings, cache=cache), ["unused"])
        broken.find = broken.inner.find  # type: ignore[method-assign]  # real names: only the download is broken
        async with ReconcileManager(cache, folder, settings=settings, s3_store=broken, now=lambda: OLD) as manager:
            with pytest.raises(RuntimeError, match="bug in a store"):
                await manager.reconcile(folder, G18, EMULATOR_START, EMULATOR_END)
        await broken.close()
    assert leftovers(folder.parent) == [] and frame_names(folder) == set()


# ---- S3 listed in parts, downloads overlapping ---------------------------------------------------------


@pytest.mark.slow
async def test_s3_downloads_start_before_the_last_hour_is_listed(noaa_emulator_factory: Factory, folder: Path) -> None:
    """Two days of slots (48 hour prefixes): the frames of the first hours are fetched while later hours are
    still being listed, every hour is listed once (plus the hour two parts share), and what no listing has is
    unavailable, not failed."""
    emu = noaa_emulator_factory(missing_fraction=0.0, latency=0.1)  # 48 listings by 8 workers: >= 0.6 s
    events: list[tuple[str, int]] = []

    def progress(p: Progress) -> None:
        if p.stage is Stage.LIST and p.current_file:
            events.append(("listed", p.done))
        elif p.result is not None and p.result.status is SlotStatus.FETCHED:
            events.append(("fetched", 1))

    end = EMULATOR_START + timedelta(days=2)
    async with manager_for(emu, folder, OLD, folder.parent / "cache.sqlite", allow_mixed=True) as manager:
        report = await manager.reconcile_detailed(
            folder, ArchiveQuery(G18, EMULATOR_START, end), progress_callback=progress
        )
    assert report.fetched == len(emu.s3_slots) == 24
    assert len(report.unavailable) == 2 * 288 - 24 and report.failed == []
    first_fetch = next(i for i, (kind, _) in enumerate(events) if kind == "fetched")
    listed = [done for kind, done in events if kind == "listed"]
    assert any(kind == "listed" for kind, _ in events[first_fetch:])  # listing went on after the first frame
    assert listed == sorted(listed) and listed[-1] >= 48  # progress counts on across the parts
    assert 48 <= emu.s3.list_count() <= 48 + 3  # one listing per hour; an hour two parts share is listed twice
