"""A faulty NOAA: 503/429 with Retry-After, dropped connections, truncated bodies, stalls, corrupt files.

Retries must get every frame through, fallbacks must kick in where a store cannot deliver, and no partial or
temp file may be left in (or outside) the folder. Backoff sleeps are recorded, not slept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.emulator.cdn_server import Fault, FaultKind
from goesvfi.integrity_check.emulator.noaa import NoaaEmulator
from goesvfi.integrity_check.emulator.s3_server import S3Fault, S3FaultKind
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import SlotStatus, Source
from goesvfi.integrity_check.time_index import SatellitePattern
from tests.emulator_fixtures import EMULATOR_END, EMULATOR_START
from tests.fetch_support import RecordingSleep, canonical, frame_names, leftovers, manager_for, png_size

G18 = SatellitePattern.GOES_18
Factory = Callable[..., NoaaEmulator]
START, END = EMULATOR_START, EMULATOR_START + timedelta(minutes=30)  # 6 slots: :01, :06 ... :26
FAST = {"backoff_base": 0.01, "retries": 3, "timeout": 0.5}


def minute(m: int) -> datetime:
    return START + timedelta(minutes=m)


def cdn_file(m: int) -> str:
    """fnmatch pattern of one CDN frame's path (hand-written name: YYYYDDDHHMM)."""
    return f"/GOES18/ABI/CONUS/13/202312100{m:02d}_GOES18-ABI-CONUS-13-416x250.jpg"


@pytest.mark.slow
async def test_cdn_faults_are_retried_until_every_frame_arrives(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory(cdn_missing_fraction=0.0)
    emu.cdn.inject(Fault(FaultKind.STATUS, "/GOES18/ABI/CONUS/13/", status=503, times=1))  # the index, once
    emu.cdn.inject(Fault(FaultKind.STATUS, cdn_file(1), status=503, retry_after="2", times=2))
    emu.cdn.inject(Fault(FaultKind.STATUS, cdn_file(6), status=429, retry_after="1", times=1))
    emu.cdn.inject(Fault(FaultKind.DROP, cdn_file(11), times=2))
    emu.cdn.inject(Fault(FaultKind.TRUNCATE, cdn_file(16), times=1))
    emu.cdn.inject(Fault(FaultKind.STALL, cdn_file(21), delay=1.5, times=1))  # longer than the 0.5 s timeout
    sleep = RecordingSleep()
    async with manager_for(emu, folder, emu.now, folder.parent / "cache.sqlite", sleep=sleep, **FAST) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, END))
    assert [(s.status, s.source) for s in report.slots] == [(SlotStatus.FETCHED, Source.CDN)] * 6
    assert frame_names(folder) == {canonical(emu, minute(m)) for m in (1, 6, 11, 16, 21, 26)}
    for m in (1, 6, 11, 16, 21, 26):
        assert png_size(folder / canonical(emu, minute(m))) == (416, 250)
    assert emu.cdn.request_count(cdn_file(1)) == 3
    assert emu.cdn.request_count(cdn_file(11)) == 3
    assert emu.cdn.request_count(cdn_file(16)) == emu.cdn.request_count(cdn_file(21)) == 2
    assert emu.cdn.request_count("/GOES18/ABI/CONUS/13/") == 2
    assert sorted(sleep.delays).count(2.0) == 2 and 1.0 in sleep.delays  # Retry-After honoured
    assert len(sleep.delays) == 1 + 2 + 1 + 2 + 1 + 1
    assert emu.s3.list_count() == 0  # every fault was survived on the CDN itself
    assert leftovers(folder.parent) == []


@pytest.mark.slow
async def test_s3_faults_are_retried(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    keys = emu.s3_keys
    emu.s3.inject(S3Fault(S3FaultKind.STATUS, query="list-type=2", status=503, times=1))
    emu.s3.inject(S3Fault(S3FaultKind.STATUS, f"/noaa-goes18/{keys[minute(1)]}", status=503, times=2))
    emu.s3.inject(S3Fault(S3FaultKind.DROP, f"/noaa-goes18/{keys[minute(6)]}", times=1))
    emu.s3.inject(S3Fault(S3FaultKind.STALL, f"/noaa-goes18/{keys[minute(11)]}", delay=1.5, times=1))
    now = EMULATOR_END + timedelta(days=30)  # S3 only
    async with manager_for(emu, folder, now, folder.parent / "cache.sqlite", **FAST) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, END))
    assert [(s.status, s.source) for s in report.slots] == [(SlotStatus.FETCHED, Source.S3)] * 6
    for m in (1, 6, 11, 16, 21, 26):
        assert png_size(folder / canonical(emu, minute(m))) == (100, 60)
    assert emu.s3.request_count("GET", f"/noaa-goes18/{keys[minute(1)]}") == 3
    assert emu.s3.request_count("GET", f"/noaa-goes18/{keys[minute(6)]}") == 2
    assert leftovers(folder.parent) == []


