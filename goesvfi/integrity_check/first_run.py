"""Defaults that let a fresh install work with no choices: the operational satellite, a per-user archive folder,
and what a scan of that folder says before the first fetch has created it.

Pure: no Qt, and nothing here touches the disk.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from goesvfi.integrity_check.query import ArchiveQuery
from goesvfi.integrity_check.results import IntervalInfo, ScanResult
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, expected_slots, to_utc

ARCHIVE_ENV = "GOESVFI_ARCHIVE_DIR"  # the folder holding <satellite>/<sector> (default ~/GOES)
DEFAULT_POSITION = "East"


def operational_satellite(position: str, when: datetime) -> SatellitePattern:
    """The satellite serving ``position`` ("East" or "West") at ``when``: of those with that role and ABI data
    at ``when``, the one that started last (GOES-19 East and GOES-18 West since 2025-04-07)."""
    when = to_utc(when)
    role = position.strip().capitalize()
    candidates = [s for s in SatellitePattern.real() if s.role == role]
    if not candidates:
        raise ValueError(f"unknown position {position!r}: use East or West")
    serving = [s for s in candidates if s.has_data_at(when)] or candidates

    def started(satellite: SatellitePattern) -> datetime:
        first = satellite.served[0]
        return first if first is not None else when

    return max(serving, key=started)


def archive_root(env: dict[str, str] | None = None) -> Path:
    """``$GOESVFI_ARCHIVE_DIR``, else ``~/GOES``."""
    value = (os.environ if env is None else env).get(ARCHIVE_ENV, "").strip()
    return Path(value).expanduser() if value else Path.home() / "GOES"


def default_archive_folder(satellite: SatellitePattern, sector: Sector, env: dict[str, str] | None = None) -> Path:
    """The per-user folder for one archive: ``~/GOES/goes19/conus``."""
    return archive_root(env) / satellite.value / sector.value


def documents_folder() -> Path:
    """The user's documents folder when it exists, else the home folder: where reports are offered."""
    import platformdirs

    documents = Path(platformdirs.user_documents_dir())
    return documents if documents.is_dir() else Path.home()


def empty_scan(query: ArchiveQuery) -> ScanResult:
    """What a scan of an empty folder finds: every expected slot missing (the sector's schedule, or
    ``query.interval_minutes``). Used for the default folder before the first fetch creates it."""
    interval = query.interval_minutes
    info = None
    if interval > 0:
        expected = expected_slots(query.sector, query.start, query.end, interval)
    else:  # as a scan with too few files to detect an interval: the sector's schedule
        expected = expected_slots(query.sector, query.start, query.end)
        interval = query.sector.cadence(query.start)
        info = IntervalInfo(interval, None, 0, detected=False)
    warning = query.coverage_warning()
    return ScanResult(
        query=query.with_interval(interval),
        expected=expected,
        existing={},
        missing=list(expected),
        warnings=[warning] if warning else [],
        interval_info=info,
    )
