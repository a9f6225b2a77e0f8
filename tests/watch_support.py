"""The watch scenario shared by the watch loop's tests and the tab's Auto-fetch tests (see tests/test_watch.py).

GOES-18 CONUS 2023-05-01 00:00-03:00, seed 26, 10 % absent per side: 01:01 is absent on both the CDN and S3.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from goesvfi.integrity_check.time_index import SatellitePattern
from tests.names_support import png_time

G18 = SatellitePattern.GOES_18
DAY = datetime(2023, 5, 1, tzinfo=UTC)


def hm(text: str) -> datetime:
    h, m = map(int, text.split(":"))
    return DAY.replace(hour=h, minute=m)


def slots_from(first: str, count: int) -> set[datetime]:
    return {hm(first) + timedelta(minutes=5 * i) for i in range(count)}


ABSENT_EVERYWHERE = hm("01:01")


def frames(folder: Path) -> set[datetime]:
    out = set()
    for name in os.listdir(folder):
        when = png_time(name)
        if when is not None:
            out.add(when)
    return out


def leftovers(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if ".part-" in n]
