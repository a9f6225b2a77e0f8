"""Names, keys and scan times for tests, written again from docs/internals.md (Names) and DOMAIN.md: never the product's
own builders (``time_index.canonical_name``, ``expected_slots`` ...), so a test's expected value cannot follow a
bug in them. Only the two enums are shared, as plain identifiers; every token and padding is spelled out here.

- This tool's PNG (docs/internals.md, Names): ``goes18_conus_C13_20230501T000100Z.png``: ``goes{nn}``, the sector
  (``conus``, ``fd``, ``m1``, ``m2``), ``C`` and the two-digit band, the UTC time ``YYYYMMDDTHHMMSS`` and ``Z``.
- STAR CDN (DOMAIN.md): ``{YYYYDDDHHMM}_GOES{nn}-ABI-{CONUS|FD}-{band:02d}-{W}x{H}.jpg``.
- NOAA L1b (DOMAIN.md): ``OR_ABI-L1b-{RadC|RadF|RadM1|RadM2}-M{mode}C{band:02d}_G{nn}_s{t}_e{t}_c{t}.nc``, each
  time ``YYYYDDDHHMMSSt`` (tenths of a second); the S3 key adds ``{ABI-L1b-RadC|RadF|RadM}/YYYY/DDD/HH/``.
- Scan times (DOMAIN.md): Mode 6 from 2019-04-02 16:00 UTC, CONUS every 5 minutes at :01, :06 ..., FD every
  10 at :00, :10 ...; Mode 3 before, CONUS at :02, :07 ..., FD every 15 minutes; meso every minute.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from goesvfi.integrity_check.time_index import SatellitePattern, Sector

_NUMBER = {
    SatellitePattern.GOES_16: 16,
    SatellitePattern.GOES_17: 17,
    SatellitePattern.GOES_18: 18,
    SatellitePattern.GOES_19: 19,
}
_PNG_SECTOR = {Sector.CONUS: "conus", Sector.FULL_DISK: "fd", Sector.MESO1: "m1", Sector.MESO2: "m2"}
_CDN_SECTOR = {Sector.CONUS: "CONUS", Sector.FULL_DISK: "FD"}
_CDN_DEFAULT_SIZE = {Sector.CONUS: (2500, 1500), Sector.FULL_DISK: (1808, 1808)}  # README: the CDN size default
_FILE_PRODUCT = {Sector.CONUS: "RadC", Sector.FULL_DISK: "RadF", Sector.MESO1: "RadM1", Sector.MESO2: "RadM2"}
_KEY_PRODUCT = {Sector.CONUS: "RadC", Sector.FULL_DISK: "RadF", Sector.MESO1: "RadM", Sector.MESO2: "RadM"}
MODE6 = datetime(2019, 4, 2, 16, 0, tzinfo=UTC)
_PNG_RE = re.compile(r"^goes(1[6-9])_(conus|fd|m1|m2)_C(\d\d)_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z\.png$")


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _day_of_year(when: datetime) -> int:
    return when.timetuple().tm_yday


def png_name(satellite: SatellitePattern, sector: Sector, band: int, when: datetime) -> str:
    """``goes18_conus_C13_20230501T000100Z.png``"""
    w = _utc(when)
    stamp = f"{w.year:04d}{w.month:02d}{w.day:02d}T{w.hour:02d}{w.minute:02d}{w.second:02d}"
    return f"goes{_NUMBER[satellite]}_{_PNG_SECTOR[sector]}_C{band:02d}_{stamp}Z.png"


def png_time(name: str) -> datetime | None:
    """The UTC time of one of this tool's PNG names, None for any other name."""
    m = _PNG_RE.match(name)
    if m is None:
        return None
    try:
        return datetime(*(int(m[i]) for i in range(4, 10)), tzinfo=UTC)  # type: ignore[misc]
    except ValueError:
        return None


