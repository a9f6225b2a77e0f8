"""The archive scenario shared by the view model's and the tab's tests: a folder of canonical names, three absent.

GOES-18 CONUS 2026-11-27 00:00-02:00 (24 slots), the clock at 2026-11-28 12:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from goesvfi.integrity_check.time_index import SatellitePattern, Sector
from tests.names_support import png_name
from tests.scan_support import write_frame

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
# CONUS Mode 6 slots start at :01, :06 ...: 00:01 .. 01:56 is 24 slots. Three are removed below.
REMOVED = [datetime(2026, 11, 27, 0, 11, tzinfo=UTC), datetime(2026, 11, 27, 0, 16, tzinfo=UTC),
           datetime(2026, 11, 27, 1, 1, tzinfo=UTC)]  # fmt: skip


def write_archive(
    folder: Path,
    satellite: SatellitePattern = SatellitePattern.GOES_18,
    sector: Sector = Sector.CONUS,
    start: datetime = START,
    count: int = 24,
    skip: tuple[datetime, ...] = tuple(REMOVED),
) -> Path:
    """Small whole frames under canonical names for ``count`` slots minus ``skip``."""
    folder.mkdir(parents=True, exist_ok=True)
    step = 5 if sector is Sector.CONUS else 10
    first = start + timedelta(minutes=1 if sector is Sector.CONUS else 0)
    for i in range(count):
        when = first + timedelta(minutes=step * i)
        if when not in skip:
            write_frame(folder / png_name(satellite, sector, 13, when))
    return folder
