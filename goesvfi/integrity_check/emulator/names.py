"""The emulator's own tables of NOAA's names, keys and schedules, written from DOMAIN.md.

The emulator judges the client, so it must not share the client's code: nothing here (or anywhere in the
emulator) imports ``time_index``'s name builders, parsers or schedules. Only the two enums (which satellite,
which sector) are shared, as plain identifiers: every token, padding and pattern is spelled out again below.

- STAR CDN: ``/{GOESnn}/ABI/{CONUS|FD}/{band:02d}/{YYYYDDDHHMM}_{GOESnn}-ABI-{CONUS|FD}-{band:02d}-{W}x{H}.jpg``
  (the band is two digits, zero-padded, in the folder and in the name).
- S3: bucket ``noaa-goesNN``; key ``{product}/{YYYY}/{DDD}/{HH}/OR_{short}-M{mode}C{band:02d}_G{nn}_s_e_c.nc``
  (``s``/``e``/``c`` each followed by a time) with 14-digit times ``YYYYDDDHHMMSSt`` (t = tenths of a second).
- Schedules: Mode 3 until 2019-04-02 16:00 UTC (FD every 15 min, CONUS every 5 min at :02/:07 ...), Mode 6
  after (FD every 10 min at :00, CONUS every 5 min at :01/:06 ...), meso every minute.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from goesvfi.integrity_check.time_index import SatellitePattern, Sector

MODE6_FROM = datetime(2019, 4, 2, 16, 0, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SAT_NUMBER = {
    SatellitePattern.GOES_16: 16,
    SatellitePattern.GOES_17: 17,
    SatellitePattern.GOES_18: 18,
    SatellitePattern.GOES_19: 19,
}
_WEST = {17, 18}
_CDN_SECTOR = {Sector.CONUS: "CONUS", Sector.FULL_DISK: "FD"}
_S3_PRODUCT = {
    Sector.CONUS: "ABI-L1b-RadC",
    Sector.FULL_DISK: "ABI-L1b-RadF",
    Sector.MESO1: "ABI-L1b-RadM",
    Sector.MESO2: "ABI-L1b-RadM",
}
_FILE_PRODUCT = {Sector.CONUS: "RadC", Sector.FULL_DISK: "RadF", Sector.MESO1: "RadM1", Sector.MESO2: "RadM2"}
CDN_SECTOR_SIZES: dict[Sector, tuple[tuple[int, int], ...]] = {
    Sector.CONUS: ((416, 250), (625, 375), (1250, 750), (2500, 1500), (5000, 3000)),
    Sector.FULL_DISK: ((339, 339), (678, 678), (1808, 1808), (5424, 5424)),
}
"""Sizes the emulated CDN lists per sector (the 10848 full disk exists for some products only: left out)."""

_CDN_NAME_RE = re.compile(r"^(\d{4})(\d{3})(\d{2})(\d{2})_GOES(\d{2})-ABI-(CONUS|FD)-(\d{2})-(\d+)x(\d+)\.jpg$")


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def sat_number(satellite: SatellitePattern) -> int:
    if satellite not in _SAT_NUMBER:
        raise ValueError("the emulator needs a real satellite (goes16 ... goes19)")
    return _SAT_NUMBER[satellite]


def is_west(satellite: SatellitePattern) -> bool:
    return sat_number(satellite) in _WEST


def bucket(satellite: SatellitePattern) -> str:
    return f"noaa-goes{sat_number(satellite)}"


def platform(satellite: SatellitePattern) -> str:
    return f"G{sat_number(satellite)}"


def has_cdn(sector: Sector) -> bool:
    return sector in _CDN_SECTOR


# ---- STAR CDN -------------------------------------------------------------------------------------


def cdn_folder(satellite: SatellitePattern, sector: Sector, band: int) -> str:
    """``/GOES19/ABI/CONUS/02/``"""
    return f"/GOES{sat_number(satellite)}/ABI/{_CDN_SECTOR[sector]}/{band:02d}/"


def cdn_name(satellite: SatellitePattern, sector: Sector, band: int, when: datetime, size: tuple[int, int]) -> str:
    """``20263310001_GOES19-ABI-CONUS-02-2500x1500.jpg`` (year, day of year, hour, minute)."""
    when = utc(when)
    doy = (when.date() - when.date().replace(month=1, day=1)).days + 1
    stamp = f"{when.year:04d}{doy:03d}{when.hour:02d}{when.minute:02d}"
    return f"{stamp}_GOES{sat_number(satellite)}-ABI-{_CDN_SECTOR[sector]}-{band:02d}-{size[0]}x{size[1]}.jpg"


def read_cdn_name(name: str) -> tuple[int, Sector, int, datetime, tuple[int, int]] | None:
    """(satellite number, sector, band, minute, size) of a CDN frame name; None for anything else."""
    m = _CDN_NAME_RE.match(name)
    if not m:
        return None
    year, doy, hour, minute = (int(m[i]) for i in range(1, 5))
    if not (1 <= doy <= 366 and hour < 24 and minute < 60):
        return None
    when = datetime(year, 1, 1, hour, minute, tzinfo=UTC) + timedelta(days=doy - 1)
    if when.year != year:
        return None
    sector = Sector.CONUS if m[6] == "CONUS" else Sector.FULL_DISK
    return int(m[5]), sector, int(m[7]), when, (int(m[8]), int(m[9]))


# ---- S3 -------------------------------------------------------------------------------------------


def _noaa_time(dt: datetime) -> str:
    dt = utc(dt)
    doy = (dt.date() - dt.date().replace(month=1, day=1)).days + 1
    return f"{dt.year:04d}{doy:03d}{dt.hour:02d}{dt.minute:02d}{dt.second:02d}{dt.microsecond // 100_000}"


def scan_mode(when: datetime) -> int:
    return 6 if utc(when) >= MODE6_FROM else 3


def l1b_name(
    satellite: SatellitePattern, sector: Sector, band: int, start: datetime, end: datetime, created: datetime
) -> str:
    """``OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e..._c....nc``"""
    return (
        f"OR_ABI-L1b-{_FILE_PRODUCT[sector]}-M{scan_mode(start)}C{band:02d}_G{sat_number(satellite)}_"
        f"s{_noaa_time(start)}_e{_noaa_time(end)}_c{_noaa_time(created)}.nc"
    )


def hour_prefix(sector: Sector, when: datetime) -> str:
    """``ABI-L1b-RadC/2023/121/00/``"""
    when = utc(when)
    doy = (when.date() - when.date().replace(month=1, day=1)).days + 1
    return f"{_S3_PRODUCT[sector]}/{when.year:04d}/{doy:03d}/{when.hour:02d}/"


def start_of_name(name: str) -> datetime | None:
    """The scan start written in an L1b name (``_sYYYYDDDHHMMSSt_``)."""
    m = re.search(r"_s(\d{4})(\d{3})(\d{2})(\d{2})(\d{2})(\d)_", name)
    if not m:
        return None
    year, doy, hh, mm, ss, tenth = (int(x) for x in m.groups())
    return datetime(year, 1, 1, hh, mm, ss, tenth * 100_000, tzinfo=UTC) + timedelta(days=doy - 1)


# ---- schedule ---------------------------------------------------------------------------------------


def _cadence(sector: Sector, when: datetime) -> tuple[int, int]:
    """(minutes between scans, start minute modulo that) of the nominal schedule at ``when``."""
    mode6 = utc(when) >= MODE6_FROM
    if sector is Sector.CONUS:
        return 5, 1 if mode6 else 2
    if sector is Sector.FULL_DISK:
        return (10, 0) if mode6 else (15, 0)
    return 1, 0


def scan_slots(sector: Sector, start: datetime, end: datetime) -> list[datetime]:
    """Every nominal scan minute in [start, end), walking minute by minute (slow and obvious on purpose)."""
    start, end = utc(start), utc(end)
    t = start.replace(second=0, microsecond=0)
    if t < start:
        t += timedelta(minutes=1)
    out = []
    while t < end:
        step, phase = _cadence(sector, t)
        minutes = int((t - _EPOCH).total_seconds() // 60)
        if minutes % step == phase % step:
            out.append(t)
        t += timedelta(minutes=1)
    return out
