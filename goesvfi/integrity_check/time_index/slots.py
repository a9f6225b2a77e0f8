"""Expected scan times for a range, and interval/phase detection from file times. Pure."""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from goesvfi.integrity_check.time_index.satellites import EPOCH, MODE6_START, Sector, to_utc

COVER_BEFORE = timedelta(seconds=30)
"""A scan may start up to this long before its slot's minute (file times are real scan starts)."""


def cover_window(slot: datetime, step_minutes: int) -> tuple[datetime, datetime]:
    """The file times that cover ``slot``: ``[slot - 30 s, slot + step - 30 s)``. The CDN's ``:01`` and S3's
    ``:01:17.3`` both cover the ``:01`` slot; the scan (vectorised, in ``scan.coverage``) and the S3 store use it."""
    lo = to_utc(slot) - COVER_BEFORE
    return lo, lo + timedelta(minutes=step_minutes)


def _epoch_minutes(dt: datetime) -> int:
    return int((to_utc(dt) - EPOCH).total_seconds() // 60)


def _aligned(start: datetime, end: datetime, step: int, phase: int) -> list[datetime]:
    """Times t in [start, end) with (minutes since epoch - phase) % step == 0, seconds = 0."""
    first = math.ceil((to_utc(start) - EPOCH).total_seconds() / 60)
    first += (phase - first) % step
    last = (to_utc(end) - EPOCH).total_seconds() / 60
    count = max(0, math.ceil((last - first) / step))
    while count > 0 and first + (count - 1) * step >= last:
        count -= 1
    while first + count * step < last:
        count += 1
    if count == 0:
        return []
    # One datetime addition per slot, in C: a year of 5-minute slots in ~10 ms instead of ~100 ms.
    first_dt = EPOCH + timedelta(minutes=first)
    steps = itertools.repeat(timedelta(minutes=step), count - 1)
    return list(itertools.accumulate(steps, operator.add, initial=first_dt))


def expected_slots(
    sector: Sector,
    start: datetime,
    end: datetime,
    interval_minutes: int = 0,
    phase: int | None = None,
) -> list[datetime]:
    """The scan times that should exist in the half-open range [start, end).

    ``interval_minutes`` 0 uses the sector's cadence (and follows the Mode 3 -> Mode 6 change). A larger
    interval keeps the sector's phase (CONUS, 30 min -> :01, :31). ``phase`` (minutes, taken modulo the
    step) overrides the schedule's phase, as found by :func:`detect_interval`.
    """
    start, end = to_utc(start), to_utc(end)
    if end <= start:
        return []
    pieces = [(start, min(end, MODE6_START)), (max(start, MODE6_START), end)]
    out: list[datetime] = []
    for lo, hi in pieces:
        if hi <= lo:
            continue
        cadence, native_phase = sector.schedule(lo)
        step = interval_minutes if interval_minutes > 0 else cadence
        out.extend(_aligned(lo, hi, step, native_phase if phase is None else phase))
    return out


PROOF_STEPS = 3
"""A step between files seen this many times proves a cadence (files can be missing, never extra)."""


def interval_from_steps(steps: Mapping[int, int], native: int | None) -> tuple[int, int, str | None]:
    """(interval, how many steps support it, a warning when the steps disagree) from step -> count.

    The finest interval on the sector's schedule (a multiple of ``native``; any interval when None) seen at
    least :data:`PROOF_STEPS` times wins, not the most frequent step: a 5-minute CONUS folder that lacks a
    third of its frames has more 10-minute steps than 5-minute ones, yet three 5-minute steps prove the
    cadence. When no interval is seen that often, the most frequent step is used (ties: the finest).
    """
    if not steps:
        raise ValueError("no steps")
    most_common = min(steps, key=lambda s: (-steps[s], s))
    proven = sorted(s for s, n in steps.items() if n >= PROOF_STEPS and (native is None or s % native == 0))
    interval = proven[0] if proven else most_common
    notes = []
    if interval != most_common:
        notes.append(
            f"the most common step between files is {most_common} min ({steps[most_common]} times), but "
            f"{interval}-minute steps were seen {steps[interval]} times: counting gaps every {interval} min"
        )
    odd = sum(n for s, n in steps.items() if s % interval)
    if odd:
        notes.append(f"{odd} steps between files are not multiples of {interval} min")
    if native is not None and interval % native:
        notes.append(f"{interval} min is not on the sector's schedule (every {native} min)")
    return interval, steps[interval], ("the folder's steps disagree: " + "; ".join(notes)) if notes else None


def detect_interval(
    times: Sequence[datetime] | Iterable[datetime], default: int, native: int | None = None
) -> tuple[int, int | None]:
    """Detect (interval minutes, phase) from file times; ``(default, None)`` when there are too few.

    The interval is chosen by :func:`interval_from_steps` from the steps between consecutive distinct
    minutes; the phase is the most common start minute modulo the interval, so :01/:06 CONUS files give (5, 1).
    """
    minutes = sorted({_epoch_minutes(t) for t in times})
    if len(minutes) < 3:
        return default, None
    gaps = Counter(b - a for a, b in itertools.pairwise(minutes) if b > a)
    interval = interval_from_steps(gaps, native)[0]
    phase = Counter(m % interval for m in minutes).most_common(1)[0][0]
    return interval, phase
