"""ArchiveQuery: which frames a folder should hold (satellite, sector, band, start, end, interval), validated once.

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

__all__ = ["ArchiveQuery", "QueryError"]


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
