"""ReconcileManager end to end against the local NOAA emulator (aiohttp CDN + moto S3 on 127.0.0.1).

Expected values come from what the emulator says it serves (its own bookkeeping) and from names written out by
hand, never from the manager's output.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from PIL import Image

from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern
from tests.emulator_fixtures import EMULATOR_END, EMULATOR_START
from tests.fetch_support import canonical, frame_names, leftovers, manager_for, png_size

G18 = SatellitePattern.GOES_18
HOUR = timedelta(hours=1)
Factory = Callable[..., NoaaEmulator]


def in_range(slots: list[datetime], start: datetime, end: datetime) -> set[datetime]:
    return {s for s in slots if start <= s < end}


def cdn_url(emulator: NoaaEmulator, slot: datetime) -> str:
    return f"{emulator.cdn_url}/GOES18/ABI/CONUS/13/{slot:%Y%j%H%M}_GOES18-ABI-CONUS-13-416x250.jpg"


async def test_cdn_only_recent_frames_come_from_the_cdn(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory(cdn_missing_fraction=0.0)
    start, end = EMULATOR_START, EMULATOR_START + HOUR
    async with manager_for(emu, folder, emu.now, folder.parent / "cache.sqlite") as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, start, end))
    wanted = in_range(emu.cdn_slots, start, end)
    assert len(wanted) == 12
    assert frame_names(folder) == {canonical(emu, s) for s in wanted}
    assert (report.total, report.existing, report.fetched, report.failed) == (12, 0, 12, [])
    for slot in report.slots:
        assert slot.status is SlotStatus.FETCHED and slot.source is Source.CDN
        assert slot.remote == cdn_url(emu, slot.timestamp)
        assert slot.path == folder / canonical(emu, slot.timestamp)
        assert png_size(slot.path) == (416, 250)
    assert emu.s3.list_count() == 0  # the fallback store was never needed, so never listed
    assert emu.cdn.request_count("/GOES18/ABI/CONUS/13/") == 1  # one index read, no per-slot probing
    assert leftovers(folder.parent) == []


@pytest.mark.slow
async def test_s3_only_old_frames_are_rendered_from_netcdf(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory()
    now = EMULATOR_END + timedelta(days=30)  # far beyond the CDN's retention: S3 only
    async with manager_for(emu, folder, now, folder.parent / "cache.sqlite") as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END))
    on_s3 = set(emu.s3_slots)
    assert len(on_s3) == 23  # 24 slots, 5 % absent
    assert frame_names(folder) == {canonical(emu, s) for s in on_s3}
    for slot in report.slots:
        if slot.timestamp in on_s3:
            assert slot.status is SlotStatus.FETCHED and slot.source is Source.S3
            assert slot.remote == emu.s3_keys[slot.timestamp]
            assert re.fullmatch(
                r"ABI-L1b-RadC/2023/121/0[01]/OR_ABI-L1b-RadC-M6C13_G18_s2023121\d{7}_e\d{14}_c\d{14}\.nc",
                slot.remote or "",
            )
            assert png_size(folder / canonical(emu, slot.timestamp)) == (100, 60)  # native NetCDF size
        else:  # not in the S3 listing, far outside the CDN's window: NOAA does not have it (not a failure)
            assert slot.status is SlotStatus.UNAVAILABLE
            assert "S3: not in its listing" in (slot.error or "") and "CDN" not in (slot.error or "")
    assert len(report.unavailable) == 1 and report.unresolved == []
    assert emu.cdn.request_count() == 0
    assert leftovers(folder.parent) == []

    # a rescan finds every frame the emulator has, and a rerun fetches nothing
    async with manager_for(emu, folder, now, folder.parent / "cache.sqlite") as manager:
        rescan = await manager.scan(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END), force_rescan=True)
        assert set(rescan.missing) == set(emu.expected) - on_s3
        object_gets = emu.s3.request_count(method="GET", path="/noaa-goes18/ABI-L1b-RadC/*")
        again = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END))
    assert again.fetched == 0 and again.existing == len(on_s3)
    assert emu.s3.request_count(method="GET", path="/noaa-goes18/ABI-L1b-RadC/*") == object_gets


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3])
async def test_hybrid_across_the_cutoff_with_fallback_both_ways(
    noaa_emulator_factory: Factory, folder: Path, seed: int
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.2, seed=seed)
    cutoff = EMULATOR_START + HOUR
    now = cutoff + timedelta(days=7)  # slots from 01:00 on are inside the CDN window
    cdn, s3 = set(emu.cdn_slots), set(emu.s3_slots)
    old = {s for s in emu.expected if s < cutoff}
    recent = set(emu.expected) - old
    # the seeded archive has slots that need each fallback: the test is only meaningful if so
    assert (old - s3) & cdn and (recent - cdn) & s3 and (old & s3) and (recent & cdn)
    async with manager_for(emu, folder, now, folder.parent / "cache.sqlite") as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END))
    by_slot = {s.timestamp: s for s in report.slots}
    for slot in emu.expected:
        result = by_slot[slot]
        if slot in old:
            expected_source = Source.S3 if slot in s3 else Source.CDN if slot in cdn else None
        else:
            expected_source = Source.CDN if slot in cdn else Source.S3 if slot in s3 else None
        if expected_source is None:  # every listing read, none lists it: NOAA does not have it
            assert result.status is SlotStatus.UNAVAILABLE, slot
            assert (result.error or "").startswith("no NOAA source has it"), slot
        else:
            assert (result.status, result.source) == (SlotStatus.FETCHED, expected_source), slot
    assert frame_names(folder) == {canonical(emu, s) for s in cdn | s3}
    async with manager_for(emu, folder, now, folder.parent / "cache.sqlite") as manager:
        rescan = await manager.scan(folder, ArchiveQuery(G18, EMULATOR_START, EMULATOR_END), force_rescan=True)
    assert set(rescan.missing) == set(emu.missing_everywhere)
    assert leftovers(folder.parent) == []


# The seed's "Enhanced Usage" example, verbatim except for the folder (``/path/to/images``).
SEED_ENHANCED_EXAMPLE = """
import asyncio
from goesvfi.integrity_check.fetch.manager import ReconcileManager
from goesvfi.integrity_check.cache.db import CacheDB
from goesvfi.integrity_check.time_index import SatellitePattern
from datetime import datetime
from pathlib import Path

