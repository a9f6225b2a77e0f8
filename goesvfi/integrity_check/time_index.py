"""Satellites, sectors, scan schedules and every file-name / key / URL pattern (parse + build).

Pure: no I/O, no Qt. Every datetime returned is timezone-aware UTC; naive input is taken as UTC.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


# --------------------------------------------------------------------------------------------------
# Expected slots
# --------------------------------------------------------------------------------------------------


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


def detect_interval(times: Sequence[datetime] | Iterable[datetime], default: int) -> tuple[int, int | None]:
    """Detect (interval minutes, phase) from file times; ``(default, None)`` when there are too few.

    The interval is the most common gap between consecutive distinct minutes; the phase is the most common
    start minute modulo the interval, so :01/:06 CONUS files give (5, 1).
    """
    minutes = sorted({_epoch_minutes(t) for t in times})
    if len(minutes) < 3:
        return default, None
    gaps = Counter(b - a for a, b in itertools.pairwise(minutes) if b > a)
    interval = gaps.most_common(1)[0][0]
    phase = Counter(m % interval for m in minutes).most_common(1)[0][0]
    return interval, phase


# --------------------------------------------------------------------------------------------------
# Names: one parsed form for every naming this tool meets
# --------------------------------------------------------------------------------------------------


class NameKind(Enum):
    CANONICAL = "canonical"  # what this tool writes
    CDN = "cdn"  # STAR CDN JPG
    NOAA = "noaa"  # NOAA L1b NetCDF (S3)
    LEGACY = "legacy"  # older GOES-VFI / generic names with a satellite hint


@dataclass(frozen=True, slots=True)
class ParsedName:
    """What a file name tells: time (UTC), satellite, sector, band. None = the name does not say."""

    timestamp: datetime
    satellite: SatellitePattern
    sector: Sector | None
    band: int | None
    kind: NameKind
    end: datetime | None = None  # NOAA names: scan end
    created: datetime | None = None  # NOAA names: file creation
    mode: int | None = None  # NOAA names: scan mode (3, 4, 6)
    size: tuple[int, int] | None = None  # CDN names: (width, height)


# ---- canonical PNG: goes18_conus_C13_20230501T000100Z.png ----------------------------------------

_CANONICAL_RE = re.compile(
    r"^goes(?P<sat>1[6-9])_(?P<sector>conus|fd|m1|m2)_C(?P<band>\d{2})_"
    r"(?P<ts>\d{8}T\d{6})Z\.png$"
)


def canonical_name(satellite: SatellitePattern, sector: Sector, band: int, timestamp: datetime) -> str:
    """The PNG name this tool writes: ``goes18_conus_C13_20230501T000100Z.png``.

    Satellite, sector and band lead and the UTC time ends the name, so within one archive (one satellite,
    sector and band) sorting by name sorts by time.
    """
    if satellite is SatellitePattern.GENERIC:
        raise ValueError("a canonical name needs a real satellite, not GENERIC")
    ts = to_utc(timestamp).strftime("%Y%m%dT%H%M%S")
    return f"{satellite.value}_{sector.value}_C{check_band(band):02d}_{ts}Z.png"


def parse_canonical(name: str) -> ParsedName | None:
    m = _CANONICAL_RE.match(name)
    if not m:
        return None
    try:
        ts = datetime.strptime(m["ts"], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:  # month 13, 25 o'clock ...: not a time, so not one of our names
        return None
    return ParsedName(
        ts,
        SatellitePattern.from_number(int(m["sat"])),
        Sector(m["sector"]),
        int(m["band"]),
        NameKind.CANONICAL,
    )


# ---- STAR CDN: 20262400300_GOES18-ABI-FD-13-1808x1808.jpg -----------------------------------------

DEFAULT_CDN_URL = "https://cdn.star.nesdis.noaa.gov"
CDN_SIZES: dict[Sector, tuple[tuple[int, int], ...]] = {
    Sector.CONUS: ((416, 250), (625, 375), (1250, 750), (2500, 1500), (5000, 3000)),
    Sector.FULL_DISK: ((339, 339), (678, 678), (1808, 1808), (5424, 5424), (10848, 10848)),
}
DEFAULT_CDN_SIZE: dict[Sector, tuple[int, int]] = {Sector.CONUS: (2500, 1500), Sector.FULL_DISK: (1808, 1808)}

_CDN_RE = re.compile(
    r"^(?P<ts>\d{11})_GOES(?P<sat>1[6-9])-ABI-(?P<sector>CONUS|FD)-(?P<band>\d{1,2})-(?P<w>\d+)x(?P<h>\d+)\.jpg$"
)
CDN_INDEX_RE = re.compile(r"(\d{11}_GOES1[6-9]-ABI-(?:CONUS|FD)-\d{1,2}-\d+x\d+\.jpg)")


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m:
        raise ValueError(f"image size {text!r} is not WIDTHxHEIGHT")
    return int(m[1]), int(m[2])


def check_cdn_size(sector: Sector, size: tuple[int, int] | None) -> tuple[int, int]:
    """The size to ask the CDN for; a size of another sector is refused (the CDN would 404 silently)."""
    if sector.cdn_dir is None:
        raise ValueError(f"the STAR CDN serves no {sector.display_name} images")
    if size is None:
        return DEFAULT_CDN_SIZE[sector]
    if tuple(size) not in CDN_SIZES[sector]:
        allowed = ", ".join(f"{w}x{h}" for w, h in CDN_SIZES[sector])
        raise ValueError(f"{size[0]}x{size[1]} is not a {sector.display_name} size on the CDN (use {allowed})")
    return (size[0], size[1])


def cdn_filename(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    timestamp: datetime,
    size: tuple[int, int] | None = None,
) -> str:
    w, h = check_cdn_size(sector, size)
    ts = to_utc(timestamp).strftime("%Y%j%H%M")
    return f"{ts}_{satellite.cdn_name}-ABI-{sector.cdn_dir}-{check_band(band)}-{w}x{h}.jpg"


def cdn_dir_url(satellite: SatellitePattern, sector: Sector, band: int, base_url: str = DEFAULT_CDN_URL) -> str:
    """The band folder (which serves the HTML index): ``{base}/GOES18/ABI/CONUS/13/``."""
    if sector.cdn_dir is None:
        raise ValueError(f"the STAR CDN serves no {sector.display_name} images")
    return f"{base_url.rstrip('/')}/{satellite.cdn_name}/ABI/{sector.cdn_dir}/{check_band(band)}/"


def cdn_url(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    timestamp: datetime,
    size: tuple[int, int] | None = None,
    base_url: str = DEFAULT_CDN_URL,
) -> str:
    return cdn_dir_url(satellite, sector, band, base_url) + cdn_filename(satellite, sector, band, timestamp, size)


def parse_cdn(name: str) -> ParsedName | None:
    m = _CDN_RE.match(name.rsplit("/", 1)[-1])
    if not m:
        return None
    try:
        ts = _strptime_doy(m["ts"], "%Y%j%H%M")
    except ValueError:
        return None
    sector = Sector.CONUS if m["sector"] == "CONUS" else Sector.FULL_DISK
    return ParsedName(
        ts, SatellitePattern.from_number(int(m["sat"])), sector, int(m["band"]), NameKind.CDN,
        size=(int(m["w"]), int(m["h"])),
    )  # fmt: skip


# ---- NOAA L1b NetCDF / S3 ---------------------------------------------------------------------------

_NOAA_RE = re.compile(
    r"^OR_ABI-L1b-(?P<product>RadC|RadF|RadM1|RadM2)-M(?P<mode>\d)C(?P<band>\d{2})_G(?P<sat>1[6-9])_"
    r"s(?P<s>\d{14})_e(?P<e>\d{14})_c(?P<c>\d{14})\.nc$"
)


def _strptime_doy(text: str, fmt: str) -> datetime:
    """``strptime`` for ``%Y%j...`` that refuses day 366 of a common year (strptime rolls it into next year)."""
    ts = datetime.strptime(text, fmt).replace(tzinfo=UTC)
    if (ts.year, ts.timetuple().tm_yday) != (int(text[:4]), int(text[4:7])):
        raise ValueError(f"{text[:7]!r} is not a day of year")
    return ts


def parse_noaa_time(text: str) -> datetime:
    """A 14-digit NOAA time ``YYYYDDDHHMMSSt`` (t = tenths of a second) as UTC."""
    if len(text) != 14 or not text.isdigit():
        raise ValueError(f"{text!r} is not a 14-digit NOAA time")
    base = _strptime_doy(text[:13], "%Y%j%H%M%S")
    return base + timedelta(milliseconds=100 * int(text[13]))


def format_noaa_time(dt: datetime) -> str:
    dt = to_utc(dt)
    return dt.strftime("%Y%j%H%M%S") + str(dt.microsecond // 100_000)


def noaa_filename(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    start: datetime,
    end: datetime | None = None,
    created: datetime | None = None,
    mode: int | None = None,
) -> str:
    start = to_utc(start)
    end = to_utc(end) if end else start + timedelta(seconds=150)
    created = to_utc(created) if created else end + timedelta(seconds=30)
    mode = mode if mode is not None else (6 if start >= MODE6_START else 3)
    return (
        f"OR_ABI-L1b-{sector.file_product}-M{mode}C{check_band(band):02d}_{satellite.platform_id}_"
        f"s{format_noaa_time(start)}_e{format_noaa_time(end)}_c{format_noaa_time(created)}.nc"
    )


def s3_hour_prefix(sector: Sector, hour: datetime) -> str:
    """``ABI-L1b-RadC/2024/152/00/``: list this prefix to learn the hour's real keys."""
    return f"{sector.s3_product}/{to_utc(hour):%Y/%j/%H}/"


