"""ResultsDigest: what the views need about a list of slots (times, statuses, counts, gaps), computed once off
the event loop, and updated in place as a fetch finishes slots.

No Qt here, so these run in worker threads (``asyncio.to_thread``) without touching widgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from goesvfi.integrity_check.gui.slot_list import PATH_TYPE, SOURCE_INDEX, STATUS_INDEX, STATUS_ORDER, SlotList
from goesvfi.integrity_check.results import Damage, Gap, ScanResult, SlotResult, SlotStatus, Source, find_gaps


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
    fetched = np.flatnonzero(codes == STATUS_INDEX[SlotStatus.FETCHED]).tolist()
    unresolved = np.isin(codes, [STATUS_INDEX[s] for s in (SlotStatus.MISSING, SlotStatus.FAILED, SlotStatus.DAMAGED)])
    done = {times[i]: PATH_TYPE(p) for i in fetched if (p := columns.paths[i]) is not None}
    missing = [times[i] for i in np.flatnonzero(unresolved).tolist()]
    unavailable_at = np.flatnonzero(codes == STATUS_INDEX[SlotStatus.UNAVAILABLE]).tolist()
    unavailable = {times[i]: columns.errors[i] or "" for i in unavailable_at}
    existing = {ts: PATH_TYPE(p) for ts, p in scan.existing_strings().items()}
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
    bad = np.isin(statuses, [STATUS_INDEX[SlotStatus.MISSING], STATUS_INDEX[SlotStatus.FAILED]]).astype(np.int8)
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
    statuses = np.full(n, STATUS_INDEX[SlotStatus.MISSING], dtype=np.uint8)
    errors: list[str | None] = [None] * n
    if scan.unavailable:
        position = {ts: i for i, ts in enumerate(times)}
        for ts, reason in scan.unavailable.items():
            i = position.get(ts)
            if i is not None and not present[i]:
                statuses[i] = STATUS_INDEX[SlotStatus.UNAVAILABLE]
                errors[i] = reason
    statuses[present] = STATUS_INDEX[SlotStatus.PRESENT]
    if scan.damaged:  # a file covers the slot, but not a whole frame: shown with its path and why
        position = {ts: i for i, ts in enumerate(times)}
        for ts, damage in scan.damaged.items():
            i = position[ts]
            statuses[i], paths[i], errors[i] = STATUS_INDEX[SlotStatus.DAMAGED], str(damage.path), damage.reason
            present[i] = True
    sources = np.where(present, SOURCE_INDEX[Source.LOCAL], SOURCE_INDEX[None]).astype(np.uint8)
    columns = SlotList(
        scan.satellite, scan.sector, scan.band, times, statuses, sources, paths, [None] * n, errors, [None] * n
    )
    return _digest(columns)


def _digest(slots: SlotList) -> ResultsDigest:
    times = np.fromiter((t.timestamp() for t in slots.times), dtype=np.float64, count=len(slots))
    statuses = slots.statuses
    counts = {status: int(np.count_nonzero(statuses == i)) for i, status in enumerate(STATUS_ORDER)}
    bad = np.isin(statuses, [STATUS_INDEX[s] for s in (SlotStatus.MISSING, SlotStatus.FAILED, SlotStatus.DAMAGED)])
    gaps = find_gaps(slots.times, {slots.times[i] for i in np.flatnonzero(bad).tolist()})
    spacing = np.diff(times)
    step = float(np.median(spacing)) if spacing.size else 300.0
    return ResultsDigest(slots, times, statuses, counts, gaps, step)
