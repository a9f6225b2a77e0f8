"""The tab's workflows without Qt: IntegritySession's scan, fetch, look check, detection, disk space and export.

Real frame folders, a real SQLite cache, and (for the fetch) the local NOAA emulator's aiohttp and moto servers on
127.0.0.1. The folder is the GUI flow's scenario (tests/flow_support.py): GOES-18 CONUS 2023-05-01 00:00-02:00,
24 slots, eight of them missing.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from goesvfi.integrity_check.gui.session import DiskSpace, IntegritySession
from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import SlotStatus
from goesvfi.integrity_check.settings import FetchSettings
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.flow_support import END, GAPS, SAT, SECTOR, SLOTS, START, folder_names, write_folder
from tests.names_support import png_name
from tests.scan_support import gradient_image

QUERY = ArchiveQuery(SAT, START, END, SECTOR, 13)
FREE = 5 * 2**30


@pytest.fixture
def session(tmp_path: Path) -> IntegritySession:
    return IntegritySession(tmp_path / "cache.db", None, lambda: END + timedelta(days=1), lambda _path: FREE)


async def test_a_scan_returns_the_folders_gaps_and_their_digest(session: IntegritySession, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "frames", GAPS)
    try:
        scanned = await session.scan(folder, QUERY, FetchSettings())
    finally:
        await session.close()
    assert len(SLOTS) == 24 and scanned.scan.missing == GAPS
    counts = scanned.digest.counts
    assert (counts[SlotStatus.PRESENT], counts[SlotStatus.MISSING], scanned.digest.unresolved) == (16, 8, 8)
    assert [slot.timestamp for slot in scanned.digest.slots] == SLOTS


async def test_the_default_folder_not_made_yet_is_every_frame_missing(
    session: IntegritySession, tmp_path: Path
) -> None:
    folder = tmp_path / "GOES" / "goes18" / "conus"
    try:
        scanned = await session.scan(folder, QUERY, FetchSettings(), new_folder=True)
    finally:
        await session.close()
    assert scanned.scan.missing == SLOTS and scanned.digest.counts[SlotStatus.MISSING] == 24
    assert not folder.exists()  # the first fetch makes it, not the scan


async def test_detection_and_the_look_check_read_the_folder(session: IntegritySession, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "frames", GAPS)
    odd = folder / png_name(SAT, SECTOR, 13, SLOTS[0])
    gradient_image("L", (100, 60)).save(odd)  # a grey frame of another size among colour 416x250 ones
    guess = await session.detect(folder)
    assert (guess.satellite, guess.sector, guess.band, guess.files) == (SatellitePattern.GOES_18, Sector.CONUS, 13, 16)
    try:
        scanned = await session.scan(folder, QUERY, FetchSettings())
        report = await session.check_look(scanned.scan, folder, FetchSettings())
    finally:
        await session.close()
    assert report.view.mismatched == frozenset({odd}) and report.view.count == 1
    assert report.view.look is not None and "416x250" in report.view.look
    assert report.warning is not None and "goesvfi-integrity fetch --conform" in report.warning


async def test_disk_space_of_a_folder_not_made_yet_is_its_parents(tmp_path: Path) -> None:
    asked: list[Path] = []

    def disk_free(path: Path) -> int:
        asked.append(path)
        return 1000

    session = IntegritySession(tmp_path / "cache.db", None, lambda: END, disk_free)
    later = tmp_path / "not" / "yet"
    assert await session.disk_space(later, 2000) == DiskSpace(str(later), 1000, 2000, exists=False)
    assert asked == [tmp_path] and (await session.disk_space(tmp_path, 500)).low is False


async def test_export_writes_one_row_per_slot(session: IntegritySession, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "frames", GAPS)
    try:
        scanned = await session.scan(folder, QUERY, FetchSettings())
    finally:
        await session.close()
    report = tmp_path / "report.csv"
    await session.export_csv(report, scanned.digest.slots, None)
    with report.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 24
    assert sum(row["status"] == "missing" for row in rows) == 8


@pytest.mark.slow
async def test_fetch_missing_against_the_emulator_fills_the_folder(noaa_emulator_factory, tmp_path: Path) -> None:
    # One hour short of 7 days after the range's end: its first hour comes from S3, its second from the CDN.
    now = END + timedelta(days=7) - timedelta(hours=1)
    emulator = noaa_emulator_factory(start=START, end=END, now=now, missing_fraction=0.0)
    settings = emulator.settings(disk_threshold=0)
    folder = write_folder(tmp_path / "frames", GAPS)
    session = IntegritySession(tmp_path / "cache.db", None, lambda: now, lambda _path: FREE)
    try:
        scanned = await session.scan(folder, QUERY, settings)
        unresolved = await session.unresolved(scanned.scan, scanned.digest.slots)
        assert unresolved.missing == GAPS
        fetched = await session.fetch(unresolved, folder, settings)
    finally:
        await session.close()
    assert [slot.timestamp for slot in fetched.slots if slot.status is SlotStatus.FETCHED] == GAPS, [
        slot.error for slot in fetched.slots
    ]
    counts = fetched.digest.counts
    assert (len(fetched.slots), counts[SlotStatus.PRESENT], counts[SlotStatus.FETCHED]) == (24, 16, 8)
    assert folder_names(folder) == {png_name(SAT, SECTOR, 13, slot) for slot in SLOTS}