@pytest.mark.slow
async def test_a_cdn_that_keeps_failing_falls_back_to_s3(noaa_emulator_factory: Factory, folder: Path) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    emu.cdn.inject(Fault(FaultKind.STATUS, cdn_file(1), status=503))  # never recovers
    emu.cdn.inject(Fault(FaultKind.CORRUPT, cdn_file(6)))  # a JPEG cut in half: not retried, S3 instead
    emu.cdn.inject(Fault(FaultKind.TRUNCATE, cdn_file(11)))  # every attempt truncated
    async with manager_for(emu, folder, emu.now, folder.parent / "cache.sqlite", **FAST) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, END))
    sources = {s.timestamp: s.source for s in report.slots if s.status is SlotStatus.FETCHED}
    assert sources == {
        minute(1): Source.S3, minute(6): Source.S3, minute(11): Source.S3,
        minute(16): Source.CDN, minute(21): Source.CDN, minute(26): Source.CDN,
    }  # fmt: skip
    assert emu.cdn.request_count(cdn_file(1)) == 1 + FAST["retries"]
    assert emu.cdn.request_count(cdn_file(6)) == 1
    assert png_size(folder / canonical(emu, minute(6))) == (100, 60)  # rendered from NetCDF
    assert leftovers(folder.parent) == []


async def test_a_cdn_frame_that_does_not_decode_falls_back_or_fails_naming_the_cdn_file(
    noaa_emulator_factory: Factory, folder: Path
) -> None:
    """Framed right (start and end markers, full length), so the CDN store accepts it; the JPG -> PNG
    conversion is where it is decoded and refused: not retried, S3 tried instead, nothing left behind."""
    emu = noaa_emulator_factory(missing_fraction=0.0)
    emu.cdn.inject(Fault(FaultKind.GARBLED, cdn_file(6)))
    emu.cdn.inject(Fault(FaultKind.GARBLED, cdn_file(11)))
    emu.s3.inject(S3Fault(S3FaultKind.STATUS, f"/noaa-goes18/{emu.s3_keys[minute(11)]}", status=404, code="NoSuchKey"))
    async with manager_for(emu, folder, emu.now, folder.parent / "cache.sqlite", **FAST) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, END))
    by_slot = {s.timestamp: s for s in report.slots}
    assert (by_slot[minute(6)].status, by_slot[minute(6)].source) == (SlotStatus.FETCHED, Source.S3)
    assert png_size(folder / canonical(emu, minute(6))) == (100, 60)  # rendered from NetCDF
    failed = by_slot[minute(11)]
    assert (failed.status, failed.source) == (SlotStatus.FAILED, Source.CDN)
    cdn_name = "20231210011_GOES18-ABI-CONUS-13-416x250.jpg"
    cdn_reason, s3_reason = (failed.error or "").split("; S3: ")
    assert cdn_reason == f"CDN: {cdn_name} is not a valid JPEG image (its header is damaged)"
    assert "S3 has no" in s3_reason and ".part-" not in s3_reason
    assert emu.cdn.request_count(cdn_file(6)) == emu.cdn.request_count(cdn_file(11)) == 1  # not retried
    assert canonical(emu, minute(11)) not in frame_names(folder) and report.fetched == 5
    assert leftovers(folder.parent) == []


async def test_when_every_store_fails_the_slot_fails_with_both_reasons(
    noaa_emulator_factory: Factory, folder: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0)
    emu.cdn.inject(Fault(FaultKind.DROP, cdn_file(1)))
    emu.s3.inject(S3Fault(S3FaultKind.DROP, f"/noaa-goes18/{emu.s3_keys[minute(1)]}"))
    async with manager_for(emu, folder, emu.now, folder.parent / "cache.sqlite", **FAST) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, END))
    failed = report.failed
    assert [s.timestamp for s in failed] == [minute(1)]
    error = failed[0].error or ""
    assert error.startswith("CDN: ") and "; S3: " in error and "gave up after 4 attempts" in error
    assert failed[0].source is Source.CDN  # the first choice
    assert canonical(emu, minute(1)) not in frame_names(folder)
    assert report.fetched == 5
    assert leftovers(folder.parent) == []


@pytest.mark.slow
async def test_corrupt_netcdf_gives_a_failed_slot_with_a_clear_reason(
    noaa_emulator_factory: Factory, folder: Path
) -> None:
    emu = noaa_emulator_factory(missing_fraction=0.0, corrupt_slots=[minute(6)])
    now = EMULATOR_END + timedelta(days=30)  # S3 only: no CDN to fall back on
    async with manager_for(emu, folder, now, folder.parent / "cache.sqlite", **FAST) as manager:
        report = await manager.reconcile_detailed(folder, ArchiveQuery(G18, START, END))
    assert [s.timestamp for s in report.failed] == [minute(6)]
    failed = report.failed[0]
    assert failed.source is Source.S3 and failed.remote == emu.s3_keys[minute(6)]
    key_file = emu.s3_keys[minute(6)].rsplit("/", 1)[1]
    assert (failed.error or "").startswith(f"S3: {key_file} is not a readable NetCDF file")  # not the temp file
    assert ".part-" not in (failed.error or "")
    assert emu.s3.request_count("GET", f"/noaa-goes18/{emu.s3_keys[minute(6)]}") == 1  # corrupt: not retried
    assert canonical(emu, minute(6)) not in frame_names(folder)
    assert report.fetched == 5
    assert leftovers(folder.parent) == []

    # within the CDN's reach, the CDN serves what S3 had corrupt
    other = folder.parent / "hybrid"
    other.mkdir()
    now = EMULATOR_END + timedelta(days=8)  # past the 7-day cutoff: S3 first, CDN as fallback
    async with manager_for(emu, other, now, folder.parent / "cache.sqlite", **FAST) as manager:
        report = await manager.reconcile_detailed(other, ArchiveQuery(G18, START, END))
    by_slot = {s.timestamp: s for s in report.slots}
    assert (by_slot[minute(6)].status, by_slot[minute(6)].source) == (SlotStatus.FETCHED, Source.CDN)
    assert by_slot[minute(1)].source is Source.S3
