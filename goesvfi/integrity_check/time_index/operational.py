"""GOES-East and GOES-West: which satellite was operational when (DOMAIN.md's dated table), as data. Pure.

People ask for "GOES-East", not for a satellite number. A view's range is cut at each handover into segments, one
per satellite; each slot belongs to the satellite operational then. NOAA's handover hours are approximate, so each
handover has an overlap (the handover day, up to the outgoing satellite's last files) in which a frame of either
satellite is a frame of the view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from goesvfi.integrity_check.time_index.satellites import SatellitePattern, to_utc


class View(Enum):
    EAST = "east"
    WEST = "west"

    @property
    def display_name(self) -> str:
        return f"GOES-{self.value.capitalize()}"

    @classmethod
    def parse(cls, text: str) -> View | None:
        """``east``, ``GOES-East``, ``goes_west`` ... -> the view; None for anything else (a satellite name)."""
        key = re.sub(r"[\s_\-]", "", text.strip().lower()).removeprefix("goes")
        return next((v for v in cls if v.value == key), None)


@dataclass(frozen=True, slots=True)
class Era:
    """``satellite`` was ``view``'s operational satellite in ``[start, end)`` (``end`` None: still is).
    ``overlap_end``: the outgoing satellite's last files (its frames still count for the view until then)."""

    view: View
    satellite: SatellitePattern
    start: datetime
    end: datetime | None
    overlap_start: datetime | None = None
    overlap_end: datetime | None = None

    def label(self) -> str:
        """``GOES-19 (East since 2025-04-07)``, ``GOES-16 (East 2017-12-18 to 2025-04-07)``."""
        role = self.view.value.capitalize()
        if self.end is None:
            return f"{self.satellite.display_name} ({role} since {self.start:%Y-%m-%d})"
        return f"{self.satellite.display_name} ({role} {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d})"


_G16, _G17, _G18, _G19 = (SatellitePattern.GOES_16, SatellitePattern.GOES_17, SatellitePattern.GOES_18,
                          SatellitePattern.GOES_19)  # fmt: skip
EAST_HANDOVER = datetime(2025, 4, 7, 15, tzinfo=UTC)
"""GOES-16 -> GOES-19 (DOMAIN.md: ~15:00 UTC; GOES-16's files run to ~18:30)."""
WEST_HANDOVER = datetime(2023, 1, 4, 18, tzinfo=UTC)
"""GOES-17 -> GOES-18 (DOMAIN.md: ~18:00 UTC; GOES-17's imager ran until 2023-01-10)."""

ERAS: tuple[Era, ...] = (
    Era(View.EAST, _G16, datetime(2017, 12, 18, tzinfo=UTC), EAST_HANDOVER),
    Era(View.EAST, _G19, EAST_HANDOVER, None,
        datetime(2025, 4, 7, tzinfo=UTC), datetime(2025, 4, 7, 18, 30, tzinfo=UTC)),
    Era(View.WEST, _G17, datetime(2019, 2, 12, tzinfo=UTC), WEST_HANDOVER),
    Era(View.WEST, _G18, WEST_HANDOVER, None,
        datetime(2023, 1, 4, tzinfo=UTC), datetime(2023, 1, 5, tzinfo=UTC)),
)  # fmt: skip
"""DOMAIN.md's "East and West views" table. ``overlap_*`` on the incoming era: the window around the handover
in which a frame of either satellite covers a slot (GOES-16's last files about 18:30 on 2025-04-07; for the West
handover the handover day)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """The part ``[start, end)`` of a view's range that belongs to ``satellite``; ``partner``: the other satellite
    whose frames also count in ``[overlap_start, overlap_end)`` (None: no overlap in this segment)."""

    satellite: SatellitePattern
    start: datetime
    end: datetime
    partner: SatellitePattern | None = None
    overlap_start: datetime | None = None
    overlap_end: datetime | None = None


def eras(view: View) -> list[Era]:
    return [e for e in ERAS if e.view is view]


def operational(view: View, when: datetime) -> SatellitePattern | None:
    """The satellite that was ``view``'s operational one at ``when`` (None before the first)."""
    when = to_utc(when)
    return next((e.satellite for e in eras(view) if e.start <= when and (e.end is None or when < e.end)), None)


def segments(view: View, start: datetime, end: datetime) -> list[Segment]:
    """``[start, end)`` cut at the view's handovers, in time order; ValueError when no satellite was ``view``'s
    operational one in the range (before GOES-16 became East on 2017-12-18 ...)."""
    start, end = to_utc(start), to_utc(end)
    out: list[Segment] = []
    previous: Era | None = None
    for era in eras(view):
        lo = max(start, era.start)
        hi = end if era.end is None else min(end, era.end)
        if lo < hi:
            out.append(_segment(era, previous, lo, hi))
        previous = era
    if not out:
        first = eras(view)[0]
        raise ValueError(
            f"{view.display_name} began with {first.satellite.display_name} on {first.start:%Y-%m-%d}: "
            f"the range {start:%Y-%m-%d} -> {end:%Y-%m-%d} has no {view.display_name} satellite"
        )
    return _with_outgoing_overlap(view, out)


def _segment(era: Era, previous: Era | None, lo: datetime, hi: datetime) -> Segment:
    if previous is None or era.overlap_start is None or era.overlap_end is None:
        return Segment(era.satellite, lo, hi)
    o_lo, o_hi = max(lo, era.overlap_start), min(hi, era.overlap_end)
    if o_lo >= o_hi:
        return Segment(era.satellite, lo, hi)
    return Segment(era.satellite, lo, hi, previous.satellite, o_lo, o_hi)


def _with_outgoing_overlap(view: View, out: list[Segment]) -> list[Segment]:
    """Give the outgoing satellite's segment the incoming one as partner in the overlap before the handover."""
    result = []
    for seg in out:
        incoming = next((e for e in eras(view) if e.start == seg.end and e.overlap_start is not None), None)
        if seg.partner is None and incoming is not None and incoming.overlap_start is not None:
            o_lo = max(seg.start, incoming.overlap_start)
            if o_lo < seg.end:
                seg = Segment(seg.satellite, seg.start, seg.end, incoming.satellite, o_lo, seg.end)
        result.append(seg)
    return result


def satellite_label(satellite: SatellitePattern) -> str:
    """The satellite with when it was operational: ``GOES-19 (East since 2025-04-07)``; GENERIC: its name."""
    era = next((e for e in ERAS if e.satellite is satellite), None)
    return satellite.display_name if era is None else era.label()
