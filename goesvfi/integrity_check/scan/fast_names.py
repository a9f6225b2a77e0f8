"""Parse many file names fast, with exactly the answers of ``time_index.parse_name``.

A scan meets 100,000 names per year of frames; ``parse_name`` (regex + ``strptime``) takes ~10 us a name.
Here the names this tool writes (``goes18_conus_C13_20230501T000100Z.png``) are parsed as one byte matrix
per name length with numpy, STAR CDN names use per-day caches, and every other name goes to ``parse_name``.
Results are (time in ms since the epoch, packed key): the key holds satellite, sector, band and naming.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from goesvfi.integrity_check.time_index import EPOCH, NameKind, SatellitePattern, Sector, parse_name

_SATELLITES = list(SatellitePattern)
_SECTORS = list(Sector)
_NO_SECTOR = len(_SECTORS)
_NO_BAND = 127
_KINDS = (NameKind.CANONICAL, NameKind.CDN, NameKind.NOAA, NameKind.LEGACY)  # index = rank: lower is preferred
_MS = timedelta(milliseconds=1)
_TAIL = len("_20230501T000100Z.png")
# Canonical name lengths by prefix length: 'goes18_conus_C13' (16) and 'goes18_fd_C13' / 'goes18_m1_C13' (13).
_SECTORS_BY_WIDTH = {5: (Sector.CONUS,), 2: (Sector.FULL_DISK, Sector.MESO1, Sector.MESO2)}


def pack_key(satellite: SatellitePattern, sector: Sector | None, band: int | None, kind: NameKind) -> int:
    """Satellite, sector, band (0-99) and naming of a file as one int; None = the name does not say."""
    sector_code = _NO_SECTOR if sector is None else _SECTORS.index(sector)
    band_code = _NO_BAND if band is None else band
    return ((_SATELLITES.index(satellite) * (_NO_SECTOR + 1) + sector_code) * 128 + band_code) * 4 + _KINDS.index(kind)


def unpack_key(key: int) -> tuple[SatellitePattern, Sector | None, int | None, NameKind]:
    key, rank = divmod(int(key), 4)
    key, band = divmod(key, 128)
    sat_code, sector_code = divmod(key, _NO_SECTOR + 1)
    sector = None if sector_code == _NO_SECTOR else _SECTORS[sector_code]
    return _SATELLITES[sat_code], sector, None if band == _NO_BAND else band, _KINDS[rank]


def key_rank(keys: np.ndarray) -> np.ndarray:
    """The naming rank of packed keys: 0 canonical PNG, 1 CDN, 2 NOAA, 3 legacy."""
    return keys % 4


def is_generic(keys: np.ndarray) -> np.ndarray:
    """A mask of the packed keys whose name has no satellite (a generic dated name)."""
    satellite_code = keys // 4 // 128 // (_NO_SECTOR + 1)
    return np.asarray(satellite_code == _SATELLITES.index(SatellitePattern.GENERIC))


def _ms(dt: datetime) -> int:
    return (dt - EPOCH) // _MS


# --------------------------------------------------------------------------------------------------
# Canonical names, as byte matrices
# --------------------------------------------------------------------------------------------------


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of valid proleptic Gregorian dates (H. Hinnant's algorithm), vectorised."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    days: np.ndarray = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass(frozen=True)
class _Layout:
    """Where the parts of a canonical name of one prefix width sit (``width`` = len(sector))."""

    width: int

    @property
    def length(self) -> int:
        return 11 + self.width + _TAIL

    @property
    def template(self) -> tuple[np.ndarray, np.ndarray]:
        """(columns, bytes) of the fixed characters."""
        p = 11 + self.width
        fixed = {0: "g", 1: "o", 2: "e", 3: "s", 4: "1", 6: "_", p - 4: "_", p - 3: "C", p: "_", p + 9: "T"}
        fixed.update({p + 16 + i: c for i, c in enumerate("Z.png")})
        cols = np.array(sorted(fixed))
        return cols, np.frombuffer("".join(fixed[c] for c in cols.tolist()).encode(), np.uint8)

    @property
    def digit_columns(self) -> np.ndarray:
        """band (2), year (4), month, day, hour, minute, second (2 each): 16 columns."""
        p = 11 + self.width
        return np.array([p - 2, p - 1, *range(p + 1, p + 9), *range(p + 10, p + 16)])


# Digit weights: 16 digit columns -> band, year, month, day, hour, minute, second.
_WEIGHTS = np.zeros((16, 7))
for _field, (_lo, _n) in enumerate(((0, 2), (2, 4), (6, 2), (8, 2), (10, 2), (12, 2), (14, 2))):
    _WEIGHTS[_lo : _lo + _n, _field] = 10.0 ** np.arange(_n - 1, -1, -1)


def _canonical_matrix(m: np.ndarray, layout: _Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ok mask, ms times, keys) for an (n, layout.length) matrix of ASCII names."""
    n = len(m)
    cols, fixed = layout.template
    ok = (m[:, cols] == fixed).all(axis=1)
    digits = m[:, layout.digit_columns] - np.uint8(48)  # wraps below '0': a non-digit is >= 10
    ok &= (digits < 10).all(axis=1)
    sat = m[:, 5].astype(np.int64) - 48
    ok &= (sat >= 6) & (sat <= 9)
    sector_code = np.full(n, -1, dtype=np.int64)
    for sector in _SECTORS_BY_WIDTH[layout.width]:
        hit = (m[:, 7 : 7 + layout.width] == np.frombuffer(sector.value.encode(), np.uint8)).all(axis=1)
        sector_code[hit] = _SECTORS.index(sector)
    ok &= sector_code >= 0
    band, year, month, day, hour, minute, second = (digits @ _WEIGHTS).astype(np.int64).T
    month_c = np.minimum(month, 12)  # an index into _DAYS_IN_MONTH (month 0 has 0 days: refused below)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    dim = _DAYS_IN_MONTH[month_c] + ((month_c == 2) & leap)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= dim)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    days = _days_from_civil(year, month_c, day)  # refused names get some number: ok is False for them
    times = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000
    sat_lut = np.array([_SATELLITES.index(SatellitePattern.from_number(n)) for n in range(16, 20)])
    sat_code = sat_lut[np.clip(sat - 6, 0, 3)]
    rank = _KINDS.index(NameKind.CANONICAL)
    keys = ((sat_code * (_NO_SECTOR + 1) + np.maximum(sector_code, 0)) * 128 + band) * 4 + rank
    return ok, times, keys