def s3_key(
    satellite: SatellitePattern,
    sector: Sector,
    band: int,
    start: datetime,
    end: datetime | None = None,
    created: datetime | None = None,
    mode: int | None = None,
) -> str:
    """A full S3 key. Only for writing archives (tests, the emulator): never guess a key to download."""
    return s3_hour_prefix(sector, start) + noaa_filename(satellite, sector, band, start, end, created, mode)


def parse_noaa(name: str) -> ParsedName | None:
    """Parse a NOAA L1b file name or full S3 key (any mode, RadC/RadF/RadM1/RadM2)."""
    m = _NOAA_RE.match(name.rsplit("/", 1)[-1])
    if not m:
        return None
    try:
        start, end, created = parse_noaa_time(m["s"]), parse_noaa_time(m["e"]), parse_noaa_time(m["c"])
    except ValueError:
        return None
    sector = {"RadC": Sector.CONUS, "RadF": Sector.FULL_DISK, "RadM1": Sector.MESO1, "RadM2": Sector.MESO2}[
        m["product"]
    ]
    return ParsedName(
        start, SatellitePattern.from_number(int(m["sat"])), sector, int(m["band"]), NameKind.NOAA,
        end=end, created=created, mode=int(m["mode"]),
    )  # fmt: skip


# ---- legacy / generic names ------------------------------------------------------------------------

