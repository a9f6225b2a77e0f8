"""The scan on real folders: the seed's example as written, coverage rules, input errors, the cached index."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import os
import pickle
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.query import ArchiveQuery, QueryError
from goesvfi.integrity_check.results import Progress, ScanResult, Stage
from goesvfi.integrity_check.scan import index as scan_index
from goesvfi.integrity_check.scan.reconciler import Reconciler, ScanInputError, scan_directory
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import cdn_name, l1b_name, png_name
from tests.scan_support import MakeFrames, settle_tree, write_frame

G16, G18 = SatellitePattern.GOES_16, SatellitePattern.GOES_18
CONUS, FD = Sector.CONUS, Sector.FULL_DISK
T0 = datetime(2023, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def png(minutes: float, sat: SatellitePattern = G18, sector: Sector = CONUS, band: int = 13) -> str:
    return png_name(sat, sector, band, at(minutes))


async def scan(
    folder: Path, start: datetime = T0, end: datetime = T0 + HOUR, *, satellite: SatellitePattern = G18, **kw: Any
) -> ScanResult:
    query_kw = {k: kw.pop(k) for k in ("sector", "band", "interval_minutes") if k in kw}
    return await scan_directory(folder, ArchiveQuery(satellite, start, end, **query_kw), **kw)


# --------------------------------------------------------------------------------------------------
# The seed's basic example, as written
# --------------------------------------------------------------------------------------------------

SEED_EXAMPLE = """\
from goesvfi.integrity_check import Reconciler
from goesvfi.integrity_check.time_index import SatellitePattern
from datetime import datetime
from pathlib import Path

# Create a reconciler instance
reconciler = Reconciler()

# Scan a directory for missing timestamps
result = reconciler.scan_date_range(
    start_date=datetime(2023, 5, 1),
    end_date=datetime(2023, 5, 2),
    satellite_pattern=SatellitePattern.GOES_16,
    base_directory=Path("/path/to/images"),
    interval_minutes=30  # 0 for auto-detect
)

# Print missing timestamps
for dt in result["missing"]:
    print(f"Missing: {dt.strftime('%Y-%m-%d %H:%M:%S')}")
