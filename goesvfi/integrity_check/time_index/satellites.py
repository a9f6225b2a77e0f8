"""Satellites, sectors and their scan schedules. Pure: no I/O, no Qt."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import Enum

DEFAULT_BAND = 13
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# GOES-16 switched from Mode 3 to Mode 6 on 2019-04-02 (the rest of the fleet followed the same day).
MODE6_START = datetime(2019, 4, 2, tzinfo=UTC)


def to_utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime; naive input is taken as UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def iso_z(dt: datetime) -> str:
    """ISO 8601 UTC with a trailing ``Z`` (seconds precision)."""
    return to_utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------------
# Satellites
# --------------------------------------------------------------------------------------------------


class SatellitePattern(Enum):
    """A GOES satellite (or GENERIC for files with no satellite hint)."""

    GOES_16 = "goes16"
    GOES_17 = "goes17"
    GOES_18 = "goes18"
    GOES_19 = "goes19"
    GENERIC = "generic"

    @property
    def number(self) -> int | None:
        return None if self is SatellitePattern.GENERIC else int(self.value[4:])

    @property
    def display_name(self) -> str:
        return "Generic" if self.number is None else f"GOES-{self.number}"

    @property
    def platform_id(self) -> str:
        """``G16`` ... as in NOAA file names and the NetCDF ``platform_ID`` attribute."""
        return "" if self.number is None else f"G{self.number}"

    @property
    def bucket(self) -> str:
        """NOAA's public S3 bucket (us-east-1, anonymous)."""
        return "" if self.number is None else f"noaa-goes{self.number}"

    @property
    def cdn_name(self) -> str:
        """The satellite's folder and file-name token on the STAR CDN (``GOES18``)."""
        return "" if self.number is None else f"GOES{self.number}"

    @property
    def role(self) -> str:
        return {16: "East", 17: "West", 18: "West", 19: "East"}.get(self.number or 0, "")

    @property
    def successor(self) -> SatellitePattern | None:
        """The satellite that took over this one's role (GOES-16 -> GOES-19), if it was replaced."""
        return _SUCCESSOR.get(self)

    @property
    def served(self) -> tuple[datetime | None, datetime | None]:
        """(first, last) datetime of ABI data this satellite has in NOAA's archive; None = open."""
        return _SERVED[self]

    def has_data_at(self, when: datetime) -> bool:
        first, last = self.served
        when = to_utc(when)
        return (first is None or when >= first) and (last is None or when < last)

    def coverage_warning(self, start: datetime, end: datetime) -> str | None:
        """A message when [start, end) lies (partly) outside the dates this satellite has data."""
        if self is SatellitePattern.GENERIC:
            return None
        start, end = to_utc(start), to_utc(end)
        first, last = self.served
        if last is not None and end > last:
            successor = _SUCCESSOR.get(self)
            after = f"; {successor.display_name} is the {self.role} satellite now" if successor else ""
            whole = "has" if start >= last else "partly has"
            return (
                f"{self.display_name} stopped producing ABI data on {last:%Y-%m-%d %H:%M} UTC{after}: "
                f"the range {whole} no {self.display_name} data."
            )
        if first is not None and start < first:
            return (
                f"{self.display_name} ABI data starts on {first:%Y-%m-%d} UTC: "
                f"part of the range before that has no {self.display_name} data."
            )
        return None

    @classmethod
    def parse(cls, text: str) -> SatellitePattern:
        """Accept ``goes18``, ``GOES-18``, ``GOES_18``, ``g18``, ``G18``, ``18``, ``generic``."""
        key = re.sub(r"[\s_\-]", "", text.strip().lower())
        if key in ("generic", "any", "auto"):
            return cls.GENERIC
        m = re.fullmatch(r"(?:goes|g)?(1[6-9])", key)
        if not m:
            raise ValueError(f"unknown satellite {text!r}: use goes16, goes17, goes18 or goes19")
        return cls(f"goes{m.group(1)}")

    @classmethod
    def from_number(cls, number: int) -> SatellitePattern:
        return cls(f"goes{number}")

    @classmethod
    def real(cls) -> list[SatellitePattern]:
        return [s for s in cls if s is not cls.GENERIC]


