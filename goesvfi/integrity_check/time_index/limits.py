"""Bounds on what a server may send (issue 14): image shapes per sector and band, and byte caps derived from them.

Pure: no I/O. A frame, index page or listing past its cap is refused with a message naming the limit, so a
hostile or broken server can neither fill the disk nor grow the process.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from goesvfi.integrity_check.time_index.bands import band_facts
from goesvfi.integrity_check.time_index.satellites import Sector

MIB = 1024 * 1024


MAX_INDEX_BYTES = 32 * MIB
"""A STAR CDN band folder's index page (measured: a few MB for ~10 days of frames at every size)."""
MAX_LISTING_KEYS = 100_000
"""Keys in one S3 hour prefix (all 16 bands of both meso sectors: about 2,000 per hour)."""
MAX_LISTING_PAGES = 200
"""ListObjectsV2 pages for one hour prefix (NOAA's pages hold up to 1,000 keys)."""


def abi_shape(sector: Sector, band: int) -> tuple[int, int]:
    """(rows, columns) of the ``Rad`` variable of an ABI L1b file of ``sector`` and ``band`` (the band table's
    native size, which scales with the band's resolution)."""
    width, height = band_facts(band).native_size(sector)
    return height, width


def max_netcdf_bytes(sector: Sector, band: int) -> int:
    """Largest S3 NetCDF accepted: ``Rad`` (16 bits) and ``DQF`` (8 bits) stored uncompressed, plus 16 MB of
    metadata. Real files are zlib-compressed to a fraction of that (RadC band 13: a few MB of this 27 MB cap)."""
    rows, cols = abi_shape(sector, band)
    return rows * cols * 3 + 16 * MIB


def max_jpeg_bytes(size: tuple[int, int]) -> int:
    """Largest CDN JPG accepted for ``(width, height)``: 2 bytes per pixel (4x a very high quality JPEG; STAR's
    2500x1500 frames are under 1 MB of this 7.5 MB cap), at least 1 MB."""
    return max(MIB, size[0] * size[1] * 2)


# ---- time ranges ----------------------------------------------------------------------------------------

ERA_START = datetime(2017, 1, 1, tzinfo=UTC)
"""No GOES-R series ABI data exists before this (GOES-16's archive starts on 2017-02-28)."""
ERA_END = datetime(2040, 1, 1, tzinfo=UTC)
"""The GOES-R series is planned to operate into the late 2030s; a range past this is a typo."""
MAX_SLOTS = 600_000
"""Expected frames in one scan or fetch: about 5.7 years of 5-minute CONUS slots, 417 days of 1-minute meso.
Larger ranges (ten years of meso: 5.3 million slots) are refused with a message saying how to split them, which
keeps a run's memory bounded: measured, a fetch of 1.05 million slots peaked at 941 MB with every request
refused, so a run at this cap stays well under 1 GB with its listings."""


def check_range(sector: Sector, start: datetime, end: datetime, interval_minutes: int = 0) -> int:
    """Raise ValueError (one line naming the limit and how to split) when [start, end) lies outside the GOES-R
    era or holds more than :data:`MAX_SLOTS` expected frames; return the upper bound on the slot count.
    Arithmetic only: nothing is built."""
    if start < ERA_START or end > ERA_END:
        raise ValueError(
            f"the range {start.date().isoformat()} -> {end.date().isoformat()} lies outside the GOES-R era: "
            f"ABI data exists from {ERA_START:%Y-%m-%d} (GOES-16) on, and ranges may end by {ERA_END:%Y-%m-%d}"
        )
    step = interval_minutes if interval_minutes > 0 else min(sector.cadence(start), sector.cadence(end))
    minutes = (end - start).total_seconds() / 60
    count = int(minutes // step) + 1
    if count > MAX_SLOTS:
        days = int(MAX_SLOTS * step / 1440)
        raise ValueError(
            f"the range holds about {count:,} expected frames (every {step} min), more than the limit of "
            f"{MAX_SLOTS:,} per run: split it into ranges of at most {days:,} days "
            f"(e.g. --start {start:%Y-%m-%d} --end {start + timedelta(days=days):%Y-%m-%d}), "
            "or give a longer --interval"
        )
    return count