def cdn_name(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    when: datetime,
    size: tuple[int, int] | None = None,
) -> str:
    """``20231210001_GOES18-ABI-CONUS-13-2500x1500.jpg`` (year, day of year, hour, minute)."""
    w = _utc(when)
    width, height = size or _CDN_DEFAULT_SIZE[sector]
    stamp = f"{w.year:04d}{_day_of_year(w):03d}{w.hour:02d}{w.minute:02d}"
    return f"{stamp}_GOES{_NUMBER[satellite]}-ABI-{_CDN_SECTOR[sector]}-{band:02d}-{width}x{height}.jpg"


def _noaa_time(when: datetime) -> str:
    w = _utc(when)
    return f"{w.year:04d}{_day_of_year(w):03d}{w.hour:02d}{w.minute:02d}{w.second:02d}{w.microsecond // 100_000}"


def l1b_name(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    start: datetime,
    *,
    mode: int | None = None,
) -> str:
    """``OR_ABI-L1b-RadC-M6C13_G18_s20231210001173_e..._c....nc``; the scan ends 2.5 min after it starts and the
    file is made 30 s later (any times do: the scan reads the start)."""
    start = _utc(start)
    mode = mode if mode is not None else (6 if start >= MODE6 else 3)
    end = start + timedelta(seconds=150)
    made = end + timedelta(seconds=30)
    return (
        f"OR_ABI-L1b-{_FILE_PRODUCT[sector]}-M{mode}C{band:02d}_G{_NUMBER[satellite]}_"
        f"s{_noaa_time(start)}_e{_noaa_time(end)}_c{_noaa_time(made)}.nc"
    )


def s3_key(satellite: SatellitePattern, sector: Sector, band: int, start: datetime, *, mode: int | None = None) -> str:
    """``ABI-L1b-RadC/2023/121/00/OR_ABI-L1b-RadC-M6C13_G18_s...nc``"""
    s = _utc(start)
    prefix = f"ABI-L1b-{_KEY_PRODUCT[sector]}/{s.year:04d}/{_day_of_year(s):03d}/{s.hour:02d}/"
    return prefix + l1b_name(satellite, sector, band, s, mode=mode)


def scan_times(sector: Sector, start: datetime, end: datetime) -> list[datetime]:
    """Every nominal scan minute in [start, end), walked minute by minute (slow and obvious on purpose)."""
    t, end = _utc(start), _utc(end)
    if t.second or t.microsecond:
        t = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
    out = []
    while t < end:
        minutes = int((t - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) // 60
        if sector is Sector.CONUS:
            step, phase = (5, 1) if t >= MODE6 else (5, 2)
        elif sector is Sector.FULL_DISK:
            step, phase = (10, 0) if t >= MODE6 else (15, 0)
        else:
            step, phase = 1, 0
        if minutes % step == phase:
            out.append(t)
        t += timedelta(minutes=1)
    return out


def interval_and_phase(times: list[datetime], default: int, native: int | None = None) -> tuple[int, int | None]:
    """(interval minutes, phase) of file times, by README's rule (Scan), written again slowly: the minutes of the
    files (floored, distinct, sorted); the steps between consecutive ones; the finest step seen at least three
    times (a multiple of ``native`` when given) wins, else the most common step (ties: the finest); the phase is
    the most common minute modulo the interval (ties: the earliest minute). Fewer than three minutes:
    ``(default, None)``."""
    minutes = sorted({(_utc(t) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(minutes=1) for t in times})
    if len(minutes) < 3:
        return default, None
    steps: dict[int, int] = {}
    for a, b in itertools.pairwise(minutes):
        steps[b - a] = steps.get(b - a, 0) + 1
    proven = [s for s, n in steps.items() if n >= 3 and (native is None or s % native == 0)]
    if proven:
        interval = min(proven)
    else:
        top = max(steps.values())
        interval = min(s for s, n in steps.items() if n == top)
    phases: dict[int, int] = {}
    for m in minutes:
        phases[m % interval] = phases.get(m % interval, 0) + 1
    top = max(phases.values())
    return interval, next(p for p, n in phases.items() if n == top)
