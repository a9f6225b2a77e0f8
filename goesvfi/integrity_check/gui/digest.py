"""Plain-Python work the view model runs off the Qt thread: result digests, folder sampling, core imports.

No Qt here, so these run in worker threads (``asyncio.to_thread``) without touching widgets.
"""

from __future__ import annotations

import importlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from goesvfi.integrity_check.results import Gap, ScanResult, SlotResult, SlotStatus, find_gaps
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, parse_name

STATUS_ORDER: tuple[SlotStatus, ...] = tuple(SlotStatus)  # index in ``ResultsDigest.statuses``


@dataclass(frozen=True, slots=True)
class ResultsDigest:
    """Everything the widgets need about a list of slots, computed once off the event loop."""

    slots: list[SlotResult]
    times: np.ndarray  # float64 epoch seconds, time order
    statuses: np.ndarray  # uint8 index into STATUS_ORDER
    counts: dict[SlotStatus, int]
    gaps: list[Gap]  # runs of slots still missing or failed
    step: float  # seconds between slots (median spacing; 300 when there are fewer than two)

    @property
    def longest_gap(self) -> Gap | None:
        return max(self.gaps, key=lambda g: (g.count, -g.start.timestamp()), default=None)

    @property
    def unresolved(self) -> int:
        return self.counts[SlotStatus.MISSING] + self.counts[SlotStatus.FAILED]


def unresolved_scan(scan: ScanResult, slots: list[SlotResult]) -> ScanResult:
    """``scan`` with what ``slots`` (the latest results) still lack as its missing list: fetching it again
    retries what failed, and frames fetched since count as present."""
    done = {s.timestamp: s.path for s in slots if s.status is SlotStatus.FETCHED and s.path is not None}
    missing = [s.timestamp for s in slots if s.status in (SlotStatus.MISSING, SlotStatus.FAILED)]
    unavailable = {s.timestamp: s.error or "" for s in slots if s.status is SlotStatus.UNAVAILABLE}
    return ScanResult(
        satellite=scan.satellite,
        sector=scan.sector,
        band=scan.band,
        start=scan.start,
        end=scan.end,
        interval_minutes=scan.interval_minutes,
        expected=scan.expected,
        existing={**scan.existing, **done},
        missing=missing,
        warnings=list(scan.warnings),
        unavailable=unavailable,  # not tried again: no NOAA source has them
        availability_checked=scan.availability_checked,
        interval_info=scan.interval_info,
    )


def update_digest(digest: ResultsDigest, results: list[SlotResult]) -> tuple[ResultsDigest, np.ndarray] | None:
    """``digest`` with ``results`` (slots a running fetch finished) in place of its slots of the same time,
    satellite, sector and band, and the positions that changed (ascending); None when none matched.

    A new digest (the old one may still be on screen); times and step stay. Cheap enough for the GUI thread at
    100,000 slots: a list copy, a few numpy passes, and one Gap per gap.
    """
    slots = digest.slots
    if not slots or not results:
        return None
    keys = np.fromiter((r.timestamp.timestamp() for r in results), dtype=np.float64, count=len(results))
    positions = np.searchsorted(digest.times, keys).tolist()
    index = {status: i for i, status in enumerate(STATUS_ORDER)}
    new_slots = list(slots)
    statuses = digest.statuses.copy()
    changed: list[int] = []
    for result, i in zip(results, positions, strict=True):
        if i >= len(slots):
            continue
        old = slots[i]
        if (old.timestamp, old.satellite, old.sector, old.band) == (
            result.timestamp,
            result.satellite,
            result.sector,
            result.band,
        ):
            new_slots[i] = result
            statuses[i] = index[result.status]
            changed.append(i)
    if not changed:
        return None
    tally = np.bincount(statuses, minlength=len(STATUS_ORDER))
    counts = {status: int(tally[i]) for i, status in enumerate(STATUS_ORDER)}
    bad = np.isin(statuses, [index[SlotStatus.MISSING], index[SlotStatus.FAILED]]).astype(np.int8)
    edges = np.diff(np.concatenate(([0], bad, [0])))
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    gaps = [
        Gap(new_slots[a].timestamp, new_slots[b].timestamp, b - a + 1)
        for a, b in zip(firsts.tolist(), lasts.tolist(), strict=True)
    ]
    updated = ResultsDigest(new_slots, digest.times, statuses, counts, gaps, digest.step)
    return updated, np.unique(np.asarray(changed, dtype=np.intp))