async def main():
    # Create dependencies
    cache_db = CacheDB()
    base_dir = Path("/path/to/images")

    # Create reconcile manager
    manager = ReconcileManager(
        cache_db=cache_db,
        base_dir=base_dir
    )

    # Scan and fetch
    total, existing, fetched = await manager.reconcile(
        directory=base_dir,
        satellite=SatellitePattern.GOES_18,
        start_time=datetime(2023, 5, 1),
        end_time=datetime(2023, 5, 2),
        interval_minutes=10,
        progress_callback=lambda c, t, m: print(f"Progress: {c}/{t} - {m}")
    )

    print(f"Total: {total}, Existing: {existing}, Fetched: {fetched}")

    # Clean up
    await cache_db.close()

# Run the async function
asyncio.run(main())
"""


@pytest.mark.slow  # a whole day at 10 minutes, as the seed asks: ~20 s, mostly moto serving 141 objects
def test_the_seeds_enhanced_example_runs_as_written(
    noaa_env_factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    day = EMULATOR_START + timedelta(days=1)
    emu = noaa_env_factory(end=day, now=day, missing_fraction=0.02)
    monkeypatch.setenv("GOESVFI_CACHE_DIR", str(tmp_path / "cache"))
    images = tmp_path / "images"
    images.mkdir()
    exec(compile(SEED_ENHANCED_EXAMPLE.replace("/path/to/images", str(images)), "seed_example", "exec"), {})
    out = capsys.readouterr().out
    # 10-minute steps keep the CONUS phase: 00:01, 00:11 ... 23:51 = 144 slots; the real clock puts them on S3
    on_s3 = [s for s in emu.s3_slots if s.minute % 10 == 1]
    assert out.splitlines()[-1] == f"Total: 144, Existing: 0, Fetched: {len(on_s3)}"
    assert "Progress: " in out
    assert frame_names(images) == {canonical(emu, s) for s in on_s3}
    assert (tmp_path / "cache").is_dir()


@pytest.mark.slow
async def test_a_fetch_sweeps_stale_temps_and_writes_the_pixels_served(
    noaa_emulator_factory: Factory, folder: Path
) -> None:
    """docs/limits.md (Leftovers): a fetch sweeps the temp files a killed run left (our naming, any slot), never a file
    that only looks alike; and a CDN frame in the folder's look holds the pixels of the JPG the CDN served."""
    emu = noaa_emulator_factory(cdn_missing_fraction=0.0)
    start, end = EMULATOR_START, EMULATOR_START + timedelta(minutes=15)
    elsewhere = EMULATOR_START + timedelta(days=3, minutes=1)  # a slot this fetch does not touch
    stale = [f".{canonical(emu, elsewhere)}.part-0badc0de.png", f".{canonical(emu, start)}.part-1f.jpg"]
    lookalike = ".notes.png.part-1.txt"
    for name in [*stale, lookalike]:
        (folder / name).write_bytes(b"left by a killed run")
    async with manager_for(emu, folder, emu.now, folder.parent / "cache.sqlite") as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, start, end))
    assert report.fetched == 3 and report.failed == []
    assert leftovers(folder.parent) == [str(folder / lookalike)]
    slot = min(in_range(emu.cdn_slots, start, end))
    async with aiohttp.ClientSession() as session, session.get(cdn_url(emu, slot)) as resp:
        served = np.asarray(Image.open(io.BytesIO(await resp.read())).convert("RGB")).astype(int)
    with Image.open(folder / canonical(emu, slot)) as png:
        assert (png.mode, png.size) == ("RGB", (416, 250))
        written = np.asarray(png).astype(int)
    assert served.shape == written.shape == (250, 416, 3)
    assert np.abs(served - written).max() <= 1  # the JPG decoded once, written losslessly
    assert served.std() > 10  # a scene, not a flat frame: the comparison has something to compare
