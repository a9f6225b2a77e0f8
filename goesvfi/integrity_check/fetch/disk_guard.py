"""Disk guard: stop starting downloads before free space on the target drops under a threshold.

Each download reserves an estimate of the bytes it will hold on disk at its peak (the downloaded file plus
the PNG written from it). A download may start only when ``free - reserved - estimate >= threshold``, where
``reserved`` counts the downloads still running, so eight concurrent downloads cannot each see the same free
space. Once the guard trips it stays tripped for the rest of the fetch.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from goesvfi.integrity_check.results import Source
from goesvfi.integrity_check.time_index import Sector
from goesvfi.integrity_check.units import format_bytes

DiskFree = Callable[[Path], int]
MB = 1024**2

# Bytes on disk at the peak of one frame: (download, PNG written from it). Used when the listing gives no size.
# CDN JPGs: CONUS 2500x1500 is a few hundred KB, FD 1808x1808 about 1 MB; PNGs of them are larger (RGB).
# S3 NetCDF: RadC band 13 a few MB, RadF about 30 MB, meso well under 1 MB; greyscale PNG at native size.
_GUESS: dict[tuple[Source, Sector], tuple[int, int]] = {
    (Source.CDN, Sector.CONUS): (1 * MB, 6 * MB),
    (Source.CDN, Sector.FULL_DISK): (2 * MB, 8 * MB),
    (Source.S3, Sector.CONUS): (6 * MB, 4 * MB),
    (Source.S3, Sector.FULL_DISK): (40 * MB, 30 * MB),
    (Source.S3, Sector.MESO1): (1 * MB, 1 * MB),
    (Source.S3, Sector.MESO2): (1 * MB, 1 * MB),
}
_PNG_PER_DOWNLOADED_BYTE = {Source.CDN: 6.0, Source.S3: 1.0}


def estimate_bytes(source: Source, sector: Sector, size: int | None) -> int:
    """Peak bytes one frame needs on disk: the download (``size`` when listed) plus its PNG."""
    download, png = _GUESS.get((source, sector), (40 * MB, 30 * MB))
    if size is not None and size > 0:
        return size + max(png, int(size * _PNG_PER_DOWNLOADED_BYTE[source]))
    return download + png


def default_disk_free(path: Path) -> int:
    return shutil.disk_usage(path).free


class DiskSpaceError(Exception):
    """Not enough free space on the target: ``str(error)`` is the message for the user."""

    def __init__(self, path: Path, free: int, threshold: int) -> None:
        super().__init__(
            f"Stopped: only {format_bytes(max(0, free))} free on {path} (threshold {format_bytes(threshold)})"
        )
        self.path = path
        self.free = free
        self.threshold = threshold
        self.report: object | None = None  # the ReconcileManager's report, when it raises this


class DiskGuard:
    """Free-space accounting for one fetch into ``directory``."""

    def __init__(self, directory: Path, threshold: int, disk_free: DiskFree | None = None) -> None:
        self.directory = directory
        self.threshold = threshold
        self._disk_free = disk_free or default_disk_free
        self._reserved = 0
        self.tripped: DiskSpaceError | None = None

    def check_start(self) -> DiskSpaceError | None:
        """Before the fetch: trip when the target is already under the threshold."""
        free = self._disk_free(self.directory)
        if free < self.threshold:
            self.tripped = DiskSpaceError(self.directory, free, self.threshold)
        return self.tripped

    def reserve(self, estimate: int) -> bool:
        """Before one download: reserve ``estimate`` bytes, or trip the guard and return False."""
        if self.tripped is not None:
            return False
        free = self._disk_free(self.directory)
        if free - self._reserved - estimate < self.threshold:
            self.tripped = DiskSpaceError(self.directory, free - self._reserved, self.threshold)
            return False
        self._reserved += estimate
        return True

    def release(self, estimate: int) -> None:
        self._reserved = max(0, self._reserved - estimate)
