"""Which files cover which expected slots, and the interval detected from file times (vectorised).

A file covers a slot when its time t satisfies ``slot - 30 s <= t < slot + min(step, native cadence) - 30 s``
(``time_index.cover_window``):
the CDN's ``:01`` and S3's ``:01:17.3`` both cover the ``:01`` slot, and with a 30-minute interval a file at
``:06`` covers nothing (it belongs to a slot that is not expected). Times are int64 milliseconds since the
epoch; a year of 5-minute files (105,120) takes a few milliseconds.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from goesvfi.integrity_check.results import IntervalInfo
from goesvfi.integrity_check.scan.fast_names import unpack_key
from goesvfi.integrity_check.time_index import (
    COVER_BEFORE,
    EPOCH,
    MODE6_START,
    ParsedName,
    SatellitePattern,
    Sector,
    matches,
)
from goesvfi.integrity_check.time_index.slots import interval_from_steps

_MS = timedelta(milliseconds=1)
COVER_BEFORE_MS = COVER_BEFORE // _MS  # time_index.cover_window's rule, in milliseconds


def to_ms(dt: datetime) -> int:
    return (dt - EPOCH) // _MS


def matching(keys: np.ndarray, satellite: SatellitePattern, sector: Sector, band: int) -> np.ndarray:
    """A boolean mask of the files whose packed key belongs to the archive (``time_index.matches``)."""
    if not len(keys):
        return np.zeros(0, dtype=bool)
    present = np.flatnonzero(np.bincount(keys))
    table = np.zeros(int(present[-1]) + 1, dtype=bool)
    for key in present.tolist():
        table[key] = matches(ParsedName(EPOCH, *unpack_key(key)), satellite, sector, band)
    return table[keys]


def _most_common_first(values: np.ndarray) -> int:
    """The most common value; among equally common ones the first to appear (as ``Counter.most_common``)."""
    if values.min() >= 0 and values.max() < 1 << 20:
        counts = np.bincount(values)
        candidates = np.flatnonzero(counts == np.max(counts))
        if len(candidates) == 1:
            return int(candidates[0])
        firsts = [int(np.argmax(values == c)) for c in candidates.tolist()]
        return int(candidates[int(np.argmin(firsts))])
    uniq, first, counts = np.unique(values, return_index=True, return_counts=True)
    return int(uniq[np.lexsort((first, -counts))[0]])


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    if len(values) and bool((values[1:] >= values[:-1]).all()):
        keep = np.ones(len(values), dtype=bool)
        keep[1:] = values[1:] != values[:-1]
        return values[keep]
    return np.unique(values)


def detect_interval_ms(times_ms: np.ndarray, default: int, native: int | None = None) -> tuple[int, int | None]:
    """(interval minutes, phase) from millisecond file times, or ``(default, None)`` with fewer than 3 minutes."""
    info = detect_interval_info(times_ms, default, native)
    return info.minutes, info.phase


def detect_interval_info(times_ms: np.ndarray, default: int, native: int | None = None) -> IntervalInfo:
    """The interval, its phase, how many steps support it and whether the folder's steps disagree."""
    minutes = _sorted_unique(times_ms // 60_000)
    if len(minutes) < 3:
        return IntervalInfo(default, None, 0, detected=False)
    values, counts = np.unique(np.diff(minutes), return_counts=True)
    interval, seen, disagree = interval_from_steps(dict(zip(values.tolist(), counts.tolist(), strict=True)), native)
    return IntervalInfo(interval, _most_common_first(minutes % interval), seen, True, disagree)


@dataclass(frozen=True, slots=True)
class SlotRun:
    """A regular run of expected slots: ``count`` slots from ``first_ms`` every ``step_ms``."""

    offset: int  # index of the first slot in the expected list
    first_ms: int
    step_ms: int
    count: int
    window_ms: int  # min(step, native cadence)


def slot_runs(expected: Sequence[datetime], sector: Sector, interval_minutes: int) -> list[SlotRun]:
    """Split ``expected`` (from ``expected_slots``) at the Mode 3 -> Mode 6 change into regular runs."""
    split = bisect_left(expected, MODE6_START)
    runs = []
    for lo, hi in ((0, split), (split, len(expected))):
        if hi <= lo:
            continue
        first = expected[lo]
        cadence = sector.cadence(first)
        step = interval_minutes if interval_minutes > 0 else cadence
        if expected[hi - 1] - first != timedelta(minutes=step * (hi - 1 - lo)):
            raise RuntimeError("expected slots are not a regular run")
        runs.append(SlotRun(lo, to_ms(first), step * 60_000, hi - lo, min(step, cadence) * 60_000))
    return runs


def assign(times_ms: np.ndarray, ranks: np.ndarray, runs: Sequence[SlotRun]) -> tuple[np.ndarray, np.ndarray]:
    """(slot indices, file indices): for every covered slot, the best file covering it.

    Best: the lowest kind rank (canonical PNG, then CDN, NOAA, legacy), then the closest time, then the first
    file in walk order.
    """
    slot_parts, file_parts, dist_parts = [], [], []
    for run in runs:
        rel = times_ms - (run.first_ms - COVER_BEFORE_MS)
        k = rel // run.step_ms
        into = rel - k * run.step_ms
        idx = np.flatnonzero((rel >= 0) & (k < run.count) & (into < run.window_ms))
        slot_parts.append(k[idx] + run.offset)
        file_parts.append(idx)
        dist_parts.append(np.abs(into[idx] - COVER_BEFORE_MS))
    if not slot_parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    slots, files, dist = np.concatenate(slot_parts), np.concatenate(file_parts), np.concatenate(dist_parts)
    if bool((slots[1:] > slots[:-1]).all()):  # one file per slot, in order: the usual case, nothing to choose
        return slots, files
    order = np.lexsort((files, dist, ranks[files], slots))
    slots, files = slots[order], files[order]
    first = np.ones(len(slots), dtype=bool)
    first[1:] = slots[1:] != slots[:-1]
    return slots[first], files[first]
