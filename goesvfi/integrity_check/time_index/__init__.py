"""Satellites, sectors, scan schedules and every file-name / key / URL pattern (parse + build).

Pure: no I/O, no Qt. Every datetime returned is timezone-aware UTC; naive input is taken as UTC.
One import path for all of it (``goesvfi.integrity_check.time_index``); the parts live in
``satellites`` (satellites, sectors, schedules), ``slots`` (expected times, interval detection) and
``bands`` (the band facts table), ``names`` (canonical PNG, STAR CDN, NOAA L1b / S3 and legacy names).
"""

from goesvfi.integrity_check.time_index.bands import BANDS, STAR_TABLE_BANDS, BandFacts, band_facts
from goesvfi.integrity_check.time_index.names import (
    CDN_INDEX_RE,
    CDN_SIZES,
    DEFAULT_CDN_SIZE,
    DEFAULT_CDN_URL,
    NameKind,
    ParsedName,
    canonical_name,
    cdn_dir_url,
    check_cdn_size,
    matches,
    parse_canonical,
    parse_cdn,
    parse_legacy,
    parse_name,
    parse_noaa,
    parse_noaa_time,
    parse_size,
    s3_hour_prefix,
)
from goesvfi.integrity_check.time_index.satellites import (
    DEFAULT_BAND,
    EPOCH,
    MODE6_START,
    SPECIAL_TIMELINES,
    SatellitePattern,
    Sector,
    SpecialTimeline,
    check_band,
    iso_z,
    special_timeline,
    to_utc,
    unproduced_reason,
)
from goesvfi.integrity_check.time_index.slots import COVER_BEFORE, cover_window, expected_slots

__all__ = [
    "BANDS",
    "CDN_INDEX_RE",
    "CDN_SIZES",
    "COVER_BEFORE",
    "DEFAULT_BAND",
    "DEFAULT_CDN_SIZE",
    "DEFAULT_CDN_URL",
    "EPOCH",
    "MODE6_START",
    "SPECIAL_TIMELINES",
    "STAR_TABLE_BANDS",
    "BandFacts",
    "NameKind",
    "ParsedName",
    "SatellitePattern",
    "Sector",
    "SpecialTimeline",
    "band_facts",
    "canonical_name",
    "cdn_dir_url",
    "check_band",
    "check_cdn_size",
    "cover_window",
    "expected_slots",
    "iso_z",
    "matches",
    "parse_canonical",
    "parse_cdn",
    "parse_legacy",
    "parse_name",
    "parse_noaa",
    "parse_noaa_time",
    "parse_size",
    "s3_hour_prefix",
    "special_timeline",
    "to_utc",
    "unproduced_reason",
]
