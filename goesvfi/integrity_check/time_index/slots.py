"""Expected scan times for a range, and the rule that picks an interval from the steps between files. Pure."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping
from datetime import datetime, timedelta

from goesvfi.integrity_check.time_index.satellites import EPOCH, MODE6_START, Sector, to_utc

_MINUTE = timedelta(minutes=1)
COVER_BEFORE = timedelta(seconds=30)
"""A scan may start up to this long before its slot's minute (file times are real scan starts)."""


def cover_window(slot: datetime, step_minutes: int) -> tuple[datetime, datetime]:
    """The file times that cover ``slot``: ``[slot - 30 s, slot + step - 30 s)``. The CDN's ``:01`` and S3's
    ``:01:17.3`` both cover the ``:01`` slot; the scan (vectorised, in ``scan.coverage``) and the S3 store use it."""
    lo = to_utc(slot) - COVER_BEFORE
    return lo, lo + timedelta(minutes=step_minutes)


def _aligned(start: datetime, end: datetime, step: int, phase: int) -> list[datetime]:
    """Times t in [start, end) with (minutes since epoch - phase) % step == 0, seconds = 0.

    Integer arithmetic on timedeltas (exact to the microsecond, before 1970 too): no float rounding to correct.
    """
    first = -((EPOCH - to_utc(start)) // _MINUTE)  # the first whole minute at or after start
    first += (phase - first) % step
    first_dt = EPOCH + first * _MINUTE
    count = -((first_dt - to_utc(end)) // (step * _MINUTE))  # how many first_dt + k * step are before end
    if count <= 0:
        return []
    # One datetime addition per slot, in C: a year of 5-minute slots in ~10 ms instead of ~100 ms.
    return list(itertools.accumulate(itertools.repeat(step * _MINUTE, count - 1), operator.add, initial=first_dt))


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
    step) overrides the schedule's phase, as found by ``scan.coverage.detect_interval_info``.
    """
    start, end = to_utc(start), to_utc(end)
    out: list[datetime] = []
    for lo, hi in ((start, min(end, MODE6_START)), (max(start, MODE6_START), end)):  # an empty piece adds nothing
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