_LAYOUTS = tuple(_Layout(width) for width in _SECTORS_BY_WIDTH)


def parse_canonical_batch(names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ok mask, ms times, packed keys) for each name; ok is False for names that are not canonical PNGs."""
    n = len(names)
    ok = np.zeros(n, dtype=bool)
    times = np.zeros(n, dtype=np.int64)
    keys = np.zeros(n, dtype=np.int32)
    if not n:
        return ok, times, keys
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=n)
    for layout in _LAYOUTS:
        idx = np.flatnonzero(lengths == layout.length)
        if not len(idx):
            continue
        if len(idx) == n:
            group = names
        elif len(idx) == 1:
            group = [names[int(idx[0])]]
        else:
            group = list(operator.itemgetter(*idx.tolist())(names))
        try:
            raw = "".join(group).encode("ascii")
        except UnicodeEncodeError:  # rare: keep the ASCII names of the group (the others are not canonical)
            ascii_ = np.fromiter(map(str.isascii, group), dtype=bool, count=len(group))
            idx, group = idx[ascii_], [g for g, a in zip(group, ascii_.tolist(), strict=True) if a]
            raw = "".join(group).encode("ascii")
        if not len(idx):
            continue
        g_ok, g_times, g_keys = _canonical_matrix(np.frombuffer(raw, np.uint8).reshape(len(idx), -1), layout)
        if len(idx) == n:
            return g_ok, g_times, g_keys.astype(np.int32)
        ok[idx], times[idx], keys[idx] = g_ok, g_times, g_keys
    return ok, times, keys


def canonical_names(times: np.ndarray, keys: np.ndarray) -> list[str]:
    """The canonical names of parsed entries (the inverse of :func:`parse_canonical_batch`)."""
    days, rest = np.divmod(times, 86_400_000)
    prefixes: dict[int, str] = {}
    day_text: dict[int, str] = {}
    tod_text: dict[int, str] = {}
    out = []
    for key, day, tod in zip(keys.tolist(), days.tolist(), (rest // 1000).tolist(), strict=True):
        prefix = prefixes.get(key)
        if prefix is None:
            sat, sector, band, _kind = unpack_key(key)
            prefix = prefixes[key] = f"{sat.value}_{sector.value if sector else ''}_C{band or 0:02d}_"
        d = day_text.get(day)
        if d is None:
            date_ = EPOCH + timedelta(days=day)
            d = day_text[day] = f"{date_.year:04d}{date_.month:02d}{date_.day:02d}"  # %Y is not padded < 1000
        t = tod_text.get(tod)
        if t is None:
            t = tod_text[tod] = f"{tod // 3600:02d}{tod // 60 % 60:02d}{tod % 60:02d}"
        out.append(f"{prefix}{d}T{t}Z.png")
    return out


# --------------------------------------------------------------------------------------------------
# Every other name
# --------------------------------------------------------------------------------------------------

_CDN_FAST = re.compile(r"^([0-9]{7})([0-9]{4})_(GOES1[6-9]-ABI-(?:CONUS|FD)-[0-9]{1,2})-[0-9]+x[0-9]+\.jpg$")


class NameParser:
    """``parse(name) -> (ms time, packed key)`` or None for one name; STAR CDN names via per-day caches."""

    def __init__(self) -> None:
        self._days: dict[str, int | None] = {}  # 'YYYYDDD' -> ms of midnight, None if not a day
        self._tods: dict[str, int | None] = {}  # 'HHMM' -> ms since midnight, None if not a time
        self._keys: dict[str, int] = {}  # 'GOES18-ABI-CONUS-13' -> packed key

    def parse(self, name: str) -> tuple[int, int] | None:
        m = _CDN_FAST.match(name)
        if m is None:
            parsed = parse_name(name)
            if parsed is None:
                return None
            return _ms(parsed.timestamp), pack_key(parsed.satellite, parsed.sector, parsed.band, parsed.kind)
        day, tod, prefix = m.groups()
        if day not in self._days:
            self._days[day] = _day_of_year_ms(day)
        if tod not in self._tods:
            h, mi = int(tod[:2]), int(tod[2:])
            self._tods[tod] = None if h > 23 or mi > 59 else (h * 60 + mi) * 60_000
        day_ms, tod_ms = self._days[day], self._tods[tod]
        if day_ms is None or tod_ms is None:
            return None
        key = self._keys.get(prefix)
        if key is None:
            sat, _abi, sector, band = prefix.split("-")
            satellite = SatellitePattern.from_number(int(sat[4:]))
            sector_ = Sector.CONUS if sector == "CONUS" else Sector.FULL_DISK
            key = self._keys[prefix] = pack_key(satellite, sector_, int(band), NameKind.CDN)
        return day_ms + tod_ms, key


def _day_of_year_ms(text: str) -> int | None:
    year, doy = int(text[:4]), int(text[4:])
    if year < 1 or not 1 <= doy <= (date(year, 12, 31) - date(year, 1, 1)).days + 1:
        return None
    return _ms(datetime(year, 1, 1, tzinfo=UTC)) + (doy - 1) * 86_400_000