_SAT_HINT_RE = re.compile(r"(?<![a-z0-9])(?:goes[-_]?|g)(1[6-9])(?![0-9])", re.IGNORECASE)
_TS_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{8})T(\d{6})Z?(?!\d)"), "%Y%m%d%H%M%S"),
    (re.compile(r"(?<!\d)(\d{8})_(\d{6})(?!\d)"), "%Y%m%d%H%M%S"),
)
_SECTOR_HINT_RE = re.compile(r"(?<![a-z0-9])(conus|pacus|fd|fulldisk|full_disk|m1|m2|meso1|meso2)(?![a-z0-9])", re.I)
_BAND_HINT_RE = re.compile(r"(?<![a-z0-9])(?:c|b|band|ch)_?(\d{1,2})(?![0-9])", re.IGNORECASE)


def parse_legacy(name: str) -> ParsedName | None:
    """Older GOES-VFI and generic names: ``goes16_..._G16_20230501T000100Z.png``, ``g18_20230501_000100.png``.

    The time is ``YYYYMMDDTHHMMSS[Z]`` or ``YYYYMMDD_HHMMSS``; the satellite comes from a hint (``goes16``,
    ``g16``, ``G16``), GENERIC when there is none. Sector and band are read when the name states them.
    """
    base = name.rsplit("/", 1)[-1]
    ts: datetime | None = None
    for rx, fmt in _TS_PATTERNS:
        m = rx.search(base)
        if m:
            try:
                ts = datetime.strptime(m.group(1) + m.group(2), fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
            break
    if ts is None:
        return None
    sats = {int(x) for x in _SAT_HINT_RE.findall(base)}
    satellite = SatellitePattern.from_number(sats.pop()) if len(sats) == 1 else SatellitePattern.GENERIC
    sector_m = _SECTOR_HINT_RE.search(base)
    sector = Sector.parse(sector_m.group(1)) if sector_m else None
    band_m = _BAND_HINT_RE.search(base)
    band = int(band_m.group(1)) if band_m and 1 <= int(band_m.group(1)) <= 16 else None
    return ParsedName(ts, satellite, sector, band, NameKind.LEGACY)


def parse_name(name: str) -> ParsedName | None:
    """Parse any name this tool meets (canonical, CDN, NOAA, legacy/generic); None if it holds no time."""
    base = name.rsplit("/", 1)[-1]
    for parser in (parse_canonical, parse_cdn, parse_noaa):
        parsed = parser(base)
        if parsed is not None:
            return parsed
    return parse_legacy(base)


def matches(
    parsed: ParsedName, satellite: SatellitePattern, sector: Sector | None = None, band: int | None = None
) -> bool:
    """Whether a parsed file belongs to the archive asked for.

    A name that does not state sector or band is taken to match (legacy names often omit them); a file of
    another satellite never matches, a GENERIC (hint-less) file matches any satellite.
    """
    if satellite is not SatellitePattern.GENERIC and parsed.satellite not in (
        satellite,
        SatellitePattern.GENERIC,
    ):
        return False
    if sector is not None and parsed.sector is not None and parsed.sector is not sector:
        return False
    return band is None or parsed.band is None or parsed.band == band
