"""Every file-name / key / URL pattern this tool meets (parse + build). Pure: no I/O, no Qt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from goesvfi.integrity_check.time_index.bands import CDN_SIZES, DEFAULT_CDN_SIZE
from goesvfi.integrity_check.time_index.satellites import SatellitePattern, Sector, check_band, to_utc


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


def cdn_dir_url(satellite: SatellitePattern, sector: Sector, band: int, base_url: str = DEFAULT_CDN_URL) -> str:
    """The band folder (which serves the HTML index): ``{base}/GOES18/ABI/CONUS/13/``, ``.../CONUS/02/``.

    The band is two digits, zero-padded, in the folder and in the file names (``-02-``): bands 1-9 built as
    ``/2/`` would be silent 404s.
    """
    if sector.cdn_dir is None:
        raise ValueError(f"the STAR CDN serves no {sector.display_name} images")
    return f"{base_url.rstrip('/')}/{satellite.cdn_name}/ABI/{sector.cdn_dir}/{check_band(band):02d}/"


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
        ts,
        SatellitePattern.from_number(int(m["sat"])),
        sector,
        int(m["band"]),
        NameKind.CDN,
        size=(int(m["w"]), int(m["h"])),
    )


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


def s3_hour_prefix(sector: Sector, hour: datetime) -> str:
    """``ABI-L1b-RadC/2024/152/00/``: list this prefix to learn the hour's real keys."""
    return f"{sector.s3_product}/{to_utc(hour):%Y/%j/%H}/"


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
        start,
        SatellitePattern.from_number(int(m["sat"])),
        sector,
        int(m["band"]),
        NameKind.NOAA,
        end=end,
        created=created,
        mode=int(m["mode"]),
    )


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