"""


def test_the_seed_text_holds_this_example() -> None:
    seed = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_99a82a3c0fded33c.txt"
    if not seed.exists():
        pytest.skip("the seed document is not beside this checkout")
    assert SEED_EXAMPLE in seed.read_text()


@pytest.fixture
def seed_folder(make_frames: MakeFrames) -> Path:
    """GOES-16 CONUS frames every 5 minutes on 2023-05-01, except 03:00-04:59 and 12:31."""
    names = []
    for i in range(288):
        minute = 5 * i + 1
        if 180 <= minute < 300 or minute == 12 * 60 + 31:
            continue
        names.append(png(minute, G16))
    return make_frames(names)


def seed_expected_missing() -> list[str]:
    # At 30 minutes the GOES-16 CONUS slots are :01 and :31: 03:01, 03:31, 04:01, 04:31 and 12:31 are missing.
    return [f"Missing: 2023-05-01 {t}:00" for t in ("03:01", "03:31", "04:01", "04:31", "12:31")]


def test_seed_example_runs_as_written(seed_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(SEED_EXAMPLE.replace("/path/to/images", str(seed_folder)), "seed_example", "exec"), {})
    assert capsys.readouterr().out.splitlines() == seed_expected_missing()


async def test_seed_example_inside_a_running_loop(seed_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.get_running_loop()  # the sync API is called from a coroutine: it must not deadlock or refuse
    exec(compile(SEED_EXAMPLE.replace("/path/to/images", str(seed_folder)), "seed_example", "exec"), {})
    assert capsys.readouterr().out.splitlines() == seed_expected_missing()


def test_reconciler_dict(seed_folder: Path, tmp_path: Path) -> None:
    result = Reconciler(cache_path=tmp_path / "c.sqlite3").scan_date_range(
        start_date=T0, end_date=T0 + timedelta(days=1), satellite_pattern=G16, base_directory=seed_folder
    )
    assert result["interval_minutes"] == 5 and result["total"] == 288 and len(result["expected"]) == 288
    assert len(result["missing"]) == 25 and len(result["existing"]) == 263
    assert result["existing_files"][at(1)] == seed_folder / png(1, G16)
    assert [g.count for g in result["gaps"]] == [24, 1]


# --------------------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------------------


async def test_cdn_and_s3_names_cover_their_slots(make_frames: MakeFrames) -> None:
    folder = make_frames(
        [
            cdn_name(G18, CONUS, 13, at(1)),  # :01 exactly
            l1b_name(G18, CONUS, 13, at(6) + timedelta(seconds=17.3)),  # :06:17.3
            "sub/deeper/" + png(11),  # recursive
            png(16, sat=G16),  # another satellite
            png(21, sector=FD),  # another sector
            png(26, band=7),  # another band
            "." + png(31),  # a temp file of a download in progress
            png(36) + ".part",  # not a frame file: another tool's partial download
            "notes_20230501T003600Z_goes18.txt",
        ]
    )
    result = await scan(folder, end=at(40))
    assert result.expected == [at(m) for m in range(1, 40, 5)]
    assert result.missing == [at(m) for m in (16, 21, 26, 31, 36)]
    assert result.existing == {
        at(1): folder / cdn_name(G18, CONUS, 13, at(1)),
        at(6): folder / l1b_name(G18, CONUS, 13, at(6) + timedelta(seconds=17.3)),
        at(11): folder / "sub" / "deeper" / png(11),
    }


@pytest.mark.parametrize(("offset", "covers"), [(-30, True), (-31, False), (269, True), (270, False), (0, True)])
async def test_coverage_window_edges(make_frames: MakeFrames, offset: int, covers: bool) -> None:
    # slot - 30 s <= t < slot + min(30, 5) min - 30 s: for the :31 slot at a 30-minute interval
    folder = make_frames([png(31 + offset / 60)])
    result = await scan(folder, interval_minutes=30)
    assert sorted(result.existing) == ([at(31)] if covers else [])


async def test_at_the_native_interval_every_time_has_one_slot(make_frames: MakeFrames) -> None:
    # The windows tile the time line: 05:29 belongs to :01, 05:30 to :06.
    folder = make_frames([png(5.5 - 1 / 60), png(10.5), png(20.5 - 1 / 60)])
    result = await scan(folder, end=at(30), interval_minutes=5)
    assert sorted(result.existing) == [at(1), at(11), at(16)]


async def test_interval_30_keeps_the_phase(make_frames: MakeFrames) -> None:
    folder = make_frames([png(6), png(31), png(36)])
    result = await scan(folder, interval_minutes=30)
    assert result.expected == [at(1), at(31)]
    assert result.missing == [at(1)]  # the :06 file does not cover :01


async def test_files_outside_the_range_do_not_count(make_frames: MakeFrames) -> None:
    folder = make_frames([png(-4), png(1), png(61), png(66)])
    result = await scan(folder)
    assert sorted(result.existing) == [at(1)]
    assert len(result.expected) == 12


async def test_legacy_and_generic_names(make_frames: MakeFrames) -> None:
    folder = make_frames(
        [
            "goes18_ir_C13_conus_G18_20230501T000100Z.png",
            "frame_20230501_000600.png",  # no satellite hint: any satellite
            "g16_20230501_001100.png",  # GOES-16: not ours
            "goes18_fd_20230501T001600Z.png",  # full disk: not ours
        ]
    )
    result = await scan(folder, end=at(20))
    assert sorted(result.existing) == [at(1), at(6)]


async def test_preferred_file_when_two_cover_a_slot(make_frames: MakeFrames) -> None:
    folder = make_frames([cdn_name(G18, CONUS, 13, at(1)), "a/" + png(1), "frame_20230501_000100.png"])
    result = await scan(folder, end=at(5))
    assert result.existing == {at(1): folder / "a" / png(1)}


async def test_the_name_ranks_before_the_time_distance(make_frames: MakeFrames) -> None:
    """Issue 25: a CDN JPG at :01:00 (its name's minute: 2023-05-01 is day 121) and this tool's PNG at :01:20
    both cover :01; the PNG wins although the JPG is closer. Among PNGs, the closer one (:00:50) wins."""
    jpg = "20231210001_GOES18-ABI-CONUS-13-2500x1500.jpg"
    folder = make_frames([jpg, "goes18_conus_C13_20230501T000120Z.png"])
    result = await scan(folder, end=at(5))
    assert result.existing == {at(1): folder / "goes18_conus_C13_20230501T000120Z.png"}
    folder = make_frames(
        ["goes18_conus_C13_20230501T000120Z.png", "goes18_conus_C13_20230501T000050Z.png", jpg],
        folder=folder.parent / "pngs",
    )
    result = await scan(folder, end=at(5))
    assert result.existing == {at(1): folder / "goes18_conus_C13_20230501T000050Z.png"}


async def test_old_unpadded_cdn_band_names_are_read(make_frames: MakeFrames) -> None:
    """docs/internals.md (Names): the CDN's old names with a one-digit band (``-CONUS-2-``) still read as band 2."""
    folder = make_frames(
        [
            "20231210001_GOES18-ABI-CONUS-2-2500x1500.jpg",  # band 2, unpadded
            "20231210006_GOES18-ABI-CONUS-02-2500x1500.jpg",  # band 2, padded
            "20231210011_GOES18-ABI-CONUS-3-2500x1500.jpg",  # band 3: another archive
        ]
    )
    result = await scan(folder, end=at(15), band=2)
    assert sorted(result.existing) == [at(1), at(6)]
    assert result.existing[at(1)].name == "20231210001_GOES18-ABI-CONUS-2-2500x1500.jpg"


async def test_auto_interval_and_fallback(make_frames: MakeFrames, tmp_path: Path) -> None:
    folder = make_frames([png(m) for m in range(1, 60, 10) if m != 31])  # every 10 minutes, :31 missing
    result = await scan(folder)
    assert result.interval_minutes == 10
    assert result.missing == [at(31)]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = await scan(empty, end=T0 + timedelta(days=1), sector=FD)
    assert result.interval_minutes == 10 and len(result.expected) == 144


async def test_auto_interval_does_not_hide_gaps(make_frames: MakeFrames) -> None:
    """Issue 12: :01 :06 :11 :21 :26 :36 :46 :56 (4 of 12 missing) is a 5-minute folder, not a 10-minute one."""
    folder = make_frames([png(m) for m in (1, 6, 11, 21, 26, 36, 46, 56)])
    result = await scan(folder)
    assert result.interval_minutes == 5 and len(result.expected) == 12
    assert result.missing == [at(16), at(31), at(41), at(51)]
    info = result.interval_info
    assert info is not None and info.detected and (info.minutes, info.phase, info.steps) == (5, 1, 3)
    assert any(w.startswith("the folder's steps disagree") and "10 min" in w for w in result.warnings)


async def test_auto_interval_regular_folders_do_not_warn(make_frames: MakeFrames) -> None:
    folder = make_frames([png(m) for m in range(1, 60, 5) if m not in (16, 21)])  # two missing: steps 5 and 15
    result = await scan(folder)
    assert (result.interval_minutes, result.missing) == (5, [at(16), at(21)])
    assert result.interval_info is not None and result.interval_info.steps == 8  # 10 files: 8 x 5 min, 1 x 15
    assert not any("disagree" in w for w in result.warnings)


async def test_mode3_full_disk(make_frames: MakeFrames) -> None:
    day = datetime(2019, 3, 1, tzinfo=UTC)
    names = [l1b_name(G16, FD, 13, day + timedelta(minutes=15 * i, seconds=37.8), mode=3) for i in range(96)]
    folder = make_frames(names[:40] + names[41:])
    result = await scan(folder, day, day + timedelta(days=1), satellite=G16, sector=FD)
    assert len(result.expected) == 96 and result.missing == [day + timedelta(minutes=600)]


# --------------------------------------------------------------------------------------------------
# Input errors and warnings
# --------------------------------------------------------------------------------------------------


async def test_input_errors(tmp_path: Path) -> None:
    a_file = tmp_path / "f.png"
    a_file.touch()
    cases = [
        (tmp_path / "missing", T0, T0 + HOUR, {}, "does not exist"),
        (a_file, T0, T0 + HOUR, {}, "is not a folder"),
        (tmp_path, T0 + HOUR, T0, {}, "must be after"),
        (tmp_path, T0, T0, {}, "must be after"),
        (tmp_path, at(2), at(4), {}, "no GOES-18 CONUS scan times"),
        (tmp_path, at(2), at(20), {"interval_minutes": 30}, "every 30 min"),
        (tmp_path, T0, T0 + HOUR, {"band": 17}, "band 17"),
    ]
    for folder, start, end, kw, text in cases:
        with pytest.raises(QueryError) as info:  # ScanInputError is a QueryError: one type for bad input
            await scan(folder, start, end, **kw)
        assert text in str(info.value) and "\n" not in str(info.value)


async def test_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, who reads every folder: make listing it fail the way it does for a user.
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if Path(str(path)) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(ScanInputError, match="cannot be read: Permission denied"):
        await scan(tmp_path)


async def test_goes16_after_its_end_is_a_warning_and_not_the_users_gap(tmp_path: Path) -> None:
    """DOMAIN.md: GOES-16 stopped on 2025-04-07; its 2026 slots were never produced, so none is "missing"."""
    result = await scan(tmp_path, datetime(2026, 1, 1), datetime(2026, 1, 1, 1), satellite=G16)
    assert len(result.expected) == 12 and result.missing == [] and len(result.unavailable) == 12
    assert all("never produced by NOAA" in why and "GOES-19" in why for why in result.unavailable.values())
    assert any("GOES-19" in w and "2025-04-07" in w for w in result.warnings)
    # The last files are about 18:30 UTC on 2025-04-07: the morning's slots are the user's gaps as usual.
    morning = await scan(tmp_path, datetime(2025, 4, 7, 12), datetime(2025, 4, 7, 13), satellite=G16)
    assert len(morning.missing) == 12 and not morning.unavailable


# --------------------------------------------------------------------------------------------------
# The cached index
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders the scan lists (a warm scan of an unchanged folder lists none)."""
    seen: list[str] = []
    real = scan_index.read_dir

    def read_dir(path: str, *args: object, **kw: object) -> object:
        seen.append(path)
        return real(path, *args, **kw)

    monkeypatch.setattr(scan_index, "read_dir", read_dir)
    return seen


async def test_warm_scan_reads_no_folder_and_changes_are_seen(
    make_frames: MakeFrames, tmp_path: Path, reads: list[str]
) -> None:
    folder = make_frames([png(m) for m in range(1, 60, 5)] + ["sub/" + cdn_name(G18, CONUS, 13, at(61))])
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        cold = await scan(folder, end=at(70), cache=db)
        assert not cold.from_cache and len(reads) == 2
        reads.clear()
        warm = await scan(folder, end=at(70), cache=db)
        assert warm.from_cache and reads == []
        assert warm.existing == cold.existing and warm.missing == cold.missing == [at(66)]

        (folder / png(26)).unlink()  # removed
        write_frame(folder / png(66))  # added
        os.rename(folder / "sub" / cdn_name(G18, CONUS, 13, at(61)), folder / "sub" / "x.jpg")  # renamed
        settle_tree(folder)
        changed = await scan(folder, end=at(70), cache=db)
        assert changed.missing == [at(26), at(61)]
        assert not changed.from_cache and sorted(reads) == [str(folder), str(folder / "sub")]


async def test_recently_changed_folders_are_read_again(
    make_frames: MakeFrames, tmp_path: Path, reads: list[str]
) -> None:
    folder = make_frames([png(1)], settle=False)  # just written: its mtime may still change within the tick
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        await scan(folder, cache=db)
        await scan(folder, cache=db)
        assert reads == [str(folder), str(folder)]
        settle_tree(folder)
        reads.clear()
        await scan(folder, cache=db)
        await scan(folder, cache=db, force_rescan=True)
        assert reads == [str(folder), str(folder)]  # settled: read once, then only when forced


async def test_removed_subfolder_is_forgotten(make_frames: MakeFrames, tmp_path: Path) -> None:
    folder = make_frames(["a/" + png(1), "b/" + png(6)])
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        await scan(folder, cache=db)
        (folder / "b" / png(6)).unlink()
        (folder / "b").rmdir()
        settle_tree(folder)
        result = await scan(folder, cache=db)
        assert sorted(result.existing) == [at(1)]
        assert sorted(await db.load_dirs(str(folder))) == [str(folder), str(folder / "a")]


def set_aside(path: Path) -> list[Path]:
    return list(path.parent.glob(path.name + ".corrupt-*"))


async def test_broken_or_locked_cache_never_fails_a_scan(make_frames: MakeFrames, tmp_path: Path) -> None:
    folder = make_frames([png(1)])
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    async with CacheDB(path) as db:  # not provably ours: refused, left alone, an in-memory cache serves
        assert sorted((await scan(folder, cache=db)).existing) == [at(1)]
    assert path.read_bytes() == b"garbage" * 1000 and set_aside(path) == []
    path.write_bytes(b"SQLite format 3\0" + bytes(52) + b"GVFI" + b"garbage" * 1000)  # ours, but broken
    async with CacheDB(path) as db:
        assert sorted((await scan(folder, cache=db)).existing) == [at(1)]
    assert len(set_aside(path)) == 1
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        async with CacheDB(path, timeout=0.1) as db:
            assert sorted((await scan(folder, cache=db)).existing) == [at(1)]
    finally:
        other.execute("ROLLBACK")
        other.close()


# --------------------------------------------------------------------------------------------------
# Progress and cancellation
# --------------------------------------------------------------------------------------------------


async def test_progress_in_both_shapes(make_frames: MakeFrames) -> None:
    folder = make_frames([png(1), "a/" + png(6), "b/" + png(11)])
    legacy: list[tuple[int, int, str]] = []
    reports: list[Progress] = []
    await scan(folder, progress=lambda c, t, m: legacy.append((c, t, m)))
    await scan(folder, progress=reports.append)
    assert legacy[-1] == (3, 3, "Scan complete: 3 of 12 present, 9 missing")
    assert all(c <= t for c, t, _ in legacy)
    assert {p.stage for p in reports} == {Stage.SCAN} and reports[-1].done == reports[-1].total == 3


async def test_cancel_stops_the_walk(make_frames: MakeFrames) -> None:
    """Cancelling the scan stops its walk thread: once every worker thread has finished, far fewer than the
    folder's 601 directories were reported (a walk that ran on would report them all)."""
    folder = make_frames([f"d{i:03d}/{png(1)}" for i in range(600)])
    walked: list[int] = []
    task: asyncio.Task[ScanResult] | None = None

    def progress(p: Progress) -> None:
        if p.done > 0:
            walked.append(p.done)
            if task is not None:
                task.cancel()

    task = asyncio.create_task(scan(folder, progress=progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.get_running_loop().shutdown_default_executor()  # waits for the walk thread, however long
    for _ in range(3):
        await asyncio.sleep(0)  # the reports it sent before it stopped
    assert walked and max(walked) < 300


def test_the_walk_checks_for_cancel_before_each_directory(make_frames: MakeFrames) -> None:
    folder = make_frames([f"d{i:03d}/{png(1)}" for i in range(20)])
    cancel = threading.Event()
    reports: list[int] = []

    def report(done: int, _known: int, _path: str) -> None:
        reports.append(done)
        if done == 5:
            cancel.set()

    with pytest.raises(scan_index.ScanCancelled):
        scan_index.walk(str(folder), {}, cancel=cancel, report=report)
    assert reports == [1, 2, 3, 4, 5]


async def test_result_is_a_plain_scan_result_to_its_users(make_frames: MakeFrames) -> None:
    folder = make_frames([png(1), "a/" + cdn_name(G18, CONUS, 13, at(11))])
    result = await scan(folder, end=at(15))
    assert isinstance(result, ScanResult)
    want = {at(1): folder / png(1), at(11): folder / "a" / cdn_name(G18, CONUS, 13, at(11))}
    copies = [dataclasses.replace(result), copy.copy(result), pickle.loads(pickle.dumps(result))]
    for other in [result, *copies]:
        assert other.existing == want and other.missing == [at(6)]
        assert [s.path for s in other.slots()] == [want[at(1)], None, want[at(11)]]
    result.existing[at(6)] = folder / "late.png"  # mutable like any dict
    assert result.as_dict()["existing"] == [at(1), at(6), at(11)]


async def test_damaged_directory_record_is_read_again(
    make_frames: MakeFrames, tmp_path: Path, reads: list[str]
) -> None:
    folder = make_frames([png(1), png(6)])
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        await scan(folder, cache=db)
    with sqlite3.connect(tmp_path / "c.sqlite3") as conn:
        conn.execute("UPDATE dir_index SET data = ?", (b"GVI3" + b"\0" * 10,))
    conn.close()
    reads.clear()
    async with CacheDB(tmp_path / "c.sqlite3") as db:
        result = await scan(folder, cache=db)
    assert sorted(result.existing) == [at(1), at(6)] and reads == [str(folder)]


async def test_unreadable_subfolder_is_a_warning(make_frames: MakeFrames, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_frames([png(1), "locked/" + png(6)])
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    result = await scan(folder)
    assert sorted(result.existing) == [at(1)]
    assert result.warnings == [f"could not read {folder / 'locked'}: Permission denied"]


async def test_a_folder_of_another_archive_says_which_one_it_holds(make_frames: MakeFrames) -> None:
    """The usual mistake: the satellite or band does not match the folder. The scan names what the folder holds."""
    folder = make_frames([png(1 + 5 * i) for i in range(10)])
    other = await scan(folder, satellite=SatellitePattern.GOES_19)  # (2023: before GOES-19's data, too)
    assert any("holds 10 frames of GOES-18 CONUS band 13" in w and "--satellite" in w for w in other.warnings)
    band7 = await scan(folder, band=7)
    assert len(band7.missing) == len(band7.expected) == 12
    assert any("holds 10 frames of GOES-18 CONUS band 13" in w for w in band7.warnings)
    right = await scan(folder)
    assert not any("holds" in w for w in right.warnings)
