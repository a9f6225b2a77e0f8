"""Property tests of the time index: name round trips, day of year, leap years, year boundaries, schedules."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goesvfi.integrity_check.scan.coverage import detect_interval_ms
from goesvfi.integrity_check.time_index import (
    CDN_SIZES,
    MODE6_START,
    NameKind,
    SatellitePattern,
    Sector,
    canonical_name,
    cdn_dir_url,
    expected_slots,
    matches,
    parse_canonical,
    parse_cdn,
    parse_legacy,
    parse_name,
    parse_noaa,
    s3_hour_prefix,
    special_timeline,
    to_utc,
    unproduced_reason,
)
from tests import names_support

REAL = SatellitePattern.real()
satellites = st.sampled_from(REAL)
sectors = st.sampled_from(list(Sector))
cdn_sectors = st.sampled_from([Sector.CONUS, Sector.FULL_DISK])
bands = st.integers(1, 16)
# Second precision, naive (the code must take naive as UTC), across many leap and common years.
times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59)).map(
    lambda d: d.replace(microsecond=0)
)
minutes = times.map(lambda d: d.replace(second=0))
tenths = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59)).map(
    lambda d: d.replace(microsecond=d.microsecond // 100_000 * 100_000)
)


def day_of_year(d: datetime) -> int:
    return (d.date() - date(d.year, 1, 1)).days + 1


def utc(d: datetime) -> datetime:
    return d.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------------


@given(satellites, sectors, bands, times)
def test_canonical_round_trip(sat: SatellitePattern, sector: Sector, band: int, ts: datetime) -> None:
    name = canonical_name(sat, sector, band, ts)
    assert name == names_support.png_name(sat, sector, band, ts)  # docs/internals.md (Names), written out in the helper
    for parsed in (parse_canonical(name), parse_name(name)):
        assert parsed is not None
        assert (parsed.timestamp, parsed.satellite, parsed.sector, parsed.band) == (utc(ts), sat, sector, band)
        assert parsed.kind is NameKind.CANONICAL


@pytest.mark.slow
@given(satellites, sectors, bands, st.lists(times, min_size=2, max_size=20, unique=True))
def test_canonical_names_sort_by_time(sat: SatellitePattern, sector: Sector, band: int, stamps: list) -> None:
    names = [canonical_name(sat, sector, band, t) for t in stamps]
    assert sorted(names) == [canonical_name(sat, sector, band, t) for t in sorted(stamps)]


@given(satellites, cdn_sectors, bands, minutes, st.data())
def test_cdn_round_trip(sat: SatellitePattern, sector: Sector, band: int, ts: datetime, data: st.DataObject) -> None:
    size = data.draw(st.sampled_from(CDN_SIZES[sector]))
    name = names_support.cdn_name(sat, sector, band, ts, size)
    folder = cdn_dir_url(sat, sector, band, base_url="http://127.0.0.1:9/")
    assert (
        folder == f"http://127.0.0.1:9/GOES{sat.number}/ABI/{'CONUS' if sector is Sector.CONUS else 'FD'}/{band:02d}/"
    )
    url = folder + name
    for parsed in (parse_cdn(name), parse_cdn(url), parse_name(name)):
        assert parsed is not None
        assert (parsed.timestamp, parsed.satellite, parsed.sector, parsed.band) == (utc(ts), sat, sector, band)
        assert parsed.size == size and parsed.kind is NameKind.CDN


@given(satellites, sectors, bands, tenths, st.sampled_from([3, 4, 6]))
def test_noaa_round_trip(sat: SatellitePattern, sector: Sector, band: int, start: datetime, mode: int) -> None:
    key = names_support.s3_key(sat, sector, band, start, mode=mode)
    doy = day_of_year(start)
    product = {Sector.CONUS: "RadC", Sector.FULL_DISK: "RadF"}.get(sector, "RadM")  # DOMAIN.md, S3 keys
    assert s3_hour_prefix(sector, start) == f"ABI-L1b-{product}/{start.year:04d}/{doy:03d}/{start.hour:02d}/"
    assert s3_hour_prefix(sector, start) == key.rsplit("/", 1)[0] + "/"
    name = key.rsplit("/", 1)[1]
    stamp = f"s{start.year:04d}{doy:03d}{start:%H%M%S}{start.microsecond // 100_000}_"
    assert stamp in name and f"-M{mode}C{band:02d}_G{sat.number}_" in name
    for parsed in (parse_noaa(key), parse_noaa(name), parse_name(name)):
        assert parsed is not None
        assert (parsed.timestamp, parsed.satellite, parsed.sector, parsed.band) == (utc(start), sat, sector, band)
        assert parsed.mode == mode and parsed.kind is NameKind.NOAA


@given(satellites, times, st.sampled_from(["{s}_{t}Z.png", "{s}_ir_{t}.png", "frame_{t}Z_{s}.png"]))
def test_legacy_iso_names(sat: SatellitePattern, ts: datetime, pattern: str) -> None:
    name = pattern.format(s=sat.value, t=f"{ts:%Y%m%dT%H%M%S}")
    parsed = parse_legacy(name)
    assert parsed is not None and parsed.timestamp == utc(ts) and parsed.satellite is sat
    assert parse_name(name) == parsed


@given(satellites, times, st.sampled_from(["g{n}", "G{n}", "goes{n}", "GOES-{n}", "goes_{n}"]))
def test_legacy_underscore_names_and_hints(sat: SatellitePattern, ts: datetime, hint: str) -> None:
    name = f"{hint.format(n=sat.number)}_{ts:%Y%m%d_%H%M%S}.png"
    parsed = parse_name(name)
    assert parsed is not None and parsed.timestamp == utc(ts) and parsed.satellite is sat


def test_legacy_examples() -> None:
    old = parse_name("goes16_ir_C13_conus_G16_20230501T000100Z.png")
    assert old is not None
    assert (old.timestamp, old.satellite, old.sector, old.band, old.kind) == (
        datetime(2023, 5, 1, 0, 1, tzinfo=UTC), SatellitePattern.GOES_16, Sector.CONUS, 13, NameKind.LEGACY,
    )  # fmt: skip
    generic = parse_name("frame_20230501_000100.png")
    assert generic is not None and generic.satellite is SatellitePattern.GENERIC
    assert generic.sector is None and generic.band is None
    assert matches(generic, SatellitePattern.GOES_18, Sector.CONUS, 13)
    assert parse_name("readme.txt") is None


# --------------------------------------------------------------------------------------------------
# Day of year and leap years
# --------------------------------------------------------------------------------------------------


@given(st.integers(1990, 2100))
def test_day_366_only_in_leap_years(year: int) -> None:
    name = f"{year}3661200_GOES18-ABI-FD-13-1808x1808.jpg"
    parsed = parse_cdn(name)
    if calendar.isleap(year):
        assert parsed is not None and parsed.timestamp == datetime(year, 12, 31, 12, tzinfo=UTC)
    else:
        assert parsed is None  # not silently January 1st of the next year
    assert parse_cdn(f"{year}0001200_GOES18-ABI-FD-13-1808x1808.jpg") is None
    assert parse_cdn(f"{year}3671200_GOES18-ABI-FD-13-1808x1808.jpg") is None
    noaa = f"OR_ABI-L1b-RadF-M6C13_G18_s{year}3661200003_e{year}3661209003_c{year}3661209303.nc"
    assert (parse_noaa(noaa) is not None) == calendar.isleap(year)


@pytest.mark.parametrize("year", [2000, 2020, 2024])
def test_leap_day_round_trips(year: int) -> None:
    ts = datetime(year, 2, 29, 23, 56)
    name = f"{year}0602356_GOES18-ABI-CONUS-13-2500x1500.jpg"  # February 29th is day 60
    assert parse_name(name).timestamp == utc(ts)  # type: ignore[union-attr]
    common = parse_name("20230602356_GOES18-ABI-CONUS-13-2500x1500.jpg")  # day 60 of a common year: March 1st
    assert common is not None and common.timestamp == datetime(2023, 3, 1, 23, 56, tzinfo=UTC)


def test_invalid_times_are_not_names() -> None:
    for name in (
        "goes18_conus_C13_20231301T000100Z.png",  # month 13
        "goes18_conus_C13_20230229T000100Z.png",  # 2023 is not a leap year
        "goes18_conus_C13_20230501T240100Z.png",
        "20231212460_GOES18-ABI-CONUS-13-2500x1500.jpg",  # minute 60
    ):
        assert parse_name(name) is None, name


# --------------------------------------------------------------------------------------------------
# Expected slots
# --------------------------------------------------------------------------------------------------

mode6_days = st.dates(min_value=date(2019, 4, 3), max_value=date(2035, 12, 31))
mode3_days = st.dates(min_value=date(2017, 3, 1), max_value=date(2019, 4, 1))


def day_range(d: date) -> tuple[datetime, datetime]:
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


@given(mode6_days)
def test_mode6_counts_and_phase(d: date) -> None:
    conus = expected_slots(Sector.CONUS, *day_range(d))
    assert len(conus) == 288 and {t.minute % 5 for t in conus} == {1}
    fd = expected_slots(Sector.FULL_DISK, *day_range(d))
    assert len(fd) == 144 and {t.minute % 10 for t in fd} == {0}
    assert len(expected_slots(Sector.MESO1, *day_range(d))) == 1440


@given(mode3_days)
def test_mode3_counts_and_phase(d: date) -> None:
    fd = expected_slots(Sector.FULL_DISK, *day_range(d))
    assert len(fd) == 96 and {t.minute % 15 for t in fd} == {0}
    conus = expected_slots(Sector.CONUS, *day_range(d))
    assert len(conus) == 288 and {t.minute % 5 for t in conus} == {2}


@given(mode6_days, st.sampled_from([10, 15, 30, 60]))
def test_interval_keeps_phase(d: date, interval: int) -> None:
    slots = expected_slots(Sector.CONUS, *day_range(d), interval_minutes=interval)
    assert len(slots) == 1440 // interval
    assert slots[0] == day_range(d)[0] + timedelta(minutes=1)
    assert all(b - a == timedelta(minutes=interval) for a, b in itertools.pairwise(slots))
    if interval == 30:
        assert {t.minute for t in slots} == {1, 31}


@given(st.integers(2019, 2034), st.integers(2, 600))
def test_year_boundary_is_seamless(year: int, span_minutes: int) -> None:
    boundary = datetime(year + 1, 1, 1, tzinfo=UTC)
    start, end = boundary - timedelta(minutes=span_minutes), boundary + timedelta(minutes=span_minutes)
    slots = expected_slots(Sector.CONUS, start, end)
    assert slots == sorted(slots) and all(start <= t < end for t in slots)
    assert all(b - a == timedelta(minutes=5) for a, b in itertools.pairwise(slots))
    first_after = [t for t in slots if t >= boundary]
    assert first_after[0] == boundary + timedelta(minutes=1)
    assert len(slots) == len(expected_slots(Sector.CONUS, start, boundary)) + len(first_after)


def test_mode_change_day() -> None:
    start, end = MODE6_START - timedelta(hours=12), MODE6_START + timedelta(hours=12)
    fd = expected_slots(Sector.FULL_DISK, start, end)
    assert len(fd) == 12 * 4 + 12 * 6  # 15-minute Mode 3, then 10-minute Mode 6
    conus = expected_slots(Sector.CONUS, start, end)
    assert conus[0].minute % 5 == 2 and conus[-1].minute % 5 == 1


def test_naive_and_aware_inputs_agree() -> None:
    est = timezone(timedelta(hours=-5))
    naive = expected_slots(Sector.CONUS, datetime(2023, 5, 1, 5), datetime(2023, 5, 1, 6))
    aware = expected_slots(Sector.CONUS, datetime(2023, 5, 1, tzinfo=est), datetime(2023, 5, 1, 1, tzinfo=est))
    assert naive == aware and naive[0] == datetime(2023, 5, 1, 5, 1, tzinfo=UTC)
    assert to_utc(datetime(2023, 5, 1)).tzinfo is UTC


def test_empty_and_short_ranges() -> None:
    t = datetime(2023, 5, 1, tzinfo=UTC)
    assert expected_slots(Sector.CONUS, t, t) == []
    assert expected_slots(Sector.CONUS, t + timedelta(minutes=2), t + timedelta(minutes=4)) == []
    assert expected_slots(Sector.CONUS, t, t + timedelta(minutes=2)) == [t + timedelta(minutes=1)]


# --------------------------------------------------------------------------------------------------
# Interval detection
# --------------------------------------------------------------------------------------------------


@settings(max_examples=60)
@given(
    st.sampled_from([1, 5, 10, 15, 30, 60]),
    st.integers(0, 59),
    st.integers(3, 200),
    st.datetimes(min_value=datetime(2018, 1, 1), max_value=datetime(2030, 1, 1)),
    st.floats(0, 59.9),
)
def test_detect_interval_finds_interval_and_phase(
    interval: int, phase_seed: int, count: int, base: datetime, seconds: float
) -> None:
    phase = phase_seed % interval
    first = math_floor_to(base, interval, phase)
    stamps = [first + timedelta(minutes=interval * i, seconds=seconds) for i in range(count)]
    assert detect_interval_ms(epoch_ms(stamps), default=5) == (interval, phase)


def math_floor_to(base: datetime, interval: int, phase: int) -> datetime:
    """The latest time <= base whose minutes since the epoch are phase modulo interval."""
    epoch_min = int((utc(base) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() // 60)
    epoch_min -= (epoch_min - phase) % interval
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=epoch_min)


def test_detect_interval_with_gaps_and_fallback() -> None:
    t0 = datetime(2023, 5, 1, 0, 1, tzinfo=UTC)
    stamps = [t0 + timedelta(minutes=5 * i) for i in range(50) if i not in (7, 8, 20)]
    assert detect_interval_ms(epoch_ms(stamps), default=10) == (5, 1)
    assert detect_interval_ms(epoch_ms(stamps[:2]), default=10) == (10, None)
    s3_like = [t + timedelta(seconds=17.3) for t in stamps]  # :01:17.3 starts: still phase 1
    assert detect_interval_ms(epoch_ms(s3_like), default=10) == (5, 1)


def epoch_ms(stamps: list[datetime]) -> np.ndarray:
    return np.array([(utc(t) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1) for t in stamps])


# --------------------------------------------------------------------------------------------------
# Facts from DOMAIN.md (issue 12): CDN band padding, the Mode 6 change hour, eras, GOES-17 cooling
# --------------------------------------------------------------------------------------------------


def test_cdn_band_is_two_digits() -> None:
    ts = datetime(2026, 11, 27, 0, 1, tzinfo=UTC)
    folder = cdn_dir_url(SatellitePattern.GOES_19, Sector.CONUS, 2, base_url="https://cdn.example")
    assert folder == "https://cdn.example/GOES19/ABI/CONUS/02/"
    parsed = parse_cdn(folder + "20263310001_GOES19-ABI-CONUS-02-2500x1500.jpg")
    assert parsed is not None and (parsed.band, parsed.timestamp) == (2, ts)
    fd = parse_cdn("20263310001_GOES18-ABI-FD-13-1808x1808.jpg")
    assert fd is not None and (fd.sector, fd.band, fd.size) == (Sector.FULL_DISK, 13, (1808, 1808))


def test_the_test_names_follow_domain_md() -> None:
    """The tests' own name builders (tests/names_support.py) give DOMAIN.md's and README's examples."""
    g16, g18 = SatellitePattern.GOES_16, SatellitePattern.GOES_18
    assert names_support.cdn_name(g18, Sector.FULL_DISK, 13, datetime(2026, 8, 28, 3, 0), (1808, 1808)) == (
        "20262400300_GOES18-ABI-FD-13-1808x1808.jpg"
    )
    key = names_support.s3_key(g16, Sector.CONUS, 13, datetime(2024, 5, 31, 0, 1, 17, 300_000))
    assert key.startswith("ABI-L1b-RadC/2024/152/00/OR_ABI-L1b-RadC-M6C13_G16_s20241520001173_e")
    assert names_support.png_name(g18, Sector.CONUS, 13, datetime(2023, 5, 1, 0, 1)) == (
        "goes18_conus_C13_20230501T000100Z.png"
    )
    assert names_support.png_time("goes18_conus_C13_20230501T000100Z.png") == datetime(2023, 5, 1, 0, 1, tzinfo=UTC)
    assert names_support.png_time("goes18_conus_C13_20230229T000100Z.png") is None
    assert names_support.scan_times(Sector.CONUS, datetime(2023, 5, 1), datetime(2023, 5, 1, 0, 12)) == [
        datetime(2023, 5, 1, 0, m, tzinfo=UTC) for m in (1, 6, 11)
    ]


