"""A year at a glance: expected slots binned per UTC day (or hour), each bin classed by its share of frames
present, missing and unavailable. Used by the tab's calendar and by the HTML report's inline SVG.

Pure: numpy only, no Qt, no I/O. Statuses are taken by their value (``"present"``, ``"missing"`` ...), so a
status this module does not know (one added later) is counted as *unknown* instead of breaking the view.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from goesvfi.integrity_check.status_names import BY_VALUE, UNKNOWN_COLOUR

DAY, HOUR = 86400, 3600
# Category columns of CalendarBins.counts.
PRESENT, FETCHED, MISSING, UNAVAILABLE, UNKNOWN, DAMAGED = range(6)
CATEGORY_NAMES = ("present", "fetched", "missing", "unavailable", "unknown", "damaged")
_CATEGORY_OF = {
    "present": PRESENT,
    "fetched": FETCHED,
    "missing": MISSING,
    "failed": MISSING,  # still missing after a fetch
    "unavailable": UNAVAILABLE,  # NOAA never had the frame (issue 12)
    "damaged": DAMAGED,  # a file covers it, but not a whole frame
}


def category_of(status: str) -> int:
    """The category of a status value; UNKNOWN for a value this module does not know."""
    return _CATEGORY_OF.get(status, UNKNOWN)


def categories(statuses: Iterable[str]) -> np.ndarray:
    """Status values -> category codes (uint8)."""
    return np.fromiter((category_of(s) for s in statuses), dtype=np.uint8)


_UNAVAILABLE = BY_VALUE["unavailable"].label


class CellClass(Enum):
    """How a calendar cell is coloured. Thresholds are on the missing share of the cell's expected frames."""

    EMPTY = "no frames expected"
    COMPLETE = "complete"
    COMPLETE_FETCHED = "complete (some fetched)"
    MISSING_FEW = "missing up to 10%"
    MISSING_SOME = "missing 10-50%"
    MISSING_MOST = "missing over 50%"
    MISSING_ALL = "all missing"
    UNAVAILABLE = "some " + _UNAVAILABLE[:1].lower() + _UNAVAILABLE[1:]  # the status's wording (status_names)
    DAMAGED = "some " + BY_VALUE["damaged"].label.lower()
    UNKNOWN = "other statuses"


# Colours shared by the widget and the HTML report (hex, light and dark palettes; not red/green only:
# missing shades also get darker as the share grows).
CELL_COLORS: dict[CellClass, str] = {
    CellClass.EMPTY: "#ececec",
    CellClass.COMPLETE: "#4c9a52",
    CellClass.COMPLETE_FETCHED: "#2f7bc4",
    CellClass.MISSING_FEW: "#f2b8a0",
    CellClass.MISSING_SOME: "#e8765e",
    CellClass.MISSING_MOST: "#c8372d",
    CellClass.MISSING_ALL: "#7a1712",
    CellClass.UNAVAILABLE: BY_VALUE["unavailable"].colour,  # the status's colour in the table and timeline
    CellClass.DAMAGED: BY_VALUE["damaged"].colour,
    CellClass.UNKNOWN: UNKNOWN_COLOUR,
}
LEGEND: tuple[CellClass, ...] = (
    CellClass.COMPLETE,
    CellClass.COMPLETE_FETCHED,
    CellClass.MISSING_FEW,
    CellClass.MISSING_SOME,
    CellClass.MISSING_MOST,
    CellClass.MISSING_ALL,
    CellClass.UNAVAILABLE,
    CellClass.DAMAGED,
)


def classify(
    present: int, fetched: int, missing: int, unavailable: int = 0, unknown: int = 0, damaged: int = 0
) -> CellClass:
    """The class of one cell. Damaged frames win (they look present in a file list), then missing frames (they
    are what a fetch can fix), then unavailable ones, then unknown statuses; a cell with only present (and
    fetched) frames is complete."""
    total = present + fetched + missing + unavailable + unknown + damaged
    if total == 0:
        return CellClass.EMPTY
    if damaged:
        return CellClass.DAMAGED
    if missing:
        if missing == total:
            return CellClass.MISSING_ALL
        share = missing / total
        if share <= 0.10:
            return CellClass.MISSING_FEW
        return CellClass.MISSING_SOME if share <= 0.50 else CellClass.MISSING_MOST
    if unavailable:
        return CellClass.UNAVAILABLE
    if unknown:
        return CellClass.UNKNOWN
    return CellClass.COMPLETE_FETCHED if fetched else CellClass.COMPLETE


@dataclass(frozen=True, slots=True)
class CalendarBins:
    """Consecutive bins of ``unit`` seconds from ``first`` (epoch seconds, a multiple of ``unit``)."""

    unit: int  # DAY or HOUR
    first: int
    counts: np.ndarray  # int64 (bins, 6): slots per category (see CATEGORY_NAMES)

    def __len__(self) -> int:
        return int(self.counts.shape[0])

    def start(self, index: int) -> int:
        """Epoch seconds where bin ``index`` starts."""
        return self.first + index * self.unit

    def index_of(self, epoch: float) -> int:
        return int(epoch // self.unit) - self.first // self.unit

    def total(self, index: int) -> int:
        return int(self.counts[index].sum())

    def cell_class(self, index: int) -> CellClass:
        return classify(*(int(v) for v in self.counts[index]))

    def describe(self, index: int) -> str:
        """``41 of 288 missing (14.2%), 247 present`` for tooltips and the report."""
        row = [int(v) for v in self.counts[index]]
        total = sum(row)
        if total == 0:
            return "no frames expected"
        missing = row[MISSING]
        parts = [f"{missing:,} of {total:,} missing ({100 * missing / total:.1f}%)"]
        for category in (DAMAGED, PRESENT, FETCHED, UNAVAILABLE, UNKNOWN):
            if row[category]:
                parts.append(f"{row[category]:,} {CATEGORY_NAMES[category]}")
        return ", ".join(parts)


def bin_slots(times: Sequence[float] | np.ndarray, codes: Sequence[int] | np.ndarray, unit: int = DAY) -> CalendarBins:
    """Bin slots (epoch seconds, any order; category codes from :func:`categories`) per UTC day or hour.

    Every bin between the first and the last slot is present (empty ones count zero), so bin ``i`` is
    ``first + i * unit``.
    """
    t = np.asarray(times, dtype=np.float64)
    c = np.asarray(codes, dtype=np.intp)
    if t.size == 0:
        return CalendarBins(unit, 0, np.zeros((0, len(CATEGORY_NAMES)), dtype=np.int64))
    index = np.floor(t / unit).astype(np.int64)
    lo = int(np.min(index))
    n = int(np.max(index)) - lo + 1
    flat = (index - lo) * len(CATEGORY_NAMES) + np.clip(c, 0, len(CATEGORY_NAMES) - 1)
    counts = np.bincount(flat, minlength=n * len(CATEGORY_NAMES)).reshape(n, len(CATEGORY_NAMES))
    return CalendarBins(unit, lo * unit, counts.astype(np.int64))


def weekday(day_start: int) -> int:
    """Monday 0 ... Sunday 6 of the UTC day starting at ``day_start`` (epoch seconds)."""
    return (day_start // DAY + 3) % 7  # 1970-01-01 was a Thursday


def week_column(day_start: int, first_day: int) -> int:
    """The calendar column (Monday-first weeks) of a day, counted from the week of ``first_day``."""
    return (day_start // DAY + 3) // 7 - (first_day // DAY + 3) // 7
