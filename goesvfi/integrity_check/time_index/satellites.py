"""Satellites, sectors and their scan schedules. Pure: no I/O, no Qt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum

DEFAULT_BAND = 13
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Mode 6 became the default timeline on 2019-04-02 at about 16:00 UTC (GOES-16 and GOES-17): that morning's
# full-disk slots are still 15-minute Mode 3 ones.
MODE6_START = datetime(2019, 4, 2, 16, tzinfo=UTC)


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
        """(first, last) bounds of ABI data this satellite has in NOAA's archive; None = open.

        The last bound is generous (GOES-16: files run to about 18:30 UTC on 2025-04-07; the bound is 19:00):
        eras decide warnings and what is not worth asking for; the S3 listing says what exists.
        """
        return _SERVED[self]

    def unserved_reason(self, slot: datetime) -> str:
        """Why ``slot`` (outside :attr:`served`) has no data: ``GOES-16 stopped producing ABI data ...``."""
        first, last = self.served
        if last is not None and to_utc(slot) >= last:
            return self._stopped_text()
        return f"{self.display_name} has no ABI data before {first:%Y-%m-%d} UTC"

    def _stopped_text(self) -> str:
        successor = _SUCCESSOR.get(self)
        now_serving = f"; {successor.display_name} is the {self.role} satellite now" if successor else ""
        return f"{self.display_name} stopped producing ABI data on {_LAST_FILES[self]}{now_serving}"

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
            whole = "has" if start >= last else "partly has"
            return f"{self._stopped_text()}: the range {whole} no {self.display_name} data."
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


# GOES-16 was GOES-East until 2025-04-07 ~15:00 UTC but its files run to about 18:30 UTC that day; GOES-17 was
# GOES-West until 2023-01-04 but its imager ran until 2023-01-10 (noaa-goes17 has data to day 010).
_SERVED: dict[SatellitePattern, tuple[datetime | None, datetime | None]] = {
    SatellitePattern.GOES_16: (datetime(2017, 2, 28, tzinfo=UTC), datetime(2025, 4, 7, 19, tzinfo=UTC)),
    SatellitePattern.GOES_17: (datetime(2018, 8, 28, tzinfo=UTC), datetime(2023, 1, 11, tzinfo=UTC)),
    SatellitePattern.GOES_18: (datetime(2022, 5, 1, tzinfo=UTC), None),
    SatellitePattern.GOES_19: (datetime(2024, 10, 1, tzinfo=UTC), None),
    SatellitePattern.GENERIC: (None, None),
}
_LAST_FILES = {
    SatellitePattern.GOES_16: "2025-04-07 (last files about 18:30 UTC)",
    SatellitePattern.GOES_17: "2023-01-10 (GOES-West until 2023-01-04)",
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


# --------------------------------------------------------------------------------------------------
# Special timelines NOAA ran that the Mode 6 schedule does not know
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpecialTimeline:
    """A dated period during which a satellite ran another timeline for part of each day (UTC).

    ``cadence`` maps a sector to the minutes between its scans then (aligned to the hour); a sector missing
    from it was not scanned at all. Only periods with a published source are listed: availability (the S3
    listing) is the truth for the others.
    """

    satellite: SatellitePattern
    first_day: date
    last_day: date  # inclusive
    daily_start: time
    daily_end: time  # exclusive
    cadence: tuple[tuple[Sector, int], ...]
    name: str
    source: str

    def covers(self, satellite: SatellitePattern, when: datetime) -> bool:
        when = to_utc(when)
        return (
            satellite is self.satellite
            and self.first_day <= when.date() <= self.last_day
            and self.daily_start <= when.time() < self.daily_end
        )

    def reason(self, sector: Sector) -> str:
        days = f"{self.first_day:%Y-%m-%d}..{self.last_day:%Y-%m-%d}"
        hours = f"{self.daily_start:%H:%M}-{self.daily_end:%H:%M} UTC"
        step = dict(self.cadence).get(sector)
        what = f"no {sector.display_name} scans" if step is None else f"{sector.display_name} every {step} min"
        return f"{self.satellite.display_name} {self.name} ({days}, {hours} daily): {what}"


# GOES-17 "Mode 3 Cooling Timeline" (loop heat pipe anomaly): 06:00-12:00 UTC each day of a period, full disk at
# HH:00/:15/:30/:45, no West CONUS (PACUS), each meso every 2 minutes. The 2020 periods as listed in OSPO's
# notice MSG_20201013_1314 ("GOES-17 (GOES-West) ABI Mode 3 Cooling Timeline Implementation": Feb 26 - Mar 01,
# Apr 09 - May 01, Aug 11 - Sep 01, Oct 14 - Oct 31 2020); DOMAIN.md's measured day 2020-04-10 (no CONUS files
# 06:01-11:56) lies in the second. Later periods (2021-2022) are not listed: their dates were announced as
# predictions only, so the listing decides there.
_COOLING = ((Sector.FULL_DISK, 15), (Sector.MESO1, 2), (Sector.MESO2, 2))
_COOLING_SOURCE = "OSPO notice MSG_20201013_1314"
SPECIAL_TIMELINES: tuple[SpecialTimeline, ...] = tuple(
    SpecialTimeline(
        SatellitePattern.GOES_17, first, last, time(6), time(12), _COOLING, "Mode 3 cooling timeline", _COOLING_SOURCE
    )
    for first, last in (
        (date(2020, 2, 26), date(2020, 3, 1)),
        (date(2020, 4, 9), date(2020, 5, 1)),
        (date(2020, 8, 11), date(2020, 9, 1)),
        (date(2020, 10, 14), date(2020, 10, 31)),
    )
)


def special_timeline(satellite: SatellitePattern, when: datetime) -> SpecialTimeline | None:
    """The dated special timeline ``satellite`` ran at ``when``, if one is known."""
    return next((t for t in SPECIAL_TIMELINES if t.covers(satellite, when)), None)


def unproduced_reason(satellite: SatellitePattern, sector: Sector, slot: datetime, step_minutes: int) -> str | None:
    """Why the model knows NOAA produced no file for the slot ``[slot, slot + step)``, or None.

    Outside the satellite's years, or in a dated special timeline that skipped the sector (GOES-17 cooling:
    no CONUS) or scanned it more slowly (full disk every 15 min: the 10-minute slots :20 and :50 get no scan).
    Mesoscale slots in a cooling period are left to the listing (which minute each meso took is not dated).
    """
    if satellite is SatellitePattern.GENERIC:
        return None
    slot = to_utc(slot)
    if not satellite.has_data_at(slot):
        return satellite.unserved_reason(slot)
    timeline = special_timeline(satellite, slot)
    if timeline is None or sector in (Sector.MESO1, Sector.MESO2):
        return None
    cadence = dict(timeline.cadence).get(sector)
    if cadence is None:
        return timeline.reason(sector)
    minute = slot.hour * 60 + slot.minute
    if any((minute + k) % cadence == 0 for k in range(max(1, step_minutes))):
        return None
    return timeline.reason(sector)