_SERVED: dict[SatellitePattern, tuple[datetime | None, datetime | None]] = {
    SatellitePattern.GOES_16: (datetime(2017, 2, 28, tzinfo=UTC), datetime(2025, 4, 7, 15, tzinfo=UTC)),
    SatellitePattern.GOES_17: (datetime(2018, 8, 28, tzinfo=UTC), datetime(2023, 1, 4, 18, tzinfo=UTC)),
    SatellitePattern.GOES_18: (datetime(2022, 5, 1, tzinfo=UTC), None),
    SatellitePattern.GOES_19: (datetime(2024, 10, 1, tzinfo=UTC), None),
    SatellitePattern.GENERIC: (None, None),
}
_SUCCESSOR = {
    SatellitePattern.GOES_16: SatellitePattern.GOES_19,
    SatellitePattern.GOES_17: SatellitePattern.GOES_18,
}


# --------------------------------------------------------------------------------------------------
# Sectors and schedules
# --------------------------------------------------------------------------------------------------


class Sector(Enum):
    CONUS = "conus"
    FULL_DISK = "fd"
    MESO1 = "m1"
    MESO2 = "m2"

    @property
    def display_name(self) -> str:
        return {"conus": "CONUS", "fd": "Full Disk", "m1": "Mesoscale 1", "m2": "Mesoscale 2"}[self.value]

    @property
    def s3_product(self) -> str:
        """The S3 key's first folder (``ABI-L1b-RadC``); both meso sectors share ``ABI-L1b-RadM``."""
        return {"conus": "ABI-L1b-RadC", "fd": "ABI-L1b-RadF"}.get(self.value, "ABI-L1b-RadM")

    @property
    def file_product(self) -> str:
        """The product token inside NOAA file names (``RadC``, ``RadF``, ``RadM1``, ``RadM2``)."""
        return {"conus": "RadC", "fd": "RadF", "m1": "RadM1", "m2": "RadM2"}[self.value]

    @property
    def cdn_dir(self) -> str | None:
        """Folder and token on the STAR CDN; the CDN serves no mesoscale sectors (None)."""
        return {"conus": "CONUS", "fd": "FD"}.get(self.value)

    def schedule(self, when: datetime) -> tuple[int, int]:
        """(cadence minutes, start-minute phase) of this sector's scans at ``when`` (UTC).

        Mode 6 (since 2019-04-02): CONUS every 5 min starting at :01, :06 ...; full disk every 10 min at :00.
        Mode 3 (before): CONUS every 5 min at :02, :07 ...; full disk every 15 min at :00. Meso: every minute.
        """
        mode6 = to_utc(when) >= MODE6_START
        if self is Sector.CONUS:
            return (5, 1) if mode6 else (5, 2)
        if self is Sector.FULL_DISK:
            return (10, 0) if mode6 else (15, 0)
        return (1, 0)

    def cadence(self, when: datetime) -> int:
        return self.schedule(when)[0]

    @classmethod
    def parse(cls, text: str) -> Sector:
        key = re.sub(r"[\s_\-]", "", text.strip().lower())
        aliases = {
            "conus": cls.CONUS, "c": cls.CONUS, "pacus": cls.CONUS, "radc": cls.CONUS,
            "fd": cls.FULL_DISK, "f": cls.FULL_DISK, "fulldisk": cls.FULL_DISK, "full": cls.FULL_DISK,
            "radf": cls.FULL_DISK, "m1": cls.MESO1, "meso1": cls.MESO1, "mesoscale1": cls.MESO1,
            "radm1": cls.MESO1, "m2": cls.MESO2, "meso2": cls.MESO2, "mesoscale2": cls.MESO2, "radm2": cls.MESO2,
        }  # fmt: skip
        if key not in aliases:
            raise ValueError(f"unknown sector {text!r}: use conus, fd, m1 or m2")
        return aliases[key]


def check_band(band: int) -> int:
    if not 1 <= int(band) <= 16:
        raise ValueError(f"band {band} is not an ABI band (1-16)")
    return int(band)