def digest_slots(slots: list[SlotResult]) -> ResultsDigest:
    times = np.fromiter((s.timestamp.timestamp() for s in slots), dtype=np.float64, count=len(slots))
    index = {status: i for i, status in enumerate(STATUS_ORDER)}
    statuses = np.fromiter((index[s.status] for s in slots), dtype=np.uint8, count=len(slots))
    counts = {status: int(np.count_nonzero(statuses == i)) for i, status in enumerate(STATUS_ORDER)}
    bad = (SlotStatus.MISSING, SlotStatus.FAILED)
    gaps = find_gaps([s.timestamp for s in slots], [s.timestamp for s in slots if s.status in bad])
    spacing = np.diff(times)
    step = float(np.median(spacing)) if spacing.size else 300.0
    return ResultsDigest(slots, times, statuses, counts, gaps, step)


@dataclass(frozen=True, slots=True)
class ArchiveGuess:
    """The most common satellite, sector and band among a folder's parsed file names."""

    satellite: SatellitePattern | None
    sector: Sector | None
    band: int | None
    files: int  # names that parsed


def sample_archive(directory: Path, limit: int = 5000) -> ArchiveGuess:
    """Parse up to ``limit`` file names under ``directory`` (breadth first) and take the most common values."""
    satellites: Counter[SatellitePattern] = Counter()
    sectors: Counter[Sector] = Counter()
    bands: Counter[int] = Counter()
    parsed_count = 0
    pending = [directory]
    seen = 0
    while pending and seen < limit:
        folder = pending.pop(0)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                        continue
                    seen += 1
                    parsed = parse_name(entry.name)
                    if parsed is not None:
                        parsed_count += 1
                        if parsed.satellite is not SatellitePattern.GENERIC:
                            satellites[parsed.satellite] += 1
                        if parsed.sector is not None:
                            sectors[parsed.sector] += 1
                        if parsed.band is not None:
                            bands[parsed.band] += 1
                    if seen >= limit:
                        break
        except OSError:
            continue

    return ArchiveGuess(
        satellites.most_common(1)[0][0] if satellites else None,
        sectors.most_common(1)[0][0] if sectors else None,
        bands.most_common(1)[0][0] if bands else None,
        parsed_count,
    )


SCAN_MODULES = ("cache.db", "scan.reconciler", "fetch.manager")
FETCH_MODULES = ("remote.cdn_store", "remote.s3_store", "render.netcdf", "render.cdn_jpeg", "report")


def preload(modules: tuple[str, ...]) -> None:
    """Import core modules (and their heavy dependencies: botocore, netCDF4, PIL ...) in a worker thread.

    The core imports them lazily where it first needs them, which would be on the GUI thread, a freeze of up to
    a second on the first fetch. Importing them here first makes those later imports instant.
    """
    package = __name__.rsplit(".", 2)[0]
    for name in modules:
        importlib.import_module(f"{package}.{name}")
    if "remote.s3_store" in modules:
        importlib.import_module("aioboto3")  # imported by the S3 store only when its first client is made


@dataclass(frozen=True, slots=True)
class LookView:
    """What the tab shows of the folder's look (the view model makes it from a ``scan.look.LookCheck``): ``look``
    described (``2500x1500 RGB star``; None without frames or default), the mismatched frames, their count and a
    tooltip for their rows."""

    look: str | None
    mismatched: frozenset[Path]
    count: int
    note: str
