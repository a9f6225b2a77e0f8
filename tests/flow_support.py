"""The tab-against-the-emulator scenario shared by the GUI flow and live-results tests.

GOES-18 CONUS 2023-05-01 00:00-02:00: 24 slots; the folder lacks eight of them (``GAPS``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from goesvfi.integrity_check.folder.lock import FETCH_LOCK
from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import png_name, scan_times
from tests.scan_support import gradient_image

START = datetime(2023, 5, 1, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
SAT, SECTOR = SatellitePattern.GOES_18, Sector.CONUS
SLOTS = scan_times(SECTOR, START, END)  # 00:01 ... 01:56, 24 slots
# Missing locally: four in the first hour (older than the CDN cutoff: S3) and four in the second (CDN).
GAPS = [SLOTS[i] for i in (2, 3, 4, 9, 14, 15, 20, 23)]


def write_folder(folder: Path, missing: list[datetime]) -> Path:
    folder.mkdir()
    for slot in SLOTS:
        if slot not in missing:
            # Colour frames of a CDN size: the folder's look is one the CDN serves (a grey folder fetches from S3 only).
            gradient_image("RGB", (416, 250)).save(folder / png_name(SAT, SECTOR, 13, slot))
    return folder


def folder_names(folder: Path) -> set[str]:
    """Every name in the folder but the fetch lock file (which stays, by design: see folder_lock)."""
    return {p.name for p in folder.iterdir()} - {FETCH_LOCK}