def test_mode6_starts_2019_04_02_at_16_utc() -> None:
    day = datetime(2019, 4, 2, tzinfo=UTC)
    fd = expected_slots(Sector.FULL_DISK, day, day + timedelta(days=1))
    morning = [t for t in fd if t.hour < 16]
    evening = [t for t in fd if t.hour >= 16]
    assert len(morning) == 16 * 4 and {t.minute for t in morning} == {0, 15, 30, 45}
    assert len(evening) == 8 * 6 and {t.minute % 10 for t in evening} == {0}
    assert datetime(2019, 4, 2, 15, 45, tzinfo=UTC) in fd and datetime(2019, 4, 2, 15, 50, tzinfo=UTC) not in fd


def test_satellite_eras() -> None:
    g16, g17 = SatellitePattern.GOES_16, SatellitePattern.GOES_17
    # GOES-17's imager ran until 2023-01-10 (the bucket has data to day 010).
    assert g17.has_data_at(datetime(2023, 1, 4, 19, tzinfo=UTC))
    assert g17.has_data_at(datetime(2023, 1, 10, 23, 56, tzinfo=UTC))
    assert not g17.has_data_at(datetime(2023, 1, 11, 0, 1, tzinfo=UTC))
    assert g17.coverage_warning(datetime(2023, 1, 4), datetime(2023, 1, 11)) is None
    # GOES-16's files run to about 18:30 UTC on 2025-04-07.
    assert g16.has_data_at(datetime(2025, 4, 7, 18, 26, tzinfo=UTC))
    assert not g16.has_data_at(datetime(2025, 4, 8, tzinfo=UTC))
    warning = g16.coverage_warning(datetime(2026, 1, 1), datetime(2026, 1, 2))
    assert warning is not None and "2025-04-07" in warning and "18:30" in warning and "GOES-19" in warning


