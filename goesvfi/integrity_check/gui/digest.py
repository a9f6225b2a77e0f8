"""Plain-Python work the view model runs off the Qt thread: result digests, folder sampling, core imports.

No Qt here, so these run in worker threads (``asyncio.to_thread``) without touching widgets.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import overload

import numpy as np

from goesvfi.integrity_check.results import Damage, Gap, ScanResult, SlotResult, SlotStatus, Source, find_gaps
from goesvfi.integrity_check.time_index import SatellitePattern, Sector, parse_name

_PATH = type(Path())  # PosixPath / WindowsPath: skips Path's per-call class dispatch

STATUS_ORDER: tuple[SlotStatus, ...] = tuple(SlotStatus)  # index in ``ResultsDigest.statuses``
SOURCE_ORDER: tuple[Source | None, ...] = (None, *Source)  # index in ``SlotList.sources``
_STATUS_INDEX = {status: i for i, status in enumerate(STATUS_ORDER)}
_SOURCE_INDEX = {source: i for i, source in enumerate(SOURCE_ORDER)}
_CACHED = 2048  # slots a SlotList keeps built (the rows on screen ask for theirs many times per repaint)


class SlotList(Sequence[SlotResult]):
    """An immutable sequence of slots stored as columns; a :class:`SlotResult` is built when one is read.

    The window keeps the results of a 100,000-slot scan for as long as they are shown. As 100,000
    ``SlotResult`` objects, each with a ``Path`` (and the path's list of parts), they were 300,000 objects that
    every full garbage collection walked, holding the GIL for 60-130 ms (in whichever thread triggered it: a
    stall of the window). As columns (numpy arrays, and lists of strings the collector does not visit) they are
    a handful of objects. Slots of another satellite, sector or band than the first (never, from one scan) are
    kept whole in ``odd``.
    """

    __slots__ = (
        "_cache",
        "band",
        "errors",
        "looks",
        "odd",
        "paths",
        "remotes",
        "satellite",
        "sector",
        "sources",
        "statuses",
        "times",
    )  # fmt: skip

    def __init__(
        self,
        satellite: SatellitePattern,
        sector: Sector,
        band: int,
        times: list[datetime],
        statuses: np.ndarray,
        sources: np.ndarray,
        paths: list[str | None],
        remotes: list[str | None],
        errors: list[str | None],
        looks: list[str | None],
        odd: dict[int, SlotResult] | None = None,
    ) -> None:
        self.satellite, self.sector, self.band = satellite, sector, band
        self.times = times  # aware UTC datetimes, time order
        self.statuses = statuses  # uint8 index into STATUS_ORDER
        self.sources = sources  # uint8 index into SOURCE_ORDER
        self.paths, self.remotes, self.errors, self.looks = paths, remotes, errors, looks
        self.odd: dict[int, SlotResult] = odd or {}
        self._cache: dict[int, SlotResult] = {}

    @classmethod
    def from_results(cls, results: Sequence[SlotResult]) -> SlotList:
        if isinstance(results, SlotList):
            return results
        first = results[0] if results else None
        satellite = first.satellite if first is not None else SatellitePattern.GENERIC
        sector = first.sector if first is not None else Sector.CONUS
        band = first.band if first is not None else 13
        n = len(results)
        out = cls(satellite, sector, band, [r.timestamp for r in results], np.zeros(n, np.uint8),
                  np.zeros(n, np.uint8), [None] * n, [None] * n, [None] * n, [None] * n)  # fmt: skip
        for i, result in enumerate(results):
            out._put(i, result)
        return out

    def _put(self, i: int, result: SlotResult) -> None:
        """Store ``result`` at ``i`` (construction and :meth:`replaced` only: the list is immutable after)."""
        self.times[i] = result.timestamp
        self.statuses[i] = _STATUS_INDEX[result.status]
        self.sources[i] = _SOURCE_INDEX[result.source]
        self.paths[i] = None if result.path is None else str(result.path)
        self.remotes[i], self.errors[i], self.looks[i] = result.remote, result.error, result.look
        if (result.satellite, result.sector, result.band) != (self.satellite, self.sector, self.band):
            self.odd[i] = result
        else:
            self.odd.pop(i, None)

    def replaced(self, changes: dict[int, SlotResult]) -> SlotList:
        """A new list with the slots at the given positions replaced (this one stays as it was)."""
        out = SlotList(self.satellite, self.sector, self.band, list(self.times), self.statuses.copy(),
                       self.sources.copy(), list(self.paths), list(self.remotes), list(self.errors),
                       list(self.looks), dict(self.odd))  # fmt: skip
        for i, result in changes.items():
            out._put(i, result)
        return out

    def key(self, i: int) -> tuple[datetime, SatellitePattern, Sector, int]:
        """(timestamp, satellite, sector, band) of slot ``i``, without building it."""
        odd = self.odd.get(i)
        if odd is not None:
            return odd.timestamp, odd.satellite, odd.sector, odd.band
        return self.times[i], self.satellite, self.sector, self.band

    def __len__(self) -> int:
        return len(self.times)

    @overload
    def __getitem__(self, i: int) -> SlotResult: ...
    @overload
    def __getitem__(self, i: slice) -> list[SlotResult]: ...
    def __getitem__(self, i: int | slice) -> SlotResult | list[SlotResult]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self.times)
        if not 0 <= i < len(self.times):
            raise IndexError("slot index out of range")
        built = self._cache.get(i)
        if built is not None:
            return built
        built = self._build(i)
        if len(self._cache) >= _CACHED:
            self._cache.clear()
        self._cache[i] = built
        return built

    def __iter__(self) -> Iterator[SlotResult]:
        for i in range(len(self.times)):
            yield self._build(i)

    def _build(self, i: int) -> SlotResult:
        odd = self.odd.get(i)
        if odd is not None:
            return odd
        path = self.paths[i]
        return SlotResult(
            self.times[i], self.satellite, self.sector, self.band, STATUS_ORDER[self.statuses[i]],
            SOURCE_ORDER[self.sources[i]], None if path is None else _PATH(path), self.remotes[i], self.errors[i],
            self.looks[i],
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SlotList({len(self)} slots)"


@dataclass(frozen=True, slots=True)
class ResultsDigest:
    """Everything the widgets need about a list of slots, computed once off the event loop."""

    slots: SlotList
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
        return self.counts[SlotStatus.MISSING] + self.counts[SlotStatus.FAILED] + self.counts[SlotStatus.DAMAGED]


def unresolved_scan(scan: ScanResult, slots: Sequence[SlotResult]) -> ScanResult:
    """``scan`` with what ``slots`` (the latest results) still lack as its missing list: fetching it again
    retries what failed, and frames fetched since count as present. Blocking at 100,000 slots (it builds the
    scan's paths): run it in a worker thread."""
    columns = SlotList.from_results(slots)
    codes, times = columns.statuses, columns.times
    fetched = np.flatnonzero(codes == _STATUS_INDEX[SlotStatus.FETCHED]).tolist()
    unresolved = np.isin(codes, [_STATUS_INDEX[s] for s in (SlotStatus.MISSING, SlotStatus.FAILED, SlotStatus.DAMAGED)])
    done = {times[i]: _PATH(p) for i in fetched if (p := columns.paths[i]) is not None}
    missing = [times[i] for i in np.flatnonzero(unresolved).tolist()]
    unavailable_at = np.flatnonzero(codes == _STATUS_INDEX[SlotStatus.UNAVAILABLE]).tolist()
    unavailable = {times[i]: columns.errors[i] or "" for i in unavailable_at}
    existing = {ts: _PATH(p) for ts, p in scan.existing_strings().items()}
    return ScanResult(
        query=scan.query,
        expected=scan.expected,
        existing={**existing, **done},
        missing=missing,
        warnings=list(scan.warnings),
        unavailable=unavailable,  # not tried again: no NOAA source has them
        availability_checked=scan.availability_checked,
        interval_info=scan.interval_info,
        damaged=_still(scan.damaged, missing),
        not_frames=dict(scan.not_frames),
        folder_look=scan.folder_look,
        off_look=list(scan.off_look),
        looked=scan.looked,
    )


def _still(damaged: dict[datetime, Damage], missing: list[datetime]) -> dict[datetime, Damage]:
    """The damaged slots that are still unresolved."""
    if not damaged:
        return {}
    unresolved = set(missing)
    return {ts: d for ts, d in damaged.items() if ts in unresolved}


def update_digest(digest: ResultsDigest, results: list[SlotResult]) -> tuple[ResultsDigest, np.ndarray] | None:
    """``digest`` with ``results`` (slots a running fetch finished) in place of its slots of the same time,
    satellite, sector and band, and the positions that changed (ascending); None when none matched.

    A new digest (the old one may still be on screen); times and step stay. Cheap enough for the GUI thread at
    100,000 slots: a few list copies, a few numpy passes, and one Gap per gap.
    """
    slots = digest.slots
    if not len(slots) or not results:
        return None
    keys = np.fromiter((r.timestamp.timestamp() for r in results), dtype=np.float64, count=len(results))
    positions = np.searchsorted(digest.times, keys).tolist()
    changes: dict[int, SlotResult] = {}
    for result, i in zip(results, positions, strict=True):
        if i >= len(slots):
            continue
        if slots.key(i) == (result.timestamp, result.satellite, result.sector, result.band):
            changes[i] = result
    if not changes:
        return None
    new_slots = slots.replaced(changes)
    statuses = new_slots.statuses
    tally = np.bincount(statuses, minlength=len(STATUS_ORDER))
    counts = {status: int(tally[i]) for i, status in enumerate(STATUS_ORDER)}
    bad = np.isin(statuses, [_STATUS_INDEX[SlotStatus.MISSING], _STATUS_INDEX[SlotStatus.FAILED]]).astype(np.int8)
    edges = np.diff(np.concatenate(([0], bad, [0])))
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    times = new_slots.times
    gaps = [Gap(times[a], times[b], b - a + 1) for a, b in zip(firsts.tolist(), lasts.tolist(), strict=True)]
    updated = ResultsDigest(new_slots, digest.times, statuses, counts, gaps, digest.step)
    return updated, np.asarray(sorted(changes), dtype=np.intp)


def digest_slots(slots: Sequence[SlotResult]) -> ResultsDigest:
    """The digest of ``slots`` (time order), kept as columns (:class:`SlotList`)."""
    return _digest(SlotList.from_results(slots))


def digest_scan(scan: ScanResult) -> ResultsDigest:
    """The digest of a scan's slots, built from its columns: no ``Path`` nor ``SlotResult`` per slot (the same
    slots as ``digest_slots(scan.slots())``)."""
    times = list(scan.expected)
    n = len(times)
    existing = scan.existing_strings()
    paths = [existing.get(ts) for ts in times]
    present = np.fromiter((p is not None for p in paths), dtype=bool, count=n)
    statuses = np.full(n, _STATUS_INDEX[SlotStatus.MISSING], dtype=np.uint8)
    errors: list[str | None] = [None] * n
    if scan.unavailable:
        position = {ts: i for i, ts in enumerate(times)}
        for ts, reason in scan.unavailable.items():
            i = position.get(ts)
            if i is not None and not present[i]:
                statuses[i] = _STATUS_INDEX[SlotStatus.UNAVAILABLE]
                errors[i] = reason
    statuses[present] = _STATUS_INDEX[SlotStatus.PRESENT]
    if scan.damaged:  # a file covers the slot, but not a whole frame: shown with its path and why
        position = {ts: i for i, ts in enumerate(times)}
        for ts, damage in scan.damaged.items():
            i = position[ts]
            statuses[i], paths[i], errors[i] = _STATUS_INDEX[SlotStatus.DAMAGED], str(damage.path), damage.reason
            present[i] = True
    sources = np.where(present, _SOURCE_INDEX[Source.LOCAL], _SOURCE_INDEX[None]).astype(np.uint8)
    columns = SlotList(scan.satellite, scan.sector, scan.band, times, statuses, sources, paths, [None] * n, errors,
                       [None] * n)  # fmt: skip
    return _digest(columns)


def _digest(slots: SlotList) -> ResultsDigest:
    times = np.fromiter((t.timestamp() for t in slots.times), dtype=np.float64, count=len(slots))
    statuses = slots.statuses
    counts = {status: int(np.count_nonzero(statuses == i)) for i, status in enumerate(STATUS_ORDER)}
    bad = np.isin(statuses, [_STATUS_INDEX[s] for s in (SlotStatus.MISSING, SlotStatus.FAILED, SlotStatus.DAMAGED)])
    gaps = find_gaps(slots.times, {slots.times[i] for i in np.flatnonzero(bad).tolist()})
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
REMOTE_SCAN_MODULES = ("remote.availability", "remote.cdn_store", "remote.s3_store")  # a scan that asks NOAA
FETCH_MODULES = ("remote.cdn_store", "remote.s3_store", "render.netcdf", "render.cdn_jpeg", "report")


def preload(modules: tuple[str, ...]) -> None:
    """Import core modules (and their heavy dependencies: botocore, netCDF4, PIL ...) in a worker thread.

    The core imports them lazily where it first needs them, which would be on the GUI thread, a freeze of up to
    a second on the first fetch. Importing them here first makes those later imports instant.
    """
    package = __name__.rsplit(".", 2)[0]
    for name in modules:  # remote.s3_store: aiohttp's import also builds its default SSL contexts (CA certificates)
        importlib.import_module(f"{package}.{name}")
    # aioboto3 and what a first S3 client imports are imported by the S3 store itself, in a worker thread, before
    # its first client (remote.s3_store._prepare_clients).


@dataclass(frozen=True, slots=True)
class LookView:
    """What the tab shows of the folder's look (the view model makes it from a ``look.decide.LookCheck``): ``look``
    described (``2500x1500 RGB star``; None without frames or default), the mismatched frames, their count and a
    tooltip for their rows."""

    look: str | None
    mismatched: frozenset[Path]
    count: int
    note: str


def with_looks(slots: Sequence[SlotResult], look: LookView | None) -> list[SlotResult]:
    """``slots`` with the CSV's ``look`` column as the command line writes it: ``ok`` or ``mismatch`` for every
    slot with a frame in the folder (fetched frames are written in the folder's look), empty without one. Before
    the look check has finished (``look`` None) only fetched frames are known to match."""
    out = []
    for slot in slots:
        value = slot.look
        if slot.path is not None and slot.status in (SlotStatus.PRESENT, SlotStatus.FETCHED):
            if look is not None:
                value = "mismatch" if slot.path in look.mismatched else "ok"
            elif slot.status is SlotStatus.FETCHED:
                value = "ok"
        out.append(slot if value == slot.look else dataclasses.replace(slot, look=value))
    return out
