"""ArchiveQuery: which frames a folder should hold (satellite, sector, band, start, end, interval), validated once;
ViewQuery: the same for GOES-East / GOES-West, cut at each handover into one ArchiveQuery per satellite.

Every layer passes this one value: the scan, the fetch, the watch loop's cycles, the cache's scan records, the
command line and the view model. Its constructor is the only place that checks the inputs, so each bad input
gets the same one-line message (:class:`QueryError`) wherever it was typed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from goesvfi.integrity_check.time_index import DEFAULT_BAND, SatellitePattern, Sector, check_band, iso_z, to_utc
from goesvfi.integrity_check.time_index.limits import check_range
from goesvfi.integrity_check.time_index.operational import View, segments

__all__ = ["ArchiveQuery", "QueryError", "ViewPart", "ViewQuery", "parse_view_or_satellite"]


class QueryError(ValueError):
    """An archive query that cannot be answered; ``str(error)`` is one line for the user."""


@dataclass(frozen=True, slots=True)
class ArchiveQuery:
    """``[start, end)`` of ``satellite``'s ``sector`` in ``band``, every ``interval_minutes`` (0: detect).

    Times are timezone-aware UTC (naive input is taken as UTC). Raises :class:`QueryError` when the end is not
    after the start, the band is not an ABI band, the interval is negative, the range lies outside the GOES-R era
    or holds more than ``limits.MAX_SLOTS`` expected frames.
    """

    satellite: SatellitePattern
    start: datetime
    end: datetime
    sector: Sector = Sector.CONUS
    band: int = DEFAULT_BAND
    interval_minutes: int = 0

    def __post_init__(self) -> None:
        start, end = to_utc(self.start), to_utc(self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if end <= start:
            raise QueryError(f"the end ({iso_z(end)}) must be after the start ({iso_z(start)})")
        try:
            object.__setattr__(self, "band", check_band(self.band))
        except (TypeError, ValueError) as exc:
            raise QueryError(str(exc)) from None
        if self.interval_minutes < 0:
            raise QueryError("the interval cannot be negative (0 detects it from the files)")
        try:  # the GOES-R era, and a bound on the slots (so on memory): arithmetic only, nothing is built
            check_range(self.sector, start, end, self.interval_minutes)
        except ValueError as exc:
            raise QueryError(str(exc)) from None

    @classmethod
    def parse(
        cls,
        satellite: str | SatellitePattern,
        start: datetime,
        end: datetime,
        *,
        sector: str | Sector = Sector.CONUS,
        band: int = DEFAULT_BAND,
        interval_minutes: int = 0,
    ) -> ArchiveQuery:
        """Like the constructor, but satellite and sector may be typed names (``goes18``, ``fd``, ``m1`` ...)."""
        try:
            sat = satellite if isinstance(satellite, SatellitePattern) else SatellitePattern.parse(satellite)
            sec = sector if isinstance(sector, Sector) else Sector.parse(sector)
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        return cls(sat, start, end, sec, band, interval_minutes)

    def with_range(self, start: datetime, end: datetime) -> ArchiveQuery:
        """The same archive over another time range (validated)."""
        return dataclasses.replace(self, start=start, end=end)

    def with_interval(self, interval_minutes: int) -> ArchiveQuery:
        return dataclasses.replace(self, interval_minutes=interval_minutes)

    def coverage_warning(self) -> str | None:
        """A message when the range lies (partly) outside the dates the satellite has data."""
        return self.satellite.coverage_warning(self.start, self.end)

    @property
    def title(self) -> str:
        """``GOES-18 CONUS band 13, 2023-05-01 00:00 -> 2023-05-02 00:00 UTC``."""
        return (
            f"{self.satellite.display_name} {self.sector.display_name} band {self.band}, "
            f"{self.start:%Y-%m-%d %H:%M} -> {self.end:%Y-%m-%d %H:%M} UTC"
        )


@dataclass(frozen=True, slots=True)
class ViewPart:
    """One satellite's part of a view's range (``query``), and ``partner``: the other satellite of the view over
    the handover overlap inside it, whose frames also cover the part's slots (None: no overlap)."""

    query: ArchiveQuery
    partner: ArchiveQuery | None = None


@dataclass(frozen=True, slots=True)
class ViewQuery:
    """``[start, end)`` of GOES-East or GOES-West: each slot belongs to the satellite operational then (DOMAIN.md's
    table, :mod:`..time_index.operational`). Validated like :class:`ArchiveQuery` (each part is one)."""

    view: View
    start: datetime
    end: datetime
    sector: Sector = Sector.CONUS
    band: int = DEFAULT_BAND
    interval_minutes: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", to_utc(self.start))
        object.__setattr__(self, "end", to_utc(self.end))
        if self.end <= self.start:
            raise QueryError(f"the end ({iso_z(self.end)}) must be after the start ({iso_z(self.start)})")
        self.parts()  # every part validates as an ArchiveQuery

    def parts(self) -> list[ViewPart]:
        try:
            cut = segments(self.view, self.start, self.end)
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        out = []
        for seg in cut:
            query = ArchiveQuery(seg.satellite, seg.start, seg.end, self.sector, self.band, self.interval_minutes)
            partner = None
            if seg.partner is not None and seg.overlap_start is not None and seg.overlap_end is not None:
                partner = ArchiveQuery(
                    seg.partner, seg.overlap_start, seg.overlap_end, self.sector, self.band, self.interval_minutes
                )
            out.append(ViewPart(query, partner))
        return out

    @property
    def satellites(self) -> list[SatellitePattern]:
        return [part.query.satellite for part in self.parts()]

    @property
    def title(self) -> str:
        """``GOES-East (GOES-16, GOES-19 from 2025-04-07 15:00) CONUS band 13, 2025-04-06 00:00 -> ... UTC``."""
        parts = self.parts()
        sats = [parts[0].query.satellite.display_name] + [
            f"{p.query.satellite.display_name} from {p.query.start:%Y-%m-%d %H:%M}" for p in parts[1:]
        ]
        return (
            f"{self.view.display_name} ({', '.join(sats)}) {self.sector.display_name} band {self.band}, "
            f"{self.start:%Y-%m-%d %H:%M} -> {self.end:%Y-%m-%d %H:%M} UTC"
        )

    def with_range(self, start: datetime, end: datetime) -> ViewQuery:
        return dataclasses.replace(self, start=start, end=end)

    def latest(self) -> ArchiveQuery:
        """The whole range as one :class:`ArchiveQuery` of the view's latest satellite in it (for what takes one
        query: the input checks, an empty folder's slots)."""
        satellite = self.parts()[-1].query.satellite
        return ArchiveQuery(satellite, self.start, self.end, self.sector, self.band, self.interval_minutes)


def parse_view_or_satellite(
    satellite: str,
    start: datetime,
    end: datetime,
    *,
    sector: str | Sector = Sector.CONUS,
    band: int = DEFAULT_BAND,
    interval_minutes: int = 0,
) -> ArchiveQuery | ViewQuery:
    """``east``/``west`` -> a :class:`ViewQuery`, a satellite name -> an :class:`ArchiveQuery` (QueryError)."""
    view = View.parse(satellite)
    if view is None:
        return ArchiveQuery.parse(satellite, start, end, sector=sector, band=band, interval_minutes=interval_minutes)
    try:
        sec = sector if isinstance(sector, Sector) else Sector.parse(sector)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    return ViewQuery(view, start, end, sec, band, interval_minutes)