def test_goes17_cooling_day_2020_04_10() -> None:
    """DOMAIN.md: 2020-04-10 06:01-11:56 has no GOES-17 CONUS files (Mode 3 cooling timeline)."""
    g17 = SatellitePattern.GOES_17
    day = datetime(2020, 4, 10, tzinfo=UTC)
    conus = expected_slots(Sector.CONUS, day, day + timedelta(days=1))
    gone = [t for t in conus if unproduced_reason(g17, Sector.CONUS, t, 5)]
    assert len(gone) == 72 and gone[0] == day + timedelta(hours=6, minutes=1)
    assert gone[-1] == day + timedelta(hours=11, minutes=56)
    reason = unproduced_reason(g17, Sector.CONUS, gone[0], 5)
    assert reason is not None and "cooling" in reason and "no CONUS scans" in reason
    # Full disk every 15 min then: the 10-minute slots :20 and :50 get no scan, :10 and :40 get :15 and :45.
    fd = expected_slots(Sector.FULL_DISK, day + timedelta(hours=6), day + timedelta(hours=7))
    assert [t.minute for t in fd if unproduced_reason(g17, Sector.FULL_DISK, t, 10)] == [20, 50]
    # Other satellites and days are not touched.
    assert unproduced_reason(SatellitePattern.GOES_16, Sector.CONUS, gone[0], 5) is None
    assert unproduced_reason(g17, Sector.CONUS, datetime(2020, 6, 10, 7, 1, tzinfo=UTC), 5) is None
    assert special_timeline(g17, datetime(2020, 10, 14, 5, 59, tzinfo=UTC)) is None
    assert special_timeline(g17, datetime(2020, 10, 14, 6, 0, tzinfo=UTC)) is not None


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(Sector)),
    st.datetimes(min_value=datetime(2017, 1, 1), max_value=datetime(2030, 12, 31)),
    st.integers(0, 6 * 60),
)
def test_expected_slots_equal_a_minute_by_minute_walk(sector: Sector, start: datetime, span: int) -> None:
    """Against the tests' own walk of DOMAIN.md's schedules (tests/names_support.py), across the Mode 6 change."""
    start = start.replace(tzinfo=UTC)
    if sector in (Sector.MESO1, Sector.MESO2):
        span = min(span, 90)
    end = start + timedelta(minutes=span, seconds=start.second)
    assert expected_slots(sector, start, end) == names_support.scan_times(sector, start, end)


@pytest.mark.parametrize(
    "start", [datetime(2019, 4, 2, 14, 3, 10, tzinfo=UTC), datetime(2019, 4, 2, 15, 30, tzinfo=UTC)]
)
@pytest.mark.parametrize("sector", [Sector.CONUS, Sector.FULL_DISK])
def test_expected_slots_across_the_mode_change_equal_the_walk(start: datetime, sector: Sector) -> None:
    end = datetime(2019, 4, 2, 17, 0, 1, tzinfo=UTC)
    assert expected_slots(sector, start, end) == names_support.scan_times(sector, start, end)
